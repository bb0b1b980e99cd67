/**
 * `kill -9` of the whole `weir run` process at random moments, then `--from-checkpoint`: the
 * committed output of the exactly-once file sink must hold every (key, count) exactly once, and
 * each resume must restore from the latest checkpoint that was complete when the process died.
 *
 * Nothing here depends on the machine's speed. The job cannot end before the test releases it
 * (WEIR_FAULTS_RELEASE), each kill comes only after the run completed a random number (1 to 3) of
 * new checkpoints (then up to 100 ms later, at random), and the deadlines only bound how long an
 * event may take to come.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  auditRunningCounts,
  Children,
  killRounds,
  latestCheckpoint,
  type Run,
  restoredCheckpointIds,
} from './support.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EVENTS = 60_000;
const KEYS = 7;
const KILLS = 5;
/** An upper bound on waiting for one event (a new checkpoint, a restart), for a loaded machine. */
const DEADLINE = 180_000;

/** The checkpoint ids the counting subtasks of one run restored from (`<dir>/restores`). */
function restoresIn(dir: string): number[] {
  const file = join(dir, 'restores');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}

async function killAndResume(parallelism: number, seed: number): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'weir-kill-'));
  const checkpoints = join(work, 'checkpoints');
  const output = join(work, 'out');
  const release = join(work, 'release');
  const env = {
    ...process.env,
    WEIR_FAULTS_EVENTS: String(EVENTS),
    WEIR_FAULTS_KEYS: String(KEYS),
    WEIR_FAULTS_RATE: '10000',
    WEIR_FAULTS_CHECKPOINTS: checkpoints,
    WEIR_FAULTS_OUTPUT: output,
    WEIR_FAULTS_RELEASE: release,
    WEIR_FAULTS_OWNER: String(process.pid),
  };
  let random = seed;
  const next = () => {
    random = (random * 1103515245 + 12345) % 2 ** 31;
    return random / 2 ** 31;
  };
  const children = new Children();
  /** One `weir run`, resumed from the retained checkpoints when there are any; round `round`'s restores go to their own file. */
  const start = (round: number, resume: boolean): Run => {
    const dir = join(work, `round-${round}`);
    mkdirSync(dir);
    const args = ['bin/weir.js', 'run', 'test/faults/jobs/exactly-once-file.ts', '-p', String(parallelism)];
    if (resume) args.push('--from-checkpoint', checkpoints);
    return children.spawn(process.execPath, args, { cwd: ROOT, env: { ...env, WEIR_FAULTS_DIR: dir } });
  };
  /** Every counting subtask of `round` restored from `expected` (one line each, no other id). */
  const assertRestored = (round: number, expected: number, run: Run) => {
    const ids = restoresIn(join(work, `round-${round}`));
    assert.deepEqual(
      ids,
      new Array(parallelism).fill(expected),
      `round ${round} restored from checkpoints [${ids}], expected ${expected} (the latest complete one when the previous run was killed)\n${run.stderr()}`,
    );
  };
  try {
    const kills = await killRounds({
      kills: KILLS,
      checkpoints,
      random: next,
      deadlineMs: DEADLINE,
      start,
      killed: (round, before, _target, run) => {
        if (round > 0) assertRestored(round, before, run);
      },
    });
    const latestAtKill = latestCheckpoint(checkpoints);
    writeFileSync(release, '');
    const last = start(KILLS, true);
    const end = await last.done;
    assert.equal(end.code, 0, end.stderr);
    assertRestored(KILLS, latestAtKill, last);
    assert.deepEqual(
      [...new Set(restoredCheckpointIds(end.stderr))],
      [latestAtKill],
      'the job printed its restore',
    );

    const { lost, duplicated } = auditRunningCounts(output, EVENTS, KEYS);
    console.log(`faults: ${kills} injected, ${lost} lost, ${duplicated} duplicated`);
    assert.equal(kills, KILLS);
    assert.equal(lost, 0);
    assert.equal(duplicated, 0);
  } finally {
    await children.killAll();
    rmSync(work, { recursive: true, force: true });
  }
}

describe('fault injection: kill -9 of weir run, resume from the retained checkpoint', () => {
  it('parallelism 1: committed output identical to a run without failures', async () => {
    await killAndResume(1, 7);
  });
  it('parallelism 2 on worker threads: committed output identical to a run without failures', async () => {
    await killAndResume(2, 11);
  });
});
