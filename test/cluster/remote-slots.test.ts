/**
 * A JobManager and TaskManagers in this process, over real TCP on 127.0.0.1: the control plane
 * (registration, loss, registering again), the remote gateway, artifact fetching, planning in the
 * JobManager and the data plane between TaskManagers. The processes themselves, in network
 * namespaces and under kill -9, are `npm run test:cluster`'s (test/cluster/standalone.cluster.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bundleJob } from '../../src/cli/job-bundle.ts';
import { RestClient } from '../../src/cli/rest-client.ts';
import { WeirError } from '../../src/core/errors.ts';
import { loadClusterConfig } from '../../src/runtime/cluster/cluster-config.ts';
import { JobManager } from '../../src/runtime/cluster/job-manager.ts';
import { TaskManager } from '../../src/runtime/cluster/task-manager.ts';
import type { SubmitRequest } from '../../src/server/dispatcher.ts';

const root = mkdtempSync(join(tmpdir(), 'weir-remote-slots-'));
const VERSION = '0.0.0-test';

function config(defines: string[]) {
  return loadClusterConfig({
    env: {},
    defines: [
      'rest.port=0',
      'jobmanager.rpc.port=0',
      'heartbeat.interval=200',
      'heartbeat.timeout=5000',
      'slot.request.timeout=30000',
      ...defines,
    ],
  });
}

/** Lines a process would log, and a way to wait for one. */
class Log {
  readonly lines: string[] = [];
  private waiters: Array<{ match: RegExp; count: number; resolve: () => void }> = [];
  readonly sink = (line: string) => {
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => {
      if (this.count(w.match) < w.count) return true;
      w.resolve();
      return false;
    });
  };
  count(match: RegExp): number {
    return this.lines.filter((l) => match.test(l)).length;
  }
  /** Resolves once `count` lines match. */
  until(match: RegExp, count = 1): Promise<void> {
    if (this.count(match) >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ match, count, resolve }));
  }
}

async function startTaskManager(jm: JobManager, name: string, log: Log, slots = 2): Promise<TaskManager> {
  const { rpc } = jm.addresses;
  const tm = await TaskManager.start({
    config: config([`taskmanager.numberOfTaskSlots=${slots}`, `web.upload.dir=${join(root, name)}`]),
    jobManager: rpc,
    version: VERSION,
    log: log.sink,
  });
  await tm.registered;
  return tm;
}

async function request(
  entry: string,
  env: Record<string, string>,
  parallelism: number,
): Promise<SubmitRequest> {
  const { name, code } = await bundleJob(entry);
  return { artifact: { name, code }, args: [], env, parallelism, allowNonRestoredState: false };
}

/** The exactly-once file job's committed records: every key counted 1..n once. */
function audit(dir: string): { records: number; duplicated: number; lost: number } {
  const seen = new Map<number, Set<number>>();
  let records = 0;
  let duplicated = 0;
  for (const file of readdirSync(dir).filter((f) => f.startsWith('part-'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line === '') continue;
      const [key, n] = JSON.parse(line) as [number, number];
      records++;
      let counts = seen.get(key);
      if (!counts) seen.set(key, (counts = new Set()));
      if (counts.has(n)) duplicated++;
      counts.add(n);
    }
  }
  let lost = 0;
  for (const counts of seen.values()) lost += Math.max(...counts) - counts.size;
  return { records, duplicated, lost };
}

