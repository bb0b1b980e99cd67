import type { CoMapFunction } from '../../api/co-functions.ts';
import { requireMethods } from '../../api/co-functions.ts';
import { AbstractCoStreamOperator } from './co-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';

/** Runs a CoMapFunction: `map1` for the first input, `map2` for the second; keeps timestamps. */
export class CoMapOperator extends AbstractCoStreamOperator {
  private readonly fn: CoMapFunction<unknown, unknown, unknown>;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = requireMethods(ctx.functions.fn, 'connect(...).map', 'map1', 'map2');
    this.userFunction = this.fn;
  }

  processElement(value: unknown, timestamp: number): void {
    this.output.collect(this.fn.map1(value), timestamp);
  }

  processElement2(value: unknown, timestamp: number): void {
    this.output.collect(this.fn.map2(value), timestamp);
  }
}
