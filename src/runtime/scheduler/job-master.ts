import { randomUUID } from 'node:crypto';
import type { CollectTarget } from '../../api/collect.ts';
import type { JobPlan, Submission } from '../../api/executor.ts';
import type { CheckpointCoordinator, CompletedCheckpoint } from '../../checkpoint/checkpoint-coordinator.ts';
import { WeirError, type WeirErrorCode } from '../../core/errors.ts';
import type {
  CheckpointHistoryEntry,
  CheckpointStatistics,
  JobClient,
  JobStatus,
  Suspension,
} from '../../core/job-client.ts';
import { JobExecutionResult } from '../../core/job-execution-result.ts';
import { type Logger, processLogger } from '../../core/logger.ts';
import { withTaskFailure } from '../../core/task-failure.ts';
import type { TaskMetrics } from '../../core/task-metrics.ts';
import { planSplits } from '../cluster/split-planning.ts';
import type { SerializedError, WorkerMessage } from '../cluster/worker-protocol.ts';
import { BatchCodec } from '../network/batch-codec.ts';
import { JobCheckpointing } from './job-checkpointing.ts';
import { checkTransition, isTerminal } from './job-status.ts';
import { RestartBackoff } from './restart-backoff.ts';
import { loadInitialRestore, restartStrategyOf } from './restore-loading.ts';
import type {
  AttemptDeployment,
  SlotFailure,
  SlotHandle,
  SlotProvider,
  TaskManagerGateway,
} from './task-manager-gateway.ts';

/**
 * The job master: one job's life cycle, wherever its task slots run (see TaskManagerGateway). It
 * plans the source splits, gets slots for each attempt from its slot provider, deploys the attempt
 * on them (each slot builds its own subtasks), starts them together once all are deployed, routes
 * collected records to the client, coordinates checkpoints, and follows the job status machine
 * (created → running ⇄ restarting → finished | failed | cancelling → cancelled, or suspended).
 *
 * Any failure of an attempt (a task's error, a slot that crashed, ran out of memory or was lost
 * with its TaskManager) discards every slot of the attempt; then the restart strategy either
 * deploys a new attempt from the latest completed checkpoint, on the slots available then, or fails
 * the job. Cancelling or suspending asks each slot to cancel its tasks and waits for it at most
 * `task.cancellation.timeout` (the watchdog) before the slot is ended.
 */
export class JobMaster implements JobClient {
  readonly jobId: string;
  private status: JobStatus = 'created';
  private readonly plan: JobPlan;
  /** Lines with the job's id. */
  private readonly logger: Logger;
  private readonly submission: Submission;
  private readonly slotProvider: SlotProvider;
  /** Slots of the current attempt, by slot number, and the TaskManager of each. */
  private slots: SlotHandle[] = [];
  private gateways: TaskManagerGateway[] = [];
  /** Decoders of collected records, one per slot (each encodes with its own structures). */
  private collectCodecs: BatchCodec[] = [];
  private readonly subtasksOf = new Map<number, string[]>();
  private readonly result: Promise<JobExecutionResult>;
  private resolveResult!: (r: JobExecutionResult) => void;
  private rejectResult!: (e: unknown) => void;
  private deployedCount = 0;
  private doneCount = 0;
  /** The job's accumulator results, once every slot is done and they are merged. */
  private accumulators = new Map<string, unknown>();
  /** Each slot's accumulators (its subtasks' merged) from its 'done' message. */
  private slotAccumulators: Array<Array<[string, unknown]>> = [];
  /** Slots asked to merge other slots' accumulators that have not replied yet. */
  private mergesPending = 0;
  private readonly taskMetrics = new Map<string, TaskMetrics>();
  private startedAt = 0;
  /** True once the current attempt's slots are done with (finished, failed or discarded). */
  private ended = false;
  /** Incremented per attempt and whenever an attempt is given up: its slots' events are ignored. */
  private attempt = -1;
  private restarts = 0;
  private readonly backoff: RestartBackoff;
  private checkpointing: JobCheckpointing | undefined;
  private coordinator: CheckpointCoordinator | undefined;
  private restoredFrom: CompletedCheckpoint | undefined;
  /** Restores from a checkpoint or savepoint so far (the initial one and those of restarts), and the latest. */
  private restores: { count: number; latest: CompletedCheckpoint | undefined } = {
    count: 0,
    latest: undefined,
  };
  /** Set once suspend() begins: the job ends as suspended, whatever happens meanwhile. */
  private suspending = false;
  private splits: Map<string, unknown> | undefined;
  /** `task.cancellation.timeout` in ms (0: wait forever). */
  private readonly cancellationTimeoutMs: number;
  /** When the job ends: for the REST API and the job history. */
  endedAt: number | undefined;
  /** Failures of the job so far, newest last (the REST API's exception history). */
  readonly failures: Array<{ error: WeirError; timestamp: number }> = [];

