import { type CoFlatMapFunction, requireMethods } from '../../api/co-functions.ts';
import { AbstractCoStreamOperator } from './co-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';
import { TimestampedCollector } from './timestamped-collector.ts';

/**
 * Runs a CoFlatMapFunction: `flatMap1` for the first input, `flatMap2` for the second. Each may
 * emit through the collector or return an iterable of results (or both), with the input's timestamp.
 */
export class CoFlatMapOperator extends AbstractCoStreamOperator {
  private readonly fn: CoFlatMapFunction<unknown, unknown, unknown>;
  private readonly collector: TimestampedCollector<unknown>;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = requireMethods(ctx.functions.fn, 'connect(...).flatMap', 'flatMap1', 'flatMap2');
    this.userFunction = this.fn;
    this.collector = new TimestampedCollector(this.output);
  }

  processElement(value: unknown, timestamp: number): void {
    this.collector.timestamp = timestamp;
    this.emitReturned(this.fn.flatMap1(value, this.collector), timestamp);
  }

  processElement2(value: unknown, timestamp: number): void {
    this.collector.timestamp = timestamp;
    this.emitReturned(this.fn.flatMap2(value, this.collector), timestamp);
  }

  private emitReturned(returned: unknown, timestamp: number): void {
    if (returned === undefined || returned === null) return;
    if (Array.isArray(returned)) {
      for (let i = 0; i < returned.length; i++) this.output.collect(returned[i], timestamp);
    } else {
      for (const r of returned as Iterable<unknown>) this.output.collect(r, timestamp);
    }
  }
}
