import type { AsyncFunctionObject, ResultFuture } from '../../api/async-function.ts';
import type { AsyncRetryStrategy } from '../../api/async-retry-strategies.ts';
import { asMethodObject } from '../../api/functions.ts';
import type { Cancellable } from '../../core/clock.ts';
import { previewRecord, WeirError, type WeirErrorCode } from '../../core/errors.ts';
import { operatorConfig } from '../../graph/operator-spec.ts';
import type { ListState } from '../../state/state.ts';
import { ListStateDescriptor } from '../../state/state-descriptor.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';

/**
 * The Async I/O operator (AsyncDataStream, docs/async-io.md). The record path stays synchronous:
 * `processElement` starts a request and returns. Completions may arrive at any time (in a promise
 * callback, or inside `asyncInvoke` itself); they are only noted in a buffer, and one mail per
 * batch of completions does the rest in the task's loop: retry decisions, emission, starting the
 * requests that waited for capacity, waking the task.
 *
 * Capacity: at most `capacity` records are in the queue (requested, or completed and waiting for
 * their turn to be emitted). A record that arrives when the queue is full waits in `pending` (at
 * most the rest of the current input batch), and `blocked()` stops the task from reading more input
 * until the queue has room again.
 *
 * Order: ordered mode emits from the head of a FIFO of records and watermarks, as they complete in
 * input order. Unordered mode keeps segments separated by watermarks: records of the first segment
 * leave as they complete; a watermark leaves once everything before it is out, then the next
 * segment's records may leave. Records never overtake watermarks, nor watermarks records.
 *
 * Timeouts: every element's deadline is its first invocation plus `timeout`, so deadlines follow
 * invocation order: requests in flight are kept in a list in that order, and one processing-time
 * timer at the oldest deadline serves them all.
 *
 * Checkpoints: the records not yet emitted (in flight, completed but waiting, pending) go into
 * operator state with their timestamps; after a restore they are requested again, so their results
 * are emitted exactly once downstream of the restored checkpoint.
 */
export class AsyncWaitOperator extends AbstractStreamOperator {
  private readonly fn: AsyncFunctionObject<unknown, unknown>;
  private readonly ordered: boolean;
  private readonly timeout: number;
  private readonly capacity: number;
  private readonly retry: AsyncRetryStrategy<unknown> | undefined;
  private readonly resultPredicate: ((results: readonly unknown[]) => boolean) | undefined;
  private readonly exceptionPredicate: ((error: unknown) => boolean) | undefined;
  private readonly state: ListState<RestoredElement>;

  /** Records in the queue: requested and not yet emitted. */
  private queued = 0;
  /** Ordered mode: records and watermarks in input order; emitted from `fifoHead`. */
  private fifo: Array<Entry | undefined> = [];
  private fifoHead = 0;
  /** Unordered mode: segments separated by watermarks; the first one emits. */
  private segments: Segment[] = [];
  private segmentHead = 0;
  /** Records in flight (not yet complete), in invocation order, so in deadline order. */
  private oldest: Entry | undefined;
  private newest: Entry | undefined;
  /** Input that arrived while the queue was full (a watermark is a WATERMARK value). */
  private pendingValues: unknown[] = [];
  private pendingTimestamps: number[] = [];
  private pendingHead = 0;

