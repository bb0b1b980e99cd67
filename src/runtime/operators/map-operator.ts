import { asMethodObject, type MapFunctionObject } from '../../api/functions.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import { asyncResultError } from './async-result-error.ts';
import type { OperatorContext } from './operator-context.ts';

export class MapOperator extends AbstractStreamOperator {
  private readonly fn: MapFunctionObject<unknown, unknown>;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = asMethodObject(ctx.functions.fn, 'map');
    this.userFunction = this.fn;
  }

  processElement(value: unknown, timestamp: number): void {
    const result = this.fn.map(value);
    if (result instanceof Promise) throw asyncResultError('map');
    this.output.collect(result, timestamp);
  }
}
