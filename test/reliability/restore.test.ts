/**
 * Restores that pick the right state (issue 12, item 3), through `weir run --from-checkpoint` as a
 * user runs it, after `kill -9`:
 *
 * - The storage root also holds an older run of the same job with higher checkpoint ids: the newer
 *   run's newest checkpoint is resumed (by completion time), 0 lost, 0 duplicated.
 *   Before: the highest id across all job directories, the older run's, and records were lost.
 * - The newest checkpoint has a truncated state file: the restore says which file and why, and
 *   resumes the checkpoint completed before it; nothing is lost.
 *   Before: the restore failed with CHECKPOINT_CORRUPT (exit 1).
 * - The root holds checkpoints of other jobs only: an error lists them and asks for a directory.
 *   Before: the highest id of any job was restored into this one.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CheckpointMetadata } from '../../src/checkpoint/checkpoint-metadata.ts';
import { FileCheckpointStorage } from '../../src/checkpoint/checkpoint-storage.ts';
import { auditRunningCounts, checkpointsByJob, restoredCheckpointIds, until } from '../faults/support.ts';
import { lineMatching, repo, Workspace } from './support.ts';

const JOB = join(repo, 'test/faults/jobs/exactly-once-file.ts');
const JOB_NAME = 'exactly-once file sink under kill -9';
const EVENTS = 30_000;
const KEYS = 7;
/** An upper bound on waiting for one event (a checkpoint, an exit), for a loaded machine. */
const DEADLINE = 180_000;

function jobEnv(ws: Workspace, extra: Record<string, string> = {}): Record<string, string> {
  return {
    WEIR_FAULTS_EVENTS: String(EVENTS),
    WEIR_FAULTS_KEYS: String(KEYS),
    WEIR_FAULTS_RATE: '6000',
    WEIR_FAULTS_CHECKPOINTS: ws.path('checkpoints'),
    WEIR_FAULTS_OUTPUT: ws.path('out'),
    WEIR_FAULTS_RELEASE: ws.path('release'),
    WEIR_FAULTS_OWNER: String(process.pid),
    ...extra,
  };
}

/** Starts the job, waits until the checkpoints of its own directory reach `minId`, kills it (-9). */
async function runAndKill(
  ws: Workspace,
  minId: number,
  env: Record<string, string>,
  others: ReadonlySet<string> = new Set(),
): Promise<{ job: string; ids: number[] }> {
  const run = ws.start(['run', JOB], env);
  const own = () => [...checkpointsByJob(ws.path('checkpoints'))].find(([job]) => !others.has(job));
  await until(
    () => {
      if (run.child.exitCode !== null) throw new Error(`the run ended early: ${run.stderr()}`);
      return Math.max(0, ...(own()?.[1] ?? [])) >= minId;
    },
    DEADLINE,
    `checkpoint ${minId}`,
  );
  run.child.kill('SIGKILL');
  await run.done;
  const [job, ids] = own()!;
  return { job, ids };
}

