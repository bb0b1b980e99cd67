/**
 * The cluster dispatcher over real job masters: jobs built inline, run on a slot in this thread,
 * submitted, read, cancelled and savepointed through the Dispatcher interface the REST API uses.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it, type Mock, mock } from 'node:test';
import { WeirError } from '../../core/errors.ts';
import {
  DataGeneratorSource,
  RestartStrategies,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '../../index.ts';
import type { SavepointOperation, SubmitRequest } from '../../server/dispatcher.ts';
import { createRestApp } from '../../server/rest-server.ts';
import { CollectSink } from '../../testing/index.ts';
import { JobMaster } from '../scheduler/job-master.ts';
import type { SlotProvider } from '../scheduler/task-manager-gateway.ts';
import { ClusterDispatcher, type JobLauncher } from './cluster-dispatcher.ts';
import { InThreadTaskManager } from './in-thread-task-manager.ts';

const work = mkdtempSync(join(tmpdir(), 'weir-dispatcher-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The jobs the test launcher knows, by artifact name: each builds its pipeline on an environment. */
const JOBS: Record<string, (env: StreamExecutionEnvironment) => void> = {
  /** Bounded, two vertices at parallelism 2 joined by a hash exchange. */
  doubles(env) {
    env.setParallelism(2);
    env
      .fromSequence(1, 1000)
      .map((x) => x * 2)
      .keyBy((x) => x % 3)
      .map((x) => x + 1)
      .sinkTo(new CollectSink<number>());
  },
  /** Fails on its 500th record, without restarts. */
  failing(env) {
    env.setRestartStrategy(RestartStrategies.noRestart());
    env
      .fromSequence(1, 1000)
      .map((x) => {
        if (x === 500) throw new Error('record 500 is poison');
        return x;
      })
      .sinkTo(new CollectSink<number>());
  },
  /** Fails on every attempt; restarts once. */
  'failing-twice'(env) {
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(1, 0));
    env
      .fromSequence(1, 10)
      .map((): number => {
        throw new Error('always poison');
      })
      .sinkTo(new CollectSink<number>());
  },
  /** Unbounded and rate-limited, with checkpoints every 20 ms under `work`. */
  endless(env) {
    env.enableCheckpointing(20);
    env.getCheckpointConfig().setCheckpointStorage(join(work, 'checkpoints'));
    env
      .fromSource(
        new DataGeneratorSource((i) => i, Number.POSITIVE_INFINITY, { rateLimit: 5_000 }),
        WatermarkStrategy.noWatermarks(),
        'numbers',
      )
      .uid('numbers')
      .map((x) => x + 1)
      .uid('plus-one')
      .sinkTo(new CollectSink<number>());
  },
};

/** Builds the job named by the artifact inline and runs it on one slot in this thread. */
class InlineLauncher implements JobLauncher {
  readonly masters = new Map<string, JobMaster>();
  readonly endedJobs: string[] = [];

