/**
 * Incremental checkpoints (CheckpointConfig.enableIncrementalCheckpointing) in running jobs: a
 * checkpoint writes only the key groups that changed and references the files of earlier ones for
 * the others; a job restores from it exactly, at another parallelism; with one checkpoint retained,
 * shared files go when no retained checkpoint uses them and never before; savepoints are full.
 *
 * The input: every key once (cold), then many records of three hot keys, then every key once
 * more. The first run is cancelled while it counts hot keys; the restored run reads the rest at
 * full speed, and its last count of each key must be the count of that key in the whole input.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setExecutionContext } from '../../src/api/executor.ts';
import { decodeMetadata } from '../../src/checkpoint/checkpoint-metadata.ts';
import {
  type Collector,
  DataGeneratorSource,
  type JobClient,
  type KeyedProcessContext,
  KeyedProcessFunction,
  RestartStrategies,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../src/index.ts';
import { keyGroupOf, keyGroupRangeForOperator } from '../../src/state/key-groups.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { FaultAfterCheckpointSource } from '../faults/support.ts';
import { waitFor } from './helpers.ts';

const KEYS = 400;
const HOT = 3;
const HOT_EVENTS = 200_000;
const EVENTS = KEYS + HOT_EVENTS + KEYS;

/** The key of event `i`. */
function keyOf(i: number): number {
  if (i < KEYS) return i;
  if (i < KEYS + HOT_EVENTS) return i % HOT;
  return i - KEYS - HOT_EVENTS;
}

/** The count of each key over the whole input. */
function expectedCounts(): Map<number, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < EVENTS; i++) counts.set(keyOf(i), (counts.get(keyOf(i)) ?? 0) + 1);
  return counts;
}

interface Counted {
  n: number;
  note: string;
}

/** Counts per key, in a value that is not tiny (so a full checkpoint is clearly larger). */
class Count extends KeyedProcessFunction<number, number, [number, number]> {
  private count!: ValueState<Counted, Counted | undefined>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<Counted>('count'));
  }
  processElement(_i: number, ctx: KeyedProcessContext<number>, out: Collector<[number, number]>): void {
    const n = (this.count.value()?.n ?? 0) + 1;
    this.count.update({ n, note: `key ${ctx.getCurrentKey()} seen ${'.'.repeat(40)}` });
    out.collect([ctx.getCurrentKey(), n]);
  }
}

type Backend = 'heap' | 'lmdb';

function job(
  root: string,
  parallelism: number,
  rateLimit: number,
  sink: CollectSink<[number, number]>,
  backend: Backend = 'heap',
): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(parallelism);
  if (backend === 'lmdb') env.setStateBackend('lmdb');
  env.enableCheckpointing(40);
  env
    .getCheckpointConfig()
    .setCheckpointStorage(root)
    .setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION')
    .enableIncrementalCheckpointing();
  env
    .fromSource(
      new DataGeneratorSource(keyOf, EVENTS, rateLimit > 0 ? { rateLimit } : {}),
      WatermarkStrategy.noWatermarks(),
      'n',
    )
    .uid('numbers')
    .keyBy((k) => k)
    .process(new Count())
    .uid('count')
    .sinkTo(sink);
  return env;
}

/** Starts the first run and waits until checkpoints completed after every cold key was counted. */
async function runUntilHotKeys(
  root: string,
  sink: CollectSink<[number, number]>,
  backend: Backend = 'heap',
): Promise<JobClient> {
  const client = await job(root, 2, 20_000, sink, backend).executeAsync('incremental');
  await waitFor(() => sink.values.length >= KEYS, 'every cold key counted', 60_000);
  const after = client.getCheckpointStatistics!().completed;
  // The first of them may have started before the last cold key: three more are surely after.
  await waitFor(() => client.getCheckpointStatistics!().completed >= after + 3, 'three checkpoints', 60_000);
  return client;
}

interface Checkpoint {
  directory: string;
  metadata: ReturnType<typeof decodeMetadata>;
}

