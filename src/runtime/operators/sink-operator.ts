import { WeirError } from '../../core/errors.ts';
import type { InvokeContext, Sink, SinkContext } from '../../core/sink.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import { operatorConfig } from '../../graph/operator-spec.ts';
import type { ListState } from '../../state/state.ts';
import { ListStateDescriptor } from '../../state/state-descriptor.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';

/**
 * Runs a Sink. A synchronous `invoke` returns in place; an asynchronous one is tracked, and at most
 * `maxInFlight` run at once: further records wait in order in a queue of at most one batch, and the
 * task stops taking input (back-pressure) until invocations complete.
 *
 * At a barrier, the invocations of every record before it (in flight or still queued) must settle
 * before the checkpoint is acknowledged: otherwise a checkpoint could complete with a record in
 * flight, and if that invocation failed, the restored job would start after the record and lose it.
 * Records are invoked in arrival order, so "before the barrier" is a count: `started` invocations so
 * far, and the barrier's `drainUntil` count. Records after the barrier wait in the queue until the
 * drain is done; the ones before it keep running. The record path pays one increment for this.
 */
export class SinkOperator extends AbstractStreamOperator {
  private readonly sink: Sink<unknown>;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private readonly waitingValues: unknown[] = [];
  private readonly waitingTimestamps: number[] = [];
  private waitingHead = 0;
  private waiters: Array<() => void> = [];
  /** Invocations started so far: records are invoked in arrival order. */
  private started = 0;
  /** Records up to this count may be invoked; the first pending drain's bound, else unbounded. */
  private startLimit = Number.POSITIVE_INFINITY;
  /** Barriers waiting for the invocations before them, oldest first. */
  private readonly drains: Array<{ readonly until: number; readonly done: () => void }> = [];
  private readonly invokeContext: { timestamp: number | undefined; currentWatermark: number };
  private readonly onSettled: () => void;
  private readonly onFailed: (error: unknown) => void;
  private readonly sinkState: ListState<unknown>;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.sink = ctx.functions.fn as Sink<unknown>;
    this.maxInFlight = Math.max(1, Number(operatorConfig(ctx.spec, 'sink').maxInFlight ?? 16));
    this.sinkState = ctx.operatorStateStore.getUnionListState(new ListStateDescriptor<unknown>('sink-state'));
    this.invokeContext = { timestamp: undefined, currentWatermark: Number.NEGATIVE_INFINITY };
    this.onSettled = () => ctx.enqueueMail(() => this.completed());
    this.onFailed = (error) =>
      ctx.fail(
        new WeirError(
          'SINK_FAILED',
          `sink "${this.name}" (subtask ${ctx.subtaskIndex + 1}/${ctx.parallelism}) failed: ${errorMessage(error)}`,
          { cause: error },
        ),
      );
  }

  override async open(): Promise<void> {
    const context: SinkContext = {
      subtaskIndex: this.ctx.subtaskIndex,
      parallelism: this.ctx.parallelism,
      operatorName: this.name,
      now: () => this.ctx.clock.now(),
      addAccumulator: (name, accumulator) => this.getRuntimeContext().addAccumulator(name, accumulator),
      checkpointing: this.ctx.jobConfig.checkpointing != null,
      checkpointInterval: this.ctx.jobConfig.checkpointing?.interval,
      attemptTag: `${this.ctx.jobId.slice(0, 8)}-${this.ctx.attemptNumber}`,
      logger: this.ctx.logger,
    };
    if (this.ctx.isRestored && this.sink.initializeState) {
      await this.sink.initializeState([...this.sinkState.get()], context);
    }
    await this.sink.open?.(context);
  }

  /** The sink's own state (pending transactions) goes into operator state, given whole to every subtask on restore. */
  snapshotState(checkpointId: number): Promise<void> | undefined {
    if (!this.sink.snapshotState) return this.drain();
    if (this.inFlight > 0 || this.waitingHead < this.waitingValues.length) {
      throw new WeirError(
        'SINK_FAILED',
        `sink "${this.name}" has asynchronous invocations pending at checkpoint ${checkpointId}: a transactional sink must write synchronously`,
      );
    }
    this.sinkState.update(this.sink.snapshotState(checkpointId));
    return this.sink.snapshotStateAsync?.(checkpointId);
  }

  notifyCheckpointComplete(checkpointId: number): Promise<void> | undefined {
    const done = this.sink.notifyCheckpointComplete?.(checkpointId);
    if (done !== undefined && typeof (done as Promise<void>).then === 'function') {
      return (done as Promise<void>).then(undefined, this.onFailed);
    }
    return undefined;
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.sink.notifyCheckpointAborted?.(checkpointId);
  }

  /** For metrics: the sink's own pending commits or writes, and the invocations in flight or queued here. */
  pendingCommits(): number {
    const queued = this.waitingValues.length - this.waitingHead;
    return (this.sink.pendingCommits?.() ?? 0) + this.inFlight + queued;
  }

  /**
   * Resolves once every record received so far was invoked and its invocation settled (undefined if
   * none is pending). A rejected invocation fails the task instead, so this checkpoint never completes.
   */
  private drain(): Promise<void> | undefined {
    const until = this.started + (this.waitingValues.length - this.waitingHead);
    if (this.inFlight === 0 && until === this.started) return undefined;
    return new Promise<void>((done) => {
      this.drains.push({ until, done });
      if (this.drains.length === 1) this.startLimit = until;
    });
  }

  processElement(value: unknown, timestamp: number): void {
    if (
      this.inFlight >= this.maxInFlight ||
      this.waitingHead < this.waitingValues.length ||
      this.started >= this.startLimit
    ) {
      this.waitingValues.push(value);
      this.waitingTimestamps.push(timestamp);
      return;
    }
    this.invoke(value, timestamp);
  }

  override processWatermark(time: number): void {
    this.currentWatermark = time;
    this.invokeContext.currentWatermark = time;
  }

  private invoke(value: unknown, timestamp: number): void {
    const context = this.invokeContext;
    context.timestamp = timestamp === NO_TIMESTAMP ? undefined : timestamp;
    this.started++;
    let result: void | Promise<void>;
    try {
      result = this.sink.invoke(value, context as InvokeContext);
    } catch (error) {
      throw new WeirError('SINK_FAILED', `sink "${this.name}" failed: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
      this.inFlight++;
      (result as Promise<void>).then(this.onSettled, this.onFailed);
    }
  }

  private completed(): void {
    this.inFlight--;
    for (;;) {
      while (
        this.inFlight < this.maxInFlight &&
        this.waitingHead < this.waitingValues.length &&
        this.started < this.startLimit
      ) {
        const i = this.waitingHead++;
        this.invoke(this.waitingValues[i], this.waitingTimestamps[i]);
      }
      // The oldest barrier's records have all settled: its checkpoint may go on, the next one's
      // bound (or none) applies.
      if (this.inFlight > 0 || this.started < this.startLimit) break;
      this.drains.shift()!.done();
      this.startLimit = this.drains.length > 0 ? this.drains[0].until : Number.POSITIVE_INFINITY;
    }
    if (this.waitingHead === this.waitingValues.length) {
      this.waitingValues.length = 0;
      this.waitingTimestamps.length = 0;
      this.waitingHead = 0;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private isBlocked(): boolean {
    return this.inFlight >= this.maxInFlight || this.waitingHead < this.waitingValues.length;
  }

  blocked(): Promise<void> | undefined {
    if (!this.isBlocked()) return this.sink.blocked?.();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  override async finish(): Promise<void> {
    while (this.inFlight > 0 || this.waitingHead < this.waitingValues.length) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    await this.sink.finish?.();
  }

  override async close(): Promise<void> {
    await this.sink.close?.();
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
