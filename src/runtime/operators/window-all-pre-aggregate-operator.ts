import { asMethodObject, type ReduceFunctionObject } from '../../api/functions.ts';
import { operatorConfig } from '../../graph/operator-spec.ts';
import type { AggregateFunction } from '../../state/state.ts';
import { TimeWindow } from '../../time/windows/window.ts';
import { requireEventTimestamp } from '../../time/windows/window-arguments.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';

/** One slice's partial result on this subtask. */
interface Partial {
  start: number;
  /** The reduced value, or the accumulator. */
  value: unknown;
}

/**
 * The local phase of `windowAll(...).reduce` / `.aggregate` at input parallelism > 1 (see
 * AllWindowedStream): on each input subtask, chained after the input, it folds the elements of each
 * slice of the event-time windows (the window itself when tumbling, gcd(size, slide) when sliding,
 * as Flink SQL's local window aggregate does) into one value: the reduced element, or the
 * accumulator. A slice's partial goes downstream, stamped with the slice's max timestamp (so the
 * global window operator assigns it exactly the windows of the slice's elements), when the
 * watermark reaches that timestamp (before the watermark is forwarded), when the input turns idle,
 * before each checkpoint's snapshot, and at end of input. The global window operator (one subtask)
 * then reduces or merges the partials of a window.
 *
 * An element whose slice was already emitted here (its timestamp is at or behind this subtask's
 * watermark) is forwarded at once, alone, with its own timestamp: whether it is late is the global
 * operator's decision, on the global watermark, as without this phase. While this input is active
 * the global watermark never passes this subtask's, so a partial emitted at the watermark is never
 * late there (and an idle input has emitted all). Hence the output is the plan without
 * pre-aggregation's: same values, timestamps and late drops.
 *
 * No state: partials are emitted before each snapshot (as Flink's local aggregates flush before the
 * barrier), so a checkpoint holds them in the global window's state and the job restores at any
 * parallelism.
 */
export class WindowAllPreAggregateOperator extends AbstractStreamOperator {
  private readonly sliceSize: number;
  private readonly offset: number;
  private readonly reduceFn: ReduceFunctionObject<unknown> | undefined;
  private readonly aggregateFn: AggregateFunction<unknown, unknown, unknown> | undefined;
  private readonly assignerName: string;
  /** Open slices, by start. */
  private readonly partials = new Map<number, Partial>();
  /** The slice of the last element (most elements fall into the slice of the one before). */
  private last: Partial | undefined;
  /** The smallest max timestamp of an open slice (Infinity: none). */
  private nextDue = Number.POSITIVE_INFINITY;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'window-all-pre-aggregate');
    const assigner = config.assigner!;
    this.sliceSize =
      assigner.kind === 'sliding-event-time' ? gcd(assigner.size, assigner.slide) : assigner.size;
    this.offset = assigner.offset ?? 0;
    this.assignerName =
      assigner.kind === 'sliding-event-time' ? 'SlidingEventTimeWindows' : 'TumblingEventTimeWindows';
    if (config.contents === 'aggregate') {
      this.aggregateFn = ctx.functions.fn as AggregateFunction<unknown, unknown, unknown>;
    } else {
      this.reduceFn = asMethodObject<ReduceFunctionObject<unknown>>(ctx.functions.fn, 'reduce');
      this.userFunction = this.reduceFn;
    }
  }

  processElement(value: unknown, timestamp: number): void {
    requireEventTimestamp(timestamp, value, this.assignerName);
    const sliceSize = this.sliceSize;
    let p = this.last;
    if (p === undefined || timestamp < p.start || timestamp >= p.start + sliceSize) {
      const start = TimeWindow.getWindowStartWithOffset(timestamp, this.offset, sliceSize);
      if (start + sliceSize - 1 <= this.currentWatermark) {
        // Emitted here already: the global operator decides whether it is late.
        this.output.collect(this.single(value), timestamp);
        return;
      }
      p = this.partials.get(start);
      if (p === undefined) {
        p = { start, value: this.single(value) };
        this.partials.set(start, p);
        if (start + sliceSize - 1 < this.nextDue) this.nextDue = start + sliceSize - 1;
        this.last = p;
        return;
      }
      this.last = p;
    }
    p.value =
      this.reduceFn !== undefined
        ? this.reduceFn.reduce(p.value, value)
        : this.aggregateFn!.add(value, p.value);
  }

  override processWatermark(time: number): void {
    if (time >= this.nextDue) this.emitUpTo(time);
    super.processWatermark(time);
  }

  /**
   * An idle input stops holding back the global watermark, which may then pass the partials still
   * here: they go first, as the elements would have without this phase.
   */
  override processWatermarkStatus(idle: boolean): void {
    if (idle) this.emitUpTo(Number.POSITIVE_INFINITY);
    super.processWatermarkStatus(idle);
  }

  override endInput(): void {
    this.emitUpTo(Number.POSITIVE_INFINITY);
  }

  snapshotState(_checkpointId: number): void {
    this.emitUpTo(Number.POSITIVE_INFINITY);
  }

  /** The partial of one element alone. */
  private single(value: unknown): unknown {
    const agg = this.aggregateFn;
    return agg === undefined ? value : agg.add(value, agg.createAccumulator());
  }

  /** Emits, oldest first, the partials of the slices whose max timestamp is at most `time`. */
  private emitUpTo(time: number): void {
    if (this.partials.size === 0) return;
    const due: Partial[] = [];
    let nextDue = Number.POSITIVE_INFINITY;
    const sliceSize = this.sliceSize;
    for (const p of this.partials.values()) {
      const maxTimestamp = p.start + sliceSize - 1;
      if (maxTimestamp <= time) due.push(p);
      else if (maxTimestamp < nextDue) nextDue = maxTimestamp;
    }
    this.nextDue = nextDue;
    if (due.length > 1) due.sort((a, b) => a.start - b.start);
    for (const p of due) {
      this.partials.delete(p.start);
      if (this.last === p) this.last = undefined;
      this.output.collect(p.value, p.start + sliceSize - 1);
    }
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
