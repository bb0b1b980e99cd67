/**
 * The log files of a standalone cluster of real processes (`weir jobmanager`, `weir taskmanager`)
 * and the REST routes that serve them: GET /jobmanager/log, /jobmanager/logs and
 * /taskmanagers/:tmid/log (asked of the TaskManager over its control connection). The cluster runs
 * with a REST token and an RPC secret, and a job whose sink logs them: no log file shows either.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exited } from '../faults/support.ts';
import { StandaloneCluster } from './cluster-support.ts';

const TOKEN = 'logs-test-token-7d1e4b9a';
const SECRET = 'logs-test-secret-2c8f0e51';

interface Line {
  level: string;
  time: string;
  msg: string;
  role: string;
  [field: string]: unknown;
}

function parse(text: string): Line[] {
  assert.ok(text.endsWith('\n'), 'whole lines');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Line);
}

describe('log files and their REST routes on a standalone cluster', { timeout: 120_000 }, () => {
  let cluster: StandaloneCluster | undefined;
  let work = '';
  let logDir = '';
  let jobId = '';
  const previousLogDir = process.env.WEIR_LOG_DIR;

  const get = async (path: string, token: string | null = TOKEN) => {
    const response = await fetch(`${cluster!.url}${path}`, {
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(30_000),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text: await response.text(),
    };
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'weir-logs-'));
    logDir = join(work, 'log');
    // The processes take `env.log.dir` from WEIR_LOG_DIR (they inherit this environment).
    process.env.WEIR_LOG_DIR = logDir;
    cluster = await StandaloneCluster.start({
      placement: { kind: 'loopback', taskManagers: 1 },
      slots: 2,
      work,
      token: TOKEN,
      secret: SECRET,
    });
    jobId = await cluster.submit('test/cluster/jobs/log-job.ts', {
      parallelism: 2,
      env: { LOG_JOB_SECRET: SECRET, LOG_JOB_TOKEN: TOKEN },
    });
    await cluster.waitForJob(jobId, (job) => job.state === 'FINISHED', 'the job to finish', 60_000);
  });

  after(async () => {
    if (previousLogDir === undefined) delete process.env.WEIR_LOG_DIR;
    else process.env.WEIR_LOG_DIR = previousLogDir;
    await cluster?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("GET /jobmanager/log: the end of the JobManager's file, JSON lines with the job's id", async () => {
    const all = await get('/jobmanager/log');
    assert.equal(all.status, 200, all.text);
    assert.match(all.type ?? '', /^text\/plain/);
    const lines = parse(all.text);
    for (const line of lines) assert.equal(line.role, 'jobmanager');
    const start = lines.find((l) => l.msg === 'starting the JobManager');
    assert.ok(start, 'the start line is in the tail');
    const config = start.config as Record<string, string>;
    assert.equal(config['rest.auth.token'], '******');
    assert.equal(config['security.rpc.secret'], '******');
    assert.ok(
      lines.some((l) => l.job_id === jobId && /switched from running to finished/.test(l.msg)),
      'the job master logged its end with the job id',
    );
    const three = await get('/jobmanager/log?lines=3');
    assert.equal(three.status, 200);
    assert.deepEqual(three.text.split('\n').slice(0, -1), all.text.split('\n').slice(-4, -1));
  });

  it('GET /jobmanager/logs lists its file', async () => {
    const list = await get('/jobmanager/logs');
    assert.equal(list.status, 200, list.text);
    const { logs } = JSON.parse(list.text) as { logs: Array<{ name: string; size: number }> };
    assert.equal(logs.length, 1);
    assert.match(logs[0].name, /^jobmanager-\d+\.log$/);
    assert.ok(logs[0].size > 0);
    assert.ok(readdirSync(logDir).includes(logs[0].name), 'the file is in env.log.dir');
  });

  it("GET /taskmanagers/:tmid/log: the TaskManager's tail, with its slots' task lines", async () => {
    const { taskmanagers } = await cluster!.client.taskManagers();
    const tm = taskmanagers[0].id;
    const response = await get(`/taskmanagers/${tm}/log?lines=10000`);
    assert.equal(response.status, 200, response.text);
    const lines = parse(response.text);
    for (const line of lines) {
      assert.equal(line.role, 'taskmanager');
      assert.equal(line.taskmanager, tm);
    }
    const finished = lines.filter((l) => l.job_id === jobId && /switched to FINISHED$/.test(l.msg));
    assert.ok(finished.length >= 2, `the subtasks' ends: ${finished.map((l) => l.msg)}`);
    for (const l of finished) {
      assert.equal(typeof l.task, 'string');
      assert.ok(l.subtask === 0 || l.subtask === 1);
      assert.equal(l.attempt, 0);
      assert.equal(typeof l.thread, 'number', 'written by a slot thread');
    }
    const opened = lines.filter((l) => l.msg.startsWith('log sink opened'));
    assert.equal(opened.length, 2, 'the sink logged through its context, once per subtask');
    for (const l of opened) {
      assert.equal(l.level, 'warn');
      assert.equal(l.job_id, jobId);
      assert.equal(l.operator, 'log sink');
      assert.equal(l.msg, 'log sink opened with secret ******');
      assert.equal(l.token, '******');
      assert.equal(l.note, 'token ******');
    }
  });

  it('answers 404 for an unknown TaskManager, 400 for a bad line count, 401 without the token', async () => {
    const unknown = await get('/taskmanagers/tm-nobody/log');
    assert.equal(unknown.status, 404);
    assert.equal(JSON.parse(unknown.text).code, 'NOT_FOUND');
    for (const lines of ['0', 'ten', '20000', '../x']) {
      const bad = await get(`/jobmanager/log?lines=${lines}`);
      assert.equal(bad.status, 400, `lines=${lines}: ${bad.text}`);
    }
    assert.equal((await get('/jobmanager/log', null)).status, 401);
  });

  it('no log file holds the REST token or the RPC secret, nor does stderr', async () => {
    // SIGTERM: each process writes out what it has queued before it exits.
    const processes = [cluster!.jobManager, ...cluster!.taskManagers];
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => exited(p.child)));
    const files = readdirSync(logDir);
    assert.equal(files.filter((f) => /^jobmanager-\d+\.log$/.test(f)).length, 1, String(files));
    assert.equal(files.filter((f) => /^taskmanager-tm-.+\.log$/.test(f)).length, 1, String(files));
    for (const file of files) {
      const text = readFileSync(join(logDir, file), 'utf8');
      assert.ok(!text.includes(TOKEN), `${file} holds the token`);
      assert.ok(!text.includes(SECRET), `${file} holds the secret`);
      parse(text);
    }
    for (const p of processes) {
      assert.ok(!p.stderr().includes(TOKEN) && !p.stderr().includes(SECRET), `${p.name}'s stderr`);
    }
    assert.match(cluster!.taskManagers[0].stderr(), /weir: log sink opened with secret \*{6}/);
  });
});
