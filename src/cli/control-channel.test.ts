import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JobClient } from '../core/job-client.ts';
import { ControlChannel, findJob } from './control-channel.ts';

describe('findJob', () => {
  // A job id whose first eight characters are digits: such a prefix also reads as a pid.
  const jobId = '52988728-0c1d-4e2f-8a3b-4c5d6e7f8091';
  let dir = '';
  let previous: string | undefined;
  let channel: ControlChannel;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weir-control-'));
    previous = process.env.XDG_RUNTIME_DIR;
    process.env.XDG_RUNTIME_DIR = dir;
    const client = { jobId, getJobStatus: () => 'running' } as unknown as JobClient;
    channel = await ControlChannel.open(() => [{ client, name: 'digits' }], join(dir, 'savepoints'));
  });
  after(() => {
    channel.close();
    if (previous === undefined) delete process.env.XDG_RUNTIME_DIR;
    else process.env.XDG_RUNTIME_DIR = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds a process by its pid', async () => {
    assert.deepEqual(await findJob(String(process.pid)), { path: channel.path });
  });

  it('reads an all-digit target that names no Weir process as a job id prefix', async () => {
    assert.deepEqual(await findJob(jobId.slice(0, 8)), { path: channel.path, job: jobId });
  });

  it('reports the pid when an all-digit target is neither a Weir process nor a job id prefix', async () => {
    await assert.rejects(findJob('99999999'), {
      code: 'JOB_NOT_FOUND',
      message: /no process 99999999 is running/,
    });
  });
});
