import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { WeirError } from '../core/errors.ts';
import type { CheckpointMetadata } from './checkpoint-metadata.ts';
import { restoreCandidates, selectRestore } from './checkpoint-selection.ts';
import { FileCheckpointStorage, OWNER_FILE } from './checkpoint-storage.ts';
import { encodeTaskState } from './task-state.ts';

let root: string;
let storage: FileCheckpointStorage;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'weir-selection-'));
  storage = new FileCheckpointStorage(root);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Writes checkpoint `id` of `jobId` named `jobName`, completed at `completedAt`, with one state file. */
async function checkpoint(
  jobId: string,
  jobName: string,
  id: number,
  completedAt: number | undefined,
): Promise<string> {
  const location = storage.checkpointLocation(jobId, id);
  const state = encodeTaskState({
    vertex: 'v',
    subtask: 0,
    parallelism: 1,
    operators: { counter: { operator: { states: [{ name: 'id', mode: 'split', elements: [id] }] } } },
  });
  const handle = await storage.writeState(location, 'v-0.state', state);
  const metadata: CheckpointMetadata = {
    format: 'weir-checkpoint',
    version: 1,
    kind: 'checkpoint',
    jobName,
    jobId,
    checkpointId: id,
    timestamp: completedAt ?? 0,
    ...(completedAt !== undefined && { completedAt }),
    maxParallelism: 128,
    tasks: [{ vertex: 'v', subtask: 0, parallelism: 1, operators: ['counter'], handle }],
  };
  await storage.writeMetadata(location, metadata);
  return location;
}

const T = Date.UTC(2026, 11, 2, 12, 0, 0);
const ignore = () => {};

