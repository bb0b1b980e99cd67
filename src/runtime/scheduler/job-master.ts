import { randomUUID } from 'node:crypto';
import type { CollectTarget } from '../../api/collect.ts';
import type { JobPlan, Submission } from '../../api/executor.ts';
import type { CheckpointCoordinator, CompletedCheckpoint } from '../../checkpoint/checkpoint-coordinator.ts';
import type { CheckpointStorage } from '../../checkpoint/checkpoint-storage.ts';
import type { RestoredJobState } from '../../checkpoint/restored-state.ts';
import { WeirError } from '../../core/errors.ts';
import type { CheckpointStatistics, JobClient, JobStatus, Suspension } from '../../core/job-client.ts';
import { JobExecutionResult } from '../../core/job-execution-result.ts';
import type { TaskMetrics } from '../../core/task-metrics.ts';
import type { JobEdge } from '../../graph/job-graph.ts';
import { deployTasks } from '../cluster/deployment.ts';
import { planSplits } from '../cluster/split-planning.ts';
import { LocalChannel } from '../network/channel.ts';
import type { StreamTask, TaskCheckpointing } from '../task/stream-task.ts';
import { localValues, mergeAccumulators } from './accumulator-merge.ts';
import { JobCheckpointing } from './job-checkpointing.ts';
import { checkTransition, isTerminal } from './job-status.ts';
import { RestartBackoff } from './restart-backoff.ts';
import { loadInitialRestore, restartStrategyOf } from './restore-loading.ts';
import { TaskExecutor } from './task-executor.ts';

/**
 * Runs one job in this thread: deploys its tasks, wires their channels, assigns source splits, and
 * follows the job status machine (created → running ⇄ restarting → finished | failed | cancelling →
 * cancelled). With checkpointing, a checkpoint coordinator snapshots the job periodically; a task
 * failure then restarts every task from the latest completed checkpoint, as the restart strategy
 * allows. Without a restart, a failing task fails the job with the task's error.
 */
