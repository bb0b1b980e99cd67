import { WeirError } from '../../src/core/errors.ts';
import type { TaskMetrics } from '../../src/core/task-metrics.ts';
import type { JobVertex } from '../../src/graph/job-graph.ts';
import type {
  CheckpointHistoryItem,
  CheckpointingStatistics,
  Dispatcher,
  JobDetails,
  JobExceptions,
  JobPlanResponse,
  JobSummary,
  SavepointOperation,
  SubmitRequest,
  TaskManagerDetails,
  TaskManagerInfo,
  VertexDetails,
  VertexWatermarks,
} from '../../src/server/dispatcher.ts';
import { vertexDetails, vertexSummary, vertexWatermarks } from '../../src/server/job-views.ts';

/** A job id the fake knows. */
export const JOB_ID = '6f1c2b1e-3a4d-4c5e-9f60-7a8b9c0d1e2f';

/** A second job, finished, whose savepoint failed. */
export const FINISHED_JOB_ID = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const HISTORY_DEFAULTS: CheckpointHistoryItem = {
  id: 0,
  status: 'COMPLETED',
  is_savepoint: false,
  trigger_timestamp: 0,
  latest_ack_timestamp: 0,
  end_to_end_duration: 0,
  state_size: 0,
  alignment_duration: 0,
  num_subtasks: 8,
  num_acknowledged_subtasks: 0,
  external_path: null,
  failure_message: null,
};

function fakeVertex(id: string, name: string, kind: string, source: boolean): JobVertex {
  return {
    id,
    name,
    parallelism: 4,
    maxParallelism: 128,
    source,
    operators: [
      { uid: id, kind, name, keyed: !source, config: {}, outputs: [] } as JobVertex['operators'][number],
    ],
  };
}

/** The running job's vertices: a source and a keyed process function. */
export const FAKE_VERTICES: JobVertex[] = [
  fakeVertex('v-source', 'Source: transactions', 'source', true),
  fakeVertex('v-detect', 'KeyedProcess: fraud-detector', 'keyed-process', false),
];

/** A subtask's metrics: `busy`, `backPressured` in ms per second, and its input watermark. */
function fakeTask(
  vertex: JobVertex,
  subtask: number,
  busy: number,
  backPressured: number,
  watermark: number | null,
): TaskMetrics {
  return {
    vertex: vertex.name,
    vertexId: vertex.id,
    subtask,
    parallelism: 4,
    state: 'running',
    recordsIn: vertex.source ? 0 : 1000 + subtask,
    recordsOut: 300 * (subtask + 1),
    busyMs: busy * 60,
    idleMs: (1000 - busy - backPressured) * 60,
    backPressuredMs: backPressured * 60,
    inputQueue: 0,
    timestamp: 1_764_700_061_000,
    bytesIn: vertex.source ? 0 : 40_000,
    bytesOut: 12_000,
    recordsInPerSecond: vertex.source ? 0 : 100,
    recordsOutPerSecond: 50,
    busyTimeMsPerSecond: busy,
    idleTimeMsPerSecond: 1000 - busy - backPressured,
    backPressuredTimeMsPerSecond: backPressured,
    currentInputWatermark: vertex.source ? null : watermark,
    currentOutputWatermark: watermark,
    inputChannelWatermarks: vertex.source
      ? []
      : [0, 1, 2, 3].map((channel) => ({
          input: 0,
          channel,
          // Channel 2 is idle and lowest; channel 1 is the slowest of the others.
          watermark:
            watermark === null ? null : watermark + (channel === 1 ? 0 : channel === 2 ? -5000 : 1000),
          idle: channel === 2,
        })),
    stateSize: 1024,
    operators: [{ uid: vertex.id, name: vertex.name, recordsIn: 1000, recordsOut: 300 }],
  };
}

const [SOURCE, DETECT] = FAKE_VERTICES;

/** Source subtasks back-pressured (0.6 at most: high), the detector's subtask 2 the slowest. */
export const FAKE_METRICS: TaskMetrics[] = [
  fakeTask(SOURCE, 0, 200, 600, 1_764_700_000_000),
  fakeTask(SOURCE, 1, 300, 50, 1_764_700_000_000),
  fakeTask(SOURCE, 2, 250, 300, 1_764_700_000_000),
  fakeTask(SOURCE, 3, 100, 0, 1_764_700_000_000),
  fakeTask(DETECT, 0, 900, 0, 1_764_700_010_000),
  fakeTask(DETECT, 1, 950, 0, 1_764_700_010_000),
  fakeTask(DETECT, 2, 700, 0, 1_764_700_005_000),
  fakeTask(DETECT, 3, 800, 0, 1_764_700_010_000),
];

/**
 * A Dispatcher with canned data that records what the server asked of it, so tests can check that a
 * refused request never reached it and that an accepted one arrived with its resolved paths.
 */