  /** Completions since the last mail; swapped with `spare` by the mail. */
  private completions: Entry[] = [];
  private spare: Entry[] = [];
  private mailPending = false;
  private readonly drainMail: () => void;
  private timeoutTimer: Cancellable | undefined;
  private timeoutTimerAt = Number.POSITIVE_INFINITY;
  private readonly onTimeoutTimer: (time: number) => void;
  /** Resolved when the queue has room again (back-pressure) and when it is empty (finish). */
  private unblock: { promise: Promise<void>; resolve: () => void } | undefined;
  private finishWaiters: Array<() => void> = [];

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = asMethodObject(ctx.functions.fn, 'asyncInvoke');
    this.userFunction = this.fn;
    const config = operatorConfig(ctx.spec, 'async-wait');
    this.ordered = config.mode !== 'unordered';
    this.timeout = Number(config.timeout ?? 0);
    this.capacity = Math.max(1, Number(config.capacity ?? 100));
    this.retry = ctx.functions.extra?.retryStrategy as AsyncRetryStrategy<unknown> | undefined;
    const predicate = this.retry?.getRetryPredicate();
    this.resultPredicate = predicate?.resultPredicate;
    this.exceptionPredicate = predicate?.exceptionPredicate;
    this.state = ctx.operatorStateStore.getListState(
      new ListStateDescriptor<RestoredElement>('async-wait-inputs'),
    );
    this.drainMail = () => this.drain();
    this.onTimeoutTimer = () => this.timeoutsDue();
  }

  override async open(): Promise<void> {
    await super.open();
    if (this.ctx.isRestored) {
      // Requested again, in their original order; the results were never emitted downstream of
      // the restored checkpoint.
      const restored = [...this.state.get()];
      this.state.clear();
      for (const element of restored) this.processElement(element.value, element.timestamp);
    }
  }

  processElement(value: unknown, timestamp: number): void {
    if (this.queued >= this.capacity || this.pendingHead < this.pendingValues.length) {
      this.pendingValues.push(value);
      this.pendingTimestamps.push(timestamp);
      return;
    }
    this.addRecord(value, timestamp);
  }

  override processWatermark(time: number): void {
    this.currentWatermark = time;
    if (this.pendingHead < this.pendingValues.length) {
      this.pendingValues.push(WATERMARK);
      this.pendingTimestamps.push(time);
      return;
    }
    this.addWatermark(time);
  }

  /** A promise while the queue is full: the task reads no more input until it resolves. */
  blocked(): Promise<void> | undefined {
    if (!this.isFull()) return undefined;
    return this.unblockPromise();
  }

  /** End of input: everything received is requested, completed and emitted before the task finishes. */
  override finish(): Promise<void> | undefined {
    if (this.isEmpty()) return undefined;
    return new Promise<void>((resolve) => this.finishWaiters.push(resolve));
  }

  override async close(): Promise<void> {
    this.timeoutTimer?.cancel();
    this.timeoutTimer = undefined;
    for (let e = this.oldest; e; e = e.next) e.retryTimer?.cancel();
    await super.close();
  }

  /** The records not yet emitted, in input order where it matters (ordered mode). */
  snapshotState(): void {
    const elements: RestoredElement[] = [];
    if (this.ordered) {
      for (let i = this.fifoHead; i < this.fifo.length; i++) {
        const e = this.fifo[i]!;
        if (e.value !== WATERMARK) elements.push({ value: e.value, timestamp: e.timestamp });
      }
    } else {
      for (let i = this.segmentHead; i < this.segments.length; i++) {
        for (const e of this.segments[i].completed) elements.push({ value: e.value, timestamp: e.timestamp });
      }
      for (let e = this.oldest; e; e = e.next) elements.push({ value: e.value, timestamp: e.timestamp });
    }
    for (let i = this.pendingHead; i < this.pendingValues.length; i++) {
      const value = this.pendingValues[i];
      if (value !== WATERMARK) elements.push({ value, timestamp: this.pendingTimestamps[i] });
    }
    this.state.update(elements);
  }

  // ---- the queue --------------------------------------------------------------------------------

  private isFull(): boolean {
    return this.queued >= this.capacity || this.pendingHead < this.pendingValues.length;
  }

  private isEmpty(): boolean {
    return this.queued === 0 && this.pendingHead === this.pendingValues.length;
  }

  private addRecord(value: unknown, timestamp: number): void {
    const deadline = this.timeout > 0 ? this.ctx.clock.now() + this.timeout : Number.POSITIVE_INFINITY;
    const entry = new Entry(this, value, timestamp, deadline);
    // In-flight list, in invocation order.
    if (this.newest) {
      this.newest.next = entry;
      entry.prev = this.newest;
    } else this.oldest = entry;
    this.newest = entry;
    if (this.ordered) this.fifo.push(entry);
    else {
      let segment = this.segments[this.segments.length - 1];
      if (segment === undefined || segment.watermark !== undefined) {
        segment = { watermark: undefined, incomplete: 0, completed: [] };
        this.segments.push(segment);
      }
      segment.incomplete++;
      entry.segment = segment;
    }
    this.queued++;
    if (deadline < this.timeoutTimerAt) this.scheduleTimeouts(deadline);
    this.invoke(entry, entry);
  }

  private addWatermark(time: number): void {
    if (this.queued === 0) {
      this.output.emitWatermark(time);
      return;
    }
    if (this.ordered) {
      // Consecutive watermarks behind the same records: only the latest matters.
      const last = this.fifo[this.fifo.length - 1]!;
      if (last.value === WATERMARK) last.timestamp = time;
      else {
        const mark = new Entry(this, WATERMARK, time, Number.POSITIVE_INFINITY);
        mark.done = true;
        this.fifo.push(mark);
      }
    } else {
      const last = this.segments[this.segments.length - 1];
      if (last.watermark !== undefined) last.watermark = time;
      else this.segments.push({ watermark: time, incomplete: 0, completed: [] });
    }
  }

  /** Starts one attempt; whatever happens, the outcome reaches `future` (and so a mail). */
  private invoke(entry: Entry, future: ResultFuture<unknown>): void {
    let returned: unknown;
    try {
      returned = this.fn.asyncInvoke(entry.value, future);
    } catch (error) {
      future.completeExceptionally(error);
      return;
    }
    if (
      returned !== undefined &&
      returned !== null &&
      typeof (returned as Promise<unknown>).then === 'function'
    ) {
      (returned as Promise<Iterable<unknown>>).then(
        (results) => future.complete(results),
        (error) => future.completeExceptionally(error),
      );
    }
  }

  /** An attempt completed (any context): note it; the mail handles it in the task's loop. */
  completed(entry: Entry): void {
    this.completions.push(entry);
    if (this.mailPending) return;
    this.mailPending = true;
    this.ctx.enqueueMail(this.drainMail);
  }

  /** The mail: handle every completion since the last one, then emit, refill and wake. */
  private drain(): void {
    this.mailPending = false;
    const completions = this.completions;
    this.completions = this.spare;
    this.spare = completions;
    try {
      for (let i = 0; i < completions.length; i++) this.handleOutcome(completions[i]);
    } finally {
      completions.length = 0;
    }
    this.afterChange();
  }

  private afterChange(): void {
    this.emitCompleted();
    this.invokePending();
    this.wake();
  }

  private handleOutcome(entry: Entry): void {
    if (entry.done) return;
    if (entry.failed) {
      if (this.exceptionPredicate && !entry.timedOut && this.exceptionPredicate(entry.outcome)) {
        if (this.retry!.canRetry(entry.attempts)) {
          this.scheduleRetry(entry);
          return;
        }
      }
      throw this.failure(entry, entry.outcome);
    }
    const results = this.resultsOf(entry);
    if (this.resultPredicate && !entry.timedOut && this.resultPredicate(results)) {
      if (this.retry!.canRetry(entry.attempts)) {
        entry.outcome = results;
        this.scheduleRetry(entry);
        return;
      }
    }
    this.complete(entry, results);
  }

  /** The entry is final: out of the in-flight list, ready to be emitted in its turn. */
  private complete(entry: Entry, results: unknown[]): void {
    entry.done = true;
    entry.results = results;
    if (entry.prev) entry.prev.next = entry.next;
    else this.oldest = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.newest = entry.prev;
    entry.prev = entry.next = undefined;
    if (!this.ordered) {
      const segment = entry.segment!;
      segment.incomplete--;
      segment.completed.push(entry);
    }
  }

  private emitCompleted(): void {
    const output = this.output;
    if (this.ordered) {
      const fifo = this.fifo;
      let head = this.fifoHead;
      while (head < fifo.length) {
        const e = fifo[head]!;
        if (!e.done) break;
        fifo[head++] = undefined;
        if (e.value === WATERMARK) output.emitWatermark(e.timestamp);
        else {
          this.queued--;
          this.emitResults(e);
        }
      }
      if (head === fifo.length) {
        fifo.length = 0;
        head = 0;
      } else if (head > 1024 && head * 2 > fifo.length) {
        fifo.splice(0, head);
        head = 0;
      }
      this.fifoHead = head;
      return;
    }
    const segments = this.segments;
    let head = this.segmentHead;
    while (head < segments.length) {
      const segment = segments[head];
      if (segment.watermark !== undefined) {
        output.emitWatermark(segment.watermark);
        head++;
        continue;
      }
      const completed = segment.completed;
      for (let i = 0; i < completed.length; i++) {
        this.queued--;
        this.emitResults(completed[i]);
      }
      completed.length = 0;
      // The last record segment stays open for new records.
      if (segment.incomplete > 0 || head === segments.length - 1) break;
      head++;
    }
    if (head > 64) {
      segments.splice(0, head);
      head = 0;
    }
    this.segmentHead = head;
  }

  private emitResults(entry: Entry): void {
    const results = entry.results!;
    entry.results = undefined;
    const timestamp = entry.timestamp;
    for (let i = 0; i < results.length; i++) this.output.collect(results[i], timestamp);
  }

  /** Input that waited for room: requested now, in order, while there is room. */
  private invokePending(): void {
    const values = this.pendingValues;
    let head = this.pendingHead;
    if (head === values.length) return;
    const timestamps = this.pendingTimestamps;
    while (head < values.length) {
      const value = values[head];
      if (value === WATERMARK) this.addWatermark(timestamps[head]);
      else if (this.queued >= this.capacity) break;
      else this.addRecord(value, timestamps[head]);
      values[head++] = undefined;
    }
    if (head === values.length) {
      values.length = 0;
      timestamps.length = 0;
      head = 0;
    }
    this.pendingHead = head;
  }

  private unblockPromise(): Promise<void> {
    if (!this.unblock) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.unblock = { promise, resolve };
    }
    return this.unblock.promise;
  }

  private wake(): void {
    if (this.unblock && !this.isFull()) {
      const { resolve } = this.unblock;
      this.unblock = undefined;
      resolve();
    }
    if (this.finishWaiters.length > 0 && this.isEmpty()) {
      const waiters = this.finishWaiters;
      this.finishWaiters = [];
      for (const w of waiters) w();
    }
  }

  // ---- retries and timeouts ---------------------------------------------------------------------

  private scheduleRetry(entry: Entry): void {
    const delay = Math.max(0, this.retry!.getBackoffTimeMillis(entry.attempts));
    entry.settled = false;
    entry.retryTimer = this.ctx.registerProcessingTimer(this.ctx.clock.now() + delay, () => {
      entry.retryTimer = undefined;
      if (entry.done || entry.timedOut) return;
      entry.attempts++;
      const future = new AttemptFuture(entry, entry.attempts);
      entry.future = future;
      this.invoke(entry, future);
    });
  }

  private scheduleTimeouts(at: number): void {
    this.timeoutTimer?.cancel();
    this.timeoutTimerAt = at;
    this.timeoutTimer = this.ctx.registerProcessingTimer(at, this.onTimeoutTimer);
  }

  /** The timer mail: every request past its deadline times out; the timer moves to the next one. */
  private timeoutsDue(): void {
    this.timeoutTimer = undefined;
    this.timeoutTimerAt = Number.POSITIVE_INFINITY;
    const now = this.ctx.clock.now();
    let e = this.oldest;
    while (e !== undefined && e.deadline <= now) {
      const next = e.next;
      if (!e.timedOut) this.timeOut(e);
      e = next;
    }
    if (e !== undefined) this.scheduleTimeouts(e.deadline);
    this.afterChange();
  }

  private timeOut(entry: Entry): void {
    // A completion already waiting for its mail won the race.
    if (entry.settled || entry.done) return;
    entry.timedOut = true;
    if (entry.retryTimer) {
      // Waiting to retry: the last attempt's outcome is the element's, as in Flink.
      entry.retryTimer.cancel();
      entry.retryTimer = undefined;
      if (entry.failed) throw this.failure(entry, entry.outcome);
      this.complete(entry, entry.outcome as unknown[]);
      return;
    }
    if (typeof this.fn.timeout !== 'function') throw this.timeoutError(entry);
    this.fn.timeout(entry.value, entry.future);
  }

  // ---- errors -----------------------------------------------------------------------------------

  private where(): string {
    return `Async I/O operator "${this.name}" (uid ${this.uid}) in subtask ${this.ctx.subtaskIndex + 1}/${this.ctx.parallelism}`;
  }

  private attemptsText(entry: Entry): string {
    return entry.attempts > 1 ? ` after ${entry.attempts} attempts` : '';
  }

  private failure(entry: Entry, error: unknown): WeirError {
    const message = error instanceof Error ? error.message : String(error);
    const code: WeirErrorCode = error instanceof WeirError ? error.code : 'USER_FUNCTION_FAILED';
    return new WeirError(
      code,
      `${this.where()} failed on record ${previewRecord(entry.value, 120)}${this.attemptsText(entry)}: ${message}`,
      { cause: error },
    );
  }

  private timeoutError(entry: Entry): WeirError {
    return new WeirError(
      'USER_FUNCTION_FAILED',
      `${this.where()}: the request for record ${previewRecord(entry.value, 120)} timed out after ` +
        `${this.timeout} ms${this.attemptsText(entry)}; give the AsyncFunction a timeout(input, resultFuture) ` +
        `method to handle timeouts, or raise the timeout`,
    );
  }

  private resultsOf(entry: Entry): unknown[] {
    const outcome = entry.outcome;
    if (Array.isArray(outcome)) return outcome;
    if (
      outcome !== null &&
      typeof outcome === 'object' &&
      typeof (outcome as Iterable<unknown>)[Symbol.iterator] === 'function'
    ) {
      return Array.from(outcome as Iterable<unknown>);
    }
    const what = outcome === null ? 'null' : typeof outcome === 'object' ? 'an object' : typeof outcome;
    throw this.failure(
      entry,
      `the request completed with ${what}, not an iterable of results: complete([result]) or resolve to [result] (an empty array for none)`,
    );
  }
}

