/**
 * Fault-injection job for `kill -9` with a database sink: a keyed running count over a rate-limited
 * generator (event i has key i mod WEIR_FAULTS_KEYS), written exactly once by two
 * JdbcExactlyOnceSinks into WEIR_DB_DIALECT's test database: upserts of (k, n) into WEIR_DB_COUNTS
 * (the latest count of each key) and appends of every (k, n) into WEIR_DB_EVENTS (which shows any
 * loss or duplicate). Checkpoints every 100 ms, retained in WEIR_FAULTS_CHECKPOINTS.
 * WEIR_FAULTS_RELEASE, WEIR_FAULTS_OWNER and WEIR_FAULTS_DIR as in test/faults/jobs/exactly-once-file.ts.
 */
import {
  type Collector,
  DataGeneratorSource,
  type JdbcDialectName,
  JdbcExactlyOnceSink,
  type KeyedProcessContext,
  KeyedProcessFunction,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { EndOnReleaseSource, recordRestore } from '../../faults/support.ts';
import { connectionOf } from '../databases.ts';

const events = Number(process.env.WEIR_FAULTS_EVENTS ?? 20_000);
const keys = Number(process.env.WEIR_FAULTS_KEYS ?? 7);
const rate = Number(process.env.WEIR_FAULTS_RATE ?? 10_000);
const release = process.env.WEIR_FAULTS_RELEASE;
const owner = process.env.WEIR_FAULTS_OWNER ? Number(process.env.WEIR_FAULTS_OWNER) : undefined;
const dir = process.env.WEIR_FAULTS_DIR;
const dialect = (process.env.WEIR_DB_DIALECT ?? 'postgres') as JdbcDialectName;
const sinkId = process.env.WEIR_DB_SINK_ID ?? 'killtest';

class RunningCount extends KeyedProcessFunction<number, number, { k: number; n: number }> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
    const restored = this.getRuntimeContext().getRestoredCheckpointId();
    if (dir) recordRestore(dir, restored);
    if (restored !== undefined) console.error(`restored from checkpoint ${restored}`);
  }
  processElement(
    _v: number,
    ctx: KeyedProcessContext<number>,
    out: Collector<{ k: number; n: number }>,
  ): void {
    const n = this.count.value() + 1;
    this.count.update(n);
    out.collect({ k: ctx.getCurrentKey(), n });
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(100);
env.getCheckpointConfig().setCheckpointTimeout(20_000);
env.getCheckpointConfig().setCheckpointStorage(process.env.WEIR_FAULTS_CHECKPOINTS ?? 'checkpoints');
env.getCheckpointConfig().setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
const numbers = new DataGeneratorSource((i) => i, events, { rateLimit: rate });
const counts = env
  .fromSource(
    release ? new EndOnReleaseSource(numbers, release, owner) : numbers,
    WatermarkStrategy.noWatermarks(),
    'numbers',
  )
  .uid('numbers')
  .keyBy((i) => i % keys)
  .process(new RunningCount())
  .uid('count');
counts
  .sinkTo(
    new JdbcExactlyOnceSink({
      connection: connectionOf(dialect),
      table: process.env.WEIR_DB_COUNTS ?? 'counts',
      columns: ['k', 'n'],
      row: (c: { k: number; n: number }) => c,
      mode: 'upsert',
      keyColumns: ['k'],
      sinkId: `${sinkId}-c`,
    }),
  )
  .uid('counts');
counts
  .sinkTo(
    new JdbcExactlyOnceSink({
      connection: connectionOf(dialect),
      table: process.env.WEIR_DB_EVENTS ?? 'count_events',
      columns: ['k', 'n'],
      row: (c: { k: number; n: number }) => c,
      sinkId: `${sinkId}-e`,
    }),
  )
  .uid('events');
await env.execute(`keyed count into ${dialect}, exactly once, under kill -9`);
