import { asMethodObject, type FlatMapFunctionObject } from '../../api/functions.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import { asyncResultError } from './async-result-error.ts';
import type { OperatorContext } from './operator-context.ts';
import { TimestampedCollector } from './timestamped-collector.ts';

export class FlatMapOperator extends AbstractStreamOperator {
  private readonly fn: FlatMapFunctionObject<unknown, unknown>;
  private readonly collector: TimestampedCollector<unknown>;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = asMethodObject(ctx.functions.fn, 'flatMap');
    this.userFunction = this.fn;
    this.collector = new TimestampedCollector(this.output);
  }

  processElement(value: unknown, timestamp: number): void {
    this.collector.timestamp = timestamp;
    // A lambda may also return an iterable of results.
    const returned = this.fn.flatMap(value, this.collector) as unknown;
    if (returned !== undefined && returned !== null) {
      if (returned instanceof Promise) throw asyncResultError('flatMap');
      if (Array.isArray(returned)) {
        for (let i = 0; i < returned.length; i++) this.output.collect(returned[i], timestamp);
      } else {
        for (const r of returned as Iterable<unknown>) this.output.collect(r, timestamp);
      }
    }
  }
}
