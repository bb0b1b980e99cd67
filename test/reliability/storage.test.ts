/**
 * Checkpoint storage and working directories (issue 12, item 3), through the CLI as a user runs it:
 *
 * - Unwritable checkpoint storage: one clear error at the start, exit 1, no restart, no `.pending`
 *   part file. Before: the job restarted forever (11 restarts in 120 s), said `ENOENT … mkdir`,
 *   and left a `.pending` file per attempt.
 *   Tests run as root, which ignores permission bits (a 0555 directory is writable for root), so
 *   the storage is made unwritable in ways root cannot bypass: a path whose parent is a regular
 *   file (ENOTDIR, always available), and a read-only tmpfs mount (EROFS) where this process may
 *   mount one (it is unmounted in `t.after`; the case is skipped where mounting is not allowed).
 * - Storage that turns read-only while the job runs (the tmpfs remounted read-only): at most 3
 *   restarts without a completed checkpoint, then one clear error, exit 1, no part file left.
 *   Before: restarts without end.
 * - LMDB working directories of a run killed with `kill -9` are removed by the next run; a run
 *   that fails on slot threads removes its own at exit.
 *   Before: `weir-lmdb-*` directories stayed in the temp directory (one was 8.7 GB).
 * - `weir checkpoints list|delete`: jobs, names, checkpoints with ids, completion times and sizes;
 *   deleting a job, a checkpoint, or all but the newest N jobs, never a running job's directory.
 *   Before: no such command; old job directories accumulated.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { auditRunningCounts, completedCheckpoints, until } from '../faults/support.ts';
import { lineMatching, repo, Workspace } from './support.ts';

const JOB = join(repo, 'test/faults/jobs/exactly-once-file.ts');
const JOB_NAME = 'exactly-once file sink under kill -9';
/** An upper bound on waiting for one event (a checkpoint, an exit), for a loaded machine. */
const DEADLINE = 180_000;

function jobEnv(
  ws: Workspace,
  checkpoints: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    WEIR_FAULTS_EVENTS: '30000',
    WEIR_FAULTS_KEYS: '5',
    WEIR_FAULTS_RATE: '6000',
    WEIR_FAULTS_CHECKPOINTS: checkpoints,
    WEIR_FAULTS_OUTPUT: ws.path('out'),
    WEIR_FAULTS_RELEASE: ws.path('release'),
    WEIR_FAULTS_OWNER: String(process.pid),
    ...extra,
  };
}

/** Runs the job on unusable storage and checks the one clear failure; returns its stderr. */
async function assertFailsAtStart(ws: Workspace, checkpoints: string, reason: RegExp): Promise<string> {
  const run = ws.start(['run', JOB], jobEnv(ws, checkpoints));
  // Before the fix the job restarted forever: bound the wait, then say so.
  await until(() => run.child.exitCode !== null, 60_000, 'weir run to exit on unusable storage').catch(
    (error) => {
      run.child.kill('SIGKILL');
      throw new Error(`${error.message}; stderr so far:\n${run.stderr()}`);
    },
  );
  const { code, stderr } = await run.done;
  assert.equal(code, 1, stderr);
  const errors = stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, stderr);
  assert.match(errors[0], /^error: CHECKPOINT_FAILED: checkpoint storage file:\/\/.* cannot be used: /);
  assert.match(errors[0], reason);
  assert.doesNotMatch(stderr, /restarts in/, 'no restart');
  const parts = existsSync(ws.path('out')) ? readdirSync(ws.path('out')) : [];
  assert.deepEqual(
    parts.filter((f) => /\.(pending|inprogress)$/.test(f)),
    [],
    'no part file left behind',
  );
  ws.assertNothingLeftInTmp();
  return stderr;
}

