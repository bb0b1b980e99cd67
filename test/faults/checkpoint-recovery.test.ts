/**
 * Fault injection against checkpoints: each case injects failures and checks a fixed invariant,
 * then prints `faults: <N> injected, <L> lost, <D> duplicated` against the expected output.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { restoreCandidates } from '../../src/checkpoint/checkpoint-selection.ts';
import { FileCheckpointStorage } from '../../src/checkpoint/checkpoint-storage.ts';
import {
  type CheckpointStatistics,
  DataGeneratorSource,
  KeyedProcessFunction,
  RestartStrategies,
  runJob,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
  WeirError,
} from '../../src/index.ts';
import { MAX_CHECKPOINT_FAILOVERS } from '../../src/runtime/scheduler/job-checkpointing.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { checkRestores, FaultAfterCheckpointSource, recordRestore } from './support.ts';

const EVENTS = 60_000;
const KEYS = 10;
const FAULTS = [5_000, 17_000, 29_000, 41_000, 53_000];

/** The newest complete checkpoint under a storage root, by id. */
function latestCompleted(root: string): { dir: string; id: number } {
  let best = { dir: '', id: 0 };
  for (const job of readdirSync(root)) {
    if (job.startsWith('_')) continue;
    for (const chk of readdirSync(join(root, job))) {
      const id = Number(/^chk-(\d+)$/.exec(chk)?.[1] ?? 0);
      if (id > best.id && existsSync(join(root, job, chk, '_metadata')))
        best = { dir: join(root, job, chk), id };
    }
  }
  return best;
}

/** Lost and duplicated counts of final per-key counts against the expected ones. */
function compare(
  finals: Map<number, number>,
  expected: Map<number, number>,
): { lost: number; duplicated: number } {
  let lost = 0;
  let duplicated = 0;
  for (const [key, want] of expected) {
    const got = finals.get(key) ?? 0;
    if (got < want) lost += want - got;
    else duplicated += got - want;
  }
  return { lost, duplicated };
}

function finalCounts(pairs: Iterable<[number, number]>): Map<number, number> {
  const finals = new Map<number, number>();
  for (const [k, n] of pairs) finals.set(k, Math.max(finals.get(k) ?? 0, n));
  return finals;
}

const expected = new Map<number, number>();
for (let i = 0; i < EVENTS; i++) expected.set(i % KEYS, (expected.get(i % KEYS) ?? 0) + 1);

/**
 * The keyed count's verdict: one restart per fault, each from the checkpoint that fault waited for
 * (or a newer one), and final counts with nothing lost or duplicated.
 */
function assertKeyedCountsExact(pairs: Iterable<[number, number]>, restarts: number, dir: string): void {
  const { lost, duplicated } = compare(finalCounts(pairs), expected);
  const restores = checkRestores(dir, FAULTS.length);
  console.log(
    `faults: ${FAULTS.length} injected, ${lost} lost, ${duplicated} duplicated (restored from checkpoints ${restores.join(', ')})`,
  );
  assert.equal(restarts, FAULTS.length);
  assert.equal(lost, 0);
  assert.equal(duplicated, 0);
}

