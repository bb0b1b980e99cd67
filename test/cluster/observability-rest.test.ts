/**
 * The REST API's observability on a standalone cluster of real processes: the TaskManagers' machine
 * and memory (sent with their heartbeats), which slot of which TaskManager runs which subtask, and
 * a bad record's text and position in the exception history, carried from the TaskManager's slot
 * thread across the RPC connection.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StandaloneCluster } from './cluster-support.ts';

const TOKEN = 'observability-test-token-5e2a';
const SECRET = 'observability-test-secret-9b41';

describe('REST observability on a standalone cluster', { timeout: 180_000 }, () => {
  let cluster: StandaloneCluster | undefined;
  let work = '';

  const get = async (path: string): Promise<any> => {
    const response = await fetch(`${cluster!.url}${path}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: AbortSignal.timeout(30_000),
    });
    assert.equal(response.status, 200, `GET ${path}`);
    return response.json();
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'weir-observability-'));
    cluster = await StandaloneCluster.start({
      placement: { kind: 'loopback', taskManagers: 2 },
      slots: 1,
      work,
      token: TOKEN,
      secret: SECRET,
      heartbeat: { intervalMs: 200, timeoutMs: 10_000 },
    });
  });

  after(async () => {
    await cluster?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("lists each TaskManager's machine and memory, kept current by its heartbeats", async () => {
    const [first] = (await get('/taskmanagers')).taskmanagers;
    assert.ok(first.hardware.cpuCores >= 1);
    assert.ok(first.hardware.physicalMemory >= first.hardware.freeMemory && first.hardware.freeMemory > 0);
    assert.ok(first.memory.rss > first.memory.heapUsed && first.memory.heapTotal >= first.memory.heapUsed);
    // A later report changes what the JobManager shows (a process's heap never stays still).
    await cluster!.until(
      async () => {
        const tm = (await get('/taskmanagers')).taskmanagers.find((t: any) => t.id === first.id);
        return JSON.stringify(tm.memory) !== JSON.stringify(first.memory);
      },
      30_000,
      'a new memory report',
    );
  });

  it('shows which TaskManager slot runs each subtask', async () => {
    const jobId = await cluster!.submit('test/cluster/jobs/observed-job.ts', { parallelism: 2 });
    await cluster!.waitForJob(
      jobId,
      (job) =>
        job.state === 'RUNNING' &&
        job.vertices.every((v) => v.metrics['read-records'] + v.metrics['write-records'] > 0),
      'records flowing',
    );
    const vertex = await get(`/jobs/${jobId}/vertices/keys`);
    const placed = vertex.subtasks.map((s: any) => s['taskmanager-id']);
    const tms = (await get('/taskmanagers')).taskmanagers.map((t: any) => t.id).sort();
    assert.deepEqual([...placed].sort(), tms, 'one subtask on each TaskManager');
    for (const [subtask, tm] of placed.entries()) {
      const details = await get(`/taskmanagers/${tm}`);
      assert.equal(details.slots.length, 1);
      assert.equal(details.slots[0].jobId, jobId);
      assert.deepEqual(
        details.slots[0].tasks.map((t: any) => `${t.vertexId}#${t.subtask}`),
        [`events#${subtask}`, `keys#${subtask}`],
      );
    }
    const watermarks = await get(`/jobs/${jobId}/vertices/keys/watermarks`);
    assert.equal(watermarks.subtasks.length, 2);
    const cancel = await fetch(`${cluster!.url}/jobs/${jobId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(cancel.status, 202);
    await cluster!.waitForJob(jobId, (job) => job.state === 'CANCELED', 'the job cancelled', 60_000, [
      'FAILED',
    ]);
  });

  it("keeps a bad record's text, position and source in the exception history", async () => {
    const file = join(work, 'bad.jsonl');
    writeFileSync(file, '{"n":1}\n{"n":2}\n{"n": three}\n{"n":4}\n');
    const jobId = await cluster!.submit('test/cluster/jobs/observed-job.ts', {
      parallelism: 1,
      env: { WEIR_OBSERVED_BAD_FILE: file },
    });
    await cluster!.waitForJob(jobId, (job) => job.state === 'FAILED', 'the job failed', 60_000, ['CANCELED']);
    const exceptions = await get(`/jobs/${jobId}/exceptions`);
    const [failure] = exceptions['all-exceptions'];
    assert.equal(failure.code, 'DESERIALIZATION_FAILED');
    assert.deepEqual(
      {
        taskName: failure.taskName,
        location: failure.location,
        record: failure.record,
        position: failure.position,
        source: failure.source,
      },
      {
        taskName: 'lines -> Map -> Print to Std. Out',
        location: 'lines#0',
        record: '{"n": three}',
        position: `file "${file}" line 3`,
        source: 'lines',
      },
    );
  });
});
