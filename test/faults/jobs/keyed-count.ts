import { DataGeneratorSource, RestartStrategies, StreamExecutionEnvironment, WatermarkStrategy } from 'weir';
import { CollectSink } from 'weir/testing';
import { FaultAfterCheckpointSource, RunningCount } from '../support.ts';

const events = Number(process.env.WEIR_FAULTS_EVENTS ?? 60_000);
const keys = Number(process.env.WEIR_FAULTS_KEYS ?? 10);
const rate = Number(process.env.WEIR_FAULTS_RATE ?? 30_000);
const dir = process.env.WEIR_FAULTS_DIR ?? '';
const failAt = (process.env.WEIR_FAULTS_AT ?? '').split(',').filter(Boolean).map(Number);

export const counts = new CollectSink<[number, number]>();

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
  .process(new RunningCount({ restoresDir: dir }))
  .uid('count')
  .sinkTo(counts);
await env.execute('keyed count with faults');
