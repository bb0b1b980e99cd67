import type { RichFunction } from '../../api/functions.ts';
import { Counter } from '../../core/accumulators.ts';
import type { Key } from '../../core/key.ts';
import type { KeyedStateBackend } from '../../state/keyed-state-backend.ts';
import type { InternalTimerService } from '../../time/timer-service.ts';
import type { OperatorContext } from './operator-context.ts';
import type { Output } from './output.ts';
import type { StreamOperator } from './stream-operator.ts';
import { StreamingRuntimeContext } from './streaming-runtime-context.ts';

/**
 * Defaults for operators: watermark forwarding, key context for keyed operators, and the lifecycle
 * of the user function (runtime context, `open`, `close`). Subclasses implement `processElement`.
 */
export abstract class AbstractStreamOperator implements StreamOperator {
  readonly uid: string;
  readonly name: string;
  protected readonly ctx: OperatorContext;
  protected readonly output: Output;
  protected readonly keyed: KeyedStateBackend | undefined;
  protected readonly keySelector: ((value: unknown) => unknown) | undefined;
  protected readonly keySelector2: ((value: unknown) => unknown) | undefined;
  protected timers: InternalTimerService | undefined;
  protected currentWatermark = Number.NEGATIVE_INFINITY;
  /** The user function, when the operator has one. */
  protected userFunction: RichFunction | undefined;
  private readonly runtimeContext: StreamingRuntimeContext;
  /** Rows dropped as late, once the operator asked for the counter ({@link lateRecordsCounter}). */
  private lateRecords: Counter | undefined;

  constructor(ctx: OperatorContext) {
    this.ctx = ctx;
    this.uid = ctx.spec.uid;
    this.name = ctx.spec.name;
    this.output = ctx.output;
    this.keyed = ctx.keyedStateBackend;
    this.keySelector = ctx.functions.keySelector;
    this.keySelector2 = ctx.functions.keySelector2;
    this.runtimeContext = new StreamingRuntimeContext(ctx);
  }

  setKeyContext(value: unknown): void {
    this.keyed!.setCurrentKey(this.keySelector!(value) as Key);
  }

  setKeyContext2(value: unknown): void {
    this.keyed!.setCurrentKey(this.keySelector2!(value) as Key);
  }

  async open(): Promise<void> {
    const fn = this.userFunction as (RichFunction & { setRuntimeContext?: (c: unknown) => void }) | undefined;
    if (fn && typeof fn === 'object') {
      if (typeof fn.setRuntimeContext === 'function') fn.setRuntimeContext(this.runtimeContext);
      if (typeof fn.open === 'function') await fn.open(this.runtimeContext);
    }
    if (this.lateRecords !== undefined)
      this.runtimeContext.addAccumulator('numLateRecordsDropped', this.lateRecords);
  }

  /**
   * The counter of the rows this operator drops as late (Flink's `numLateRecordsDropped`),
   * registered as the accumulator of that name when the operator opens. For operators that drop
   * late rows; ask for it once, when constructing.
   *
   * @example
   * private readonly late = this.lateRecordsCounter();
   * // in processElement, for a row behind the watermark:
   * this.late.add(1);
   */
  protected lateRecordsCounter(): Counter {
    this.lateRecords ??= new Counter();
    return this.lateRecords;
  }

  abstract processElement(value: unknown, timestamp: number): void;

  processWatermark(time: number): void {
    this.currentWatermark = time;
    if (this.keyed) this.keyed.setCurrentWatermark(time);
    this.timers?.advanceWatermark(time);
    this.output.emitWatermark(time);
  }

  processWatermarkStatus(idle: boolean): void {
    this.output.emitWatermarkStatus(idle);
  }

  endInput(): void {}

  finish(): void | Promise<void> {}

  async close(): Promise<void> {
    const fn = this.userFunction;
    if (fn && typeof fn === 'object' && typeof fn.close === 'function') await fn.close();
  }

  protected getRuntimeContext(): StreamingRuntimeContext {
    return this.runtimeContext;
  }
}
