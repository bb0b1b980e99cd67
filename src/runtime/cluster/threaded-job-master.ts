import { randomUUID } from 'node:crypto';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type { CollectTarget } from '../../api/collect.ts';
import type { JobClient, JobPlan, JobStatus, Submission } from '../../api/executor.ts';
import { JobExecutionResult } from '../../api/job-execution-result.ts';
import { WeirError, type WeirErrorCode } from '../../core/errors.ts';
import type { TaskMetrics } from '../../core/task-metrics.ts';
import { checkTransition, isTerminal } from '../scheduler/job-status.ts';
import { planSplits } from './split-planning.ts';
import { taskSlotPool } from './task-slot-pool.ts';
import type { SerializedError, WorkerData, WorkerMessage } from './worker-protocol.ts';

/**
 * Runs a job on task slots in worker threads. This thread is the job master: it plans the source
 * splits, starts one worker per slot (each evaluates the job module and builds its own subtasks),
 * starts them together once all are deployed, routes collected records to the client, and follows
 * the job status machine. Any failure — a task's error, an uncaught error or the exit of a worker —
 * fails the job, and every worker is terminated: no thread outlives its job.
 */
export class ThreadedJobMaster implements JobClient {
  readonly jobId = randomUUID();
  private status: JobStatus = 'created';
  private readonly plan: JobPlan;
  private readonly submission: Submission;
  private readonly workerCount: number;
  private workers: Worker[] = [];
  private readonly subtasksOf = new Map<number, string[]>();
  private readonly result: Promise<JobExecutionResult>;
  private resolveResult!: (r: JobExecutionResult) => void;
  private rejectResult!: (e: unknown) => void;
  private deployedCount = 0;
  private doneCount = 0;
  private readonly accumulators = new Map<string, unknown>();
  private readonly taskMetrics = new Map<string, TaskMetrics>();
  private startedAt = 0;
  private ended = false;

  constructor(plan: JobPlan, submission: Submission, workerCount: number) {
    this.plan = plan;
    this.submission = submission;
    this.workerCount = workerCount;
    this.result = new Promise((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    this.result.catch(() => {});
  }

  getJobStatus(): JobStatus {
    return this.status;
  }

  getJobExecutionResult(): Promise<JobExecutionResult> {
    return this.result;
  }

  /** Latest metrics of every subtask (reported by the workers every second and at the end). */
  getMetrics(): TaskMetrics[] {
    return [...this.taskMetrics.values()];
  }

  async start(): Promise<void> {
    this.startedAt = performance.now();
    const { graph, functions } = this.plan;
    let splits: Map<string, unknown>;
    try {
      splits = await planSplits(graph, functions);
    } catch (error) {
      this.finish('failed', error as WeirError);
      return;
    }
    const n = this.workerCount;
    const ports: Array<Record<number, MessagePort>> = Array.from({ length: n }, () => ({}));
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        const { port1, port2 } = new MessageChannel();
        ports[a][b] = port1;
        ports[b][a] = port2;
      }
    }
    const graphJson = JSON.stringify(graph);
    this.workers = taskSlotPool.acquire(n);
    for (let w = 0; w < n; w++) {
      const data: WorkerData = {
        jobId: this.jobId,
        jobModule: this.submission.jobModule!,
        jobIndex: this.submission.jobIndex,
        workerIndex: w,
        workerCount: n,
        graphJson,
        parallelism: this.submission.parallelism,
        splits: Object.fromEntries(splits) as WorkerData['splits'],
        peers: ports[w],
      };
      const worker = this.workers[w];
      worker.on('message', (m: WorkerMessage) => {
        if (m.jobId === this.jobId) this.onMessage(w, m);
      });
      worker.on('error', (error) => this.fail(this.workerError(w, 'failed with an uncaught error', error)));
      worker.on('exit', (code) => {
        if (!this.ended) this.fail(this.workerError(w, `exited unexpectedly with code ${code}`));
      });
      worker.postMessage({ type: 'job', data }, Object.values(ports[w]));
    }
    this.transition('running');
  }

  private onMessage(w: number, m: WorkerMessage): void {
    switch (m.type) {
      case 'deployed':
        this.subtasksOf.set(w, m.subtasks);
        if (++this.deployedCount === this.workerCount) {
          for (const worker of this.workers) worker.postMessage({ type: 'start', jobId: this.jobId });
        }
        return;
      case 'collect': {
        const target = this.plan.functions.operators.get(m.uid)?.fn as CollectTarget | undefined;
        target?.receive(m.values, m.subtask);
        return;
      }
      case 'metrics':
        this.recordMetrics(m.tasks);
        return;
      case 'done':
        this.recordMetrics(m.tasks);
        for (const [name, value] of m.accumulators) this.mergeAccumulator(name, value);
        if (++this.doneCount === this.workerCount) this.complete();
        return;
      case 'failed':
        this.fail(deserialize(m.error));
        return;
      case 'cancelled':
        return;
    }
  }

  private recordMetrics(tasks: TaskMetrics[]): void {
    for (const t of tasks) this.taskMetrics.set(`${t.vertex}#${t.subtask}`, t);
  }

  /** Numbers are summed (counters); other values are collected into a list. */
  private mergeAccumulator(name: string, value: unknown): void {
    const current = this.accumulators.get(name);
    if (current === undefined) this.accumulators.set(name, value);
    else if (typeof current === 'number' && typeof value === 'number')
      this.accumulators.set(name, current + value);
    else this.accumulators.set(name, [...(Array.isArray(current) ? current : [current]), value]);
  }

  private complete(): void {
    if (isTerminal(this.status) || this.status === 'cancelling') return;
    this.transition('finished');
    this.ended = true;
    taskSlotPool.release(this.workers);
    this.resolveResult(
      new JobExecutionResult(
        this.jobId,
        this.plan.graph.jobName,
        performance.now() - this.startedAt,
        this.accumulators,
      ),
    );
  }

  async cancel(): Promise<void> {
    if (isTerminal(this.status) || this.status === 'cancelling') return;
    this.transition('cancelling');
    this.ended = true;
    for (const worker of this.workers) worker.postMessage({ type: 'cancel', jobId: this.jobId });
    await taskSlotPool.discard(this.workers);
    this.finish(
      'cancelled',
      new WeirError('JOB_CANCELLED', `job "${this.plan.graph.jobName}" was cancelled`),
    );
  }

  private fail(error: WeirError): void {
    if (isTerminal(this.status) || this.ended) return;
    this.ended = true;
    void taskSlotPool.discard(this.workers).finally(() => this.finish('failed', error));
  }

  private finish(status: 'failed' | 'cancelled', error: WeirError): void {
    if (isTerminal(this.status)) return;
    this.transition(status);
    this.ended = true;
    this.rejectResult(error);
  }

  private workerError(w: number, what: string, cause?: unknown): WeirError {
    const subtasks = this.subtasksOf.get(w);
    const running = subtasks?.length ? ` (running ${subtasks.map((s) => `"${s}"`).join(', ')})` : '';
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return new WeirError('TASK_FAILED', `worker thread ${w + 1}${running} ${what}${detail}`, { cause });
  }

  private transition(to: JobStatus): void {
    checkTransition(this.status, to);
    this.status = to;
  }
}

function deserialize(e: SerializedError): WeirError {
  const cause = e.cause !== undefined ? new Error(e.cause) : undefined;
  const error = new WeirError(e.code as WeirErrorCode, e.message, cause ? { cause } : undefined);
  if (e.stack) error.stack = e.stack;
  return error;
}
