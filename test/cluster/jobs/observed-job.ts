/**
 * The job of the REST observability test on a standalone cluster. With WEIR_OBSERVED_BAD_FILE, it
 * reads that JSON Lines file, which holds a line that is not JSON, and fails on it without restarts
 * (the failure's record and position travel from the TaskManager to the exception history).
 * Otherwise it runs until cancelled: a rate-limited generator, keyed, with event time.
 */
import {
  DataGeneratorSource,
  JsonLinesSource,
  RestartStrategies,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const bad = process.env.WEIR_OBSERVED_BAD_FILE;
if (bad) {
  env.setRestartStrategy(RestartStrategies.noRestart());
  env
    .fromSource(new JsonLinesSource<{ n: number }>(bad), WatermarkStrategy.noWatermarks(), 'lines')
    .uid('lines')
    .map((r) => r.n)
    .uid('numbers')
    .print();
  await env.execute('observed bad input');
} else {
  env
    .fromSource(
      new DataGeneratorSource((i) => ({ key: i % 5, time: 1_700_000_000_000 + i }), 100_000_000, {
        rateLimit: 500,
      }),
      WatermarkStrategy.forMonotonousTimestamps<{ key: number; time: number }>().withTimestampAssigner(
        (e) => e.time,
      ),
      'events',
    )
    .uid('events')
    .keyBy((e) => e.key)
    .map((e) => e.key)
    .uid('keys')
    .filter(() => false)
    .print();
  await env.execute('observed');
}
