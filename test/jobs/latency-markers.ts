/**
 * Test job for latency markers: a rate-limited generator through a counting map, a keyed exchange,
 * an event-time window, an async wait operator and a connect (two-input) operator fed by a second
 * source, into three collect sinks. `WEIR_TEST_LATENCY_INTERVAL` sets the job's latency tracking
 * interval (unset: the cluster's applies). The maps count the records they see in accumulators, so
 * the test can check that no marker reached a user function.
 */
import {
  AsyncDataStream,
  DataGeneratorSource,
  Duration,
  IntCounter,
  RichCoMapFunction,
  RichMapFunction,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from 'weir';
import { CollectSink } from 'weir/testing';

export const RECORDS = 3_000;
export const TICKS = 200;
export const windows = new CollectSink<{ key: number; n: number }>();
export const doubled = new CollectSink<number>();
export const labelled = new CollectSink<string>();

class CountingMap extends RichMapFunction<number, number> {
  private readonly seen = new IntCounter();
  override open(): void {
    this.getRuntimeContext().addAccumulator('map-records', this.seen);
  }
  map(n: number): number {
    if (typeof n !== 'number') throw new Error(`the map saw ${JSON.stringify(n)}, not a record`);
    this.seen.add(1);
    return n;
  }
}

class Label extends RichCoMapFunction<number, string, string> {
  private readonly seen = new IntCounter();
  override open(): void {
    this.getRuntimeContext().addAccumulator('co-records', this.seen);
  }
  map1(n: number): string {
    this.seen.add(1);
    return `n${n}`;
  }
  map2(tick: string): string {
    this.seen.add(1);
    return tick;
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const interval = process.env.WEIR_TEST_LATENCY_INTERVAL;
if (interval !== undefined && interval !== '') env.getConfig().setLatencyTrackingInterval(Number(interval));
env.getConfig().setAutoWatermarkInterval(20);

// About half a second of input at any parallelism: long enough for tens of 10 ms markers.
const numbers = env
  .fromSource(
    new DataGeneratorSource((i) => i, RECORDS, { rateLimit: 6_000, timestamp: (i) => i }),
    WatermarkStrategy.forMonotonousTimestamps<number>(),
    'numbers',
  )
  .map(new CountingMap())
  .name('counting map');

numbers
  .keyBy((n) => n % 5)
  .window(TumblingEventTimeWindows.of(500))
  .aggregate({
    createAccumulator: () => ({ key: -1, n: 0 }),
    add: (n: number, acc: { key: number; n: number }) => ({ key: n % 5, n: acc.n + 1 }),
    getResult: (acc: { key: number; n: number }) => acc,
    merge: (a: { key: number; n: number }, b: { key: number; n: number }) => ({ key: a.key, n: a.n + b.n }),
  })
  .name('window count')
  .sinkTo(windows)
  .name('windows sink');

AsyncDataStream.orderedWait(
  numbers.rebalance(),
  { asyncInvoke: (n: number) => Promise.resolve([n * 2]) },
  Duration.ofSeconds(10),
)
  .name('async double')
  .sinkTo(doubled)
  .name('doubled sink');

const ticks = env.fromSource(
  new DataGeneratorSource((i) => `t${i}`, TICKS, { rateLimit: 400 }),
  WatermarkStrategy.noWatermarks<string>(),
  'ticks',
);
numbers.connect(ticks).map(new Label()).name('label').sinkTo(labelled).name('labelled sink');

await env.execute('latency-markers');