describe('which checkpoint --from-checkpoint resumes', () => {
  it("takes the newer job's chk-10 over an older job's chk-36 of the same name (by completion time, not id)", async () => {
    await checkpoint('old-job', 'orders', 35, T);
    await checkpoint('old-job', 'orders', 36, T + 1_000);
    const newest = await checkpoint('new-job', 'orders', 10, T + 60_000);
    await checkpoint('new-job', 'orders', 9, T + 59_000);
    const { checkpoints } = await restoreCandidates(root, 'orders', ignore);
    assert.deepEqual(
      checkpoints.map((c) => `${c.metadata.jobId}/${c.id}`),
      ['new-job/10', 'new-job/9', 'old-job/36', 'old-job/35'],
    );
    const selected = await selectRestore(root, 'orders', ignore);
    assert.equal(selected.checkpoint.directory, newest);
    assert.equal(selected.state.checkpointId, 10);
  });

  it("takes only the checkpoints of the job being run, by name, when the root holds other jobs' newer ones", async () => {
    await checkpoint('a', 'orders', 3, T);
    await checkpoint('b', 'payments', 50, T + 10_000);
    const selected = await selectRestore(root, 'orders', ignore);
    assert.equal(selected.checkpoint.metadata.jobId, 'a');
    assert.equal(selected.checkpoint.id, 3);
  });

  it('several jobs, none of this name: an error listing each job (id, name, latest checkpoint, completion) that asks for its directory', async () => {
    await checkpoint('job-a', 'orders', 3, T);
    await checkpoint('job-b', 'payments', 50, T + 10_000);
    await assert.rejects(selectRestore(root, 'refunds', ignore), (error: unknown) => {
      assert.ok(error instanceof WeirError);
      assert.equal(error.code, 'CHECKPOINT_NOT_FOUND');
      assert.match(error.message, /holds checkpoints of 2 jobs, none named "refunds"/);
      assert.match(error.message, /job-b {2}"payments" {2}chk-50, completed 2026-12-02T12:00:10Z/);
      assert.match(error.message, /job-a {2}"orders" {2}chk-3, completed 2026-12-02T12:00:00Z/);
      assert.match(
        error.message,
        /give the directory of the job to resume, e\.g\. --from-checkpoint .*job-b/,
      );
      return true;
    });
  });

  it('a root holding one job of another name uses it, and says so', async () => {
    await checkpoint('job-a', 'orders-v1', 3, T);
    const warnings: string[] = [];
    const selected = await selectRestore(root, 'orders-v2', (m) => warnings.push(m));
    assert.equal(selected.checkpoint.id, 3);
    assert.match(warnings.join('\n'), /no checkpoints of job "orders-v2" .*using those of job "orders-v1"/);
  });

  it("a job's directory: its latest checkpoint; a chk-N directory: that checkpoint", async () => {
    await checkpoint('job-a', 'orders', 3, T);
    const older = await checkpoint('job-a', 'orders', 2, T - 1_000);
    await checkpoint('job-b', 'orders', 9, T + 5_000);
    assert.equal((await selectRestore(join(root, 'job-a'), 'orders', ignore)).checkpoint.id, 3);
    assert.equal((await selectRestore(older, 'orders', ignore)).checkpoint.id, 2);
  });

  it("two jobs of one name (the default 'Weir Job'): the one whose operators this job has", async () => {
    await checkpoint('mine', 'Weir Job', 3, T);
    await checkpoint('other', 'Weir Job', 9, T + 5_000);
    const other = join(root, 'other', 'chk-9', '_metadata');
    // The other job's checkpoint names an operator this job lacks (rewritten with a valid checksum).
    const text = readFileSync(other, 'utf8');
    const meta = JSON.parse(text.slice(0, text.lastIndexOf('\nsha256:')));
    meta.tasks[0].operators = ['enrich'];
    await storage.writeMetadata(join(root, 'other', 'chk-9'), meta);
    const warnings: string[] = [];
    const selected = await selectRestore(root, 'Weir Job', (m) => warnings.push(m), new Set(['counter']));
    assert.equal(selected.checkpoint.metadata.jobId, 'mine');
    assert.match(
      warnings.join('\n'),
      /leaving out the checkpoints in .*other: job "Weir Job" there has operators this job does not \(enrich\)/,
    );
    // Without the operators to compare (or when none matches), the latest completed is taken.
    assert.equal((await selectRestore(root, 'Weir Job', ignore)).checkpoint.metadata.jobId, 'other');
  });

  it('warns when the checkpoints chosen belong to a job that is still running', async () => {
    await checkpoint('job-a', 'orders', 3, T);
    writeFileSync(
      join(root, 'job-a', OWNER_FILE),
      JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: Date.now() }),
    );
    const warnings: string[] = [];
    await selectRestore(root, 'orders', (m) => warnings.push(m));
    assert.match(
      warnings.join('\n'),
      new RegExp(`job-a belong to a job that is still running \\(pid ${process.ppid} `),
    );
  });

  it('metadata without completedAt (written before it existed) is ordered by the time _metadata was written', async () => {
    const a = await checkpoint('job-a', 'orders', 40, undefined);
    const b = await checkpoint('job-b', 'orders', 4, undefined);
    utimesSync(join(a, '_metadata'), new Date(T), new Date(T));
    utimesSync(join(b, '_metadata'), new Date(T + 1_000), new Date(T + 1_000));
    assert.equal((await selectRestore(root, 'orders', ignore)).checkpoint.metadata.jobId, 'job-b');
  });

  it('a truncated state file in the latest checkpoint: reported (which file, why), and the previous complete one is restored', async () => {
    await checkpoint('job-a', 'orders', 4, T);
    const latest = await checkpoint('job-a', 'orders', 5, T + 1_000);
    const file = join(latest, 'v-0.state');
    writeFileSync(file, readFileSync(file).subarray(0, statSync(file).size - 3));
    const warnings: string[] = [];
    const selected = await selectRestore(root, 'orders', (m) => warnings.push(m));
    assert.equal(selected.state.checkpointId, 4);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0],
      /checkpoint 5 .* cannot be restored: state file .*chk-5\/v-0\.state of checkpoint 5 is truncated: \d+ bytes, the metadata says \d+; falling back to checkpoint 4/,
    );
  });

  it('an altered state file falls back too; a chk-N directory given explicitly does not fall back', async () => {
    await checkpoint('job-a', 'orders', 4, T);
    const latest = await checkpoint('job-a', 'orders', 5, T + 1_000);
    const file = join(latest, 'v-0.state');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(file, bytes);
    assert.equal((await selectRestore(root, 'orders', ignore)).state.checkpointId, 4);
    await assert.rejects(
      selectRestore(latest, 'orders', ignore),
      /SHA-256 .* differs .*give the job's directory/,
    );
  });
});
