/**
 * The dashboard test's job: something to look at. An unbounded, rate-limited generator of events
 * with event-time timestamps (the wall clock, a little out of order; a watermark 200 ms behind) feeds two branches: a keyed
 * tumbling event-time window of one second (so watermarks show, per subtask and input channel),
 * and a deliberately slow sink (it pauses every few records, so the generator is back-pressured
 * and the graph turns red). Checkpoints every 300 ms.
 *
 * WEIR_UI_CHECKPOINTS: the checkpoint directory (on a cluster, the JobManager's by default).
 */
import {
  DataGeneratorSource,
  Duration,
  type Sink,
  StreamExecutionEnvironment,
  Time,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from 'weir';

interface Event {
  key: number;
  ts: number;
}

/** Takes about 50 ms for every 100 records, so it keeps up with 2,000 records/s at most. */
class SlowSink implements Sink<Event> {
  readonly maxInFlight = 1;
  private count = 0;
  invoke(): Promise<void> | undefined {
    if (++this.count % 10 !== 0) return undefined;
    return new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(300);
// On a cluster, the JobManager's state.checkpoints.dir.
if (process.env.WEIR_UI_CHECKPOINTS)
  env.getCheckpointConfig().setCheckpointStorage(process.env.WEIR_UI_CHECKPOINTS);

const events = env
  .fromSource(
    // Wall-clock timestamps up to 60 ms out of order (generator index ranges are split between the
    // subtasks, so the index itself would put the subtasks' clocks far apart).
    new DataGeneratorSource<Event>(
      (i) => ({ key: i % 8, ts: Date.now() - (i % 7) * 10 }),
      Number.POSITIVE_INFINITY,
      {
        rateLimit: 5_000,
      },
    ),
    WatermarkStrategy.forBoundedOutOfOrderness<Event>(Duration.ofMillis(200)).withTimestampAssigner(
      (e) => e.ts,
    ),
    'events',
  )
  .uid('events');

events
  .keyBy((e) => e.key)
  .window(TumblingEventTimeWindows.of(Time.seconds(1)))
  .reduce((a, b) => (a.ts > b.ts ? a : b))
  .name('latest per key and second')
  .uid('window')
  .print('window')
  .name('print windows');

events.rebalance().sinkTo(new SlowSink()).name('slow sink').uid('slow-sink');

await env.execute('dashboard test job');
