/**
 * A JobManager for the CLI's tests: the real REST server (src/server) over a fake Dispatcher with
 * canned jobs, on 127.0.0.1 at port 0, recording what the CLI asked of it. The HTTP side — routes,
 * Flink's shapes, errors as `{ code, message }`, 401 without the token, TLS — is the real one, so
 * the commands' tables, `--json` and error handling are checked against the API they will meet;
 * the end-to-end tests run the real JobManager behind it.
 *
 * Jobs move as a scripted `states` list: each `GET /jobs/:id` takes the next state (the last one
 * stays), so a test says "RUNNING, RUNNING, FINISHED" and the CLI sees the job run and finish.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  CheckpointingStatistics,
  Dispatcher,
  JobDetails,
  JobExceptions,
  JobState,
  SavepointOperation,
  SubmitRequest,
  TaskManagerInfo,
} from '../../src/server/dispatcher.ts';
import { createRestServer } from '../../src/server/rest-server.ts';

export interface FakeJob {
  details: JobDetails;
  /** The states that successive `GET /jobs/:id` report; the last one stays. */
  states?: JobState[];
  checkpoints?: CheckpointingStatistics;
  exceptions?: JobExceptions;
}

export interface FakeJobManagerOptions {
  jobs?: FakeJob[];
  taskManagers?: TaskManagerInfo[];
  token?: string;
  tls?: { key: string; cert: string };
  /** How `POST /jobs` answers: the job it creates (its `jid` is the answer). */
  onSubmit?: (request: SubmitRequest) => FakeJob;
}

/** One call the REST server made on the dispatcher. */
export interface DispatcherCall {
  method: keyof Dispatcher;
  args: unknown[];
}

export interface FakeJobManager {
  url: string;
  /** The savepoint root (`state.savepoints.dir`): a fresh directory. */
  savepointRoot: string;
  /** Dispatcher calls in arrival order. */
  calls: DispatcherCall[];
  jobs: Map<string, FakeJob>;
  close(): Promise<void>;
}

/** A job as `GET /jobs/:id` shows it: two vertices with counters, started 2026-12-02 22:00 UTC. */
export function jobDetails(
  jid: string,
  name: string,
  state: JobState,
  extra: Partial<JobDetails> = {},
): JobDetails {
  return {
    jid,
    name,
    state,
    'start-time': Date.UTC(2026, 11, 2, 22, 0, 0),
    'end-time': -1,
    duration: 192_000,
    parallelism: 2,
    now: Date.UTC(2026, 11, 2, 22, 3, 12),
    restarts: 0,
    vertices: [
      {
        id: 'cbc357ccb763df2852fee8c4fc7d55f2',
        name: 'Source: numbers',
        parallelism: 2,
        ...VERTEX_DEFAULTS,
        metrics: {
          ...METRIC_DEFAULTS,
          'read-records': 0,
          'write-records': 1_234_567,
          'read-bytes': 0,
          'write-bytes': 9_876_543,
          'backpressured-ms': 1_500,
          'busy-ms': 60_000,
        },
      },
      {
        id: '90bea66de1c231edf33913ecd54406c1',
        name: 'Map -> Sink: print',
        parallelism: 2,
        ...VERTEX_DEFAULTS,
        metrics: {
          ...METRIC_DEFAULTS,
          'read-records': 1_234_567,
          'write-records': 0,
          'read-bytes': 9_876_543,
          'write-bytes': 0,
          'backpressured-ms': 0,
          'busy-ms': 120_000,
        },
      },
    ],
    ...extra,
  };
}

/** The vertex fields `weir info` does not read. */
const VERTEX_DEFAULTS = { status: 'RUNNING', tasks: { RUNNING: 2 }, 'backpressure-level': 'ok' } as const;
const METRIC_DEFAULTS = {
  'idle-ms': 0,
  'read-records-per-second': 0,
  'write-records-per-second': 0,
  'busy-ratio': 0,
  'backpressure-ratio': 0,
  'idle-ratio': 0,
  'current-input-watermark': null,
};

