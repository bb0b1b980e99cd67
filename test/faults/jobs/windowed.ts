/**
 * Fault-injection job for event time: per-key counts in 1 s tumbling event-time windows (window
 * state and event-time timers in checkpoints), written through the exactly-once file sink. The source
 * fails the job once at each index of WEIR_FAULTS_AT, each time after a completed checkpoint
 * (FaultAfterCheckpointSource, marker files in WEIR_FAULTS_DIR); the window function logs the
 * checkpoint it restored from in WEIR_FAULTS_DIR/restores.
 */
import {
  DataGeneratorSource,
  ExactlyOnceFileSink,
  RestartStrategies,
  RichMapFunction,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from 'weir';
import { FaultAfterCheckpointSource, recordRestore } from '../support.ts';

const events = Number(process.env.WEIR_FAULTS_EVENTS ?? 40_000);
const keys = Number(process.env.WEIR_FAULTS_KEYS ?? 5);
const dir = process.env.WEIR_FAULTS_DIR ?? '';
const failAt = (process.env.WEIR_FAULTS_AT ?? '').split(',').filter(Boolean).map(Number);

/** Logs the checkpoint its subtask restored from (a stateless operator is restored with the job). */
class LogRestore extends RichMapFunction<number, number> {
  override open(): void {
    recordRestore(dir, this.getRuntimeContext().getRestoredCheckpointId());
  }
  map(i: number): number {
    return i;
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(100);
// A stuck checkpoint fails fast (and visibly) instead of after the default 10 minutes.
env.getCheckpointConfig().setCheckpointTimeout(20_000);
env.getConfig().setAutoWatermarkInterval(20);
env.setRestartStrategy(RestartStrategies.fixedDelayRestart(20, 20));
env
  .fromSource(
    new FaultAfterCheckpointSource(
      new DataGeneratorSource((i) => i, events, { rateLimit: 15_000, timestamp: (_v, i) => i * 5 }),
      failAt,
      dir,
    ),
    WatermarkStrategy.forBoundedOutOfOrderness<number>(100),
    'numbers',
  )
  .uid('numbers')
  .map(new LogRestore())
  .uid('log-restore')
  .keyBy((i) => i % keys)
  .window(TumblingEventTimeWindows.of(1_000))
  .aggregate(
    {
      createAccumulator: () => 0,
      add: (_v: number, n: number) => n + 1,
      getResult: (n: number) => n,
      merge: (a: number, b: number) => a + b,
    },
    (key: number, ctx, counts: Iterable<number>, out) => {
      for (const n of counts) out.collect([key, ctx.window().getEnd(), n] as [number, number, number]);
    },
  )
  .uid('windows')
  .sinkTo(new ExactlyOnceFileSink<[number, number, number]>(process.env.WEIR_FAULTS_OUTPUT ?? 'out'))
  .uid('files');
await env.execute('event-time windows with faults');
