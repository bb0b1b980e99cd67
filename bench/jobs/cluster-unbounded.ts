/**
 * The unbounded job of the cluster benchmark (bench/cluster.ts): a rate-limited generator (record i
 * is i) → keyBy(i % keys) → a running count per key in ValueState → a sink. It runs until cancelled.
 *
 * Configured by its environment (on a cluster, what `weir submit --env` passes):
 * - BENCH_RATE: records per second in all (default 1000); BENCH_KEYS: keys (default 100).
 * - BENCH_CHECKPOINT_MS and BENCH_CHECKPOINTS: checkpoint every BENCH_CHECKPOINT_MS into the
 *   directory BENCH_CHECKPOINTS, which every process of the cluster shares. Without them, no checkpoints.
 * - BENCH_RESTART=zero: `fixedDelayRestart(1000, 0)`, a restart without delay; otherwise the job
 *   keeps the default strategy (exponential delay with checkpointing).
 * - BENCH_TAG: when set, the counts are printed as `<tag> <key> <count>` (to the TaskManagers'
 *   stdout), so that the benchmark sees the first record out; otherwise they are discarded.
 */
import {
  type Collector,
  DataGeneratorSource,
  type KeyedProcessContext,
  KeyedProcessFunction,
  RestartStrategies,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { BlackholeSink } from '../blackhole-sink.ts';

const rate = Number(process.env.BENCH_RATE ?? 1_000);
const keys = Number(process.env.BENCH_KEYS ?? 100);
const checkpointMs = process.env.BENCH_CHECKPOINT_MS ? Number(process.env.BENCH_CHECKPOINT_MS) : undefined;
const tag = process.env.BENCH_TAG;

class RunningCount extends KeyedProcessFunction<number, number, { key: number; count: number }> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
  }
  processElement(
    _i: number,
    ctx: KeyedProcessContext<number>,
    out: Collector<{ key: number; count: number }>,
  ): void {
    const n = this.count.value() + 1;
    this.count.update(n);
    out.collect({ key: ctx.getCurrentKey(), count: n });
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
if (checkpointMs !== undefined) {
  env.enableCheckpointing(checkpointMs);
  env.getCheckpointConfig().setCheckpointStorage(process.env.BENCH_CHECKPOINTS ?? 'checkpoints');
}
if (process.env.BENCH_RESTART === 'zero')
  env.setRestartStrategy(RestartStrategies.fixedDelayRestart(1000, 0));
const counts = env
  .fromSource(
    new DataGeneratorSource((i) => i, Number.POSITIVE_INFINITY, { rateLimit: rate }),
    WatermarkStrategy.noWatermarks(),
    'numbers',
  )
  .uid('numbers')
  .keyBy((i) => i % keys)
  .process(new RunningCount())
  .uid('count');
if (tag !== undefined) counts.map((c) => `${tag} ${c.key} ${c.count}`).print();
else counts.sinkTo(new BlackholeSink()).uid('blackhole');
await env.execute('cluster bench unbounded');
