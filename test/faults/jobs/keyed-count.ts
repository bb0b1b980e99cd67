/**
 * Fault-injection job: a keyed running count over a deterministic, rate-limited generator, with
 * checkpoints. The map throws once at each index of WEIR_FAULTS_AT; a marker file per injected
 * fault (in WEIR_FAULTS_DIR) makes it fire once across restarts, also on fresh worker threads.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

const events = Number(process.env.WEIR_FAULTS_EVENTS ?? 60_000);
const keys = Number(process.env.WEIR_FAULTS_KEYS ?? 10);
const rate = Number(process.env.WEIR_FAULTS_RATE ?? 30_000);
const dir = process.env.WEIR_FAULTS_DIR ?? '';
const failAt = new Set((process.env.WEIR_FAULTS_AT ?? '').split(',').filter(Boolean).map(Number));

export const counts = new CollectSink<[number, number]>();

class RunningCount extends KeyedProcessFunction<number, number, [number, number]> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
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
    new DataGeneratorSource((i) => i, events, { rateLimit: rate }),
    WatermarkStrategy.noWatermarks(),
    'numbers',
  )
  .map((i) => {
    if (failAt.has(i)) {
      const marker = join(dir, `fault-${i}`);
      if (!existsSync(marker)) {
        writeFileSync(marker, '');
        throw new Error(`injected fault at record ${i}`);
      }
    }
    return i;
  })
  .uid('inject')
  .keyBy((i) => i % keys)
  .process(new RunningCount())
  .uid('count')
  .sinkTo(counts);
await env.execute('keyed count with faults');
