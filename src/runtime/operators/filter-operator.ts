import { asMethodObject, type FilterFunctionObject } from '../../api/functions.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import { asyncResultError } from './async-result-error.ts';
import type { OperatorContext } from './operator-context.ts';

export class FilterOperator extends AbstractStreamOperator {
  private readonly fn: FilterFunctionObject<unknown>;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = asMethodObject(ctx.functions.fn, 'filter');
    this.userFunction = this.fn;
  }

  processElement(value: unknown, timestamp: number): void {
    const keep = this.fn.filter(value);
    if (keep) {
      // A Promise is truthy: without this check an async filter would let every record through.
      if ((keep as unknown) instanceof Promise) throw asyncResultError('filter');
      this.output.collect(value, timestamp);
    }
  }
}
