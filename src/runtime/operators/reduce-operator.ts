import { asMethodObject, type ReduceFunctionObject } from '../../api/functions.ts';
import type { ValueState } from '../../state/state.ts';
import { ValueStateDescriptor } from '../../state/state-descriptor.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';

/** Rolling reduce on a keyed stream: emits the key's reduced value after every record. */
export class ReduceOperator extends AbstractStreamOperator {
  private readonly fn: ReduceFunctionObject<unknown>;
  private readonly state: ValueState<unknown>;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = asMethodObject(ctx.functions.fn, 'reduce');
    this.userFunction = this.fn;
    this.state = ctx.keyedStateBackend!.getState(new ValueStateDescriptor<unknown>('_reduce'));
  }

  processElement(value: unknown, timestamp: number): void {
    const current = this.state.value();
    const next = current === undefined ? value : this.fn.reduce(current, value);
    this.state.update(next);
    this.output.collect(next, timestamp);
  }
}
