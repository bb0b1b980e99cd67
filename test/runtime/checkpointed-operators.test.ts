/**
 * Operators and settings around checkpoints: broadcast state survives a restart, savepoints refuse
 * state no operator can take (unless allowed), at-least-once mode recovers without losing records.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setExecutionContext } from '../../src/api/executor.ts';
import {
  type Collector,
  DataGeneratorSource,
  type KeyedBroadcastProcessContext,
  KeyedBroadcastProcessFunction,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type KeyedReadOnlyBroadcastProcessContext,
  type ListState,
  ListStateDescriptor,
  MapStateDescriptor,
  RestartStrategies,
  type Source,
  type SourceReader,
  type SourceSplit,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
  WeirError,
} from '../../src/index.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { checkRestores, FaultAfterCheckpointSource, recordRestore } from '../faults/support.ts';
import { waitFor } from './helpers.ts';

/** Marker files of the injected faults and the restores' log (FaultAfterCheckpointSource). */
let faultDir = '';

const rules = new MapStateDescriptor<string, number>('rules');

/** Counts items per key once a rule is known; items before that wait in keyed state. */
class CountWhenRuled extends KeyedBroadcastProcessFunction<number, number, string, [number, number]> {
  private pending!: ListState<number>;
  private count!: ValueState<number, number>;
  override open(): void {
    this.pending = this.getRuntimeContext().getListState(new ListStateDescriptor<number>('pending'));
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
    if (faultDir) recordRestore(faultDir, this.getRuntimeContext().getRestoredCheckpointId());
  }
  processElement(
    item: number,
    ctx: KeyedReadOnlyBroadcastProcessContext<number>,
    out: Collector<[number, number]>,
  ): void {
    if (ctx.getBroadcastState(rules).isEmpty()) {
      this.pending.add(item);
      return;
    }
    let n = this.count.value() + 1;
    for (const _ of this.pending.get()) n++;
    this.pending.clear();
    this.count.update(n);
    out.collect([ctx.getCurrentKey(), n]);
  }
  processBroadcastElement(rule: string, ctx: KeyedBroadcastProcessContext<number>): void {
    ctx.getBroadcastState(rules).put(rule, 1);
  }
}

class RunningCount extends KeyedProcessFunction<number, number, [number, number]> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
    if (faultDir) recordRestore(faultDir, this.getRuntimeContext().getRestoredCheckpointId());
  }
  processElement(_i: number, ctx: KeyedProcessContext<number>, out: Collector<[number, number]>): void {
    const n = this.count.value() + 1;
    this.count.update(n);
    out.collect([ctx.getCurrentKey(), n]);
  }
}