describe('fault injection: keyed count across task failures', () => {
  it('parallelism 1 (one thread): 5 failures after checkpoints, counts restored exactly from them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-faults-'));
    const sink = new CollectSink<[number, number]>();
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    env.enableCheckpointing(100);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(10, 10));
    try {
      env
        .fromSource(
          new FaultAfterCheckpointSource(
            new DataGeneratorSource((i) => i, EVENTS, { rateLimit: 40_000 }),
            FAULTS,
            dir,
          ),
          WatermarkStrategy.noWatermarks(),
          'numbers',
        )
        .keyBy((i) => i % KEYS)
        .process(
          new (class extends KeyedProcessFunction<number, number, [number, number]> {
            private count!: ValueState<number, number>;
            override open(): void {
              this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
              recordRestore(dir, this.getRuntimeContext().getRestoredCheckpointId());
            }
            processElement(
              _v: number,
              ctx: { getCurrentKey(): number },
              out: { collect(v: [number, number]): void },
            ): void {
              const n = this.count.value() + 1;
              this.count.update(n);
              out.collect([ctx.getCurrentKey(), n]);
            }
          })(),
        )
        .sinkTo(sink);
      const client = await env.executeAsync('keyed count p1');
      await client.getJobExecutionResult();
      const stats = client.getCheckpointStatistics!();
      assertKeyedCountsExact(sink.values, stats.restarts, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parallelism 2 (worker threads): 5 failures after checkpoints, fresh workers restored from the latest checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-faults-'));
    process.env.WEIR_FAULTS_DIR = dir;
    process.env.WEIR_FAULTS_AT = FAULTS.join(',');
    process.env.WEIR_FAULTS_EVENTS = String(EVENTS);
    process.env.WEIR_FAULTS_KEYS = String(KEYS);
    try {
      const { module, clients } = await runJob<{ counts: CollectSink<[number, number]> }>(
        new URL('./jobs/keyed-count.ts', import.meta.url),
        { parallelism: 2, taskSlots: 2 },
      );
      const stats = clients[0].getCheckpointStatistics!() as CheckpointStatistics;
      assertKeyedCountsExact(module.counts.values, stats.restarts, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fault injection: checkpoint storage', () => {
  it('corrupted or truncated latest metadata: a clear error, and the previous complete checkpoint is used', async () => {
    const root = mkdtempSync(join(tmpdir(), 'weir-chk-'));
    try {
      const storage = new FileCheckpointStorage(root);
      const meta = (id: number) => ({
        format: 'weir-checkpoint' as const,
        version: 1 as const,
        kind: 'checkpoint' as const,
        jobName: 'j',
        jobId: 'job',
        checkpointId: id,
        timestamp: id,
        maxParallelism: 128,
        tasks: [],
      });
      for (let id = 1; id <= 7; id++)
        await storage.writeMetadata(storage.checkpointLocation('job', id), meta(id));
      const file = (id: number) => join(storage.checkpointLocation('job', id), '_metadata');
      writeFileSync(file(7), readFileSync(file(7), 'utf8').slice(0, 40)); // truncated
      writeFileSync(file(6), `${JSON.stringify(meta(6))}\nsha256:00\n`); // checksum of something else
      writeFileSync(file(5), readFileSync(file(5), 'utf8').replace('"jobName": "j"', '"jobName": "k"')); // altered
      rmSync(file(4)); // never completed: no metadata
      writeFileSync(file(3), ''); // empty
      const skipped: string[] = [];
      const found = await restoreCandidates(root, 'j', (m) => skipped.push(m));
      console.log(`faults: 5 injected, 0 lost, 0 duplicated`);
      assert.equal(found.checkpoints[0].id, 2, 'the latest complete checkpoint is used');
      assert.equal(skipped.length, 5);
      assert.match(skipped[0], /chk-7: .*truncated/);
      assert.match(skipped[1], /chk-6: .*checksum/);
      assert.match(skipped[2], /chk-5: .*checksum/);
      assert.match(skipped[3], /chk-4: no checkpoint metadata/);
      assert.match(skipped[4], /chk-3: .*truncated/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a restart inside the running job: a truncated state file in the latest checkpoint falls back to the previous one, logged', async () => {
    const root = mkdtempSync(join(tmpdir(), 'weir-trunc-'));
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.join(' '));
    let truncated = 0;
    const restoredFrom: number[] = [];
    class Count extends KeyedProcessFunction<number, number, [number, number]> {
      private count!: ValueState<number>;
      override open(): void {
        this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count'));
        const id = this.getRuntimeContext().getRestoredCheckpointId();
        if (id !== undefined) restoredFrom.push(id);
      }
      override processElement(
        value: number,
        _ctx: unknown,
        out: { collect(v: [number, number]): void },
      ): void {
        const n = (this.count.value() ?? 0) + 1;
        this.count.update(n);
        out.collect([value % KEYS, n]);
        if (value === 6_000 && truncated === 0) {
          // Damage the latest completed checkpoint on disk, then fail: the restart must not use it.
          const latest = latestCompleted(root);
          const state = readdirSync(latest.dir).find((f) => f.endsWith('.state'))!;
          const file = join(latest.dir, state);
          writeFileSync(file, readFileSync(file).subarray(0, 10));
          truncated = latest.id;
          throw new Error('injected fault after truncating a state file');
        }
      }
    }
    try {
      const sink = new CollectSink<[number, number]>();
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.setParallelism(1);
      env.enableCheckpointing(50);
      env.getCheckpointConfig().setCheckpointStorage(root).setNumRetainedCheckpoints(2);
      env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 10));
      env
        .fromSource(
          new DataGeneratorSource((i) => i, 10_000, { rateLimit: 3_000 }),
          WatermarkStrategy.noWatermarks(),
          'numbers',
        )
        .keyBy((i) => i % KEYS)
        .process(new Count())
        .uid('count')
        .sinkTo(sink);
      await env.execute('truncated state');
      assert.ok(truncated >= 2, 'checkpoints had completed before the fault');
      assert.deepEqual(restoredFrom, [truncated - 1], 'restored from the checkpoint before the damaged one');
      assert.match(
        warnings.join('\n'),
        new RegExp(
          `checkpoint ${truncated} cannot be restored: state file .*chk-${truncated}/.*\\.state of checkpoint ${truncated} is truncated: 10 bytes, the metadata says \\d+; falling back to checkpoint ${truncated - 1}`,
        ),
      );
      const finals = finalCounts(sink.values);
      const want = new Map<number, number>();
      for (let i = 0; i < 10_000; i++) want.set(i % KEYS, (want.get(i % KEYS) ?? 0) + 1);
      const { lost, duplicated } = compare(finals, want);
      console.log(`faults: 1 injected, ${lost} lost, ${duplicated} duplicated`);
      assert.deepEqual({ lost, duplicated }, { lost: 0, duplicated: 0 });
    } finally {
      console.warn = warn;
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('storage not writable at the start: the job fails at once, naming the storage and the reason', async () => {
    // Root ignores permissions: the storage is made unusable by a path whose parent is a regular file.
    const blocker = join(mkdtempSync(join(tmpdir(), 'weir-ro-')), 'a-file');
    writeFileSync(blocker, '');
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.enableCheckpointing(50);
    env.getCheckpointConfig().setCheckpointStorage(join(blocker, 'checkpoints'));
    env
      .fromSource(
        new DataGeneratorSource((i) => i, 1_000, { rateLimit: 2_000 }),
        WatermarkStrategy.noWatermarks(),
        'slow',
      )
      .sinkTo(new CollectSink<number>());
    const client = await env.executeAsync('unwritable storage');
    await assert.rejects(client.getJobExecutionResult(), (error: unknown) => {
      assert.ok(error instanceof WeirError);
      assert.equal(error.code, 'CHECKPOINT_FAILED');
      assert.match(
        error.message,
        /^checkpoint storage file:\/\/.*a-file\/checkpoints cannot be used: cannot create the directory .*: .*a-file is a file, not a directory \(ENOTDIR\)$/,
      );
      return true;
    });
    const stats = client.getCheckpointStatistics!();
    assert.equal(stats.triggered, 0);
    assert.equal(stats.restarts, 0);
    rmSync(dirname(blocker), { recursive: true, force: true });
  });

  for (const parallelism of [1, 2]) {
    it(`storage that becomes unwritable while the job runs (parallelism ${parallelism}): at most ${MAX_CHECKPOINT_FAILOVERS} restarts without a completed checkpoint, then a clear failure`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'weir-gone-'));
      const storage = join(root, 'checkpoints');
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.setParallelism(parallelism);
      env.enableCheckpointing(50);
      env.getCheckpointConfig().setCheckpointStorage(storage);
      env.setRestartStrategy(RestartStrategies.fixedDelayRestart(100, 10));
      env
        .fromSource(
          new DataGeneratorSource((i) => i, 10_000_000, { rateLimit: 2_000 }),
          WatermarkStrategy.noWatermarks(),
          'slow',
        )
        .sinkTo(new CollectSink<number>());
      const client = await env.executeAsync('storage gone');
      // The storage goes away under the running job: its path becomes a regular file.
      rmSync(storage, { recursive: true, force: true });
      writeFileSync(storage, '');
      try {
        await assert.rejects(client.getJobExecutionResult(), (error: unknown) => {
          assert.ok(error instanceof WeirError);
          assert.equal(error.code, 'CHECKPOINT_FAILED');
          assert.match(
            error.message,
            /^checkpoints kept failing through 3 restarts in a row without one completing, so the job fails instead of restarting again: .*checkpoint storage .* cannot be used: cannot create the directory .*: .*checkpoints is a file, not a directory/,
          );
          return true;
        });
        const stats = client.getCheckpointStatistics!();
        console.log(`faults: ${stats.failed} injected, 0 lost, 0 duplicated`);
        assert.equal(stats.restarts, MAX_CHECKPOINT_FAILOVERS);
        assert.equal(stats.completed, 0);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
});

describe('fault injection: event-time windows and timers across failures', () => {
  for (const parallelism of [1, 2]) {
    it(`parallelism ${parallelism}: 5 failures, window results identical to a run without failures`, async () => {
      const work = mkdtempSync(join(tmpdir(), 'weir-win-'));
      const events = 40_000;
      const keys = 5;
      process.env.WEIR_FAULTS_DIR = work;
      process.env.WEIR_FAULTS_AT = [3_000, 11_000, 19_000, 27_000, 35_000]
        .map((i) => i + parallelism)
        .join(',');
      process.env.WEIR_FAULTS_EVENTS = String(events);
      process.env.WEIR_FAULTS_KEYS = String(keys);
      process.env.WEIR_FAULTS_OUTPUT = join(work, 'out');
      try {
        const { clients } = await runJob(new URL('./jobs/windowed.ts', import.meta.url), {
          parallelism,
          taskSlots: 2,
        });
        const restores = checkRestores(work, 5);
        // Expected: the count of every key in every 1 s window (record i has event time i * 5 ms).
        const expected = new Map<string, number>();
        for (let i = 0; i < events; i++) {
          const key = `${i % keys},${Math.floor((i * 5) / 1_000) * 1_000 + 1_000}`;
          expected.set(key, (expected.get(key) ?? 0) + 1);
        }
        const seen = new Map<string, number>();
        for (const file of readdirSync(join(work, 'out'))) {
          if (/\.(inprogress|pending)$/.test(file)) continue;
          for (const line of readFileSync(join(work, 'out', file), 'utf8').split('\n')) {
            if (line) seen.set(line, (seen.get(line) ?? 0) + 1);
          }
        }
        let lost = 0;
        let duplicated = 0;
        for (const [key, count] of expected) {
          const line = `[${key},${count}]`;
          const times = seen.get(line) ?? 0;
          if (times === 0) lost++;
          else duplicated += times - 1;
          seen.delete(line);
        }
        for (const times of seen.values()) duplicated += times;
        console.log(
          `faults: 5 injected, ${lost} lost, ${duplicated} duplicated (restored from checkpoints ${restores.join(', ')})`,
        );
        assert.equal(clients[0].getCheckpointStatistics!().restarts, 5);
        assert.equal(lost, 0);
        assert.equal(duplicated, 0);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }
});