export class JobMaster implements JobClient {
  readonly jobId = randomUUID();
  private status: JobStatus = 'created';
  private readonly plan: JobPlan;
  private readonly submission: Submission;
  private tasks: StreamTask[] = [];
  private executor = new TaskExecutor();
  private readonly result: Promise<JobExecutionResult>;
  private resolveResult!: (r: JobExecutionResult) => void;
  private rejectResult!: (e: unknown) => void;
  private failure: WeirError | undefined;
  private startedAt = 0;
  private readonly backoff: RestartBackoff;
  private checkpointing: JobCheckpointing | undefined;
  private coordinator: CheckpointCoordinator | undefined;
  private storage: CheckpointStorage | undefined;
  private restored: RestoredJobState | undefined;
  private restoredFrom: CompletedCheckpoint | undefined;
  /** Incremented per deployment: events of tasks of an earlier attempt are ignored. */
  private attempt = -1;
  private restarts = 0;
  /** A running job keeps the process alive, also while it only waits for a (unref'd) timer. */
  private keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(plan: JobPlan, submission: Submission = { jobIndex: 0 }) {
    this.plan = plan;
    this.submission = submission;
    this.backoff = new RestartBackoff(restartStrategyOf(plan.graph.config));
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

  getCheckpointStatistics(): CheckpointStatistics {
    return JobCheckpointing.statisticsOf(this.checkpointing, this.restarts);
  }

  /** Deploys the tasks and starts running them; resolves once they run. */
  async start(): Promise<void> {
    this.startedAt = performance.now();
    this.keepAlive = setInterval(() => {}, 1 << 30);
    try {
      const { graph } = this.plan;
      if (this.submission.restore) {
        const r = await loadInitialRestore(this.submission.restore, graph, (m) => console.warn(`weir: ${m}`));
        this.restored = r.restored;
        this.restoredFrom = r.from;
      }
      this.createCoordinator();
      await this.checkpointing?.prepareStorage();
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
    if (this.status !== 'created') return; // suspended or cancelled while deploying
    this.transition('running');
    await this.run();
  }

  triggerSavepoint(targetDirectory: string): Promise<string> {
    return JobCheckpointing.savepointOf(this.checkpointing, this.status, targetDirectory);
  }

  /**
   * Takes a savepoint, then stops the job, which ends as finished (resume it with
   * `--from-savepoint`). Records processed after the savepoint's barrier are not committed by
   * transactional sinks; they are processed again after the restore.
   */
  async stopWithSavepoint(targetDirectory: string): Promise<string> {
    const path = await this.triggerSavepoint(targetDirectory);
    if (this.status !== 'running') return path;
    this.coordinator?.stop('the job stopped with a savepoint');
    this.executor.stop();
    this.attempt++; // the stopped tasks' events are ignored
    await Promise.all(this.tasks.map((t) => t.cancel()));
    if (this.status !== 'running') return path;
    clearInterval(this.keepAlive);
    // The job ends as finished: its checkpoints go as after any finish (the savepoint stays).
    await this.cleanUpCheckpoints('finished');
    this.transition('finished');
    this.resolveResult(this.executionResult());
    return path;
  }

  async cancel(): Promise<void> {
    if (isTerminal(this.status) || this.status === 'cancelling') return;
    this.transition('cancelling');
    this.coordinator?.stop('the job was cancelled');
    this.executor.stop();
    await Promise.all(this.tasks.map((t) => t.cancel()));
    await this.cleanUpCheckpoints('cancelled');
    this.finishWith(
      'cancelled',
      new WeirError('JOB_CANCELLED', `job "${this.plan.graph.jobName}" was cancelled`),
    );
  }

  /**
   * Suspends the job (see JobClient.suspend): no new checkpoint starts, in-flight ones are
   * abandoned, the tasks are cancelled, and the completed checkpoints stay whatever the retention.
   * In this thread there is no watchdog: a task stuck in a loop never lets this run (jobs of
   * `weir run` run on slot threads, where one is).
   */
  async suspend(): Promise<Suspension> {
    if (!isTerminal(this.status) && this.status !== 'cancelling') {
      this.coordinator?.stop('the job was suspended');
      this.executor.stop();
      this.attempt++; // the cancelled tasks' events, and a restart in its delay, are ignored
      this.finishWith(
        'suspended',
        new WeirError('JOB_SUSPENDED', `job "${this.plan.graph.jobName}" was suspended`),
      );
      await Promise.all(this.tasks.map((t) => t.cancel()));
      await this.coordinator?.discarded();
    }
    return {
      checkpoint: this.checkpointing?.latest()?.location ?? null,
      storage: this.plan.graph.config.checkpointing?.storage ?? null,
    };
  }

  private createCoordinator(): void {
    this.checkpointing = new JobCheckpointing(
      this.plan,
      this.jobId,
      this.restoredFrom,
      {
        trigger: (id, savepoint, location) => {
          for (const t of this.tasks) if (t.isSource) t.triggerCheckpoint(id, savepoint, location);
        },
        notifyComplete: (id) => {
          for (const t of this.tasks) t.notifyCheckpointComplete(id);
        },
        notifyAborted: (id) => {
          for (const t of this.tasks) t.notifyCheckpointAborted(id);
        },
      },
      (error) => this.onFailure(error),
    );
    this.coordinator = this.checkpointing.coordinator;
    this.storage = this.checkpointing.storage;
  }

  private taskCheckpointing(attempt: number): TaskCheckpointing | undefined {
    const settings = this.plan.graph.config.checkpointing;
    if (!settings || !this.coordinator || !this.storage) return undefined;
    const coordinator = this.coordinator;
    return {
      mode: settings.mode,
      storage: this.storage,
      acknowledge: (task, id, entry) => {
        if (attempt === this.attempt) coordinator.acknowledge(task, id, entry);
      },
      decline: (task, id, reason, failure) => {
        if (attempt === this.attempt) coordinator.decline(task, id, reason, failure);
      },
    };
  }

  private async deploy(): Promise<void> {
    const { graph, functions, clock } = this.plan;
    const attempt = ++this.attempt;
    this.executor = new TaskExecutor();
    const wakeup = this.executor.wakeup;
    const grid = new Map<string, LocalChannel>();
    const channel = (edge: JobEdge, p: number, c: number): LocalChannel => {
      const key = `${edge.id}/${p}/${c}`;
      let ch = grid.get(key);
      if (!ch) grid.set(key, (ch = new LocalChannel(graph.config.channelCapacity, wakeup, wakeup)));
      return ch;
    };
    this.tasks = deployTasks({
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
      clientBlocked: (uid) => (functions.operators.get(uid)?.fn as CollectTarget | undefined)?.blocked?.(),
      onStateChange: (t) => {
        if (attempt === this.attempt) this.onTaskStateChange(t);
      },
      attemptNumber: attempt,
      checkpointing: this.taskCheckpointing(attempt),
      restore: this.restored,
    });
    for (const task of this.tasks) this.executor.add(task);
  }

  /** Opens the tasks of the current attempt and runs them until they are all done. */
  private async run(): Promise<void> {
    const attempt = this.attempt;
    const executor = this.executor;
    await Promise.all(this.tasks.map((t) => t.open()));
    if (attempt !== this.attempt || this.status !== 'running') return;
    this.coordinator?.start();
    void executor.run().then(
      () => {
        if (attempt === this.attempt) this.onExecutorDone();
      },
      (error) =>
        this.onFailure(new WeirError('INTERNAL', `task executor failed: ${String(error)}`, { cause: error })),
    );
  }

  private onTaskStateChange(task: StreamTask): void {
    if (task.state === 'failed' && task.failure) this.onFailure(task.failure);
    else if (task.state === 'finished') this.coordinator?.taskFinished(task.taskKey);
  }

  /** A task failed: restart from the latest checkpoint if the strategy allows, or fail the job. */
  private onFailure(error: WeirError): void {
    if (isTerminal(this.status) || this.status === 'cancelling' || this.status === 'restarting') return;
    const fatal = this.checkpointing?.failsJob(error);
    if (fatal) {
      this.fail(fatal);
      return;
    }
    const delay = this.backoff.onFailure(Date.now(), error);
    if (delay === undefined) {
      this.fail(this.backoff.exhausted(error, this.restarts));
      return;
    }
    void this.restart(delay, error);
  }

  private async restart(delay: number, error: WeirError): Promise<void> {
    if (this.status !== 'restarting') this.transition('restarting');
    console.warn(`weir: job "${this.plan.graph.jobName}" restarts in ${delay} ms after: ${error.message}`);
    this.coordinator?.stop('the job is restarting');
    this.executor.stop();
    const old = this.tasks;
    this.attempt++; // events of the old tasks are ignored from now on
    await Promise.all(old.map((t) => t.cancel()));
    await new Promise((r) => setTimeout(r, delay));
    if (this.status !== 'restarting') return;
    try {
      this.restored = await this.checkpointing?.restartState((m) => console.warn(`weir: ${m}`));
      this.restarts++;
      await this.deploy();
    } catch (e) {
      // A redeployment that fails (a source that cannot plan its splits while its broker is down)
      // is one more failure for the restart strategy, as in Flink, not the end of the job.
      const failure = e instanceof WeirError ? e : new WeirError('JOB_FAILED', String(e), { cause: e });
      const fatal = this.checkpointing?.failsJob(failure);
      if (fatal) {
        this.fail(fatal);
        return;
      }
      const next = this.backoff.onFailure(Date.now(), failure);
      if (next === undefined) this.fail(this.backoff.exhausted(failure, this.restarts));
      else void this.restart(next, failure);
      return;
    }
    if (this.status !== 'restarting') return;
    this.transition('running');
    await this.run();
  }

  private fail(error: WeirError): void {
    if (isTerminal(this.status) || this.failure) return;
    this.failure = error;
    this.coordinator?.stop('the job failed');
    this.executor.stop();
    void Promise.all(this.tasks.map((t) => t.cancel())).finally(() => this.finishWith('failed', error));
  }

  private onExecutorDone(): void {
    if (this.failure || this.status !== 'running') return;
    const failed = this.tasks.find((t) => t.state === 'failed');
    if (failed?.failure) {
      this.onFailure(failed.failure);
      return;
    }
    this.coordinator?.stop('the job finished');
    clearInterval(this.keepAlive);
    this.transition('finished');
    // The result comes once the checkpoints are cleaned up: a process that exits right after
    // execute() leaves none behind.
    void this.cleanUpCheckpoints('finished').finally(() => this.resolveResult(this.executionResult()));
  }

  /** Retained checkpoints are deleted when the job ends, unless configured to be kept. */
  private cleanUpCheckpoints(_how?: 'finished' | 'cancelled'): Promise<void> {
    return this.checkpointing?.cleanUp() ?? Promise.resolve();
  }

  private finishWith(status: 'failed' | 'cancelled' | 'suspended', error: WeirError): void {
    if (isTerminal(this.status)) return;
    clearInterval(this.keepAlive);
    this.transition(status);
    this.rejectResult(error);
  }

  private executionResult(): JobExecutionResult {
    return new JobExecutionResult(
      this.jobId,
      this.plan.graph.jobName,
      performance.now() - this.startedAt,
      localValues(mergeAccumulators(this.tasks.flatMap((t) => t.accumulators))),
    );
  }

  private transition(to: JobStatus): void {
    checkTransition(this.status, to);
    this.status = to;
  }
}
