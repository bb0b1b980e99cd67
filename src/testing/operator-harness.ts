import type { Accumulator } from '../api/accumulators.ts';
import { ManualClock } from '../core/clock.ts';
import type { OutputTag } from '../core/collector.ts';
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import { NO_TIMESTAMP } from '../core/stream-element.ts';
import type { JobConfig, OperatorSpec } from '../graph/job-graph.ts';
import type { OperatorConfigs, OperatorKind } from '../graph/operator-spec.ts';
import type { OperatorContext } from '../runtime/operators/operator-context.ts';
import { createOperator } from '../runtime/operators/operator-factory.ts';
import type { Output } from '../runtime/operators/output.ts';
import type { StreamOperator } from '../runtime/operators/stream-operator.ts';
import { undefinedRecordError } from '../runtime/operators/undefined-record-error.ts';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import { DEFAULT_MAX_PARALLELISM } from '../state/key-groups.ts';
import { OperatorStateStore } from '../state/operator-state-store.ts';
import { HeapInternalTimerService } from '../time/internal-timer-service.ts';
import type { InternalTimerService } from '../time/timer-service.ts';

/** One thing an operator emitted, in order. */
export type HarnessOutput =
  | { kind: 'record'; value: unknown; timestamp: number | undefined }
  | { kind: 'watermark'; time: number }
  | { kind: 'watermark-status'; idle: boolean };

export interface HarnessOptions {
  /** Operator kind: 'keyed-process', 'process', 'map'... */
  kind: OperatorKind;
  fn?: unknown;
  keySelector?: (value: any) => Key;
  /** Key selector of the second input, for keyed two-input operators. */
  keySelector2?: (value: any) => Key;
  extra?: Record<string, unknown>;
  /** The operator's configuration (operator-spec.ts); what is left out takes its default. */
  config?: Partial<OperatorConfigs[OperatorKind]> | Record<string, unknown>;
  name?: string;
  /** Start of processing time (default 0). */
  processingTime?: number;
  subtaskIndex?: number;
  parallelism?: number;
  maxParallelism?: number;
}

/**
 * Runs one operator alone, in virtual time: feed it records, watermarks and processing-time
 * advances, and read what it emitted, its side outputs and its pending timers. It is the real
 * operator, with the heap state backend and the real timer service; only the clock is manual.
 */
export class OperatorHarness<OUT = unknown> {
  readonly clock: ManualClock;
  readonly operator: StreamOperator;
  private readonly outputs: HarnessOutput[] = [];
  private readonly sides = new Map<string, Array<{ value: unknown; timestamp: number | undefined }>>();
  private readonly backend: HeapKeyedStateBackend | undefined;
  private timerService: InternalTimerService | undefined;
  private readonly keyed: boolean;
  private readonly keyed2: boolean;
  private readonly inputWatermarks = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  private opened = false;

  constructor(options: HarnessOptions) {
    this.clock = new ManualClock(options.processingTime ?? 0);
    const maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
    this.keyed = options.keySelector !== undefined;
    this.keyed2 = options.keySelector2 !== undefined;
    this.backend = this.keyed
      ? new HeapKeyedStateBackend({
          maxParallelism,
          keyGroupRange: { start: 0, end: maxParallelism - 1 },
          clock: this.clock,
        })
      : undefined;
    const spec = {
      uid: `${options.kind}-under-test`,
      kind: options.kind,
      name: options.name ?? options.kind,
      keyed: this.keyed,
      config: options.config ?? {},
      outputs: [],
    } as OperatorSpec;
    const outputs = this.outputs;
    const sides = this.sides;
    const output: Output = {
      // The runtime's rule, so that a test sees what a job would: undefined is not a record.
      collect: (value, timestamp) => {
        if (value === undefined) throw undefinedRecordError();
        outputs.push({ kind: 'record', value, timestamp: ts(timestamp) });
      },
      collectSide: (tag, value, timestamp) => {
        if (value === undefined) throw undefinedRecordError();
        const list = sides.get(tag) ?? [];
        list.push({ value, timestamp: ts(timestamp) });
        sides.set(tag, list);
      },
      emitWatermark: (time) => outputs.push({ kind: 'watermark', time }),
      emitWatermarkStatus: (idle) => outputs.push({ kind: 'watermark-status', idle }),
    };
    const config: JobConfig = { autoWatermarkInterval: 200, batchSize: 1024, channelCapacity: 8 };
    const clock = this.clock;
    const ctx: OperatorContext = {
      spec,
      functions: {
        fn: options.fn,
        keySelector: options.keySelector,
        keySelector2: options.keySelector2,
        extra: options.extra,
      },
      output,
      jobId: 'test-job',
      jobConfig: config,
      taskName: spec.name,
      subtaskIndex: options.subtaskIndex ?? 0,
      parallelism: options.parallelism ?? 1,
      maxParallelism,
      attemptNumber: 0,
      clock,
      registerProcessingTimer: (time, callback) => clock.schedule(time, () => callback(time)),
      keyedStateBackend: this.backend,
      createTimerService: (triggerable) => {
        const service = new HeapInternalTimerService({
          backend: this.backend!,
          clock,
          triggerable,
          onProcessingTimeTimerRegistered: (earliest: number) => {
            const fire = () => {
              service.advanceProcessingTime(clock.now());
              const next = service.nextProcessingTime();
              if (next < Number.POSITIVE_INFINITY) clock.schedule(next, fire);
            };
            clock.schedule(earliest, fire);
          },
        });
        this.timerService = service;
        return service;
      },
      operatorStateStore: new OperatorStateStore(),
      isRestored: false,
      restoredCheckpointId: undefined,
      accumulators: new Map<string, Accumulator<unknown>>(),
      sendToClient: (values) => {
        for (const value of values) outputs.push({ kind: 'record', value, timestamp: undefined });
      },
      enqueueMail: (fn) => fn(),
      fail: (error) => {
        throw error;
      },
    };
    this.operator = createOperator(ctx);
  }

