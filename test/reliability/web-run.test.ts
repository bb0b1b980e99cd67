/**
 * `weir run --web`: the REST API and dashboard of a local run, over its own job. A real `weir run`
 * in a child process, on an unbounded job; the test reads the port from the line the CLI prints.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { until } from '../faults/support.ts';
import { lineMatching, Workspace } from './support.ts';

const DEADLINE = 120_000;

/** An unbounded keyed job with event time and checkpoints. */
const JOB = `
import { DataGeneratorSource, StreamExecutionEnvironment, WatermarkStrategy } from 'weir';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(200);
env.getCheckpointConfig().setCheckpointStorage('checkpoints');
env
  .fromSource(
    new DataGeneratorSource((i) => ({ key: i % 5, time: 1_700_000_000_000 + i }), 100_000_000, { rateLimit: 1_000 }),
    WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner((e) => e.time),
    'events',
  )
  .uid('events')
  .keyBy((e) => e.key)
  .map((e) => e.key)
  .uid('keys')
  .filter(() => false)
  .print();
await env.execute('web run');
`;

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

describe('weir run --web', () => {
  it('serves the job over REST while it runs, takes a savepoint, refuses submissions, and exits once cancelled', async (t) => {
    const ws = new Workspace('web');
    t.after(() => ws.dispose());
    const file = ws.job('job.ts', JOB);
    const run = ws.start(['run', file, '-p', '2', '--slots', '2', '--web', '--web-port', '0']);
    let base = '';
    await until(
      () => {
        const line = lineMatching(run.stderr(), /^weir: web dashboard at /);
        base = line?.match(/(http:\/\/127\.0\.0\.1:\d+)\/$/)?.[1] ?? '';
        return base !== '' || run.child.exitCode !== null;
      },
      DEADLINE,
      'the dashboard line',
    );
    assert.ok(base, run.stderr());

    // The job appears once the module has submitted it, and runs.
    let jobId = '';
    await until(
      async () => {
        const { body } = await json(`${base}/jobs`);
        jobId = body.jobs[0]?.id ?? '';
        return body.jobs[0]?.status === 'RUNNING';
      },
      DEADLINE,
      'the job RUNNING',
    );
    // Records flow, and the keyed vertex gets a watermark and a checkpoint completes.
    await until(
      async () => {
        const { body } = await json(`${base}/jobs/${jobId}`);
        const keys = body.vertices.find((v: any) => v.id === 'keys');
        return keys.metrics['read-records'] > 0 && keys.metrics['current-input-watermark'] !== null;
      },
      DEADLINE,
      'records and a watermark',
    );
    await until(
      async () => (await json(`${base}/jobs/${jobId}/checkpoints`)).body.counts.completed > 0,
      DEADLINE,
      'a completed checkpoint',
    );
    const vertex = await json(`${base}/jobs/${jobId}/vertices/keys`);
    assert.equal(vertex.status, 200);
    assert.deepEqual(
      vertex.body.subtasks.map((s: any) => [s.subtask, s['taskmanager-id']]),
      [
        [0, 'local'],
        [1, 'local'],
      ],
    );
    const watermarks = await json(`${base}/jobs/${jobId}/vertices/keys/watermarks`);
    assert.equal(watermarks.body.subtasks[0].channels.length, 2);

    // One local TaskManager: this process's two slots, both running the job.
    const { body: tms } = await json(`${base}/taskmanagers`);
    assert.deepEqual(
      tms.taskmanagers.map((tm: any) => [tm.id, tm.slotsNumber, tm.freeSlots]),
      [['local', 2, 0]],
    );
    assert.ok(tms.taskmanagers[0].memory.rss > 0);
    assert.equal((await json(`${base}/taskmanagers/local`)).body.slots[1].jobId, jobId);

    // Submissions are refused: a weir run serves one module.
    const submit = await json(`${base}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ artifact: { name: 'other.mjs', code: '' } }),
    });
    assert.deepEqual([submit.status, submit.body.code], [400, 'NOT_SUPPORTED']);
    assert.match(submit.body.message, /weir run serves one module/);

    // A savepoint into --savepoint-dir (default ./savepoints).
    const trigger = await json(`${base}/jobs/${jobId}/savepoints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(trigger.status, 202);
    let location = '';
    await until(
      async () => {
        const { body } = await json(`${base}/jobs/${jobId}/savepoints/${trigger.body['request-id']}`);
        location = body.operation?.location ?? '';
        return body.status.id === 'COMPLETED';
      },
      DEADLINE,
      'the savepoint',
    );
    assert.ok(location.startsWith(ws.path('savepoints')), location);
    assert.ok(existsSync(location));

    // Cancel: the job ends, the process exits and the server is gone.
    const cancel = await fetch(`${base}/jobs/${jobId}`, { method: 'PATCH' });
    assert.equal(cancel.status, 202);
    const done = await run.done;
    assert.equal(done.code, 1, done.stderr);
    assert.match(done.stderr, /JOB_CANCELLED/);
    await assert.rejects(fetch(`${base}/overview`));
  });

  it('refuses a non-loopback address without a token, and --web-port without --web', async (t) => {
    const ws = new Workspace('web-flags');
    t.after(() => ws.dispose());
    const file = ws.job('job.ts', JOB);
    const open = await ws.run(['run', file, '--web', '--web-host', '0.0.0.0', '--web-port', '0'], {
      WEIR_REST_TOKEN: '', // empty: no token
    });
    assert.equal(open.code, 1);
    assert.match(open.stderr, /TOKEN_REQUIRED: refusing to bind the REST API to 0\.0\.0\.0/);
    const flag = await ws.run(['run', file, '--web-port', '0']);
    assert.equal(flag.code, 1);
    assert.match(flag.stderr, /--web-port needs --web/);
  });
});
