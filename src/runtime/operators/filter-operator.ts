import { asMethodObject, type FilterFunctionObject } from '../../api/functions.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';

export class FilterOperator extends AbstractStreamOperator {
  private readonly fn: FilterFunctionObject<unknown>;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = asMethodObject(ctx.functions.fn, 'filter');
    this.userFunction = this.fn;
  }

  processElement(value: unknown, timestamp: number): void {
    if (this.fn.filter(value)) this.output.collect(value, timestamp);
  }
}