describe('reliability: --from-checkpoint picks the right state', () => {
  it("resumes the newer run's newest checkpoint, not an older run's higher ids: 0 lost, 0 duplicated", async (t) => {
    const ws = new Workspace('restore-newer');
    t.after(() => ws.dispose());
    // The older run writes its output elsewhere: only the newer run's output is audited.
    const older = await runAndKill(ws, 12, jobEnv(ws, { WEIR_FAULTS_OUTPUT: ws.path('out-older') }));
    const newer = await runAndKill(ws, 3, jobEnv(ws), new Set([older.job]));
    const newest = Math.max(...newer.ids);
    assert.ok(newest < Math.max(...older.ids), `older ids ${older.ids} are higher than newer ${newer.ids}`);

    writeFileSync(ws.path('release'), '');
    const resumed = await ws.run(['run', JOB, '--from-checkpoint', ws.path('checkpoints')], jobEnv(ws));
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual([...new Set(restoredCheckpointIds(resumed.stderr))], [newest]);
    const audit = auditRunningCounts(ws.path('out'), EVENTS, KEYS);
    console.log(
      `restore: newer chk-${newest} over older chk-${Math.max(...older.ids)}, ${audit.lost} lost, ${audit.duplicated} duplicated`,
    );
    assert.deepEqual(audit, { lost: 0, duplicated: 0 });
    const leftParts = readdirSync(ws.path('out')).filter((f) => /\.(pending|inprogress)$/.test(f));
    assert.deepEqual(leftParts, [], "the killed runs' part files were committed or cleaned up");
    ws.assertNothingLeftInTmp();
  });

  it('a truncated state file in the newest checkpoint: logged with the file and the reason, the previous checkpoint is resumed, nothing lost', async (t) => {
    const ws = new Workspace('restore-truncated');
    t.after(() => ws.dispose());
    const env = jobEnv(ws, { WEIR_FAULTS_RETAINED: '2' });
    const run = await runAndKill(ws, 4, env);
    const complete = checkpointsByJob(ws.path('checkpoints'))
      .get(run.job)!
      .sort((a, b) => b - a);
    assert.ok(complete.length >= 2, `two complete checkpoints are retained: ${complete}`);
    const [newest, previous] = complete;
    const chk = ws.path('checkpoints', run.job, `chk-${newest}`);
    const state = readdirSync(chk).find((f) => f.endsWith('.state'))!;
    const file = join(chk, state);
    const size = statSync(file).size;
    writeFileSync(file, readFileSync(file).subarray(0, Math.floor(size / 2)));

    writeFileSync(ws.path('release'), '');
    const resumed = await ws.run(['run', JOB, '--from-checkpoint', ws.path('checkpoints')], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const warning = lineMatching(resumed.stderr, /cannot be restored/);
    assert.ok(warning, resumed.stderr);
    assert.match(
      warning,
      new RegExp(
        `checkpoint ${newest} .* cannot be restored: state file .*chk-${newest}/${state.replace('.', '\\.')} of checkpoint ${newest} is truncated: ${Math.floor(size / 2)} bytes, the metadata says ${size}; falling back to checkpoint ${previous}`,
      ),
    );
    assert.deepEqual([...new Set(restoredCheckpointIds(resumed.stderr))], [previous]);
    // Falling back past a completed checkpoint replays what came after the earlier one: output the
    // sink committed for the newer checkpoint comes again (at-least-once for that stretch).
    const audit = auditRunningCounts(ws.path('out'), EVENTS, KEYS);
    console.log(
      `restore: fell back from chk-${newest} to chk-${previous}, ${audit.lost} lost, ${audit.duplicated} replayed`,
    );
    assert.equal(audit.lost, 0);
    ws.assertNothingLeftInTmp();
  });

  it('a storage root with checkpoints of other jobs only: an error lists each (id, name, checkpoint, time) and asks for a directory', async (t) => {
    const ws = new Workspace('restore-others');
    t.after(() => ws.dispose());
    const storage = new FileCheckpointStorage(ws.path('checkpoints'));
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    for (const [jobId, jobName, id] of [
      ['1111aaaa', 'payments', 40],
      ['2222bbbb', 'refunds', 7],
    ] as const) {
      const metadata: CheckpointMetadata = {
        format: 'weir-checkpoint',
        version: 1,
        kind: 'checkpoint',
        jobName,
        jobId,
        checkpointId: id,
        timestamp: at,
        completedAt: at + id * 1000,
        maxParallelism: 128,
        tasks: [],
      };
      await storage.writeMetadata(storage.checkpointLocation(jobId, id), metadata);
    }
    const run = ws.start(['run', JOB, '--from-checkpoint', ws.path('checkpoints')], jobEnv(ws));
    // Before the fix the job restored another job's checkpoint and ran: bound the wait, then say so.
    await until(() => run.child.exitCode !== null, 60_000, 'weir run to refuse the restore').catch(
      (error) => {
        run.child.kill('SIGKILL');
        throw new Error(`${error.message}; stderr so far:\n${run.stderr()}`);
      },
    );
    const result = await run.done;
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `CHECKPOINT_NOT_FOUND: .*checkpoints holds checkpoints of 2 jobs, none named "${JOB_NAME}":`,
      ),
    );
    assert.match(result.stderr, /1111aaaa {2}"payments" {2}chk-40, completed 2026-01-02T03:04:45Z/);
    assert.match(result.stderr, /2222bbbb {2}"refunds" {2}chk-7, completed 2026-01-02T03:04:12Z/);
    assert.match(
      result.stderr,
      /give the directory of the job to resume, e\.g\. --from-checkpoint .*checkpoints\/1111aaaa/,
    );
    assert.ok(!existsSync(ws.path('out')) || readdirSync(ws.path('out')).length === 0, 'no output written');
    ws.assertNothingLeftInTmp();
  });
});