function checkpointsOf(root: string): Checkpoint[] {
  const found: Checkpoint[] = [];
  for (const jobId of readdirSync(root)) {
    for (const name of readdirSync(join(root, jobId))) {
      const file = join(root, jobId, name, '_metadata');
      if (!/^chk-\d+$/.test(name) || !existsSync(file)) continue;
      found.push({
        directory: join(root, jobId, name),
        metadata: decodeMetadata(readFileSync(file, 'utf8'), file),
      });
    }
  }
  return found.sort((a, b) => a.metadata.checkpointId - b.metadata.checkpointId);
}

/** The last count of each key the sink saw. */
function lastCounts(values: ReadonlyArray<[number, number]>): Map<number, number> {
  const last = new Map<number, number>();
  for (const [key, n] of values) last.set(key, Math.max(last.get(key) ?? 0, n));
  return last;
}

describe('incremental checkpoints', () => {
  for (const backend of ['heap', 'lmdb'] as const) {
    it(`${backend}: write only the changed key groups, reference the rest, restore exactly at another parallelism, and keep exactly the shared files a retained checkpoint uses`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'weir-incremental-'));
      try {
        const client = await runUntilHotKeys(root, new CollectSink(), backend);
        await client.cancel();
        await client.getJobExecutionResult().catch(() => {});

        // num-retained 1: one checkpoint is left, and it references the files of earlier ones.
        const [latest, ...others] = checkpointsOf(root);
        assert.equal(others.length, 0, 'one checkpoint retained');
        const tasks = latest.metadata.tasks.filter((t) => t.operators.includes('count'));
        assert.equal(tasks.length, 2);
        let own = 0;
        let referenced = 0;
        const usedFiles = new Set<string>();
        for (const task of tasks) {
          assert.equal(task.handle.kind, 'file');
          if (task.handle.kind !== 'file') continue;
          own += task.handle.bytes;
          usedFiles.add(join(latest.directory, task.handle.file));
          assert.ok(task.references && task.references.length > 0, 'unchanged key groups are referenced');
          const groups = new Set<number>();
          for (const ref of task.references) {
            assert.ok(ref.checkpointId < latest.metadata.checkpointId);
            assert.equal(ref.handle.kind, 'file');
            if (ref.handle.kind !== 'file') continue;
            referenced += ref.handle.bytes;
            usedFiles.add(join(latest.directory, ref.handle.file));
            for (const [first, last] of ref.keyGroups.count)
              for (let g = first; g <= last; g++) groups.add(g);
          }
          // The subtask's key groups that hold keys, but those of the (at most three) hot keys.
          const { start, end } = keyGroupRangeForOperator(128, 2, task.subtask);
          const held = new Set<number>();
          for (let k = 0; k < KEYS; k++) {
            const g = keyGroupOf(k, 128);
            if (g >= start && g <= end) held.add(g);
          }
          for (const g of groups) assert.ok(held.has(g), `key group ${g} holds no key and is not referenced`);
          assert.ok(groups.size >= held.size - HOT, `${groups.size} of ${held.size} key groups referenced`);
        }
        assert.ok(
          own * 5 < referenced,
          `new files (${own} bytes) much smaller than the referenced (${referenced})`,
        );
        for (const task of latest.metadata.tasks) {
          if (task.handle.kind === 'file') usedFiles.add(join(latest.directory, task.handle.file));
        }

        // Every shared file still there is used by the retained checkpoint, or by a newer one that
        // was under way at the cancel; every file the retained checkpoint uses is there.
        const shared = join(latest.directory, '..', 'shared');
        for (const file of usedFiles) assert.ok(existsSync(file), `${file} is kept`);
        for (const name of readdirSync(shared)) {
          const id = Number(/^chk-(\d+)-/.exec(name)?.[1]);
          const used = usedFiles.has(join(shared, name)) || id > latest.metadata.checkpointId;
          assert.ok(used, `${name} is used by no retained checkpoint and must be deleted`);
        }

        // Restored at parallelism 3 from the incremental checkpoint, the counts go on exactly.
        setExecutionContext({
          restore: { path: latest.directory, kind: 'checkpoint', allowNonRestoredState: false },
        });
        const sink = new CollectSink<[number, number]>();
        // Into the other backend: the files are backend-independent.
        const other = backend === 'heap' ? 'lmdb' : 'heap';
        const restored = await job(mkdtempSync(join(root, 'again-')), 3, 0, sink, other).executeAsync(
          'restored',
        );
        setExecutionContext(undefined);
        await restored.getJobExecutionResult();
        assert.deepEqual(lastCounts(sink.values), expectedCounts());
      } finally {
        setExecutionContext(undefined);
        rmSync(root, { recursive: true, force: true });
      }
    });
  }

  it('a savepoint of a job with incremental checkpoints is self-contained', async () => {
    const root = mkdtempSync(join(tmpdir(), 'weir-incremental-sp-'));
    const savepoints = mkdtempSync(join(tmpdir(), 'weir-incremental-savepoints-'));
    try {
      const client = await runUntilHotKeys(root, new CollectSink());
      const savepoint = await client.stopWithSavepoint!(savepoints);
      await client.getJobExecutionResult();
      const file = join(savepoint, '_metadata');
      const metadata = decodeMetadata(readFileSync(file, 'utf8'), file);
      for (const task of metadata.tasks) {
        assert.equal(task.references, undefined, 'a savepoint references nothing');
        if (task.handle.kind === 'file') assert.ok(existsSync(join(savepoint, task.handle.file)));
        if (task.handle.kind === 'file') assert.doesNotMatch(task.handle.file, /[/\\]/);
      }
      // Without the checkpoints (their shared files included), the savepoint restores exactly.
      rmSync(root, { recursive: true, force: true });
      setExecutionContext({ restore: { path: savepoint, kind: 'savepoint', allowNonRestoredState: false } });
      const sink = new CollectSink<[number, number]>();
      const restored = await job(
        mkdtempSync(join(tmpdir(), 'weir-incremental-again-')),
        1,
        0,
        sink,
      ).executeAsync('restored from a savepoint');
      setExecutionContext(undefined);
      await restored.getJobExecutionResult();
      assert.deepEqual(lastCounts(sink.values), expectedCounts());
    } finally {
      setExecutionContext(undefined);
      rmSync(root, { recursive: true, force: true });
      rmSync(savepoints, { recursive: true, force: true });
    }
  });
  for (const storage of ['memory', 'file'] as const) {
    it(`${storage} storage: after failures the job restores exactly from incremental checkpoints`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'weir-incremental-faults-'));
      const events = 30_000;
      const faults = [8_000, 16_000, 24_000];
      const key = (i: number) => (i < KEYS ? i : i % HOT);
      try {
        const env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(50);
        env.setRestartStrategy(RestartStrategies.fixedDelayRestart(10, 10));
        const config = env.getCheckpointConfig().enableIncrementalCheckpointing();
        if (storage === 'file') config.setCheckpointStorage(join(dir, 'checkpoints'));
        const sink = new CollectSink<[number, number]>();
        env
          .fromSource(
            new FaultAfterCheckpointSource(
              new DataGeneratorSource((i) => i, events, { rateLimit: 40_000 }),
              faults,
              dir,
            ),
            WatermarkStrategy.noWatermarks(),
            'numbers',
          )
          .keyBy(key)
          .process(new Count())
          .sinkTo(sink);
        const client = await env.executeAsync(`incremental across failures (${storage})`);
        await client.getJobExecutionResult();
        assert.equal(client.getCheckpointStatistics!().restarts, faults.length);
        const expected = new Map<number, number>();
        for (let i = 0; i < events; i++) expected.set(key(i), (expected.get(key(i)) ?? 0) + 1);
        assert.deepEqual(lastCounts(sink.values), expected);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