describe('checkpointed operators', () => {
  beforeEach(() => {
    faultDir = mkdtempSync(join(tmpdir(), 'weir-faults-'));
  });
  afterEach(() => {
    rmSync(faultDir, { recursive: true, force: true });
    faultDir = '';
  });

  it('broadcast state is restored after a failure (its source has long finished)', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    env.enableCheckpointing(50);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 10));
    const sink = new CollectSink<[number, number]>();
    const items = 3_000;
    env
      .fromSource(
        new FaultAfterCheckpointSource(
          new DataGeneratorSource((i) => i, items, { rateLimit: 4_000 }),
          [2_000],
          faultDir,
        ),
        WatermarkStrategy.noWatermarks(),
        'items',
      )
      .keyBy((i) => i % 4)
      .connect(env.fromElements('any').broadcast(rules))
      .process(new CountWhenRuled())
      .sinkTo(sink);
    const client = await env.executeAsync('broadcast state across a failure');
    await client.getJobExecutionResult();
    assert.equal(client.getCheckpointStatistics!().restarts, 1);
    checkRestores(faultDir, 1);
    const finals = new Map<number, number>();
    for (const [k, n] of sink.values) finals.set(k, Math.max(finals.get(k) ?? 0, n));
    assert.deepEqual(
      [...finals].sort((a, b) => a[0] - b[0]),
      [
        [0, 750],
        [1, 750],
        [2, 750],
        [3, 750],
      ],
    );
  });

  it('a savepoint with state for an operator the job no longer has: STATE_NOT_RESTORABLE naming it, or dropped when allowed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-sp-uid-'));
    const build = (version: string, count: number, sink: CollectSink<[number, number]>) => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.setParallelism(1);
      env.enableCheckpointing(1_000);
      env
        .fromSource(
          new DataGeneratorSource((i) => i, count, { rateLimit: 2_000 }),
          WatermarkStrategy.noWatermarks(),
          'n',
        )
        .uid(`numbers${version}`)
        .keyBy((i) => i % 3)
        .process(new RunningCount())
        .uid(`count${version}`)
        .sinkTo(sink);
      return env;
    };
    try {
      const first = await build('', 1_000_000, new CollectSink()).executeAsync('v1');
      await waitFor(() => first.getCheckpointStatistics!().completed > 0, 'a completed checkpoint', 60_000);
      const savepoint = await first.stopWithSavepoint!(dir);
      await first.getJobExecutionResult();

      setExecutionContext({ restore: { path: savepoint, kind: 'savepoint', allowNonRestoredState: false } });
      const refused = await build('-v2', 100, new CollectSink()).executeAsync('v2');
      await assert.rejects(refused.getJobExecutionResult(), (error: unknown) => {
        assert.ok(error instanceof WeirError);
        assert.equal(error.code, 'STATE_NOT_RESTORABLE');
        assert.match(error.message, /operator uid "(count|numbers)"/);
        assert.match(error.message, /--allow-non-restored-state/);
        return true;
      });

      setExecutionContext({ restore: { path: savepoint, kind: 'savepoint', allowNonRestoredState: true } });
      const sink = new CollectSink<[number, number]>();
      const allowed = await build('-v2', 100, sink).executeAsync('v2 allowed');
      await allowed.getJobExecutionResult();
      // The renamed operators start empty: the old source position and counts were dropped.
      const finals = new Map<number, number>();
      for (const [k, n] of sink.values) finals.set(k, Math.max(finals.get(k) ?? 0, n));
      assert.deepEqual([...finals.values()].sort(), [33, 33, 34]);
    } finally {
      setExecutionContext(undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a source that finished before the checkpoint is not read again after a restore', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    env.enableCheckpointing(50);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 10));
    const sink = new CollectSink<[number, number]>();
    const early = env.fromElements(-1, -2, -3, -4).uid('early'); // ends right away
    env
      .fromSource(
        new FaultAfterCheckpointSource(
          new DataGeneratorSource((i) => i, 2_000, { rateLimit: 4_000 }),
          [1_500],
          faultDir,
        ),
        WatermarkStrategy.noWatermarks(),
        'late',
      )
      .uid('late')
      .union(early)
      .keyBy((i) => (i < 0 ? 0 : 1))
      .process(new RunningCount())
      .sinkTo(sink);
    const client = await env.executeAsync('finished source');
    await client.getJobExecutionResult();
    assert.equal(client.getCheckpointStatistics!().restarts, 1);
    checkRestores(faultDir, 1);
    const finals = new Map<number, number>();
    for (const [k, n] of sink.values) finals.set(k, Math.max(finals.get(k) ?? 0, n));
    assert.equal(finals.get(0), 4, 'the four early elements counted once');
    assert.equal(finals.get(1), 2_000);
  });

  it('a restart whose redeployment fails (a source that cannot plan its splits) is retried by the restart strategy', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    env.enableCheckpointing(50);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 10));
    const faulty = new FaultAfterCheckpointSource(
      new DataGeneratorSource((i) => i, 1_000, { rateLimit: 4_000 }),
      [500],
      faultDir,
    );
    let plans = 0;
    const source: Source<number, SourceSplit> = {
      boundedness: faulty.boundedness,
      createSplits(parallelism) {
        if (++plans === 2) throw new Error('the system is down while the job restarts');
        return faulty.createSplits(parallelism);
      },
      createReader: (context) => faulty.createReader(context) as unknown as SourceReader<number, SourceSplit>,
    };
    const sink = new CollectSink<[number, number]>();
    env
      .fromSource(source, WatermarkStrategy.noWatermarks(), 'n')
      .keyBy(() => 0)
      .process(new RunningCount())
      .sinkTo(sink);
    const client = await env.executeAsync('redeployment fails once');
    await client.getJobExecutionResult();
    assert.equal(plans, 3);
    assert.equal(client.getCheckpointStatistics!().restarts, 2);
    checkRestores(faultDir, 1);
    assert.equal(Math.max(...sink.values.map(([, n]) => n)), 1_000);
  });

  it('AT_LEAST_ONCE: no alignment, and after failures every record is counted at least once', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    env.enableCheckpointing(50, 'AT_LEAST_ONCE');
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(5, 10));
    const sink = new CollectSink<[number, number]>();
    env
      .fromSource(
        new FaultAfterCheckpointSource(
          new DataGeneratorSource((i) => i, 3_000, { rateLimit: 4_000 }),
          [700, 1_900],
          faultDir,
        ),
        WatermarkStrategy.noWatermarks(),
        'n',
      )
      .keyBy((i) => i % 5)
      .process(new RunningCount())
      .sinkTo(sink);
    const client = await env.executeAsync('at least once');
    await client.getJobExecutionResult();
    assert.equal(client.getCheckpointStatistics!().restarts, 2);
    checkRestores(faultDir, 2);
    const finals = new Map<number, number>();
    for (const [k, n] of sink.values) finals.set(k, Math.max(finals.get(k) ?? 0, n));
    for (let k = 0; k < 5; k++) assert.ok((finals.get(k) ?? 0) >= 600, `key ${k}: ${finals.get(k)}`);
  });
});
