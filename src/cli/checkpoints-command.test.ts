import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { CheckpointMetadata } from '../checkpoint/checkpoint-metadata.ts';
import { FileCheckpointStorage, OWNER_FILE } from '../checkpoint/checkpoint-storage.ts';
import { checkpointsCommand } from './checkpoints-command.ts';

let root: string;
let storage: FileCheckpointStorage;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'weir-checkpoints-command-'));
  storage = new FileCheckpointStorage(root);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function checkpoint(jobId: string, id: number, completedAt: number): Promise<void> {
  const location = storage.checkpointLocation(jobId, id);
  const handle = await storage.writeState(location, 'v-0.state', new Uint8Array(2048));
  const metadata: CheckpointMetadata = {
    format: 'weir-checkpoint',
    version: 1,
    kind: 'checkpoint',
    jobName: `job ${jobId}`,
    jobId,
    checkpointId: id,
    timestamp: completedAt,
    completedAt,
    maxParallelism: 128,
    tasks: [{ vertex: 'v', subtask: 0, parallelism: 1, operators: ['v'], handle }],
  };
  await storage.writeMetadata(location, metadata);
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await checkpointsCommand(
    argv,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('weir checkpoints', () => {
  it('--keep-jobs keeps the jobs that completed last and skips running jobs and directories holding other files', async () => {
    const t = Date.UTC(2026, 5, 1);
    await checkpoint('newest', 9, t + 3_000);
    await checkpoint('old', 40, t);
    await checkpoint('running', 2, t - 1_000);
    writeFileSync(
      join(root, 'running', OWNER_FILE),
      JSON.stringify({ pid: process.pid, host: hostname(), startedAt: Date.now() }),
    );
    await checkpoint('foreign', 5, t - 2_000);
    writeFileSync(join(root, 'foreign', 'notes.txt'), 'mine');

    const listed = await run('list', root);
    assert.equal(listed.code, 0);
    assert.match(listed.out, /: 4 jobs, the latest first/);
    assert.match(
      listed.out,
      /job newest, "job newest", last completed 2026-06-01T00:00:03Z, 1 checkpoint, 2\.\d KiB/,
    );
    assert.match(listed.out, /job running, .* running \(pid \d+ on /);
    assert.match(listed.out, /chk-40 {2}completed 2026-06-01T00:00:00Z {2}2\.\d KiB {2}id 40/);

    const pruned = await run('delete', root, '--keep-jobs', '1');
    assert.equal(pruned.code, 1, 'a directory was left that had to go');
    assert.match(pruned.out, /kept .*newest/);
    assert.match(pruned.out, /deleted .*old \(job "job old", 1 checkpoints, 2\.\d KiB\)/);
    assert.match(pruned.err, /skipped .*running: job "job running" is running/);
    assert.match(pruned.err, /skipped .*foreign: it holds files Weir did not write \(notes\.txt\)/);
    assert.deepEqual(readdirSync(root).sort(), ['foreign', 'newest', 'running']);
  });

  it('deletes one checkpoint or one job; refuses a storage root without --keep-jobs', async () => {
    await checkpoint('a', 1, 1_000);
    await checkpoint('a', 2, 2_000);
    const one = await run('delete', join(root, 'a', 'chk-1'));
    assert.equal(one.code, 0);
    assert.match(one.out, /deleted .*chk-1 \(checkpoint 1 of job "job a", 2\.\d KiB\)/);
    await assert.rejects(run('delete', root), /CLI_USAGE|is a checkpoint storage root/);
    const job = await run('delete', join(root, 'a'));
    assert.equal(job.code, 0);
    assert.equal(existsSync(join(root, 'a')), false);
  });
});
