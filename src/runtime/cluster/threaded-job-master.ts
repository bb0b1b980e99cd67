import { randomUUID } from 'node:crypto';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type { CollectTarget } from '../../api/collect.ts';
import type { JobPlan, Submission } from '../../api/executor.ts';
import type { CheckpointCoordinator, CompletedCheckpoint } from '../../checkpoint/checkpoint-coordinator.ts';
import type { CheckpointStorage } from '../../checkpoint/checkpoint-storage.ts';
import { WeirError, type WeirErrorCode } from '../../core/errors.ts';
import type { CheckpointStatistics, JobClient, JobStatus, Suspension } from '../../core/job-client.ts';
import { JobExecutionResult } from '../../core/job-execution-result.ts';
import type { TaskMetrics } from '../../core/task-metrics.ts';
import { BatchCodec } from '../network/batch-codec.ts';
import { JobCheckpointing } from '../scheduler/job-checkpointing.ts';
import { checkTransition, isTerminal } from '../scheduler/job-status.ts';
import { RestartBackoff } from '../scheduler/restart-backoff.ts';
import { loadInitialRestore, restartStrategyOf } from '../scheduler/restore-loading.ts';
import { planSplits } from './split-planning.ts';
import { defaultSlotHeapMb, taskSlotPool } from './task-slot-pool.ts';
import type { CoordinatorMessage, SerializedError, WorkerData, WorkerMessage } from './worker-protocol.ts';

/**
 * Runs a job on task slots in worker threads. This thread is the job master: it plans the source
 * splits, starts one worker per slot (each evaluates the job module and builds its own subtasks),
 * starts them together once all are deployed, routes collected records to the client, coordinates
 * checkpoints, and follows the job status machine. Any failure — a task's error, an uncaught error
 * or the exit of a worker — terminates every worker of the attempt (no thread outlives it); then the
 * restart strategy either starts fresh workers from the latest completed checkpoint or fails the job.
 *
 * Cancelling or suspending the job asks each slot to cancel its tasks and waits for it at most
 * `task.cancellation.timeout` (the watchdog): a slot whose task ignores cancellation (a function
 * stuck in a loop never returns to its event loop) is then terminated, which V8 can do even mid-loop.
 * A slot that exceeds its heap limit (`resourceLimits`) fails the job with OUT_OF_MEMORY.
 */
export class ThreadedJobMaster implements JobClient {
  readonly jobId = randomUUID();
  private status: JobStatus = 'created';
  private readonly plan: JobPlan;
  private readonly submission: Submission;
  private readonly workerCount: number;
  private workers: Worker[] = [];
  /** Decoders of collected records, one per slot thread (each encodes with its own structures). */
  private readonly collectCodecs = new WeakMap<Worker, BatchCodec>();
  private readonly subtasksOf = new Map<number, string[]>();
  private readonly result: Promise<JobExecutionResult>;
  private resolveResult!: (r: JobExecutionResult) => void;
  private rejectResult!: (e: unknown) => void;
  private deployedCount = 0;
  private doneCount = 0;
  /** The job's accumulator results, once every worker is done and they are merged. */
  private accumulators = new Map<string, unknown>();
  /** Each worker's accumulators (its subtasks' merged) from its 'done' message. */
  private workerAccumulators: Array<Array<[string, unknown]>> = [];
  /** Workers asked to merge other workers' accumulators that have not replied yet. */
  private mergesPending = 0;
  private readonly taskMetrics = new Map<string, TaskMetrics>();
  private startedAt = 0;
  /** True once the current attempt's workers are done with (finished, failed or discarded). */
  private ended = false;
  private attempt = -1;
  private restarts = 0;
  private readonly backoff: RestartBackoff;
  private checkpointing: JobCheckpointing | undefined;
  private coordinator: CheckpointCoordinator | undefined;
  private storage: CheckpointStorage | undefined;
  private restoredFrom: CompletedCheckpoint | undefined;
  /** Set once suspend() begins: the job ends as suspended, whatever happens meanwhile. */
  private suspending = false;
  private splits: Map<string, unknown> | undefined;
  /** `task.cancellation.timeout` in ms (0: wait forever). */
  private readonly cancellationTimeoutMs: number;
  /** Old-generation heap limit of each slot thread, in MB. */
  private readonly slotHeapMb: number;