/** Marks a watermark among queued entries and pending input. */
const WATERMARK: unique symbol = Symbol('watermark');

/** What a checkpoint keeps of a record not yet emitted. */
interface RestoredElement {
  value: unknown;
  timestamp: number;
}

/** Unordered mode: the records between two watermarks, or a watermark. */
interface Segment {
  /** Set for a watermark segment. */
  watermark: number | undefined;
  /** Records of this segment still in flight. */
  incomplete: number;
  /** Records of this segment complete and not yet emitted. */
  completed: Entry[];
}

/**
 * One input record in the operator, and the ResultFuture of its first attempt (a retry gets an
 * {@link AttemptFuture}). A completion only records the outcome and notifies the operator.
 */
class Entry implements ResultFuture<unknown> {
  readonly op: AsyncWaitOperator;
  readonly value: unknown;
  timestamp: number;
  readonly deadline: number;
  attempts = 1;
  /** The future of the current attempt: only its completion counts. */
  future: ResultFuture<unknown> = this;
  /** The current attempt completed; its outcome waits for the operator's mail. */
  settled = false;
  failed = false;
  /** Results (an iterable) or the error of the last attempt. */
  outcome: unknown;
  /** Final: its results wait for their turn to be emitted. */
  done = false;
  results: unknown[] | undefined;
  timedOut = false;
  retryTimer: Cancellable | undefined;
  segment: Segment | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;

  constructor(op: AsyncWaitOperator, value: unknown, timestamp: number, deadline: number) {
    this.op = op;
    this.value = value;
    this.timestamp = timestamp;
    this.deadline = deadline;
  }

  complete(results: Iterable<unknown>): void {
    if (this.future === this) this.settle(false, results);
  }

  completeExceptionally(error: unknown): void {
    if (this.future === this) this.settle(true, error);
  }

  settle(failed: boolean, outcome: unknown): void {
    if (this.settled || this.done || this.retryTimer !== undefined) return;
    this.settled = true;
    this.failed = failed;
    this.outcome = outcome;
    this.op.completed(this);
  }
}

/** The ResultFuture of a retry: completions of older attempts are ignored. */
class AttemptFuture implements ResultFuture<unknown> {
  private readonly entry: Entry;
  private readonly attempt: number;

  constructor(entry: Entry, attempt: number) {
    this.entry = entry;
    this.attempt = attempt;
  }

  complete(results: Iterable<unknown>): void {
    if (this.entry.attempts === this.attempt) this.entry.settle(false, results);
  }

  completeExceptionally(error: unknown): void {
    if (this.entry.attempts === this.attempt) this.entry.settle(true, error);
  }
}