describe('a JobManager with TaskManagers over TCP', { timeout: 120_000 }, () => {
  const jmLog = new Log();
  const tmLog = new Log();
  let jm: JobManager;
  const taskManagers: TaskManager[] = [];

  before(async () => {
    jm = await JobManager.start({
      config: config([
        `web.upload.dir=${join(root, 'jm')}`,
        `state.savepoints.dir=${join(root, 'savepoints')}`,
      ]),
      version: VERSION,
      log: jmLog.sink,
    });
    taskManagers.push(await startTaskManager(jm, 'tm-a', tmLog), await startTaskManager(jm, 'tm-b', tmLog));
  });

  after(async () => {
    for (const tm of taskManagers) await tm.close();
    await jm.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('registers TaskManagers and lists their slots', () => {
    const tms = jm.dispatcher.taskManagers();
    assert.equal(tms.length, 2);
    assert.deepEqual(
      tms.map((t) => [t.slotsNumber, t.freeSlots]),
      [
        [2, 2],
        [2, 2],
      ],
    );
    assert.equal(jm.dispatcher.overview()['slots-total'], 4);
  });

  test('runs a job at -p 4 on slots of both TaskManagers, exactly once into files', async () => {
    const out = join(root, 'out-1');
    const { jobid } = await jm.dispatcher.submit(
      await request(
        'test/faults/jobs/exactly-once-file.ts',
        {
          WEIR_FAULTS_EVENTS: '20000',
          WEIR_FAULTS_RATE: '1000000',
          WEIR_FAULTS_OUTPUT: out,
          WEIR_FAULTS_CHECKPOINTS: join(root, 'ck-1'),
        },
        4,
      ),
    );
    const master = jm.dispatcher.running().find((m) => m.jobId === jobid);
    assert.ok(master, 'the job runs');
    await master.getJobExecutionResult();
    assert.equal(jm.dispatcher.job(jobid)?.state, 'FINISHED');
    assert.deepEqual(audit(out), { records: 20_000, duplicated: 0, lost: 0 });
    // Each TaskManager fetched the artifact, and drops it once the job ended (the JobManager too).
    await until(() => ['jm', 'tm-a', 'tm-b'].every((d) => !existsSync(join(root, d, jobid))));
  });

  test('a job sees its arguments after -- and only the environment passed with it, in every slot', async () => {
    const out = join(root, 'argv-echo.jsonl');
    const { jobid } = await jm.dispatcher.submit({
      ...(await request('test/jobs/argv-echo.ts', { WEIR_TEST_VALUE: 'passed' }, 4)),
      args: [out, '--input', 'a b'],
    });
    await jm.dispatcher
      .running()
      .find((m) => m.jobId === jobid)
      ?.getJobExecutionResult();
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines.length, 4);
    for (const line of lines) {
      assert.deepEqual(JSON.parse(line), { args: ['--input', 'a b'], value: 'passed', path: null });
    }
  });

  test('a job whose slots build another graph than the JobManager fails with GRAPH_MISMATCH', async () => {
    const { jobid } = await jm.dispatcher.submit(await request('test/jobs/mismatch.ts', {}, 2));
    const master = jm.dispatcher.running().find((m) => m.jobId === jobid);
    await assert.rejects(master!.getJobExecutionResult(), (e: unknown) => {
      assert.ok(e instanceof WeirError);
      return /GRAPH_MISMATCH/.test(`${e.code} ${e.message} ${String((e.cause as Error)?.message)}`);
    });
  });

  test('a TaskManager lost mid-job: the job restarts on the remaining slots and stays exactly once', async () => {
    const out = join(root, 'out-2');
    const release = join(root, 'release-2');
    const { jobid } = await jm.dispatcher.submit(
      await request(
        'test/faults/jobs/exactly-once-file.ts',
        {
          WEIR_FAULTS_EVENTS: '30000',
          WEIR_FAULTS_RATE: '20000',
          WEIR_FAULTS_OUTPUT: out,
          WEIR_FAULTS_CHECKPOINTS: join(root, 'ck-2'),
          WEIR_FAULTS_RELEASE: release,
        },
        4,
      ),
    );
    const master = jm.dispatcher.running().find((m) => m.jobId === jobid)!;
    // Lose a TaskManager once a checkpoint has completed.
    await until(() => (master.getCheckpointStatistics().completed ?? 0) >= 1);
    const lost = taskManagers.shift()!;
    await lost.close();
    await jmLog.until(/was lost/);
    await until(() => master.getJobStatus() === 'running' && master.getCheckpointStatistics().restarts >= 1);
    // It runs on the 2 slots left; a new TaskManager brings the cluster back to 4.
    taskManagers.push(await startTaskManager(jm, 'tm-c', tmLog));
    writeFileSync(release, '');
    await master.getJobExecutionResult();
    assert.deepEqual(audit(out), { records: 30_000, duplicated: 0, lost: 0 });
    assert.match(jm.dispatcher.exceptions(jobid)?.['root-exception'] ?? '', /TaskManager .* was lost/);
    const checkpoints = jm.dispatcher.checkpoints(jobid)!;
    assert.ok(checkpoints.counts.restored >= 1, 'the restart restored a checkpoint');
    assert.notEqual(checkpoints.latest.restored, null);
  });

  test('a savepoint and a stop with savepoint through REST, then a job from the savepoint: exactly once', async () => {
    const client = new RestClient({ url: jm.addresses.rest });
    const out = join(root, 'out-3');
    const release = join(root, 'release-3');
    const env = {
      WEIR_FAULTS_EVENTS: '30000',
      WEIR_FAULTS_RATE: '20000',
      WEIR_FAULTS_OUTPUT: out,
      WEIR_FAULTS_CHECKPOINTS: join(root, 'ck-3'),
      WEIR_FAULTS_RELEASE: release,
    };
    const first = await client.submit(await request('test/faults/jobs/exactly-once-file.ts', env, 4));
    await until(() => (jm.dispatcher.checkpoints(first.jobid)?.counts.completed ?? 0) >= 1);
    const savepoint = await client.awaitSavepoint(
      first.jobid,
      await client.triggerSavepoint(first.jobid, 'sp-1'),
      {
        intervalMs: 20,
      },
    );
    assert.equal(savepoint.startsWith(join(root, 'savepoints', 'sp-1')), true, savepoint);
    assert.ok(existsSync(savepoint));
    const stopped = await client.awaitSavepoint(
      first.jobid,
      await client.stopWithSavepoint(first.jobid, 'sp-2'),
      {
        intervalMs: 20,
      },
    );
    await until(() => jm.dispatcher.job(first.jobid)?.state === 'FINISHED');
    const second = await client.submit({
      ...(await request('test/faults/jobs/exactly-once-file.ts', env, 4)),
      savepointPath: stopped,
    });
    writeFileSync(release, '');
    await jm.dispatcher
      .running()
      .find((m) => m.jobId === second.jobid)
      ?.getJobExecutionResult();
    assert.equal(jm.dispatcher.job(second.jobid)?.state, 'FINISHED');
    assert.equal(jm.dispatcher.checkpoints(second.jobid)?.latest.restored?.external_path, stopped);
    assert.deepEqual(audit(out), { records: 30_000, duplicated: 0, lost: 0 });
  });

  test('TaskManagers register again after the JobManager restarts', async () => {
    const { rpc } = jm.addresses;
    const registrations = tmLog.count(/registered at/);
    await jm.close();
    jm = await JobManager.start({
      config: config([`web.upload.dir=${join(root, 'jm')}`, `jobmanager.rpc.port=${rpc.port}`]),
      version: VERSION,
      log: jmLog.sink,
    });
    await tmLog.until(/registered at/, registrations + 2);
    await until(() => jm.dispatcher.taskManagers().length === 2);
  });
});

describe('a JobManager without TaskManagers', { timeout: 60_000 }, () => {
  test('fails a job with NOT_ENOUGH_SLOTS after slot.request.timeout', async () => {
    const jm = await JobManager.start({
      config: config([`web.upload.dir=${join(root, 'jm-alone')}`, 'slot.request.timeout=300']),
      version: VERSION,
      log: () => {},
    });
    try {
      const { jobid } = await jm.dispatcher.submit(await request('test/jobs/keyed-timers.ts', {}, 1));
      const master = jm.dispatcher.running().find((m) => m.jobId === jobid)!;
      await assert.rejects(master.getJobExecutionResult(), (e: unknown) => {
        assert.ok(e instanceof WeirError);
        assert.equal(e.code, 'NOT_ENOUGH_SLOTS');
        assert.match(e.message, /no TaskManager registered within slot\.request\.timeout \(300 ms\)/);
        return true;
      });
      assert.equal(jm.dispatcher.job(jobid)?.state, 'FAILED');
    } finally {
      await jm.close();
    }
  });
});

/** Resolves once `condition` holds, checking on every turn of the event loop that has timers. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}
