import { randomUUID } from 'node:crypto';
import type { Accumulator } from '../../api/accumulators.ts';
import type { CollectTarget } from '../../api/collect.ts';
import type { JobClient, JobPlan, JobStatus } from '../../api/executor.ts';
import { JobExecutionResult } from '../../api/job-execution-result.ts';
import { WeirError } from '../../core/errors.ts';
import type { TaskMetrics } from '../../core/task-metrics.ts';
import type { JobEdge } from '../../graph/job-graph.ts';
import { deployTasks } from '../cluster/deployment.ts';
import { planSplits } from '../cluster/split-planning.ts';
import { LocalChannel } from '../network/channel.ts';
import type { StreamTask } from '../task/stream-task.ts';
import { checkTransition, isTerminal } from './job-status.ts';
import { TaskExecutor } from './task-executor.ts';

/**
 * Runs one job: deploys its tasks, wires their channels, assigns source splits, and follows the
 * job status machine (created → running → finished | failed | cancelling → cancelled). A failing
 * task fails the job: every other task is cancelled and the result rejects with the task's error.
 */
export class JobMaster implements JobClient {
  readonly jobId = randomUUID();
  private status: JobStatus = 'created';
  private readonly plan: JobPlan;
  private readonly tasks: StreamTask[] = [];
  private readonly executor = new TaskExecutor();
  private readonly result: Promise<JobExecutionResult>;
  private resolveResult!: (r: JobExecutionResult) => void;
  private rejectResult!: (e: unknown) => void;
  private failure: WeirError | undefined;
  private startedAt = 0;

  constructor(plan: JobPlan) {
    this.plan = plan;
    this.result = new Promise((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // A job nobody awaits must not crash the process with an unhandled rejection.
    this.result.catch(() => {});
  }

  getJobStatus(): JobStatus {
    return this.status;
  }

  getJobExecutionResult(): Promise<JobExecutionResult> {
    return this.result;
  }

  /** Current metrics of every subtask. */
  getMetrics(): TaskMetrics[] {
    return this.tasks.map((t) => t.metrics());
  }

  /** Deploys the tasks and starts running them; resolves once they run. */
  async start(): Promise<void> {
    this.startedAt = performance.now();
    try {
      await this.deploy();
    } catch (error) {
      this.finishWith(
        'failed',
        error instanceof WeirError
          ? error
          : new WeirError(
              'JOB_FAILED',
              `cannot deploy job "${this.plan.graph.jobName}": ${String((error as Error)?.message ?? error)}`,
              { cause: error },
            ),
      );
      return;
    }
    this.transition('running');
    await Promise.all(this.tasks.map((t) => t.open()));
    void this.executor.run().then(
      () => this.onExecutorDone(),
      (error) =>
        this.fail(new WeirError('INTERNAL', `task executor failed: ${String(error)}`, { cause: error })),
    );
  }

  async cancel(): Promise<void> {
    if (isTerminal(this.status) || this.status === 'cancelling') return;
    this.transition('cancelling');
    this.executor.stop();
    await Promise.all(this.tasks.map((t) => t.cancel()));
    this.finishWith(
      'cancelled',
      new WeirError('JOB_CANCELLED', `job "${this.plan.graph.jobName}" was cancelled`),
    );
  }

  private async deploy(): Promise<void> {
    const { graph, functions, clock } = this.plan;
    const wakeup = this.executor.wakeup;
    const grid = new Map<string, LocalChannel>();
    const channel = (edge: JobEdge, p: number, c: number): LocalChannel => {
      const key = `${edge.id}/${p}/${c}`;
      let ch = grid.get(key);
      if (!ch) grid.set(key, (ch = new LocalChannel(graph.config.channelCapacity, wakeup, wakeup)));
      return ch;
    };
    const tasks = deployTasks({
      jobId: this.jobId,
      graph,
      functions,
      clock,
      wakeup,
      runsHere: () => true,
      channels: { input: channel, output: channel },
      splits: await planSplits(graph, functions),
      sendToClient: (uid, values, subtask) => {
        const target = functions.operators.get(uid)?.fn as CollectTarget | undefined;
        target?.receive(values, subtask);
      },
      onStateChange: (t) => this.onTaskStateChange(t),
    });
    for (const task of tasks) {
      this.tasks.push(task);
      this.executor.add(task);
    }
  }

  private onTaskStateChange(task: StreamTask): void {
    if (task.state === 'failed' && task.failure && !this.failure) this.fail(task.failure);
  }

  private fail(error: WeirError): void {
    if (isTerminal(this.status) || this.failure) return;
    this.failure = error;
    this.executor.stop();
    void Promise.all(this.tasks.map((t) => t.cancel())).finally(() => this.finishWith('failed', error));
  }

  private onExecutorDone(): void {
    if (this.failure || isTerminal(this.status) || this.status === 'cancelling') return;
    const failed = this.tasks.find((t) => t.state === 'failed');
    if (failed?.failure) {
      this.fail(failed.failure);
      return;
    }
    this.transition('finished');
    this.resolveResult(
      new JobExecutionResult(
        this.jobId,
        this.plan.graph.jobName,
        performance.now() - this.startedAt,
        this.mergeAccumulators(),
      ),
    );
  }

  private mergeAccumulators(): Map<string, unknown> {
    const merged = new Map<string, Accumulator<unknown>>();
    for (const task of this.tasks) {
      for (const map of task.accumulators) {
        for (const [name, acc] of map) {
          const into = merged.get(name);
          if (!into) {
            const fresh = acc.create();
            fresh.merge(acc.getLocalValue());
            merged.set(name, fresh);
          } else into.merge(acc.getLocalValue());
        }
      }
    }
    return new Map([...merged].map(([name, acc]) => [name, acc.getLocalValue()]));
  }

  private finishWith(status: 'failed' | 'cancelled', error: WeirError): void {
    if (isTerminal(this.status)) return;
    this.transition(status);
    this.rejectResult(error);
  }

  private transition(to: JobStatus): void {
    checkTransition(this.status, to);
    this.status = to;
  }
}