  /** Opens the operator (calls the function's `open`). Called by the first input if not before. */
  async open(): Promise<void> {
    if (this.opened) return;
    this.opened = true;
    await this.operator.open();
  }

  /** Feeds one record, with an event-time timestamp if it has one. */
  processElement(value: unknown, timestamp?: number): void {
    this.ensureOpen();
    if (this.keyed) this.operator.setKeyContext!(value);
    this.operator.processElement(value, timestamp ?? NO_TIMESTAMP);
  }

  /** Feeds one record to the second input of a two-input operator (connect, joins, broadcast). */
  processElement2(value: unknown, timestamp?: number): void {
    this.ensureOpen();
    if (!this.operator.processElement2) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `operator "${this.operator.name}" has one input: use processElement`,
      );
    }
    if (this.keyed2) this.operator.setKeyContext2!(value);
    this.operator.processElement2(value, timestamp ?? NO_TIMESTAMP);
  }

  /** Advances event time: fires due event-time timers. */
  processWatermark(time: number): void {
    this.ensureOpen();
    this.operator.processWatermark(time);
  }

  /**
   * The watermark of one input of a two-input operator: the operator sees the minimum of both
   * inputs, as in a job, and only when it advances.
   */
  processWatermark1(time: number): void {
    this.inputWatermark(0, time);
  }

  /** See {@link processWatermark1}. */
  processWatermark2(time: number): void {
    this.inputWatermark(1, time);
  }

  private inputWatermark(input: number, time: number): void {
    const before = Math.min(this.inputWatermarks[0], this.inputWatermarks[1]);
    this.inputWatermarks[input] = Math.max(this.inputWatermarks[input], time);
    const after = Math.min(this.inputWatermarks[0], this.inputWatermarks[1]);
    if (after > before) this.processWatermark(after);
  }

  /** Advances processing time: fires due processing-time timers. */
  setProcessingTime(time: number): void {
    this.ensureOpen();
    this.clock.advanceTo(time);
  }

  /** Signals the end of a bounded input. */
  async endInput(): Promise<void> {
    this.ensureOpen();
    this.operator.endInput();
    await this.operator.finish();
  }

  async close(): Promise<void> {
    await this.operator.close();
  }

  /** Records emitted so far, in order. */
  extractOutputValues(): OUT[] {
    return this.outputs.filter((o) => o.kind === 'record').map((o) => (o as { value: OUT }).value);
  }

  /** Records and watermarks emitted so far, in order. */
  getOutput(): HarnessOutput[] {
    return [...this.outputs];
  }

  /** Watermarks emitted so far. */
  getWatermarks(): number[] {
    return this.outputs.filter((o) => o.kind === 'watermark').map((o) => (o as { time: number }).time);
  }

  /** Records emitted to a side output. */
  getSideOutput<X>(tag: OutputTag<X>): X[] {
    return (this.sides.get(tag.id) ?? []).map((o) => o.value as X);
  }

  /** Forgets what was emitted so far. */
  clearOutput(): void {
    this.outputs.length = 0;
    this.sides.clear();
  }

  numEventTimeTimers(): number {
    return this.timerService?.numEventTimeTimers() ?? 0;
  }
  numProcessingTimeTimers(): number {
    return this.timerService?.numProcessingTimeTimers() ?? 0;
  }
  /** Pending event-time timers as [key, time], in time order. */
  eventTimeTimers(): Array<[Key, number]> {
    return this.timerService?.eventTimeTimers() ?? [];
  }
  processingTimeTimers(): Array<[Key, number]> {
    return this.timerService?.processingTimeTimers() ?? [];
  }

  /** The keyed state backend, to inspect state (keyed harnesses only). */
  stateBackend(): HeapKeyedStateBackend | undefined {
    return this.backend;
  }

  private ensureOpen(): void {
    if (!this.opened) {
      this.opened = true;
      const r = this.operator.open();
      if (r && typeof (r as Promise<void>).then === 'function') {
        // Functions with an async open must be opened with `await harness.open()` first.
        (r as Promise<void>).catch(() => {});
      }
    }
  }
}

function ts(timestamp: number): number | undefined {
  return timestamp === NO_TIMESTAMP ? undefined : timestamp;
}
