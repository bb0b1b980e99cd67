/**
 * A harness for the Async I/O operator alone, with what the public OperatorHarness leaves out: a
 * real mailbox (completions, timers and failures run only when the test runs the mails, as in a
 * task's loop), a manual clock, and snapshot/restore of the operator state.
 */
import type { Accumulator } from '../../src/api/accumulators.ts';
import type { AsyncFunction } from '../../src/api/async-function.ts';
import type { AsyncRetryStrategy } from '../../src/api/async-retry-strategies.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { NO_TIMESTAMP } from '../../src/core/stream-element.ts';
import type { JobConfig, OperatorSpec } from '../../src/graph/job-graph.ts';
import type { OperatorContext } from '../../src/runtime/operators/operator-context.ts';
import { createOperator } from '../../src/runtime/operators/operator-factory.ts';
import type { StreamOperator } from '../../src/runtime/operators/stream-operator.ts';
import { type OperatorStateSnapshot, OperatorStateStore } from '../../src/state/operator-state-store.ts';

export type AsyncEvent =
  | { kind: 'record'; value: unknown; timestamp?: number }
  | { kind: 'watermark'; time: number };

export interface AsyncHarnessOptions<IN, OUT> {
  fn: AsyncFunction<IN, OUT>;
  mode?: 'ordered' | 'unordered';
  timeout?: number;
  capacity?: number;
  retryStrategy?: AsyncRetryStrategy<OUT>;
  /** Operator state to restore from (a {@link AsyncHarness.snapshot}). */
  restore?: OperatorStateSnapshot;
}

export class AsyncHarness<IN = unknown, OUT = unknown> {
  readonly clock = new ManualClock(0);
  readonly operator: StreamOperator;
  readonly events: AsyncEvent[] = [];
  /** The first error a mail threw (the task would fail with it). */
  failure: unknown;
  private mails: Array<() => void> = [];
  private readonly store = new OperatorStateStore();

  constructor(options: AsyncHarnessOptions<IN, OUT>) {
    const spec: OperatorSpec = {
      uid: 'lookup-uid',
      kind: 'async-wait',
      name: 'lookup',
      keyed: false,
      config: {
        mode: options.mode ?? 'ordered',
        timeout: options.timeout ?? 0,
        capacity: options.capacity ?? 100,
      },
      outputs: [],
    };
    if (options.restore) this.store.restore([options.restore]);
    const events = this.events;
    const clock = this.clock;
    const config: JobConfig = { autoWatermarkInterval: 200, batchSize: 1024, channelCapacity: 8 };
    const ctx: OperatorContext = {
      spec,
      functions: {
        fn: options.fn,
        extra: options.retryStrategy ? { retryStrategy: options.retryStrategy } : undefined,
      },
      output: {
        collect: (value, timestamp) =>
          events.push(
            timestamp === NO_TIMESTAMP ? { kind: 'record', value } : { kind: 'record', value, timestamp },
          ),
        collectSide: () => {
          throw new Error('no side outputs here');
        },
        emitWatermark: (time) => events.push({ kind: 'watermark', time }),
        emitWatermarkStatus: () => {},
      },
      jobId: 'test-job',
      jobConfig: config,
      taskName: 'lookup (1/1)',
      subtaskIndex: 0,
      parallelism: 1,
      maxParallelism: 128,
      attemptNumber: 0,
      clock,
      registerProcessingTimer: (time, callback) =>
        clock.schedule(time, () => this.mails.push(() => callback(time))),
      keyedStateBackend: undefined,
      createTimerService: () => {
        throw new Error('not keyed');
      },
      operatorStateStore: this.store,
      isRestored: options.restore !== undefined,
      restoredCheckpointId: options.restore ? 1 : undefined,
      accumulators: new Map<string, Accumulator<unknown>>(),
      sendToClient: () => {},
      enqueueMail: (fn) => this.mails.push(fn),
      fail: (error) =>
        this.mails.push(() => {
          throw error;
        }),
    };
    this.operator = createOperator(ctx);
  }

  async open(): Promise<this> {
    await this.operator.open();
    return this;
  }

  element(value: IN, timestamp?: number): void {
    this.operator.processElement(value, timestamp ?? NO_TIMESTAMP);
  }

  watermark(time: number): void {
    this.operator.processWatermark(time);
  }

  /** Runs the queued mails (and the ones they queue), as the task's loop would; notes a failure. */
  runMails(): number {
    let ran = 0;
    while (this.mails.length > 0) {
      const mails = this.mails;
      this.mails = [];
      for (const mail of mails) {
        ran++;
        try {
          mail();
        } catch (error) {
          this.failure ??= error;
        }
      }
    }
    return ran;
  }

  pendingMails(): number {
    return this.mails.length;
  }

  /** Lets promise callbacks run, then runs the mails they queued. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    this.runMails();
  }

  /** Advances processing time (timers queue mails) and runs the mails. */
  advance(ms: number): void {
    this.clock.advanceBy(ms);
    this.runMails();
  }

  records(): unknown[] {
    return this.events.filter((e) => e.kind === 'record').map((e) => (e as { value: unknown }).value);
  }

  /** Takes checkpoint 1 and returns the operator state it wrote. */
  snapshot(): OperatorStateSnapshot {
    this.operator.snapshotState?.(1);
    return this.store.snapshot();
  }
}

/** A promise with its resolve and reject, for requests the test completes by hand. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