  constructor(plan: JobPlan, submission: Submission, workerCount: number) {
    this.plan = plan;
    this.submission = submission;
    this.workerCount = workerCount;
    this.cancellationTimeoutMs = submission.cluster?.cancellationTimeoutMs ?? DEFAULT_CANCELLATION_TIMEOUT_MS;
    this.slotHeapMb = submission.cluster?.slotHeapMb ?? defaultSlotHeapMb(submission.taskSlots);
    this.backoff = new RestartBackoff(restartStrategyOf(plan.graph.config));
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

  getCheckpointStatistics(): CheckpointStatistics {
    return JobCheckpointing.statisticsOf(this.checkpointing, this.restarts);
  }

  async start(): Promise<void> {
    this.startedAt = performance.now();
    const { graph, functions } = this.plan;
    try {
      this.splits = await planSplits(graph, functions);
      if (this.submission.restore) {
        const r = await loadInitialRestore(this.submission.restore, graph, (m) => console.warn(`weir: ${m}`));
        this.restoredFrom = r.from;
      }
      this.createCoordinator();
      await this.checkpointing?.prepareStorage();
    } catch (error) {
      this.finish(
        'failed',
        error instanceof WeirError ? error : new WeirError('JOB_FAILED', String(error), { cause: error }),
      );
      return;
    }
    if (this.status !== 'created') return; // suspended or cancelled while starting
    this.launch(this.restoredFrom);
    this.transition('running');
  }

  triggerSavepoint(targetDirectory: string): Promise<string> {
    return JobCheckpointing.savepointOf(this.checkpointing, this.status, targetDirectory);
  }

  /** Takes a savepoint, then stops the job, which ends as finished (see JobMaster.stopWithSavepoint). */
  async stopWithSavepoint(targetDirectory: string): Promise<string> {
    const path = await this.triggerSavepoint(targetDirectory);
    if (this.status !== 'running') return path;
    this.ended = true;
    this.coordinator?.stop('the job stopped with a savepoint');
    this.attempt++;
    // The tasks commit what the savepoint covers before they close (the completion went out just
    // before): let them finish that, within a bound, before the threads go.
    const stopped = this.workers.map((w) => workerCancelled(w, STOP_GRACE_MS));
    for (const worker of this.workers) worker.postMessage({ type: 'cancel', jobId: this.jobId });
    await Promise.all(stopped);
    await taskSlotPool.discard(this.workers);
    if (this.status !== 'running') return path;
    // The job ends as finished: its checkpoints go as after any finish (the savepoint stays).
    await this.cleanUpCheckpoints('finished');
    this.transition('finished');
    this.resolveResult(this.executionResult());
    return path;
  }

  private createCoordinator(): void {
    const broadcast = (m: CoordinatorMessage) => {
      for (const w of this.workers) w.postMessage(m);
    };
    this.checkpointing = new JobCheckpointing(
      this.plan,
      this.jobId,
      this.restoredFrom,
      {
        trigger: (id, savepoint, location) =>
          broadcast({ type: 'trigger-checkpoint', jobId: this.jobId, id, savepoint, location }),
        notifyComplete: (id) => broadcast({ type: 'checkpoint-complete', jobId: this.jobId, id }),
        notifyAborted: (id) => broadcast({ type: 'checkpoint-aborted', jobId: this.jobId, id }),
      },
      (error) => this.onFailure(error),
    );
    this.coordinator = this.checkpointing.coordinator;
    this.storage = this.checkpointing.storage;
  }

  /** Starts the workers of a new attempt, from `restore` when given. */
  private launch(restore: CompletedCheckpoint | undefined): void {
    const attempt = ++this.attempt;
    const { graph } = this.plan;
    this.ended = false;
    this.deployedCount = 0;
    this.doneCount = 0;
    this.accumulators = new Map();
    this.workerAccumulators = [];
    this.mergesPending = 0;
    this.subtasksOf.clear();
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
    const settings = graph.config.checkpointing;
    this.workers = taskSlotPool.acquire(n, this.slotHeapMb);
    for (let w = 0; w < n; w++) {
      const data: WorkerData = {
        jobId: this.jobId,
        jobModule: this.submission.jobModule!,
        jobIndex: this.submission.jobIndex,
        workerIndex: w,
        workerCount: n,
        graphJson,
        parallelism: this.submission.parallelism,
        splits: Object.fromEntries(this.splits!) as WorkerData['splits'],
        peers: ports[w],
        attemptNumber: attempt,
        env: { ...process.env },
        checkpointing: settings ? { mode: settings.mode, storage: settings.storage } : null,
        restore: restore ? { directory: restore.location, metadata: restore.metadata } : null,
      };
      const worker = this.workers[w];
      worker.on('message', (m: WorkerMessage) => {
        if (m.jobId === this.jobId && attempt === this.attempt) this.onMessage(w, m);
      });
      worker.on('error', (error) => {
        if (attempt !== this.attempt) return;
        if ((error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
          this.onFailure(this.outOfMemory(w, error));
        } else {
          this.onFailure(this.workerError(w, 'failed with an uncaught error', error));
        }
      });
      worker.on('exit', (code) => {
        if (!this.ended && attempt === this.attempt)
          this.onFailure(this.workerError(w, `exited unexpectedly with code ${code}`));
      });
      worker.postMessage({ type: 'job', data }, Object.values(ports[w]));
    }
  }

  private onMessage(w: number, m: WorkerMessage): void {
    switch (m.type) {
      case 'deployed':
        this.subtasksOf.set(w, m.subtasks);
        if (++this.deployedCount === this.workerCount) {
          for (const worker of this.workers) worker.postMessage({ type: 'start', jobId: this.jobId });
          this.coordinator?.start();
        }
        return;
      case 'collect': {
        const target = this.plan.functions.operators.get(m.uid)?.fn as CollectTarget | undefined;
        const worker = this.workers[w];
        let codec = this.collectCodecs.get(worker);
        if (!codec) this.collectCodecs.set(worker, (codec = new BatchCodec()));
        const { values } = codec.decode({ values: m.values, timestamps: null });
        target?.receive(values, m.subtask);
        this.acknowledgeCollect(this.workers[w], m.uid, values.length, target);
        return;
      }
      case 'metrics':
        this.recordMetrics(m.tasks);
        return;
      case 'done':
        this.recordMetrics(m.tasks);
        this.workerAccumulators[w] = m.accumulators;
        if (++this.doneCount === this.workerCount) this.mergeAccumulators();
        return;
      case 'accumulators-merged':
        for (const [name, value] of m.accumulators) this.accumulators.set(name, value);
        if (--this.mergesPending === 0) this.complete();
        return;
      case 'failed':
        this.onFailure(deserialize(m.error));
        return;
      case 'ack':
        this.coordinator?.acknowledge(m.task, m.id, m.entry);
        return;
      case 'decline':
        this.coordinator?.decline(m.task, m.id, m.reason, m.failure);
        return;
      case 'task-finished':
        this.coordinator?.taskFinished(m.task);
        return;
      case 'cancelled':
        return;
    }
  }

  /**
   * Collect back-pressure across threads, by credit: a slot sends at most its credit of records the
   * client has not taken; received records are acknowledged at once, or, while the client's target
   * is blocked (too many unread records), when it drains.
   */
  private acknowledgeCollect(
    worker: Worker,
    uid: string,
    count: number,
    target: CollectTarget | undefined,
  ): void {
    const blocked = target?.blocked?.();
    const ack = () => worker.postMessage({ type: 'collect-ack', jobId: this.jobId, uid, count });
    if (blocked === undefined) ack();
    else void blocked.then(ack);
  }

  private recordMetrics(tasks: TaskMetrics[]): void {
    for (const t of tasks) this.taskMetrics.set(`${t.vertex}#${t.subtask}`, t);
  }

  /**
   * Accumulators merge by `Accumulator.merge`, as in the in-thread job master, but this thread has
   * no accumulator instances (they exist where `open()` ran): each name's first worker merges the
   * local values of the other workers into its own, then the job completes.
   */
  private mergeAccumulators(): void {
    const requests = new Map<number, Map<string, unknown[]>>();
    const owner = new Map<string, number>();
    for (const [w, values] of this.workerAccumulators.entries()) {
      for (const [name, value] of values) {
        const first = owner.get(name);
        if (first === undefined) {
          owner.set(name, w);
          this.accumulators.set(name, value);
          continue;
        }
        let request = requests.get(first);
        if (request === undefined) requests.set(first, (request = new Map()));
        const others = request.get(name);
        if (others === undefined) request.set(name, [value]);
        else others.push(value);
      }
    }
    if (requests.size === 0) {
      this.complete();
      return;
    }
    this.mergesPending = requests.size;
    for (const [w, request] of requests) {
      this.workers[w].postMessage({ type: 'merge-accumulators', jobId: this.jobId, values: [...request] });
    }
  }

  private complete(): void {
    if (this.status !== 'running') return;
    this.coordinator?.stop('the job finished');
    this.transition('finished');
    this.ended = true;
    taskSlotPool.release(this.workers);
    // The result comes once the checkpoints are cleaned up (see JobMaster).
    void this.cleanUpCheckpoints().finally(() => this.resolveResult(this.executionResult()));
  }

  async cancel(): Promise<void> {
    if (isTerminal(this.status) || this.status === 'cancelling' || this.suspending) return;
    this.transition('cancelling');
    this.ended = true;
    this.coordinator?.stop('the job was cancelled');
    this.attempt++; // a restart in its delay does not launch again
    await this.endSlots();
    await this.cleanUpCheckpoints();
    this.finish(
      'cancelled',
      new WeirError('JOB_CANCELLED', `job "${this.plan.graph.jobName}" was cancelled`),
    );
  }

  /**
   * Suspends the job (see JobClient.suspend): no new checkpoint starts and in-flight ones are
   * abandoned, every slot cancels its tasks (within the cancellation timeout), and the completed
   * checkpoints stay whatever the retention: the job resumes from them with --from-checkpoint.
   */
  async suspend(): Promise<Suspension> {
    if (!isTerminal(this.status) && this.status !== 'cancelling' && !this.suspending) {
      this.suspending = true;
      this.ended = true;
      this.coordinator?.stop('the job was suspended');
      this.attempt++; // messages of the slots, and a restart in its delay, are ignored from now on
      await this.endSlots();
      await this.coordinator?.discarded();
      this.finish(
        'suspended',
        new WeirError('JOB_SUSPENDED', `job "${this.plan.graph.jobName}" was suspended`),
      );
    }
    return {
      checkpoint: this.checkpointing?.latest()?.location ?? null,
      storage: this.plan.graph.config.checkpointing?.storage ?? null,
    };
  }

  /**
   * Asks every slot of the current attempt to cancel its tasks and terminates the slots once they
   * have, or once `task.cancellation.timeout` has passed for one that has not (the watchdog).
   */
  private async endSlots(): Promise<void> {
    const workers = this.workers;
    const timeout = this.cancellationTimeoutMs;
    const ended = workers.map((w) => workerCancelled(w, timeout === 0 ? undefined : timeout));
    for (const worker of workers) worker.postMessage({ type: 'cancel', jobId: this.jobId });
    const outcomes = await Promise.all(ended);
    outcomes.forEach((outcome, w) => {
      if (outcome !== 'timeout') return;
      const subtasks = this.subtasksOf.get(w);
      const running = subtasks?.length ? ` (running ${subtasks.map((s) => `"${s}"`).join(', ')})` : '';
      console.error(
        `weir: slot thread ${w + 1}${running} did not end its tasks within ${timeout} ms of the cancellation (task.cancellation.timeout): terminating it`,
      );
    });
    await taskSlotPool.discard(workers);
  }

  /** A failure of the current attempt: restart from the latest checkpoint, or fail the job. */
  private onFailure(error: WeirError): void {
    if (this.status !== 'running' || this.ended) return;
    this.ended = true;
    const fatal = this.checkpointing?.failsJob(error);
    if (fatal) {
      this.coordinator?.stop('the job failed');
      // The slots cancel their tasks (sinks close, aborting what no checkpoint covers), then go;
      // their messages meanwhile (a cancelled task reports done) are ignored.
      this.attempt++;
      void this.endSlots().finally(() => this.finish('failed', fatal));
      return;
    }
    const delay = this.backoff.onFailure(Date.now(), error);
    if (delay === undefined) {
      this.coordinator?.stop('the job failed');
      const failed = this.backoff.exhausted(error, this.restarts);
      void taskSlotPool.discard(this.workers).finally(() => this.finish('failed', failed));
      return;
    }
    void this.restart(delay, error);
  }

  private async restart(delay: number, error: WeirError): Promise<void> {
    this.transition('restarting');
    console.warn(`weir: job "${this.plan.graph.jobName}" restarts in ${delay} ms after: ${error.message}`);
    this.coordinator?.stop('the job is restarting');
    this.attempt++; // messages of the old workers are ignored from now on
    await taskSlotPool.discard(this.workers);
    await new Promise((r) => setTimeout(r, delay));
    if (this.status !== 'restarting') return;
    let from: CompletedCheckpoint | undefined;
    try {
      from = await this.checkpointing?.restartPoint((m) => console.warn(`weir: ${m}`));
    } catch (e) {
      this.finish(
        'failed',
        e instanceof WeirError ? e : new WeirError('JOB_FAILED', String(e), { cause: e }),
      );
      return;
    }
    if (this.status !== 'restarting') return;
    this.restarts++;
    this.launch(from);
    this.transition('running');
  }

  private finish(status: 'failed' | 'cancelled' | 'suspended', error: WeirError): void {
    if (isTerminal(this.status)) return;
    this.transition(status);
    this.ended = true;
    this.rejectResult(error);
  }

  /** Retained checkpoints are deleted when the job ends, unless configured to be kept. */
  private cleanUpCheckpoints(_how?: 'finished' | 'cancelled'): Promise<void> {
    return this.checkpointing?.cleanUp() ?? Promise.resolve();
  }

  /** A slot ran out of heap: the subtasks it ran, its limit, and what to do about it. */
  private outOfMemory(w: number, cause: unknown): WeirError {
    const subtasks = this.subtasksOf.get(w);
    const running = subtasks?.length ? ` running ${subtasks.map((s) => `"${s}"`).join(', ')}` : '';
    return new WeirError(
      'OUT_OF_MEMORY',
      `slot thread ${w + 1}${running} ran out of memory (heap limit ${this.slotHeapMb} MB): keep large state off the heap with the lmdb state backend (env.setStateBackend('lmdb')), or raise the limit with -D taskmanager.memory.slot.heap.size=<MB>`,
      { cause },
    );
  }

  private workerError(w: number, what: string, cause?: unknown): WeirError {
    const subtasks = this.subtasksOf.get(w);
    const running = subtasks?.length ? ` (running ${subtasks.map((s) => `"${s}"`).join(', ')})` : '';
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return new WeirError('TASK_FAILED', `worker thread ${w + 1}${running} ${what}${detail}`, { cause });
  }

  private executionResult(): JobExecutionResult {
    return new JobExecutionResult(
      this.jobId,
      this.plan.graph.jobName,
      performance.now() - this.startedAt,
      this.accumulators,
    );
  }

  private transition(to: JobStatus): void {
    checkTransition(this.status, to);
    this.status = to;
  }
}

/** The slot's error as a WeirError (TASK_FAILED unless it was one), its causes rebuilt as they were. */
function deserialize(e: SerializedError): WeirError {
  const cause = e.cause !== undefined ? deserializeCause(e.cause) : undefined;
  const error = new WeirError(e.code as WeirErrorCode, e.message, cause ? { cause } : undefined);
  if (e.stack) error.stack = e.stack;
  return error;
}

function deserializeCause(e: SerializedError): unknown {
  if (e.name === undefined) return e.message; // a thrown value that was not an Error
  const cause = e.cause !== undefined ? { cause: deserializeCause(e.cause) } : undefined;
  let error: Error;
  if (e.weir) {
    error = new WeirError(e.code as WeirErrorCode, e.message, cause);
  } else {
    error = new Error(e.message, cause);
    error.name = e.name;
  }
  if (e.stack) error.stack = e.stack;
  return error;
}

/** How long a stop-with-savepoint waits for a slot's tasks to close (and commit) before ending the thread. */
const STOP_GRACE_MS = 30_000;

/**
 * Default of `task.cancellation.timeout`. Flink's is 180 s; Weir's is shorter than the grace period
 * of `docker stop` (10 s), so that a stuck task is ended by Weir, with the job's exit code and
 * message, rather than by the SIGKILL that follows.
 */
export const DEFAULT_CANCELLATION_TIMEOUT_MS = 5_000;

/**
 * Resolves when `worker` reports its tasks cancelled and closed ('cancelled'), exits ('exited'), or
 * `timeoutMs` passes ('timeout'; never when undefined).
 */
function workerCancelled(
  worker: Worker,
  timeoutMs: number | undefined,
): Promise<'cancelled' | 'exited' | 'timeout'> {
  return new Promise((resolve) => {
    const done = (outcome: 'cancelled' | 'exited' | 'timeout') => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(outcome);
    };
    const onMessage = (m: { type?: string }) => {
      if (m?.type === 'cancelled') done('cancelled');
    };
    const onExit = () => done('exited');
    if (worker.threadId < 0) {
      resolve('exited'); // terminated already (a restart in its delay)
      return;
    }
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => done('timeout'), timeoutMs);
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}
