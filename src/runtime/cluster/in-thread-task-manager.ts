import type { CollectTarget } from '../../api/collect.ts';
import type { JobPlan } from '../../api/executor.ts';
import { WeirError } from '../../core/errors.ts';
import type {
  AttemptDeployment,
  SlotHandle,
  SlotListener,
  TaskManagerGateway,
} from '../scheduler/task-manager-gateway.ts';
import { deliverToSlot, SlotJob } from './slot-job.ts';
import type { WorkerMessage } from './worker-protocol.ts';

/**
 * One task slot in the job master's own thread, for a job built inline (a test, a script), whose
 * functions no other thread could load: the slot takes the master's plan instead of evaluating a
 * job module, and collected records reach the client as they are. Its messages reach the master on
 * a microtask, never inside a task's step. There is no watchdog here: a task stuck in a loop never
 * lets this thread cancel it (jobs of `weir run` run on slot threads, where there is one).
 */
export class InThreadTaskManager implements TaskManagerGateway {
  readonly id = 'in-thread';
  readonly description = 'this thread';
  private readonly plan: JobPlan;
  private readonly jobs = new WeakMap<SlotHandle, SlotJob>();
  /** A running job keeps the process alive, also while it only waits for an (unref'd) timer. */
  private keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(plan: JobPlan) {
    this.plan = plan;
  }

  deploy(deployment: AttemptDeployment, indices: number[], listener: SlotListener): SlotHandle[] {
    return indices.map((index) => {
      const waiters = new Set<(outcome: 'cancelled') => void>();
      const job = new SlotJob(
        { ...deployment.data, workerIndex: index, peers: {}, description: 'this thread' },
        {
          post: (m: WorkerMessage) =>
            queueMicrotask(() => {
              if (m.type === 'cancelled') for (const w of waiters) w('cancelled');
              listener.message(index, m);
            }),
          fail: (error) =>
            queueMicrotask(() =>
              listener.failure(index, {
                kind: 'failed',
                error:
                  error instanceof WeirError
                    ? error
                    : new WeirError('TASK_FAILED', String((error as Error)?.message ?? error), {
                        cause: error,
                      }),
              }),
            ),
          collect: {
            send: (uid, values, subtask) => this.target(uid)?.receive(values, subtask),
            blocked: (uid) => this.target(uid)?.blocked?.(),
          },
        },
      );
      job.deploy(this.plan);
      this.keepAlive ??= setInterval(() => {}, 1 << 30);
      const handle: SlotHandle = {
        index,
        description: 'this thread',
        post: (m) => {
          if (m.type !== 'job') deliverToSlot(job, m);
        },
        cancelled: () =>
          new Promise((resolve) => {
            waiters.add(resolve);
          }),
        liveMetrics: () => job.metrics(),
      };
      this.jobs.set(handle, job);
      return handle;
    });
  }

  release(slots: SlotHandle[]): void {
    this.stopKeepAlive(slots);
  }

  async discard(slots: SlotHandle[]): Promise<void> {
    this.stopKeepAlive(slots);
    // The tasks close (sinks abort what no checkpoint covers) before the next attempt opens.
    await Promise.all(slots.map((s) => this.jobs.get(s)?.cancel()));
  }

  private stopKeepAlive(_slots: SlotHandle[]): void {
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }

  private target(uid: string): CollectTarget | undefined {
    return this.plan.functions.operators.get(uid)?.fn as CollectTarget | undefined;
  }
}
