/**
 * The job of the metrics tests: an unbounded, rate-limited generator whose records are their own
 * event-time timestamps (at the pace of the wall clock, so watermarks advance), counted by a map in
 * the user counter `eventsSeen` (the example user metric of the Grafana dashboard), then summed per
 * parity in one-second event-time windows, and a sink that prints nothing. Two tasks, so records
 * cross an exchange; checkpoints every 200 ms; latency markers every 200 ms.
 *
 * WEIR_METRICS_JOB_NAME names the job (default `metrics-test`); WEIR_METRICS_RATE is its records per
 * second (default 2000).
 */
import {
  DataGeneratorSource,
  type MetricCounter,
  RichMapFunction,
  type RuntimeContext,
  SimpleCounter,
  StreamExecutionEnvironment,
  seconds,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from 'weir';

class CountSeen extends RichMapFunction<number, number> {
  private seen: MetricCounter = new SimpleCounter();
  override open(ctx: RuntimeContext): void {
    this.seen = ctx.getMetricGroup().counter('eventsSeen');
  }
  map(value: number): number {
    this.seen.inc();
    return value;
  }
}

const rate = Number(process.env.WEIR_METRICS_RATE ?? 2_000);
const start = Date.now();
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(200);
env.getConfig().setLatencyTrackingInterval(200);
env
  .fromSource(
    new DataGeneratorSource((i) => start + Math.floor((i * 1000) / rate), Number.MAX_SAFE_INTEGER, {
      rateLimit: rate,
    }),
    WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((t) => t),
    'generator',
  )
  .uid('generator')
  .map(new CountSeen())
  .uid('count-seen')
  .keyBy((t) => t % 2)
  .window(TumblingEventTimeWindows.of(seconds(1)))
  .reduce((a, b) => a + b)
  .uid('sums')
  .filter((sum) => sum < 0)
  .uid('none')
  .print()
  .uid('print');
await env.execute(process.env.WEIR_METRICS_JOB_NAME ?? 'metrics-test');
