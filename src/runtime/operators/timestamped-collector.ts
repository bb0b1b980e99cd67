import type { Collector } from '../../core/collector.ts';
import type { Output } from './output.ts';

/** The Collector given to user functions: emits with the timestamp of the record being processed. */
export class TimestampedCollector<T> implements Collector<T> {
  timestamp = Number.NEGATIVE_INFINITY;
  private readonly output: Output;

  constructor(output: Output) {
    this.output = output;
  }

  collect(value: T): void {
    this.output.collect(value, this.timestamp);
  }
}
