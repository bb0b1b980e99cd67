import { registerSinkFactory } from '../core/connector-registry.ts';
import type { Sink } from '../core/sink.ts';

/**
 * A sink that drops every record, as Flink's `DiscardingSink` (and the SQL `blackhole` connector):
 * for benchmarks and jobs run for their side effects. In a plan it is the `blackhole` connector.
 *
 * @example
 * stream.sinkTo(new DiscardingSink());
 */
export class DiscardingSink<T> implements Sink<T> {
  invoke(_value: T): void {}
}

registerSinkFactory({
  identifier: 'blackhole',
  create: () => new DiscardingSink(),
  describe: (object) => (object instanceof DiscardingSink ? {} : undefined),
});