const NO_CHECKPOINTS: CheckpointingStatistics = {
  counts: { restored: 0, total: 0, in_progress: 0, completed: 0, failed: 0 },
  latest: { completed: null, restored: null, failure: null },
  history: [],
};

const NO_EXCEPTIONS: JobExceptions = {
  'root-exception': null,
  timestamp: null,
  'all-exceptions': [],
  truncated: false,
};

/** Starts the fake on 127.0.0.1, port 0. */
export async function startFakeJobManager(options: FakeJobManagerOptions = {}): Promise<FakeJobManager> {
  const jobs = new Map<string, FakeJob>((options.jobs ?? []).map((job) => [job.details.jid, job]));
  const calls: DispatcherCall[] = [];
  const savepoints = new Map<string, { polls: number; location: string }>();
  const savepointRoot = mkdtempSync(join(tmpdir(), 'weir-fake-jm-savepoints-'));
  const record = (method: keyof Dispatcher, ...args: unknown[]) => calls.push({ method, args });
  const summary = (job: FakeJob) => {
    const { now: _now, vertices: _vertices, restarts: _restarts, ...rest } = job.details;
    return rest;
  };

  const dispatcher: Dispatcher = {
    overview: () => ({
      taskmanagers: (options.taskManagers ?? []).length,
      'slots-total': 4,
      'slots-available': 4,
      'jobs-running': [...jobs.values()].filter((j) => j.details.state === 'RUNNING').length,
      'jobs-finished': 0,
      'jobs-cancelled': 0,
      'jobs-failed': 0,
      'weir-version': '0.1.0',
    }),
    jobs: () => {
      record('jobs');
      return [...jobs.values()].map(summary);
    },
    job: (jobId) => {
      record('job', jobId);
      const job = jobs.get(jobId);
      const next = job?.states?.shift();
      if (job && next) job.details.state = next;
      return job?.details;
    },
    plan: () => undefined,
    exceptions: (jobId) => {
      const job = jobs.get(jobId);
      return job ? (job.exceptions ?? NO_EXCEPTIONS) : undefined;
    },
    checkpoints: (jobId) => {
      const job = jobs.get(jobId);
      return job ? (job.checkpoints ?? NO_CHECKPOINTS) : undefined;
    },
    vertex: () => undefined,
    watermarks: () => undefined,
    taskManagers: () => options.taskManagers ?? [],
    taskManager: () => undefined,
    config: () => ({ 'rest.port': '8081' }),
    submit: async (request) => {
      record('submit', request);
      if (!options.onSubmit) throw new Error('this fake takes no submissions');
      const job = options.onSubmit(request);
      jobs.set(job.details.jid, job);
      return { jobid: job.details.jid };
    },
    cancel: async (jobId) => {
      record('cancel', jobId);
      const job = jobs.get(jobId);
      if (job) job.states = ['CANCELLING', 'CANCELED'];
    },
    savepoint: (jobId, targetDirectory, stop) => {
      record('savepoint', jobId, targetDirectory, stop);
      const triggerId = `trigger${savepoints.size + 1}`;
      savepoints.set(triggerId, { polls: 0, location: join(targetDirectory, 'savepoint-1') });
      if (stop) {
        const job = jobs.get(jobId);
        if (job) job.states = ['FINISHED'];
      }
      return { triggerId };
    },
    savepointStatus: (jobId, triggerId): SavepointOperation | undefined => {
      record('savepointStatus', jobId, triggerId);
      const operation = savepoints.get(triggerId);
      if (!operation) return undefined;
      // In progress at the first poll, done at the second: the CLI must poll.
      if (operation.polls++ === 0) return { status: { id: 'IN_PROGRESS' } };
      return { status: { id: 'COMPLETED' }, operation: { location: operation.location } };
    },
  };

  const server = await createRestServer({
    dispatcher,
    port: 0,
    token: options.token,
    tls: options.tls,
    roots: { savepoints: savepointRoot },
  });
  return {
    url: server.url,
    savepointRoot,
    calls,
    jobs,
    close: async () => {
      await server.close();
      rmSync(savepointRoot, { recursive: true, force: true });
    },
  };
}
