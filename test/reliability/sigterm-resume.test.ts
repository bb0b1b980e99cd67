/**
 * SIGTERM is how Docker, systemd and Kubernetes stop a process: it must suspend the job, not
 * cancel it. Its checkpoints stay (even under the default retention, which deletes them on
 * cancel), and `--from-checkpoint <storage root>` resumes the newest checkpoint of that job, by
 * completion time, also when the same root holds an older run's checkpoints with higher ids.
 * The exactly-once file sink's committed output then holds every record once.
 *
 * Before: SIGTERM exited 1 with JOB_CANCELLED and deleted the checkpoints; --from-checkpoint took
 * the highest id in the root (the older run's) and records were lost.
 */
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { auditRunningCounts, checkpointsByJob, restoredCheckpointIds, until } from '../faults/support.ts';
import { repo, Workspace } from './support.ts';

const JOB = join(repo, 'test/faults/jobs/exactly-once-file.ts');
const EVENTS = 40_000;
const KEYS = 7;
/** An upper bound on waiting for one event (a checkpoint, an exit), for a loaded machine. */
const DEADLINE = 180_000;

describe('reliability: SIGTERM suspends, --from-checkpoint resumes the right job', () => {
  it('keeps the checkpoints and resumes with 0 lost and 0 duplicated, next to an older run with higher ids', async (t) => {
    const ws = new Workspace('sigterm');
    t.after(() => ws.dispose());
    const checkpoints = ws.path('checkpoints');
    const env = (output: string, release: string) => ({
      WEIR_FAULTS_EVENTS: String(EVENTS),
      WEIR_FAULTS_KEYS: String(KEYS),
      WEIR_FAULTS_RATE: '8000',
      WEIR_FAULTS_CHECKPOINTS: checkpoints,
      WEIR_FAULTS_OUTPUT: output,
      WEIR_FAULTS_RELEASE: release,
      WEIR_FAULTS_OWNER: String(process.pid),
      WEIR_FAULTS_RETENTION: 'default',
    });

    // An older run of the same job, with more checkpoints (higher ids) than the newer run will have.
    const older = ws.start(['run', JOB, '-p', '2'], env(ws.path('out-older'), ws.path('never')));
    await until(
      () => Math.max(0, ...[...checkpointsByJob(checkpoints).values()].flat()) >= 12,
      DEADLINE,
      'checkpoint 12 of the older run',
    );
    older.child.kill('SIGKILL');
    await older.done;
    const [olderJob] = [...checkpointsByJob(checkpoints).keys()];
    const olderHighest = Math.max(...(checkpointsByJob(checkpoints).get(olderJob) ?? []));

    // The newer run: a few checkpoints, then SIGTERM.
    const newer = ws.start(['run', JOB, '-p', '2'], env(ws.path('out'), ws.path('release')));
    const newerCheckpoints = () =>
      [...checkpointsByJob(checkpoints)].filter(([job]) => job !== olderJob).flatMap(([, ids]) => ids);
    await until(
      () => {
        if (newer.child.exitCode !== null) throw new Error(`the newer run ended early: ${newer.stderr()}`);
        return newerCheckpoints().length > 0 && Math.max(...newerCheckpoints()) >= 3;
      },
      DEADLINE,
      'checkpoint 3 of the newer run',
    );
    newer.child.kill('SIGTERM');
    const suspended = await newer.done;
    assert.equal(suspended.code, 143, `SIGTERM exits 143\n${suspended.stderr}`);
    assert.match(suspended.stderr, /--from-checkpoint/, 'it says how to resume');
    assert.doesNotMatch(suspended.stderr, /JOB_CANCELLED/);
    const kept = newerCheckpoints();
    assert.ok(kept.length > 0, 'the newer run kept its checkpoints');
    const newest = Math.max(...kept);
    assert.ok(
      newest < olderHighest,
      `the older run's ids (${olderHighest}) are higher than the newer run's (${newest})`,
    );

    // Resume from the storage root: the newer run's newest checkpoint, not the older run's.
    writeFileSync(ws.path('release'), '');
    const resumed = await ws.run(
      ['run', JOB, '-p', '2', '--from-checkpoint', checkpoints],
      env(ws.path('out'), ws.path('release')),
    );
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual([...new Set(restoredCheckpointIds(resumed.stderr))], [newest]);
    const { lost, duplicated } = auditRunningCounts(ws.path('out'), EVENTS, KEYS);
    assert.deepEqual({ lost, duplicated }, { lost: 0, duplicated: 0 });
    assert.ok(readdirSync(ws.path('out')).length > 0);
    ws.assertNothingLeftInTmp();
  });
});