  constructor(
    plan: JobPlan,
    submission: Submission,
    slotProvider: SlotProvider,
    jobId: string = randomUUID(),
  ) {
    this.jobId = jobId;
    this.logger = processLogger().child({ job_id: jobId });
    this.plan = plan;
    this.submission = submission;
    this.slotProvider = slotProvider;
    this.cancellationTimeoutMs = submission.cluster?.cancellationTimeoutMs ?? DEFAULT_CANCELLATION_TIMEOUT_MS;
    this.backoff = new RestartBackoff(restartStrategyOf(plan.graph.config));
    this.result = new Promise((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // A job nobody awaits must not crash the process with an unhandled rejection.
    this.result.catch(() => {});
  }

  get jobName(): string {
    return this.plan.graph.jobName;
  }

  get graph(): JobPlan['graph'] {
    return this.plan.graph;
  }

  /** When the job started (epoch ms). */
  readonly startTime = Date.now();

  getJobStatus(): JobStatus {
    return this.status;
  }

  getJobExecutionResult(): Promise<JobExecutionResult> {
    return this.result;
  }

  /** Latest metrics of every subtask: live where a slot runs in this thread, else as last reported (every second). */
  getMetrics(): TaskMetrics[] {
    for (const slot of this.slots) {
      if (slot.liveMetrics)
        for (const t of slot.liveMetrics()) this.taskMetrics.set(`${t.vertexId}#${t.subtask}`, t);
    }
    return [...this.taskMetrics.values()];
  }

  getCheckpointStatistics(): CheckpointStatistics {
    return JobCheckpointing.statisticsOf(this.checkpointing, this.restarts);
  }

  /**
   * The last checkpoints and savepoints (DEFAULT_CHECKPOINT_HISTORY), newest first, with status,
   * sizes, durations and alignment; empty when the job takes no checkpoints.
   */
  getCheckpointHistory(): CheckpointHistoryEntry[] {
    return this.coordinator?.history() ?? [];
  }

  /** The checkpoint coordinator, when the job takes checkpoints (for the REST API's history). */
  getCheckpointCoordinator(): CheckpointCoordinator | undefined {
    return this.coordinator;
  }

  /**
   * The TaskManager id of each slot of the current attempt, for the REST API (subtask i of every
   * vertex runs in slot i mod their count); empty while no attempt is deployed.
   */
  getSlotTaskManagers(): string[] {
    return this.gateways.map((g) => g.id);
  }

  /** How often the job started from a checkpoint or savepoint (at submission and at restarts), and the latest. */
  getRestores(): { count: number; latest: CompletedCheckpoint | undefined } {
    return this.restores;
  }

  /** Plans the job's splits, prepares its checkpoints and deploys its first attempt. */
  async start(): Promise<void> {
    this.startedAt = performance.now();
    const { graph } = this.plan;
    try {
      if (this.submission.restore) {
        const r = await loadInitialRestore(this.submission.restore, graph, (m) => this.logger.warn(m));
        this.restoredFrom = r.from;
        if (r.from) this.restores = { count: 1, latest: r.from };
      }
      this.createCoordinator();
      await this.checkpointing?.prepareStorage();
    } catch (error) {
      this.finish('failed', this.deployFailure(error));
      return;
    }
    if (this.status !== 'created') return; // suspended or cancelled while starting
    try {
      await this.launch(this.restoredFrom);
    } catch (error) {
      this.finish('failed', this.deployFailure(error));
      return;
    }
    if (this.status !== 'created') return;
    this.transition('running');
  }

  /** Why the job could not start: a WeirError as it is, anything else as JOB_FAILED naming the job. */
  private deployFailure(error: unknown): WeirError {
    return error instanceof WeirError
      ? error
      : new WeirError(
          'JOB_FAILED',
          `cannot deploy job "${this.plan.graph.jobName}": ${String((error as Error)?.message ?? error)}`,
          { cause: error },
        );
  }

  triggerSavepoint(targetDirectory: string): Promise<string> {
    return JobCheckpointing.savepointOf(this.checkpointing, this.status, targetDirectory);
  }

  /**
   * Stops the job with a savepoint, as Flink's `flink stop` (a synchronous savepoint, FLIP-34): the
   * sources emit nothing after the savepoint's barrier, and every task, once it has snapshotted at
   * that barrier, processes no further records; when the savepoint is complete the tasks are told
   * (two-phase-commit sinks commit), close and end, and the job ends as finished. Resumed with
   * `--from-savepoint`, every record reaches the sinks exactly once over both runs, even sinks that
   * are not transactional. No MAX_WATERMARK is emitted: event-time timers do not fire at the stop.
   * If the savepoint fails, this rejects and the job keeps running, its tasks resumed.
   *
   * @example
   * const path = await client.stopWithSavepoint!('/savepoints');
   * await client.getJobExecutionResult(); // finished
   */
  async stopWithSavepoint(targetDirectory: string): Promise<string> {
    const path = await JobCheckpointing.savepointOf(this.checkpointing, this.status, targetDirectory, true);
    // The tasks end on their own once the savepoint is complete: the slots report done and the job
    // finishes. Slots that have not within the grace period are cancelled (commits delivered first).
    if (await this.endsWithin(STOP_GRACE_MS)) return path;
    if (this.status !== 'running') return path;
    this.logger.warn(
      `job "${this.plan.graph.jobName}" did not end within ${STOP_GRACE_MS} ms of its stop-with-savepoint: cancelling its tasks`,
    );
    this.ended = true;
    this.coordinator?.stop('the job stopped with a savepoint');
    this.attempt++;
    // The tasks commit what the savepoint covers before they close (the completion went out just
    // before): let them finish that, within a bound, before the slots go.
    const stopped = this.slots.map((s) => s.cancelled(STOP_GRACE_MS));
    for (const slot of this.slots) slot.post({ type: 'cancel', jobId: this.jobId });
    await Promise.all(stopped);
    await this.discardSlots();
    if (this.status !== 'running') return path;
    // The job ends as finished: its checkpoints go as after any finish (the savepoint stays).
    await this.cleanUpCheckpoints();
    this.transition('finished');
    this.endedAt = Date.now();
    this.resolveResult(this.executionResult());
    return path;
  }

  /** True once the job has ended (whatever its status), false if it has not within `ms`. */
  private async endsWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const ended = this.result.then(
      () => true,
      () => true,
    );
    try {
      return await Promise.race([ended, timeout]);
    } finally {
      clearTimeout(timer);
    }
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

  private createCoordinator(): void {
    const broadcast = (m: Parameters<SlotHandle['post']>[0]) => {
      for (const s of this.slots) s.post(m);
    };
    this.checkpointing = new JobCheckpointing(
      this.plan,
      this.jobId,
      this.restoredFrom,
      {
        trigger: (id, savepoint, location, synchronous) =>
          broadcast({
            type: 'trigger-checkpoint',
            jobId: this.jobId,
            id,
            savepoint,
            location,
            ...(synchronous ? { synchronous: true } : {}),
          }),
        notifyComplete: (id) => broadcast({ type: 'checkpoint-complete', jobId: this.jobId, id }),
        notifyAborted: (id) => broadcast({ type: 'checkpoint-aborted', jobId: this.jobId, id }),
      },
      (error) => this.onFailure(error),
    );
    this.coordinator = this.checkpointing.coordinator;
  }

  /** Gets slots and deploys a new attempt on them, from `restore` when given. */
  private async launch(restore: CompletedCheckpoint | undefined): Promise<void> {
    const { graph } = this.plan;
    // Splits are planned for every attempt, as Flink creates the split enumerator again on a
    // fail-over (Kafka partitions added meanwhile are found; a source that cannot plan fails it).
    this.splits = await planSplits(graph, this.plan.functions);
    const parallelism = Math.max(...graph.vertices.map((v) => v.parallelism));
    const gateways = await this.slotProvider.allocate(parallelism);
    const attempt = ++this.attempt;
    this.ended = false;
    this.deployedCount = 0;
    this.doneCount = 0;
    this.accumulators = new Map();
    this.slotAccumulators = [];
    this.mergesPending = 0;
    this.subtasksOf.clear();
    const n = gateways.length;
    this.gateways = gateways;
    this.collectCodecs = gateways.map(() => new BatchCodec());
    const settings = graph.config.checkpointing;
    const deployment: AttemptDeployment = {
      data: {
        jobId: this.jobId,
        jobModule: this.submission.jobModule ?? '',
        jobIndex: this.submission.jobIndex,
        workerCount: n,
        graphJson: JSON.stringify(graph),
        parallelism: this.submission.parallelism,
        splits: Object.fromEntries(this.splits!) as AttemptDeployment['data']['splits'],
        attemptNumber: attempt,
        env: this.submission.env ?? { ...process.env },
        checkpointing: settings ? { mode: settings.mode, storage: settings.storage } : null,
        restore: restore ? { directory: restore.location, metadata: restore.metadata } : null,
        args: this.submission.args,
        latencyTrackingInterval: this.submission.cluster?.latencyTrackingIntervalMs,
      },
      placement: gateways.map((g) => ({ taskManager: g.id, data: g.dataAddress })),
    };
    const slots: SlotHandle[] = new Array(n);
    const listener = {
      message: (slot: number, m: WorkerMessage) => {
        if (m.jobId === this.jobId && attempt === this.attempt) this.onMessage(slot, m);
      },
      failure: (slot: number, failure: SlotFailure) => {
        if (!this.ended && attempt === this.attempt) this.onFailure(this.slotError(slot, failure));
      },
    };
    // Each TaskManager deploys its slots together (it wires their thread channels).
    const byGateway = new Map<TaskManagerGateway, number[]>();
    gateways.forEach((g, i) => {
      const indices = byGateway.get(g);
      if (indices) indices.push(i);
      else byGateway.set(g, [i]);
    });
    this.slots = slots;
    for (const [gateway, indices] of byGateway) {
      const handles = gateway.deploy(deployment, indices, listener);
      for (const h of handles) slots[h.index] = h;
    }
  }

  private onMessage(slot: number, m: WorkerMessage): void {
    switch (m.type) {
      case 'deployed':
        this.subtasksOf.set(slot, m.subtasks);
        if (++this.deployedCount === this.slots.length) {
          for (const s of this.slots) s.post({ type: 'start', jobId: this.jobId });
          this.coordinator?.start();
        }
        return;
      case 'collect': {
        const target = this.plan.functions.operators.get(m.uid)?.fn as CollectTarget | undefined;
        const { values } = this.collectCodecs[slot].decode({ values: m.values, timestamps: null });
        target?.receive(values, m.subtask);
        this.acknowledgeCollect(this.slots[slot], m.uid, values.length, target);
        return;
      }
      case 'metrics':
        this.recordMetrics(m.tasks);
        return;
      case 'done':
        this.recordMetrics(m.tasks);
        this.slotAccumulators[slot] = m.accumulators;
        if (++this.doneCount === this.slots.length) this.mergeAccumulators();
        return;
      case 'accumulators-merged':
        for (const [name, value] of m.accumulators) this.accumulators.set(name, value);
        if (--this.mergesPending === 0) this.complete();
        return;
      case 'failed':
        this.onFailure(deserialize(m.error));
        return;
      case 'ack':
        this.coordinator?.acknowledge(m.task, m.id, m.entry, m.alignmentMs);
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
    slot: SlotHandle,
    uid: string,
    count: number,
    target: CollectTarget | undefined,
  ): void {
    const blocked = target?.blocked?.();
    const ack = () => slot.post({ type: 'collect-ack', jobId: this.jobId, uid, count });
    if (blocked === undefined) ack();
    else void blocked.then(ack);
  }

  private recordMetrics(tasks: TaskMetrics[]): void {
    for (const t of tasks) this.taskMetrics.set(`${t.vertexId}#${t.subtask}`, t);
  }

  /**
   * Accumulators merge by `Accumulator.merge`, but the master has no accumulator instances (they
   * exist where `open()` ran): each name's first slot merges the local values of the other slots
   * into its own, then the job completes.
   */
  private mergeAccumulators(): void {
    const requests = new Map<number, Map<string, unknown[]>>();
    const owner = new Map<string, number>();
    for (const [s, values] of this.slotAccumulators.entries()) {
      for (const [name, value] of values) {
        const first = owner.get(name);
        if (first === undefined) {
          owner.set(name, s);
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
    for (const [s, request] of requests) {
      this.slots[s].post({ type: 'merge-accumulators', jobId: this.jobId, values: [...request] });
    }
  }

  private complete(): void {
    if (this.status !== 'running') return;
    this.coordinator?.stop('the job finished');
    this.transition('finished');
    this.endedAt = Date.now();
    this.ended = true;
    this.releaseSlots();
    // The result comes once the checkpoints are cleaned up: a process that exits right after
    // execute() leaves none behind.
    void this.cleanUpCheckpoints().finally(() => this.resolveResult(this.executionResult()));
  }

  /**
   * Asks every slot of the current attempt to cancel its tasks and ends the slots once they have,
   * or once `task.cancellation.timeout` has passed for one that has not (the watchdog).
   */
  private async endSlots(): Promise<void> {
    const slots = this.slots;
    const timeout = this.cancellationTimeoutMs;
    const ended = slots.map((s) => s.cancelled(timeout === 0 ? undefined : timeout));
    for (const slot of slots) slot.post({ type: 'cancel', jobId: this.jobId });
    const outcomes = await Promise.all(ended);
    outcomes.forEach((outcome, s) => {
      if (outcome !== 'timeout') return;
      this.logger.error(
        `${slots[s].description}${this.running(s)} did not end its tasks within ${timeout} ms of the cancellation (task.cancellation.timeout): terminating it`,
      );
    });
    await this.discardSlots();
  }

  /** Ends every slot of the current attempt, on each TaskManager. */
  private async discardSlots(): Promise<void> {
    const slots = this.slots;
    const gateways = this.gateways;
    this.slots = [];
    this.gateways = [];
    await Promise.all(this.groupByGateway(slots, gateways).map(([g, s]) => g.discard(s)));
    this.slotProvider.free?.(gateways);
  }

  private releaseSlots(): void {
    const slots = this.slots;
    const gateways = this.gateways;
    for (const [g, s] of this.groupByGateway(slots, gateways)) g.release(s);
    this.slotProvider.free?.(gateways);
  }

  private groupByGateway(
    slots: SlotHandle[],
    gateways: TaskManagerGateway[],
  ): Array<[TaskManagerGateway, SlotHandle[]]> {
    const groups = new Map<TaskManagerGateway, SlotHandle[]>();
    slots.forEach((slot, i) => {
      if (!slot) return; // never deployed
      const g = gateways[i];
      const group = groups.get(g);
      if (group) group.push(slot);
      else groups.set(g, [slot]);
    });
    return [...groups];
  }

  /** A failure of the current attempt: restart from the latest checkpoint, or fail the job. */
  private onFailure(error: WeirError): void {
    if (this.status !== 'running' || this.ended) return;
    this.ended = true;
    this.failures.push({ error, timestamp: Date.now() });
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
      this.attempt++;
      void this.discardSlots().finally(() => this.finish('failed', failed));
      return;
    }
    void this.restart(delay, error);
  }

  private async restart(delay: number, error: WeirError): Promise<void> {
    if (this.status !== 'restarting') this.transition('restarting');
    this.logger.warn(`job "${this.plan.graph.jobName}" restarts in ${delay} ms after: ${error.message}`, {
      attempt: this.attempt,
      err: error,
    });
    this.coordinator?.stop('the job is restarting');
    this.attempt++; // messages of the old slots are ignored from now on
    await this.discardSlots();
    await new Promise((r) => setTimeout(r, delay));
    if (this.status !== 'restarting') return;
    let from: CompletedCheckpoint | undefined;
    try {
      from = await this.checkpointing?.restartPoint((m) => this.logger.warn(m));
    } catch (e) {
      this.finish('failed', asWeirError(e));
      return;
    }
    if (this.status !== 'restarting') return;
    this.restarts++;
    if (from) this.restores = { count: this.restores.count + 1, latest: from };
    try {
      await this.launch(from);
    } catch (e) {
      const failure = asWeirError(e);
      // No slots within the slot request timeout: the job fails, saying so.
      if (failure.code === 'NOT_ENOUGH_SLOTS') {
        this.finish('failed', failure);
        return;
      }
      // A redeployment that fails (a source that cannot plan its splits while its broker is down)
      // is one more failure for the restart strategy, as in Flink, not the end of the job.
      this.failures.push({ error: failure, timestamp: Date.now() });
      const fatal = this.checkpointing?.failsJob(failure);
      if (fatal) {
        this.finish('failed', fatal);
        return;
      }
      const next = this.backoff.onFailure(Date.now(), failure);
      if (next === undefined) this.finish('failed', this.backoff.exhausted(failure, this.restarts));
      else void this.restart(next, failure);
      return;
    }
    if (this.status !== 'restarting') return;
    this.transition('running');
  }

  private finish(status: 'failed' | 'cancelled' | 'suspended', error: WeirError): void {
    if (isTerminal(this.status)) return;
    if (status === 'failed' && this.failures.at(-1)?.error !== error) {
      this.failures.push({ error, timestamp: Date.now() });
    }
    this.transition(status);
    this.endedAt = Date.now();
    this.ended = true;
    this.rejectResult(error);
  }

  /** Retained checkpoints are deleted when the job ends, unless configured to be kept. */
  private cleanUpCheckpoints(): Promise<void> {
    return this.checkpointing?.cleanUp() ?? Promise.resolve();
  }

  /** ` running "a 1/2", "b 1/2"` for slot `s`, or nothing when it reported no subtasks. */
  private running(s: number, parenthesized = true): string {
    const subtasks = this.subtasksOf.get(s);
    if (!subtasks?.length) return '';
    const list = subtasks.map((t) => `"${t}"`).join(', ');
    return parenthesized ? ` (running ${list})` : ` running ${list}`;
  }

  /** The error of a slot that failed outside its tasks, naming the slot and its subtasks. */
  private slotError(s: number, failure: SlotFailure): WeirError {
    const slot = this.slots[s]?.description ?? `slot ${s + 1}`;
    switch (failure.kind) {
      case 'out-of-memory':
        return new WeirError(
          'OUT_OF_MEMORY',
          `${slot}${this.running(s, false)} ran out of memory (heap limit ${failure.heapMb} MB): keep large state off the heap with the lmdb state backend (env.setStateBackend('lmdb')), or raise the limit with -D taskmanager.memory.slot.heap.size=<MB>`,
          { cause: failure.cause },
        );
      case 'crashed': {
        const detail = failure.cause instanceof Error ? `: ${failure.cause.message}` : '';
        const thread = slot.startsWith('slot thread ') ? `worker thread ${slot.slice(12)}` : slot;
        return new WeirError('TASK_FAILED', `${thread}${this.running(s)} ${failure.what}${detail}`, {
          cause: failure.cause,
        });
      }
      case 'failed':
      case 'lost':
        return failure.error;
    }
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
    this.logger.info(`job "${this.plan.graph.jobName}" switched from ${this.status} to ${to}`);
    this.status = to;
  }
}

function asWeirError(error: unknown): WeirError {
  return error instanceof WeirError ? error : new WeirError('JOB_FAILED', String(error), { cause: error });
}

/** The slot's error as a WeirError (TASK_FAILED unless it was one), its causes rebuilt as they were. */
export function deserialize(e: SerializedError): WeirError {
  const cause = e.cause !== undefined ? deserializeCause(e.cause) : undefined;
  const error = new WeirError(e.code as WeirErrorCode, e.message, cause ? { cause } : undefined);
  if (e.stack) error.stack = e.stack;
  return e.taskFailure === undefined ? error : withTaskFailure(error, e.taskFailure);
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

/**
 * How long a stop-with-savepoint waits, once the savepoint is complete, for the tasks to commit it,
 * close and end; then the slots are cancelled (completions delivered first) and the job finishes.
 */
const STOP_GRACE_MS = 30_000;

/**
 * Default of `task.cancellation.timeout`. Flink's is 180 s; Weir's is shorter than the grace period
 * of `docker stop` (10 s), so that a stuck task is ended by Weir, with the job's exit code and
 * message, rather than by the SIGKILL that follows.
 */
export const DEFAULT_CANCELLATION_TIMEOUT_MS = 5_000;
