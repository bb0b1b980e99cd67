import { asMethodObject, type MapFunctionObject } from '../../api/functions.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';

export class MapOperator extends AbstractStreamOperator {
  private readonly fn: MapFunctionObject<unknown, unknown>;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = asMethodObject(ctx.functions.fn, 'map');
    this.userFunction = this.fn;
  }

  processElement(value: unknown, timestamp: number): void {
    this.output.collect(this.fn.map(value), timestamp);
  }
}