  async launch(request: SubmitRequest, jobId: string): Promise<JobMaster> {
    const build = JOBS[request.artifact.name];
    if (build === undefined) {
      throw new WeirError('NO_JOB_EXECUTED', `the job module ${request.artifact.name} runs no job`);
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    build(env);
    const plan = env.createPlan(request.artifact.name);
    const slots: SlotProvider = { allocate: async () => [new InThreadTaskManager(plan)] };
    const master = new JobMaster(plan, { jobIndex: 0 }, slots, jobId);
    this.masters.set(jobId, master);
    void master.start();
    return master;
  }

  ended(jobId: string): void {
    this.endedJobs.push(jobId);
  }

  /** The job's end, whatever it was. */
  async settled(jobId: string): Promise<void> {
    await this.masters
      .get(jobId)!
      .getJobExecutionResult()
      .catch(() => {});
  }
}

/** Dispatchers of the current test: their jobs still running are cancelled after it, pass or fail. */
const dispatchers: ClusterDispatcher[] = [];

function setUp(maxEndedJobs?: number) {
  const launcher = new InlineLauncher();
  const dispatcher = new ClusterDispatcher({
    launcher,
    resources: {
      taskManagers: () => [
        {
          id: 'tm-1',
          address: '127.0.0.1',
          dataPort: 6124,
          slotsNumber: 2,
          freeSlots: 1,
          timeSinceLastHeartbeat: 5,
          hardware: { cpuCores: 2, physicalMemory: 4e9, freeMemory: 1e9 },
          memory: { heapUsed: 5e7, heapTotal: 8e7, rss: 2e8 },
        },
        {
          id: 'tm-2',
          address: '127.0.0.1',
          dataPort: 6125,
          slotsNumber: 2,
          freeSlots: 2,
          timeSinceLastHeartbeat: 9,
          hardware: { cpuCores: 2, physicalMemory: 4e9, freeMemory: 1e9 },
          memory: { heapUsed: 5e7, heapTotal: 8e7, rss: 2e8 },
        },
      ],
    },
    config: () => ({ 'rest.port': '8081' }),
    version: '9.9.9',
    ...(maxEndedJobs === undefined ? {} : { maxEndedJobs }),
  });
  dispatchers.push(dispatcher);
  const submit = (name: string) =>
    dispatcher.submit({ artifact: { name, code: '' }, args: [], env: {}, allowNonRestoredState: false });
  return { launcher, dispatcher, submit };
}

/** Waits (checking every millisecond) until `condition()` holds; fails after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Waits until the savepoint operation settles and returns it. */
async function settledOperation(
  dispatcher: ClusterDispatcher,
  jobId: string,
  triggerId: string,
): Promise<Extract<SavepointOperation, { operation: unknown }>> {
  await until(
    () => dispatcher.savepointStatus(jobId, triggerId)?.status.id === 'COMPLETED',
    `savepoint ${triggerId} to complete`,
  );
  return dispatcher.savepointStatus(jobId, triggerId) as Extract<SavepointOperation, { operation: unknown }>;
}

describe('ClusterDispatcher', () => {
  /** The dispatcher's log (stderr), one line per call. */
  let logged: Mock<typeof console.error>;
  beforeEach(() => {
    logged = mock.method(console, 'error', () => {});
    mock.method(console, 'warn', () => {});
  });
  afterEach(async () => {
    for (const d of dispatchers.splice(0)) await Promise.all(d.running().map((m) => m.cancel()));
    mock.restoreAll();
  });

  it('submits a job under a 32-hex-digit id and describes it in jobs(), job() and plan()', async () => {
    const { dispatcher, submit, launcher } = setUp();
    const before = Date.now();
    const { jobid } = await submit('doubles');
    assert.match(jobid, /^[0-9a-f]{32}$/);
    assert.equal(launcher.masters.get(jobid)?.jobId, jobid, 'the master runs under the dispatcher’s id');
    const [summary] = dispatcher.jobs();
    assert.equal(summary.jid, jobid);
    assert.equal(summary.name, 'doubles');
    assert.equal(summary.parallelism, 2);
    assert.ok(summary['start-time'] >= before && summary['start-time'] <= Date.now());
    assert.deepEqual(dispatcher.plan(jobid), {
      plan: {
        jid: jobid,
        name: 'doubles',
        nodes: [
          {
            id: 'source-0',
            parallelism: 2,
            operator: 'Sequence Source -> Map',
            description: 'Sequence Source (source-0) -> Map (map-1)',
            inputs: [],
          },
          {
            id: 'map-3',
            parallelism: 2,
            operator: 'Map -> Collect Sink',
            description: 'Map (map-3) -> Collect Sink (collect-4)',
            inputs: [{ num: 0, id: 'source-0', ship_strategy: 'HASH' }],
          },
        ],
      },
    });
    await launcher.settled(jobid);
    const details = dispatcher.job(jobid)!;
    assert.deepEqual(
      details.vertices.map((v) => [
        v.id,
        v.name,
        v.parallelism,
        v.metrics['read-records'],
        v.metrics['write-records'],
      ]),
      [
        // A source counts the records it reads as its input; a sink writes to no edge.
        ['source-0', 'Sequence Source -> Map', 2, 1000, 1000],
        ['map-3', 'Map -> Collect Sink', 2, 1000, 0],
      ],
    );
    assert.equal(details.vertices[0].metrics['read-bytes'], 0);
    assert.equal(details.restarts, 0);
    assert.ok(details.now >= details['end-time']);
  });

  it('reports a finished job as FINISHED with its end time, logs its end and lets the launcher clean up', async () => {
    const { dispatcher, submit, launcher } = setUp();
    const { jobid } = await submit('doubles');
    await launcher.masters.get(jobid)!.getJobExecutionResult();
    const job = dispatcher.job(jobid)!;
    assert.equal(job.state, 'FINISHED');
    assert.ok(job['end-time'] >= job['start-time']);
    assert.equal(job.duration, job['end-time'] - job['start-time']);
    assert.equal(dispatcher.jobs()[0]['end-time'], job['end-time']);
    assert.deepEqual(launcher.endedJobs, [jobid]);
    assert.deepEqual(
      logged.mock.calls.map((c) => c.arguments[0]),
      [`weir: job "doubles" (${jobid}) FINISHED`],
    );
    assert.deepEqual(dispatcher.exceptions(jobid), {
      'root-exception': null,
      timestamp: null,
      'all-exceptions': [],
      truncated: false,
    });
    assert.deepEqual(dispatcher.checkpoints(jobid), {
      counts: { restored: 0, total: 0, in_progress: 0, completed: 0, failed: 0 },
      latest: { completed: null, restored: null, failure: null },
      history: [],
    });
    assert.deepEqual(dispatcher.running(), []);
    const overview = dispatcher.overview();
    assert.deepEqual(overview, {
      taskmanagers: 2,
      'slots-total': 4,
      'slots-available': 3,
      'jobs-running': 0,
      'jobs-finished': 1,
      'jobs-cancelled': 0,
      'jobs-failed': 0,
      'weir-version': '9.9.9',
    });
  });

  it('reports a job whose map throws as FAILED, with the failure as its root exception', async () => {
    const { dispatcher, submit, launcher } = setUp();
    const { jobid } = await submit('failing');
    await assert.rejects(launcher.masters.get(jobid)!.getJobExecutionResult());
    assert.equal(dispatcher.job(jobid)?.state, 'FAILED');
    const exceptions = dispatcher.exceptions(jobid)!;
    const [failure] = launcher.masters.get(jobid)!.failures;
    assert.match(failure.error.message, /record 500 is poison/);
    assert.deepEqual(exceptions, {
      'root-exception': `${failure.error.code}: ${failure.error.message}`,
      timestamp: failure.timestamp,
      'all-exceptions': [
        {
          exception: failure.error.message,
          timestamp: failure.timestamp,
          code: failure.error.code,
          // Where, as data: the task, the subtask, the record and its source position.
          taskName: 'Sequence Source -> Map -> Collect Sink',
          location: `${dispatcher.job(jobid)!.vertices[0].id}#0`,
          record: '500',
          position: 'sequence value 500',
          source: 'Sequence Source',
        },
      ],
      truncated: false,
    });
    assert.equal(dispatcher.overview()['jobs-failed'], 1);
    assert.deepEqual(
      logged.mock.calls.map((c) => c.arguments[0]),
      [`weir: job "failing" (${jobid}) FAILED: ${failure.error.message}`],
    );
    assert.deepEqual(launcher.endedJobs, [jobid]);
  });

  it('lists every failure of a job that restarted, newest first, and counts its restarts', async () => {
    const { dispatcher, submit, launcher } = setUp();
    const { jobid } = await submit('failing-twice');
    await launcher.settled(jobid);
    const { failures } = launcher.masters.get(jobid)!;
    assert.ok(failures.length >= 2, `${failures.length} failures`);
    const exceptions = dispatcher.exceptions(jobid)!;
    assert.deepEqual(
      exceptions['all-exceptions'].map((e) => e.timestamp),
      failures.map((f) => f.timestamp).reverse(),
    );
    assert.match(exceptions['root-exception']!, /exhausted/);
    assert.equal(exceptions['all-exceptions'][0].exception, failures.at(-1)!.error.message);
    assert.equal(dispatcher.job(jobid)?.restarts, 1);
  });

  it('cancels a running unbounded job: CANCELLING at once, then CANCELED', async () => {
    const { dispatcher, submit, launcher } = setUp();
    const { jobid } = await submit('endless');
    await until(() => dispatcher.job(jobid)?.state === 'RUNNING', 'the job to run');
    const running = dispatcher.job(jobid)!;
    assert.equal(running['end-time'], -1);
    assert.ok(running.duration >= 0);
    assert.deepEqual(dispatcher.running(), [launcher.masters.get(jobid)]);
    assert.equal(dispatcher.overview()['jobs-running'], 1);
    await dispatcher.cancel(jobid);
    assert.match(dispatcher.job(jobid)!.state, /^CANCEL(LING|ED)$/);
    await assert.rejects(launcher.masters.get(jobid)!.getJobExecutionResult(), { code: 'JOB_CANCELLED' });
    assert.equal(dispatcher.job(jobid)?.state, 'CANCELED');
    assert.equal(dispatcher.overview()['jobs-cancelled'], 1);
    assert.deepEqual(dispatcher.running(), []);
    assert.deepEqual(dispatcher.exceptions(jobid)?.['all-exceptions'], [], 'a cancellation is no failure');
    await assert.rejects(dispatcher.cancel(jobid), (e: WeirError) => {
      assert.equal(e.code, 'INVALID_ARGUMENT');
      assert.match(e.message, /already CANCELED/);
      return true;
    });
  });

  it('takes a savepoint of a running job, then stops it with one: the job FINISHES', async () => {
    const { dispatcher, submit, launcher } = setUp();
    const { jobid } = await submit('endless');
    await until(() => (dispatcher.checkpoints(jobid)?.counts.completed ?? 0) > 0, 'a checkpoint');
    const checkpoints = dispatcher.checkpoints(jobid)!;
    const latest = checkpoints.latest.completed!;
    assert.ok(existsSync(join(latest.external_path, '_metadata')), latest.external_path);
    assert.equal(checkpoints.history[0].id, latest.id);
    assert.equal(checkpoints.history[0].status, 'COMPLETED');
    assert.equal(checkpoints.history[0].is_savepoint, false);
    assert.equal(checkpoints.latest.restored, null);

    const target = join(work, 'savepoints', 'first');
    const { triggerId } = dispatcher.savepoint(jobid, target, false);
    assert.match(triggerId, /^[0-9a-f]{32}$/);
    assert.deepEqual(dispatcher.savepointStatus(jobid, triggerId), { status: { id: 'IN_PROGRESS' } });
    const taken = await settledOperation(dispatcher, jobid, triggerId);
    assert.ok('location' in taken.operation, JSON.stringify(taken));
    assert.ok(taken.operation.location.startsWith(target), taken.operation.location);
    assert.ok(existsSync(join(taken.operation.location, '_metadata')));
    assert.equal(dispatcher.job(jobid)?.state, 'RUNNING');

    const stop = dispatcher.savepoint(jobid, join(work, 'savepoints', 'stop'), true);
    const stopped = await settledOperation(dispatcher, jobid, stop.triggerId);
    assert.ok('location' in stopped.operation, JSON.stringify(stopped));
    assert.ok(existsSync(join(stopped.operation.location, '_metadata')));
    await launcher.masters.get(jobid)!.getJobExecutionResult();
    assert.equal(dispatcher.job(jobid)?.state, 'FINISHED');
    // The first operation is still there to read.
    assert.deepEqual(dispatcher.savepointStatus(jobid, triggerId), taken);

    // A savepoint of an ended job fails, and creates no directory.
    const late = join(work, 'savepoints', 'late');
    const failed = await settledOperation(
      dispatcher,
      jobid,
      dispatcher.savepoint(jobid, late, false).triggerId,
    );
    assert.deepEqual(failed.operation, {
      'failure-cause': {
        code: 'CHECKPOINT_FAILED',
        message: 'job "endless" is FINISHED: no savepoint can be taken',
      },
    });
    assert.equal(existsSync(late), false);
  });

  it('reports a savepoint that cannot be taken as a failed operation', async () => {
    const { dispatcher, submit, launcher } = setUp();
    // Checkpointing is off: the job master refuses.
    const { jobid } = await submit('doubles');
    const { triggerId } = dispatcher.savepoint(jobid, join(work, 'savepoints', 'refused'), false);
    const operation = await settledOperation(dispatcher, jobid, triggerId);
    assert.ok('failure-cause' in operation.operation, JSON.stringify(operation));
    assert.equal(operation.operation['failure-cause'].code, 'CHECKPOINT_FAILED');
    await launcher.settled(jobid);
  });

  it('creates the savepoint directory first, and reports a directory it cannot create as IO_ERROR', async () => {
    const { dispatcher, submit } = setUp();
    const { jobid } = await submit('endless');
    await until(() => dispatcher.job(jobid)?.state === 'RUNNING', 'the job to run');
    const file = join(work, 'a-file');
    writeFileSync(file, '');
    const target = join(file, 'savepoints');
    const operation = await settledOperation(
      dispatcher,
      jobid,
      dispatcher.savepoint(jobid, target, true).triggerId,
    );
    assert.ok('failure-cause' in operation.operation, JSON.stringify(operation));
    assert.equal(operation.operation['failure-cause'].code, 'IO_ERROR');
    assert.match(
      operation.operation['failure-cause'].message,
      /cannot create the savepoint directory .*a-file/,
    );
    assert.equal(
      dispatcher.job(jobid)?.state,
      'RUNNING',
      'a stop whose savepoint failed leaves the job running',
    );
  });

  it('answers unknown jobs and triggers with undefined or JOB_NOT_FOUND', async () => {
    const { dispatcher, submit, launcher } = setUp();
    const unknown = 'ffffffffffffffffffffffffffffffff';
    assert.equal(dispatcher.job(unknown), undefined);
    assert.equal(dispatcher.plan(unknown), undefined);
    assert.equal(dispatcher.exceptions(unknown), undefined);
    assert.equal(dispatcher.checkpoints(unknown), undefined);
    assert.equal(dispatcher.savepointStatus(unknown, 'abc'), undefined);
    await assert.rejects(dispatcher.cancel(unknown), { code: 'JOB_NOT_FOUND' });
    assert.throws(() => dispatcher.savepoint(unknown, join(work, 'nowhere'), false), {
      code: 'JOB_NOT_FOUND',
    });
    assert.equal(existsSync(join(work, 'nowhere')), false);
    // A job the launcher cannot plan is not registered.
    await assert.rejects(submit('no-such-job'), { code: 'NO_JOB_EXECUTED' });
    assert.deepEqual(dispatcher.jobs(), []);
    const { jobid } = await submit('doubles');
    assert.equal(dispatcher.savepointStatus(jobid, 'abc'), undefined);
    await launcher.settled(jobid);
  });

  it('keeps at most maxEndedJobs ended jobs, dropping the oldest', async () => {
    const { dispatcher, submit, launcher } = setUp(1);
    const first = await submit('doubles');
    await launcher.settled(first.jobid);
    const second = await submit('doubles');
    await launcher.settled(second.jobid);
    assert.deepEqual(
      dispatcher.jobs().map((j) => j.jid),
      [second.jobid],
    );
    assert.equal(dispatcher.job(first.jobid), undefined);
  });

  it('serves its answers through the REST API unchanged (they fit the response schemas)', async (t) => {
    const { dispatcher, submit, launcher } = setUp();
    const app = createRestApp({ dispatcher, log: () => {} });
    t.after(() => app.close());
    const { jobid } = await submit('endless');
    await until(() => (dispatcher.checkpoints(jobid)?.counts.completed ?? 0) > 0, 'a checkpoint');
    const get = async (url: string) => {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
      return response.json();
    };
    assert.equal((await get('/overview'))['jobs-running'], 1);
    // While it runs: its vertex (the chain) with its subtasks' metrics, and the slots it holds.
    const [{ id: vid }] = dispatcher.job(jobid)!.vertices;
    await until(
      () => (dispatcher.vertex(jobid, vid)?.subtasks[0].metrics?.recordsIn ?? 0) > 0,
      'records read',
    );
    const vertex = await get(`/jobs/${jobid}/vertices/${vid}`);
    assert.deepEqual(
      [
        vertex.status,
        vertex.subtasks[0].status,
        vertex.operators.map((o: { uid: string }) => o.uid).slice(0, 2),
      ],
      ['RUNNING', 'RUNNING', ['numbers', 'plus-one']],
    );
    assert.equal((await get(`/jobs/${jobid}/vertices/${vid}/watermarks`)).id, vid);
    assert.equal(dispatcher.vertex(jobid, 'no-such-vertex'), undefined);
    assert.deepEqual(dispatcher.taskManager('tm-1')?.slots.length, 2);
    assert.equal(dispatcher.taskManager('tm-9'), undefined);
    await dispatcher.cancel(jobid);
    await launcher.settled(jobid);
    // Ended, the job's resources no longer change: each must arrive exactly as the dispatcher gave it.
    assert.deepEqual({ ...(await get(`/jobs/${jobid}`)), now: 0 }, { ...dispatcher.job(jobid), now: 0 });
    assert.deepEqual(await get(`/jobs/${jobid}/plan`), dispatcher.plan(jobid));
    assert.deepEqual(
      { ...(await get(`/jobs/${jobid}/vertices/${vid}`)), now: 0 },
      // As JSON: optional metrics left undefined are not sent.
      JSON.parse(JSON.stringify({ ...dispatcher.vertex(jobid, vid), now: 0 })),
    );
    assert.deepEqual(
      await get(`/jobs/${jobid}/vertices/${vid}/watermarks`),
      dispatcher.watermarks(jobid, vid),
    );
    assert.deepEqual(await get(`/jobs/${jobid}/exceptions`), dispatcher.exceptions(jobid));
    const checkpoints = await get(`/jobs/${jobid}/checkpoints`);
    assert.ok(checkpoints.counts.completed > 0);
    assert.deepEqual(checkpoints, dispatcher.checkpoints(jobid));
    assert.deepEqual(await get('/jobs/overview'), { jobs: dispatcher.jobs() });
    assert.deepEqual(await get('/overview'), dispatcher.overview());
    assert.deepEqual(await get('/taskmanagers'), { taskmanagers: dispatcher.taskManagers() });
  });
});
