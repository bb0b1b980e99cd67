/**
 * SIGTERM and SIGINT suspend a job, as Flink does when its cluster shuts down: its checkpoints stay
 * (whatever the retention), `weir run` exits 143 or 130 with one line saying how to resume, and
 * `--from-checkpoint` then resumes with nothing lost or duplicated. A second Ctrl-C exits at once; a
 * task that ignores cancellation is ended by the watchdog (`task.cancellation.timeout`).
 *
 * Before: SIGTERM and SIGINT cancelled the job, the default retention deleted its checkpoints, and
 * the exit was 1 with `error: JOB_CANCELLED`; a map stuck in a loop at -p 1 ignored both (only
 * `kill -9` ended it).
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { auditRunningCounts, latestCheckpoint, restoredCheckpointIds, until } from '../faults/support.ts';
import { lineMatching, repo, Workspace } from './support.ts';

const JOB = join(repo, 'test/faults/jobs/exactly-once-file.ts');
const EVENTS = 30_000;
const KEYS = 7;
const DEADLINE = 180_000;
const NO_XDG = { XDG_RUNTIME_DIR: '' };

/** A map that loops forever on its 10th record, after it wrote the file `stuck`. */
const STUCK = `
import { writeFileSync } from 'node:fs';
import { DataGeneratorSource, StreamExecutionEnvironment, WatermarkStrategy } from 'weir';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSource(new DataGeneratorSource((i) => i, 1_000_000, { rateLimit: 1_000 }), WatermarkStrategy.noWatermarks(), 'numbers')
  .map((i) => {
    if (i === 10) {
      writeFileSync('stuck', '');
      while (true) {}
    }
    return i;
  })
  .name('spin')
  .print();
await env.execute('stuck');
`;

/** `promise`'s value, or null once `ms` have passed. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('reliability: SIGTERM and SIGINT suspend the job', () => {
  it('SIGTERM at -p 1 exits 143, keeps the checkpoints (default retention), and --from-checkpoint resumes with 0 lost and 0 duplicated', async (t) => {
    const ws = new Workspace('shutdown-sigterm');
    t.after(() => ws.dispose());
    const checkpoints = ws.path('checkpoints');
    const env = {
      ...NO_XDG,
      WEIR_FAULTS_EVENTS: String(EVENTS),
      WEIR_FAULTS_KEYS: String(KEYS),
      WEIR_FAULTS_RATE: '8000',
      WEIR_FAULTS_CHECKPOINTS: checkpoints,
      WEIR_FAULTS_OUTPUT: ws.path('out'),
      WEIR_FAULTS_RELEASE: ws.path('release'),
      WEIR_FAULTS_OWNER: String(process.pid),
      WEIR_FAULTS_RETENTION: 'default', // deletes the checkpoints on cancel: a suspend is not a cancel
    };
    const run = ws.start(['run', JOB], env);
    await until(
      () => {
        if (run.child.exitCode !== null) throw new Error(`weir run ended early: ${run.stderr()}`);
        return latestCheckpoint(checkpoints) >= 3;
      },
      DEADLINE,
      'checkpoint 3',
    );
    run.child.kill('SIGTERM');
    const suspended = await run.done;
    assert.equal(suspended.code, 143, suspended.stderr);
    assert.doesNotMatch(suspended.stderr, /JOB_CANCELLED|error:/);
    const hint = lineMatching(suspended.stderr, /suspended; resume with:/);
    assert.ok(hint, suspended.stderr);
    const [, from] = /--from-checkpoint (\S+)$/.exec(hint)!;
    assert.ok(from.startsWith(checkpoints), hint);
    const kept = latestCheckpoint(checkpoints);
    assert.ok(kept >= 3, `the checkpoints stay (latest ${kept})`);
    ws.assertNothingLeftInTmp();

    writeFileSync(ws.path('release'), '');
    const resumed = await ws.run(['run', JOB, '--from-checkpoint', from], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual([...new Set(restoredCheckpointIds(resumed.stderr))], [kept]);
    assert.deepEqual(auditRunningCounts(ws.path('out'), EVENTS, KEYS), { lost: 0, duplicated: 0 });
    ws.assertNothingLeftInTmp();
  });

  it('a map stuck in while(true) at -p 1 ends on SIGTERM within task.cancellation.timeout', async (t) => {
    const ws = new Workspace('shutdown-stuck');
    t.after(() => ws.dispose());
    ws.job('stuck.ts', STUCK);
    const run = ws.start(['run', 'stuck.ts', '-D', 'task.cancellation.timeout=500'], NO_XDG);
    await until(() => existsSync(ws.path('stuck')), DEADLINE, 'the map to get stuck');
    const signalled = Date.now();
    run.child.kill('SIGTERM');
    // Without the watchdog the process would never end: the bound only guards the test.
    const exited = await within(run.done, 60_000);
    assert.ok(exited, `weir run ignored SIGTERM for 60 s: ${run.stderr()}`);
    assert.equal(exited.code, 143, exited.stderr);
    assert.ok(
      lineMatching(
        exited.stderr,
        /slot thread 1 \(running ".*spin.*"\) did not end its tasks within 500 ms .*terminating it/,
      ),
      exited.stderr,
    );
    assert.ok(
      lineMatching(
        exited.stderr,
        /job "stuck" suspended; it cannot be resumed: it has no checkpoint storage/,
      ),
    );
    console.log(`stuck map: exited ${Date.now() - signalled} ms after SIGTERM`);
    ws.assertNothingLeftInTmp();
  });

  it('a second Ctrl-C (SIGINT) exits at once, with 130', async (t) => {
    const ws = new Workspace('shutdown-sigint');
    t.after(() => ws.dispose());
    ws.job('stuck.ts', STUCK);
    // No watchdog (0): only the second SIGINT can end the wait for the stuck task.
    const run = ws.start(['run', 'stuck.ts', '-D', 'task.cancellation.timeout=0'], NO_XDG);
    await until(() => existsSync(ws.path('stuck')), DEADLINE, 'the map to get stuck');
    run.child.kill('SIGINT');
    await until(() => /SIGINT: suspending/.test(run.stderr()), DEADLINE, 'the suspend to begin');
    run.child.kill('SIGINT');
    const exited = await within(run.done, 60_000);
    assert.ok(exited, `the second SIGINT did not end weir run: ${run.stderr()}`);
    assert.equal(exited.code, 130, exited.stderr);
    assert.match(exited.stderr, /SIGINT again: exiting now/);
    ws.assertNothingLeftInTmp(); // the control socket goes on a forced exit too
  });
});
