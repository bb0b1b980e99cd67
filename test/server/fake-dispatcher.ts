import { WeirError } from '../../src/core/errors.ts';
import type {
  CheckpointingStatistics,
  Dispatcher,
  JobDetails,
  JobExceptions,
  JobPlanResponse,
  JobSummary,
  SavepointOperation,
  SubmitRequest,
} from '../../src/server/dispatcher.ts';

/** A job id the fake knows. */
export const JOB_ID = '6f1c2b1e-3a4d-4c5e-9f60-7a8b9c0d1e2f';

/** A second job, finished, whose savepoint failed. */
export const FINISHED_JOB_ID = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5';

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

  job(jobId: string): JobDetails | undefined {
    const summary = this.summaries.find((s) => s.jid === jobId);
    if (summary === undefined) return undefined;
    return {
      ...summary,
      now: 1_764_700_061_000,
      vertices: [
        {
          id: 'v-source',
          name: 'Source: transactions -> Map',
          parallelism: 4,
          metrics: {
            'read-records': 0,
            'write-records': 1200,
            'read-bytes': 0,
            'write-bytes': 48_000,
            'backpressured-ms': 12.5,
            'busy-ms': 340,
          },
        },
      ],
      restarts: 1,
    };
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
          exception: 'TaskManager tm-2 lost: heartbeat timed out after 50000 ms',
          timestamp: 1_764_700_030_000,
          code: 'TASKMANAGER_LOST',
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
        completed: { id: 7, external_path: '/var/weir/checkpoints/job/chk-7', end_to_end_duration: 41 },
        restored: { id: 5, external_path: '/var/weir/checkpoints/job/chk-5' },
        failure: 'CHECKPOINT_FAILED: checkpoint 8 expired',
      },
      history: [
        { id: 9, status: 'IN_PROGRESS', is_savepoint: false, end_to_end_duration: 3, external_path: null },
        { id: 8, status: 'FAILED', is_savepoint: true, end_to_end_duration: 60_000, external_path: null },
        {
          id: 7,
          status: 'COMPLETED',
          is_savepoint: false,
          end_to_end_duration: 41,
          external_path: '/var/weir/checkpoints/job/chk-7',
        },
      ],
    };
  }

  taskManagers() {
    return [
      {
        id: 'tm-1',
        address: '10.0.0.2',
        dataPort: 6124,
        slotsNumber: 2,
        freeSlots: 0,
        timeSinceLastHeartbeat: 800,
      },
      {
        id: 'tm-2',
        address: '10.0.0.3',
        dataPort: 6124,
        slotsNumber: 2,
        freeSlots: 0,
        timeSinceLastHeartbeat: 1200,
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
