/**
 * Fault-injection job: a keyed running count over a deterministic, rate-limited generator, with
 * checkpoints. The source fails the job once at each index of WEIR_FAULTS_AT, each time after a
 * completed checkpoint (FaultAfterCheckpointSource: marker files in WEIR_FAULTS_DIR make each fire
 * once across restarts, also on fresh worker threads); the counting subtasks log the checkpoint they
 * restored from in WEIR_FAULTS_DIR/restores.
 */
import type { Collector } from 'weir';
import {
  DataGeneratorSource,
  type KeyedProcessContext,
  KeyedProcessFunction,
  RestartStrategies,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { CollectSink } from 'weir/testing';
import { FaultAfterCheckpointSource, recordRestore } from '../support.ts';

const events = Number(process.env.WEIR_FAULTS_EVENTS ?? 60_000);
const keys = Number(process.env.WEIR_FAULTS_KEYS ?? 10);
const rate = Number(process.env.WEIR_FAULTS_RATE ?? 30_000);
const dir = process.env.WEIR_FAULTS_DIR ?? '';
const failAt = (process.env.WEIR_FAULTS_AT ?? '').split(',').filter(Boolean).map(Number);

export const counts = new CollectSink<[number, number]>();

class RunningCount extends KeyedProcessFunction<number, number, [number, number]> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
    recordRestore(dir, this.getRuntimeContext().getRestoredCheckpointId());
  }
  processElement(_v: number, ctx: KeyedProcessContext<number>, out: Collector<[number, number]>): void {
    const n = this.count.value() + 1;
    this.count.update(n);
    out.collect([ctx.getCurrentKey(), n]);
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(100);
// A stuck checkpoint fails fast (and visibly) instead of after the default 10 minutes.
env.getCheckpointConfig().setCheckpointTimeout(20_000);
env.setRestartStrategy(RestartStrategies.fixedDelayRestart(20, 20));
env
  .fromSource(
    new FaultAfterCheckpointSource(
      new DataGeneratorSource((i) => i, events, { rateLimit: rate }),
      failAt,
      dir,
    ),
    WatermarkStrategy.noWatermarks(),
    'numbers',
  )
  .uid('numbers')
  .keyBy((i) => i % keys)
  .process(new RunningCount())
  .uid('count')
  .sinkTo(counts);
await env.execute('keyed count with faults');
