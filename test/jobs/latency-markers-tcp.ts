/**
 * Test job for latency markers between TaskManagers: a rate-limited generator (about half a second
 * at any parallelism), a counting map, a keyed exchange (over TCP when the subtasks run on different
 * TaskManagers) and a sink that drops what it gets. The job sets no latency interval: the cluster's
 * `metrics.latency.interval` applies.
 */
import {
  DataGeneratorSource,
  IntCounter,
  RichMapFunction,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';

export const RECORDS = 3_000;

class CountingMap extends RichMapFunction<number, number> {
  private readonly seen = new IntCounter();
  override open(): void {
    this.getRuntimeContext().addAccumulator('map-records', this.seen);
  }
  map(n: number): number {
    this.seen.add(1);
    return n;
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSource(
    new DataGeneratorSource((i) => i, RECORDS, { rateLimit: 6_000 }),
    WatermarkStrategy.noWatermarks<number>(),
    'numbers',
  )
  .map(new CountingMap())
  .name('counting map')
  .keyBy((n) => n % 7)
  .map((n) => n * 2)
  .name('double')
  .sinkTo({ invoke() {} })
  .name('discard sink');
await env.execute('latency-markers-tcp');