export class FakeDispatcher implements Dispatcher {
  readonly submitted: SubmitRequest[] = [];
  readonly cancelled: string[] = [];
  readonly savepoints: Array<{ jobId: string; targetDirectory: string; stop: boolean }> = [];
  /** Thrown by the next submit, when set. */
  submitError: unknown;

  private readonly summaries: JobSummary[] = [
    {
      jid: JOB_ID,
      name: 'Fraud Detection',
      state: 'RUNNING',
      'start-time': 1_764_700_000_000,
      'end-time': -1,
      duration: 61_000,
      parallelism: 4,
    },
    {
      jid: FINISHED_JOB_ID,
      name: 'Word Count',
      state: 'FINISHED',
      'start-time': 1_764_600_000_000,
      'end-time': 1_764_600_005_000,
      duration: 5_000,
      parallelism: 2,
    },
  ];

  overview() {
    return {
      taskmanagers: 2,
      'slots-total': 4,
      'slots-available': 0,
      'jobs-running': 1,
      'jobs-finished': 1,
      'jobs-cancelled': 0,
      'jobs-failed': 0,
      'weir-version': '0.1.0',
    };
  }

  jobs(): JobSummary[] {
    return this.summaries.map((s) => ({ ...s }));
  }

  /** The subtasks' metrics of the running job (tests may change them). */
  metrics: TaskMetrics[] = FAKE_METRICS.map((t) => structuredClone(t));

  job(jobId: string): JobDetails | undefined {
    const summary = this.summaries.find((s) => s.jid === jobId);
    if (summary === undefined) return undefined;
    const metrics = jobId === JOB_ID ? this.metrics : [];
    return {
      ...summary,
      now: 1_764_700_061_000,
      vertices: FAKE_VERTICES.map((v) => vertexSummary(v, metrics, summary.state)),
      restarts: 1,
    };
  }

  vertex(jobId: string, vertexId: string): VertexDetails | undefined {
    const job = this.job(jobId);
    const vertex = FAKE_VERTICES.find((v) => v.id === vertexId);
    if (job === undefined || vertex === undefined) return undefined;
    const metrics = jobId === JOB_ID ? this.metrics : [];
    return vertexDetails(vertex, metrics, job.state, job.now, (i) => `tm-${(i % 2) + 1}`);
  }

  watermarks(jobId: string, vertexId: string): VertexWatermarks | undefined {
    const vertex = FAKE_VERTICES.find((v) => v.id === vertexId);
    if (this.job(jobId) === undefined || vertex === undefined) return undefined;
    return vertexWatermarks(vertex, jobId === JOB_ID ? this.metrics : []);
  }

  taskManager(taskManagerId: string): TaskManagerDetails | undefined {
    const info = this.taskManagers().find((tm) => tm.id === taskManagerId);
    if (info === undefined) return undefined;
    const slot = (index: number, subtask: number) => ({
      index,
      jobId: JOB_ID,
      jobName: 'Fraud Detection',
      tasks: FAKE_VERTICES.map((v) => ({ vertexId: v.id, vertexName: v.name, subtask })),
    });
    const first = taskManagerId === 'tm-1' ? 0 : 1;
    return { ...info, slots: [slot(0, first), slot(1, first + 2)] };
  }

  plan(jobId: string): JobPlanResponse | undefined {
    if (this.job(jobId) === undefined) return undefined;
    return {
      plan: {
        jid: jobId,
        name: 'Fraud Detection',
        nodes: [
          { id: 'v-source', parallelism: 4, operator: 'Source', description: 'transactions', inputs: [] },
          {
            id: 'v-detect',
            parallelism: 4,
            operator: 'KeyedProcess',
            description: 'fraud-detector',
            inputs: [{ num: 0, id: 'v-source', ship_strategy: 'HASH' }],
          },
        ],
      },
    };
  }

  exceptions(jobId: string): JobExceptions | undefined {
    if (this.job(jobId) === undefined) return undefined;
    if (jobId === FINISHED_JOB_ID) {
      return { 'root-exception': null, timestamp: null, 'all-exceptions': [], truncated: false };
    }
    return {
      'root-exception': 'TASKMANAGER_LOST: TaskManager tm-2 lost: heartbeat timed out after 50000 ms',
      timestamp: 1_764_700_030_000,
      'all-exceptions': [
        {
          exception:
            'operator "fraud-detector" (uid v-detect) in subtask 2/4 failed on record {"amount":"x"} at ' +
            'topic "transactions" partition 3 offset 18422: expected a number in "amount"',
          timestamp: 1_764_700_040_000,
          code: 'USER_FUNCTION_FAILED',
          taskName: 'KeyedProcess: fraud-detector',
          location: 'v-detect#1',
          record: '{"amount":"x"}',
          position: 'topic "transactions" partition 3 offset 18422',
          source: 'transactions',
        },
        {
          exception: 'TaskManager tm-2 lost: heartbeat timed out after 50000 ms',
          timestamp: 1_764_700_030_000,
          code: 'TASKMANAGER_LOST',
          taskName: null,
          location: null,
          record: null,
          position: null,
          source: null,
        },
      ],
      truncated: false,
    };
  }