describe('reliability: checkpoint storage', () => {
  it('storage under a regular file (ENOTDIR): one clear error at the start, exit 1, no restart, nothing left', async (t) => {
    const ws = new Workspace('storage-notdir');
    t.after(() => ws.dispose());
    writeFileSync(ws.path('a-file'), '');
    await assertFailsAtStart(
      ws,
      ws.path('a-file', 'checkpoints'),
      /cannot create the directory .*a-file\/checkpoints\/[0-9a-f-]+: .*a-file is a file, not a directory \(ENOTDIR\)$/,
    );
  });

  it('read-only storage (a read-only tmpfs mount, EROFS): one clear error saying read-only, exit 1, nothing left', async (t) => {
    const ws = new Workspace('storage-readonly');
    const mount = ws.path('readonly');
    mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      await ws.dispose();
      t.skip('this process may not mount a read-only tmpfs');
      return;
    }
    t.after(async () => {
      execFileSync('umount', [mount], { stdio: 'ignore' });
      await ws.dispose();
    });
    await assertFailsAtStart(
      ws,
      mount,
      /cannot create the directory .*readonly\/[0-9a-f-]+: .*readonly: the file system is read-only \(EROFS\)$/,
    );
  });

  it('storage that turns read-only while the job runs (tmpfs remounted ro): 3 restarts, then one clear error, exit 1, no part file left', async (t) => {
    const ws = new Workspace('storage-turns-readonly');
    const mount = ws.path('storage');
    mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      await ws.dispose();
      t.skip('this process may not mount a tmpfs');
      return;
    }
    t.after(async () => {
      await ws.children.killAll();
      execFileSync('umount', [mount], { stdio: 'ignore' });
      await ws.dispose();
    });
    const run = ws.start(['run', JOB], jobEnv(ws, mount));
    await until(
      () => {
        if (run.child.exitCode !== null) throw new Error(`the run ended early: ${run.stderr()}`);
        return completedCheckpoints(mount).length > 0;
      },
      DEADLINE,
      'a completed checkpoint',
    );
    execFileSync('mount', ['-o', 'remount,ro', mount], { stdio: 'ignore' });
    await until(() => run.child.exitCode !== null, DEADLINE, 'weir run to give up').catch((error) => {
      run.child.kill('SIGKILL');
      throw new Error(`${error.message}; stderr so far:\n${run.stderr()}`);
    });
    const { code, stderr } = await run.done;
    assert.equal(code, 1, stderr);
    assert.equal(stderr.split('\n').filter((l) => /restarts in \d+ ms/.test(l)).length, 3, stderr);
    const errors = stderr.split('\n').filter((l) => l.startsWith('error:'));
    assert.equal(errors.length, 1, stderr);
    assert.match(
      errors[0],
      /^error: CHECKPOINT_FAILED: checkpoints kept failing through 3 restarts in a row without one completing, so the job fails instead of restarting again: .*the file system is read-only \(EROFS\)/,
    );
    const parts = readdirSync(ws.path('out')).filter((f) => /\.(pending|inprogress)$/.test(f));
    assert.deepEqual(parts, [], 'no part file left behind');
    assert.equal(auditRunningCounts(ws.path('out'), 30_000, 5).duplicated, 0, 'nothing committed twice');
    ws.assertNothingLeftInTmp();
  });

  it('LMDB working directories of a run killed with kill -9 are removed at the next start', async (t) => {
    const ws = new Workspace('storage-lmdb');
    t.after(() => ws.dispose());
    const job = ws.job(
      'lmdb-job.ts',
      `import { DataGeneratorSource, KeyedProcessFunction, StreamExecutionEnvironment, ValueStateDescriptor, WatermarkStrategy } from 'weir';
class Count extends KeyedProcessFunction {
  open() { this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0)); }
  processElement(v, ctx, out) {
    this.count.update(this.count.value() + 1);
    if (v === Number(process.env.FAIL_AT)) throw new Error('failing on purpose');
    out.collect(v);
  }
}
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.setStateBackend('lmdb');
env
  .fromSource(new DataGeneratorSource((i) => i, Number(process.env.EVENTS), { rateLimit: 5_000 }), WatermarkStrategy.noWatermarks(), 'numbers')
  .keyBy((i) => i % 10)
  .process(new Count())
  .sinkTo({ invoke() {} });
await env.execute('lmdb state');
`,
    );
    const killed = ws.start(['run', job], { EVENTS: '100000000' });
    const lmdbDirs = () => ws.leftovers().filter((name) => name.startsWith('weir-lmdb-'));
    await until(
      () => {
        if (killed.child.exitCode !== null) throw new Error(`the run ended early: ${killed.stderr()}`);
        return lmdbDirs().length > 0;
      },
      DEADLINE,
      'the LMDB working directory of the first run',
    );
    const pid = Number(/running in process (\d+)/.exec(killed.stderr())?.[1]);
    killed.child.kill('SIGKILL');
    await killed.done;
    const stale = lmdbDirs();
    assert.ok(stale.length > 0 && stale.every((d) => d.startsWith(`weir-lmdb-${pid}-`)), `${stale}`);

    const next = await ws.run(['run', job], { EVENTS: '2000' });
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(lmdbDirs(), [], 'the killed run’s directory is gone, and the new run removed its own');
    // A job that fails on slot threads (terminated without disposing their state) leaves none either.
    const failed = await ws.run(['run', job, '-p', '2'], { EVENTS: '5000', FAIL_AT: '3000' });
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /failing on purpose/);
    assert.deepEqual(lmdbDirs(), [], 'the failed run removed its working directories at exit');
    ws.assertNothingLeftInTmp();
  });

  it('weir checkpoints list and delete: jobs, names, ids, times and sizes; a job, a checkpoint, --keep-jobs; never a running job', async (t) => {
    const ws = new Workspace('storage-command');
    t.after(() => ws.dispose());
    const root = ws.path('checkpoints');
    const env = jobEnv(ws, root);
    const jobs = () => (existsSync(root) ? readdirSync(root) : []);
    const checkpointsOf = (job: string) =>
      completedCheckpoints(root)
        .filter((p) => p.startsWith(`${job}/`))
        .map((p) => Number(/chk-(\d+)$/.exec(p)?.[1]));

    // Two runs killed with -9 leave their directories; a third one is running.
    const dead: string[] = [];
    for (let i = 0; i < 2; i++) {
      const run = ws.start(['run', JOB], env);
      const own = () => jobs().find((j) => !dead.includes(j));
      await until(
        () => {
          const job = own();
          return job !== undefined && checkpointsOf(job).length > 0;
        },
        DEADLINE,
        'a checkpoint of a run',
      );
      run.child.kill('SIGKILL');
      await run.done;
      dead.push(own()!);
    }
    const live = ws.start(['run', JOB], env);
    const liveJob = () => jobs().find((j) => !dead.includes(j));
    await until(
      () => {
        const job = liveJob();
        return job !== undefined && checkpointsOf(job).length > 0;
      },
      DEADLINE,
      'a checkpoint of the running job',
    );
    const running = liveJob()!;
    const pid = Number(/running in process (\d+)/.exec(live.stderr())?.[1]);

    const listed = await ws.run(['checkpoints', 'list', root]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /: 3 jobs, the latest first/);
    for (const job of [...dead, running]) {
      assert.match(
        listed.stdout,
        new RegExp(
          `job ${job}, "${JOB_NAME}", last completed \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z, \\d+ checkpoints?, [\\d.]+ (B|KiB|MiB)`,
        ),
      );
    }
    assert.match(listed.stdout, new RegExp(`job ${running}, .*, running \\(pid ${pid} on `));
    assert.match(
      listed.stdout,
      /\n {2}chk-\d+ {2}completed \d{4}-\d\d-\d\dT[\d:]+Z {2}[\d.]+ (B|KiB|MiB) {2}id \d+/,
    );

    // A running job's directory, or a checkpoint in it, is skipped and said so.
    const skipped = await ws.run(['checkpoints', 'delete', join(root, running)]);
    assert.equal(skipped.code, 1);
    assert.match(
      skipped.stderr,
      new RegExp(`skipped .*${running}: job "${JOB_NAME}" is running \\(pid ${pid}\\)`),
    );
    const chk = join(root, running, `chk-${checkpointsOf(running)[0]}`);
    const skippedChk = await ws.run(['checkpoints', 'delete', chk]);
    assert.equal(skippedChk.code, 1);
    assert.match(skippedChk.stderr, /skipped .*: it belongs to job .*, which is running/);
    assert.ok(existsSync(join(root, running)));

    // A checkpoint of a dead job, then all but the newest job (the running one).
    const deadChk = join(root, dead[0], `chk-${checkpointsOf(dead[0])[0]}`);
    const deletedChk = await ws.run(['checkpoints', 'delete', deadChk]);
    assert.equal(deletedChk.code, 0, deletedChk.stderr);
    assert.match(
      deletedChk.stdout,
      /^deleted .*chk-\d+ \(checkpoint \d+ of job ".*", [\d.]+ (B|KiB|MiB)\)$/m,
    );
    assert.ok(!existsSync(deadChk));
    const pruned = await ws.run(['checkpoints', 'delete', root, '--keep-jobs', '1']);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, new RegExp(`kept .*${running}`));
    for (const job of dead) assert.match(pruned.stdout, new RegExp(`deleted .*${job} \\(job`));
    assert.deepEqual(jobs(), [running]);
    const all = await ws.run(['checkpoints', 'delete', root, '--keep-jobs', '0']);
    assert.equal(all.code, 0, all.stderr);
    assert.ok(lineMatching(all.stderr, new RegExp(`skipped .*${running}: .* is running`)), all.stderr);
    assert.deepEqual(jobs(), [running]);

    // The running job finishes; its checkpoint is retained (RETAIN_ON_CANCELLATION), no longer running.
    writeFileSync(ws.path('release'), '');
    const finished = await live.done;
    assert.equal(finished.code, 0, finished.stderr);
    const after = await ws.run(['checkpoints', 'list', root]);
    assert.match(after.stdout, /: 1 job, the latest first/);
    assert.doesNotMatch(after.stdout, /running/);
    const last = await ws.run(['checkpoints', 'delete', root, '--keep-jobs', '0']);
    assert.equal(last.code, 0, last.stderr);
    assert.match(last.stdout, new RegExp(`deleted .*${running} \\(job "${JOB_NAME}", \\d+ checkpoints`));
    assert.deepEqual(jobs(), []);
    const empty = await ws.run(['checkpoints', 'list', root]);
    assert.match(empty.stdout, /: 0 jobs/);
    ws.assertNothingLeftInTmp();
  });
});