  checkpoints(jobId: string): CheckpointingStatistics | undefined {
    if (this.job(jobId) === undefined) return undefined;
    if (jobId === FINISHED_JOB_ID) {
      return {
        counts: { restored: 0, total: 0, in_progress: 0, completed: 0, failed: 0 },
        latest: { completed: null, restored: null, failure: null },
        history: [],
      };
    }
    return {
      counts: { restored: 1, total: 3, in_progress: 1, completed: 1, failed: 1 },
      latest: {
        completed: {
          id: 7,
          external_path: '/var/weir/checkpoints/job/chk-7',
          end_to_end_duration: 41,
          trigger_timestamp: 1_764_700_050_000,
          latest_ack_timestamp: 1_764_700_050_041,
          state_size: 52_431,
        },
        restored: { id: 5, external_path: '/var/weir/checkpoints/job/chk-5' },
        failure: 'CHECKPOINT_FAILED: checkpoint 8 expired',
      },
      history: [
        {
          ...HISTORY_DEFAULTS,
          id: 9,
          status: 'IN_PROGRESS',
          trigger_timestamp: 1_764_700_060_997,
          end_to_end_duration: 3,
          num_acknowledged_subtasks: 3,
        },
        {
          ...HISTORY_DEFAULTS,
          id: 8,
          status: 'FAILED',
          is_savepoint: true,
          trigger_timestamp: 1_764_700_051_000,
          end_to_end_duration: 60_000,
          failure_message: 'CHECKPOINT_FAILED: checkpoint 8 expired',
        },
        {
          ...HISTORY_DEFAULTS,
          id: 7,
          status: 'COMPLETED',
          trigger_timestamp: 1_764_700_050_000,
          latest_ack_timestamp: 1_764_700_050_041,
          end_to_end_duration: 41,
          state_size: 52_431,
          alignment_duration: 4,
          num_acknowledged_subtasks: 8,
          external_path: '/var/weir/checkpoints/job/chk-7',
        },
      ],
    };
  }

  taskManagers(): TaskManagerInfo[] {
    return [
      {
        id: 'tm-1',
        address: '10.0.0.2',
        dataPort: 6124,
        slotsNumber: 2,
        freeSlots: 0,
        timeSinceLastHeartbeat: 800,
        hardware: { cpuCores: 8, physicalMemory: 16 * GiB, freeMemory: 9 * GiB },
        memory: { heapUsed: 80 * MiB, heapTotal: 120 * MiB, rss: 900 * MiB },
      },
      {
        id: 'tm-2',
        address: '10.0.0.3',
        dataPort: 6124,
        slotsNumber: 2,
        freeSlots: 0,
        timeSinceLastHeartbeat: 1200,
        hardware: { cpuCores: 4, physicalMemory: 8 * GiB, freeMemory: 2 * GiB },
        memory: { heapUsed: 60 * MiB, heapTotal: 100 * MiB, rss: 700 * MiB },
      },
    ];
  }

  config(): Record<string, string> {
    return {
      'rest.port': '8081',
      'rest.auth.token': 'leaked-token',
      'security.rpc.secret': 'leaked-secret',
      'security.ssl.rest.key': '/etc/weir/key.pem',
      'db.Password': 'leaked-password',
      'taskmanager.numberOfTaskSlots': '2',
    };
  }

  async submit(request: SubmitRequest): Promise<{ jobid: string }> {
    if (this.submitError !== undefined) {
      const error = this.submitError;
      this.submitError = undefined;
      throw error;
    }
    this.submitted.push(request);
    return { jobid: 'f00dfeedf00dfeedf00dfeedf00dfeed' };
  }

  async cancel(jobId: string): Promise<void> {
    if (this.job(jobId) === undefined) throw new WeirError('JOB_NOT_FOUND', `no job ${jobId}`);
    this.cancelled.push(jobId);
  }

  savepoint(jobId: string, targetDirectory: string, stop: boolean): { triggerId: string } {
    this.savepoints.push({ jobId, targetDirectory, stop });
    return { triggerId: `trigger-${this.savepoints.length}` };
  }

  savepointStatus(jobId: string, triggerId: string): SavepointOperation | undefined {
    if (triggerId === 'trigger-running') return { status: { id: 'IN_PROGRESS' } };
    if (triggerId === 'trigger-done') {
      return {
        status: { id: 'COMPLETED' },
        operation: { location: `/var/weir/savepoints/savepoint-${jobId}` },
      };
    }
    if (triggerId === 'trigger-failed') {
      return {
        status: { id: 'COMPLETED' },
        operation: { 'failure-cause': { code: 'CHECKPOINT_FAILED', message: 'savepoint 3 expired' } },
      };
    }
    return undefined;
  }
}
