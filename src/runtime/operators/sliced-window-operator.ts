import type { ProcessWindowContext, ProcessWindowFunctionObject } from '../../api/window-functions.ts';
import { Counter } from '../../core/accumulators.ts';
import type { OutputTag } from '../../core/collector.ts';
import type { Key } from '../../core/key.ts';
import { operatorConfig } from '../../graph/operator-spec.ts';
import type { KeyedStateStore } from '../../state/keyed-state-store.ts';
import { MapBackedStateStore } from '../../state/map-backed-state-store.ts';
import type { AggregateFunction, ValueState } from '../../state/state.ts';
import { ValueStateDescriptor } from '../../state/state-descriptor.ts';
import type { InternalTimerService, Triggerable } from '../../time/timer-service.ts';
import { ceilTo, dropFront, floorTo, gcd, lowerBound, mod } from '../../time/windows/time-arithmetic.ts';
import { TimeWindow } from '../../time/windows/window.ts';
import type { WindowAssigner, WindowAssignerContext } from '../../time/windows/window-assigner.ts';
import { windowAssignerFromSpec } from '../../time/windows/window-assigner-spec.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { windowFunctionsOf } from './window-functions-of.ts';

/**
 * Sliding windows by slices (panes). A window of `size` starting every `slide` is the union of
 * size / g consecutive slices of length g = gcd(size, slide), aligned like the windows (the epoch
 * plus the assigner's offset). Each element updates exactly one slice's pre-aggregate; when time
 * passes a window's end − 1, the window's result is the merge of its slices. The cost per record
 * is therefore one slice update whatever size / slide is (the general WindowOperator updates
 * size / slide windows per record), and a firing costs one merge per slice of the window.
 *
 * WindowedStream picks this operator only where its output is the general operator's: a sliding
 * assigner with its default trigger (fire at end − 1; within the allowed lateness, each late element
 * fires its already fired windows again), no evictor, and a reduce or an aggregate that has `merge`,
 * optionally followed by a ProcessWindowFunction. Slices are combined in time order, not in arrival
 * order, so a reduce or merge must be associative and commutative (as Flink assumes of them). An
 * aggregate's slices are merged into a fresh accumulator, never into a slice's own.
 *
 * Lateness is the general operator's, window by window: an element is late when every window that
 * contains it is past its end − 1 + allowed lateness (then it goes to the late side output or is
 * counted in `numLateRecordsDropped`). An element in no window (slide > size) goes there only if it
 * is late itself (event time, timestamp + allowed lateness <= watermark); otherwise it is counted
 * in `numRecordsInNoWindow`. A slice lives until its last window is past that point.
 *
 * State: one keyed ValueState holding, per key, the slice starts in ascending order, their contents
 * in a parallel array, and the key's one pending timer. That timer is at the key's next due time:
 * the next end − 1 of a window holding a slice, or the next end − 1 + allowed lateness at which such
 * a window is cleaned up; each timer does what is due and registers the next. A new slice due
 * before the pending timer moves it earlier. So a key has one timer, not one per window.
 */
interface KeySlices {
  /** Slice starts, ascending. */
  starts: number[];
  /** The reduced value or the accumulator of each slice (parallel to `starts`). */
  values: unknown[];
  /** Time of the key's one pending timer (Infinity: none). */
  timer: number;
  /** windowState() of the ProcessWindowFunction, by window start; created when first used. */
  windowStates: Map<number, Map<string, unknown>> | undefined;
}

export class SlicedWindowOperator extends AbstractStreamOperator implements Triggerable {
  private readonly assigner: WindowAssigner<unknown, TimeWindow>;
  private readonly eventTime: boolean;
  private readonly size: number;
  private readonly slide: number;
  private readonly offset: number;
  /** Slice length: gcd(size, slide). */
  private readonly sliceSize: number;
  /** Window ends are `endPhase` modulo the slide. */
  private readonly endPhase: number;
  /** Slide > size: some slices belong to no window. */
  private readonly gaps: boolean;
  private readonly lateness: number;
  private readonly lateTag: string | null;
  private readonly reduceFn: ((a: unknown, b: unknown) => unknown) | undefined;
  private readonly aggregateFn: AggregateFunction<unknown, unknown, unknown> | undefined;
  private readonly windowFn: ProcessWindowFunctionObject<unknown, unknown, Key, TimeWindow> | undefined;
  private readonly slicesState: ValueState<KeySlices>;
  private readonly timerService: InternalTimerService;
  private readonly collector: TimestampedCollector<unknown>;
  /** numLateRecordsDropped, registered by the base operator. */
  private readonly lateDropped = this.lateRecordsCounter();
  private readonly inNoWindow = new Counter();
  private readonly assignerContext: WindowAssignerContext;
  /** The latest processing-time timer fired: windows ending at it + 1 or before have fired. */
  private processingTimeFired = Number.NEGATIVE_INFINITY;
  /** The slice of the last record, and the first end of its windows (NaN: none yet). */
  private lastSliceStart = Number.NaN;
  private lastFirstEnd = Number.NaN;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const extra = ctx.functions.extra ?? {};
    const config = operatorConfig(ctx.spec, 'sliced-window');
    this.assigner = windowAssignerFromSpec(config.assigner, extra.assigner) as WindowAssigner<
      unknown,
      TimeWindow
    >;
    this.eventTime = this.assigner.isEventTime();
    this.size = Number(config.size);
    this.slide = Number(config.slide);
    this.offset = Number(config.offset ?? 0);
    this.sliceSize = gcd(this.size, this.slide);
    this.endPhase = mod(this.offset + this.size, this.slide);
    this.gaps = this.slide > this.size;
    this.lateness = Number(config.allowedLateness ?? 0);
    this.lateTag = config.lateTag ?? null;
    const functions = windowFunctionsOf<TimeWindow>(extra);
    this.reduceFn = functions.reduceFn;
    this.aggregateFn = functions.aggregateFn;
    this.windowFn = functions.windowFn;
    this.userFunction = functions.userFunction;
    this.slicesState = ctx.keyedStateBackend!.getState(new ValueStateDescriptor<KeySlices>('_slices'));
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
    this.collector = new TimestampedCollector(this.output);
    this.assignerContext = { getCurrentProcessingTime: () => this.ctx.clock.now() };
  }

  override async open(): Promise<void> {
    await super.open();
    this.getRuntimeContext().addAccumulator('numRecordsInNoWindow', this.inNoWindow);
  }

  /** Flink's numLateRecordsDropped: records dropped as too late (not those sent to the late side output). */
  lateRecordsDropped(): number {
    return this.lateDropped.getLocalValue();
  }

  processElement(value: unknown, timestamp: number): void {
    let time: number;
    if (this.eventTime) {
      // The assigner throws its error for a missing or invalid timestamp.
      if (!Number.isFinite(timestamp)) this.assigner.assignWindows(value, timestamp, this.assignerContext);
      time = timestamp;
    } else {
      time = this.ctx.clock.now();
    }
    // The windows of the slice end from firstEnd to lastEnd, every slide. Records mostly fall in
    // the slice of the record before: its bounds are kept, which saves two float modulos (calls
    // to fmod) per record.
    let sliceStart = this.lastSliceStart;
    let firstEnd = this.lastFirstEnd;
    if (!(time >= sliceStart && time < sliceStart + this.sliceSize)) {
      sliceStart = floorTo(time, this.offset, this.sliceSize);
      firstEnd = ceilTo(sliceStart + this.sliceSize, this.endPhase, this.slide);
      this.lastSliceStart = sliceStart;
      this.lastFirstEnd = firstEnd;
    }
    const watermark = this.eventTime ? this.currentWatermark : Number.NEGATIVE_INFINITY;
    if (firstEnd - 1 > watermark && !this.gaps) {
      // The common case: none of the element's windows has fired yet.
      const due =
        firstEnd - 1 > this.processingTimeFired ? firstEnd - 1 : this.dueAfterFiring(sliceStart, firstEnd);
      this.addToSlice(sliceStart, value, due);
      return;
    }
    const lastEnd = floorTo(sliceStart, this.offset, this.slide) + this.size;
    const lateness = this.lateness;
    // The newest window is the last to be cleaned up: when it is, all are (or there is none).
    if (lastEnd < firstEnd || lastEnd - 1 + lateness <= watermark) {
      // In no window (between two windows) and not late itself: dropped as in Flink, but counted.
      if (time + lateness > watermark) this.inNoWindow.add(1);
      else if (this.lateTag !== null) this.output.collectSide(this.lateTag, value, timestamp);
      else this.lateDropped.add(1);
      return;
    }
    if (firstEnd - 1 > watermark) {
      this.addToSlice(sliceStart, value, firstEnd - 1);
      return;
    }
    // Some windows have fired and wait for late elements: the slice is due at the first window end − 1
    // to come, or at the first clean-up of a window that contains it.
    let due = Number.POSITIVE_INFINITY;
    for (let end = lastEnd; end >= firstEnd; end -= this.slide) {
      const maxTimestamp = end - 1;
      if (maxTimestamp + lateness <= watermark) break;
      due = Math.min(due, maxTimestamp > watermark ? maxTimestamp : maxTimestamp + lateness);
    }
    const slices = this.addToSlice(sliceStart, value, due);
    // Fire again every window that already fired, newest first (the general operator's order).
    for (let end = lastEnd; end >= firstEnd; end -= this.slide) {
      const maxTimestamp = end - 1;
      if (maxTimestamp + lateness <= watermark) break;
      if (maxTimestamp <= watermark) this.fire(slices, end - this.size);
    }
  }

  /**
   * Processing time, in the millisecond in which the slice's first window fired (a race with the
   * clock): the element counts in the windows still to fire. The general operator would also fire
   * the fired window again with such elements alone; when no window of the slice is left, that is
   * what happens here too (the slice is new, the only one left in that window).
   */
  private dueAfterFiring(sliceStart: number, firstEnd: number): number {
    const lastEnd = floorTo(sliceStart, this.offset, this.slide) + this.size;
    const next = ceilTo(this.processingTimeFired + 2, this.endPhase, this.slide);
    return next <= lastEnd ? next - 1 : firstEnd - 1;
  }

  /** Adds `value` to the key's slice at `start`; a new slice makes the key's timer `due` at the latest. */
  private addToSlice(start: number, value: unknown, due: number): KeySlices {
    let slices = this.slicesState.value();
    if (slices === undefined) {
      slices = { starts: [], values: [], timer: Number.POSITIVE_INFINITY, windowStates: undefined };
      this.slicesState.update(slices);
    }
    const starts = slices.starts;
    // Elements mostly go to the newest slice: search from the end.
    let i = starts.length - 1;
    while (i >= 0 && starts[i] > start) i--;
    if (i >= 0 && starts[i] === start) {
      const values = slices.values;
      values[i] =
        this.reduceFn !== undefined
          ? this.reduceFn(values[i], value)
          : this.aggregateFn!.add(value, values[i]);
      return slices;
    }
    const first =
      this.reduceFn !== undefined
        ? value
        : this.aggregateFn!.add(value, this.aggregateFn!.createAccumulator());
    if (i === starts.length - 1) {
      starts.push(start);
      slices.values.push(first);
    } else {
      starts.splice(i + 1, 0, start);
      slices.values.splice(i + 1, 0, first);
    }
    if (due < slices.timer) this.setTimer(slices, due);
    return slices;
  }

  /** Moves the key's one pending timer to `time`. */
  private setTimer(slices: KeySlices, time: number): void {
    const previous = slices.timer;
    slices.timer = time;
    if (this.eventTime) {
      if (previous !== Number.POSITIVE_INFINITY) this.timerService.deleteEventTimeTimer(previous);
      this.timerService.registerEventTimeTimer(time);
    } else {
      if (previous !== Number.POSITIVE_INFINITY) this.timerService.deleteProcessingTimeTimer(previous);
      this.timerService.registerProcessingTimeTimer(time);
    }
  }

  onEventTime(_key: Key, time: number): void {
    if (this.eventTime) this.onTimer(time);
  }

  onProcessingTime(_key: Key, time: number): void {
    if (this.eventTime) return;
    if (time > this.processingTimeFired) this.processingTimeFired = time;
    this.onTimer(time);
  }

  /** Fires the window ending at `time` + 1, cleans up the one ending at `time` + 1 − lateness, re-arms. */
  private onTimer(time: number): void {
    const slices = this.slicesState.value();
    if (slices === undefined) return;
    slices.timer = Number.POSITIVE_INFINITY; // this timer is gone
    const size = this.size;
    const fireEnd = time + 1;
    if (this.isWindowEnd(fireEnd)) this.fire(slices, fireEnd - size);
    const cleanEnd = fireEnd - this.lateness;
    if (this.windowFn?.clear !== undefined && this.isWindowEnd(cleanEnd)) {
      const start = cleanEnd - size;
      const i = lowerBound(slices.starts, start);
      if (i < slices.starts.length && slices.starts[i] < cleanEnd) {
        this.setWindow(start);
        this.windowFn.clear(this.windowContext);
      }
    }
    if (slices.windowStates !== undefined) {
      for (const start of slices.windowStates.keys())
        if (start + size <= cleanEnd) slices.windowStates.delete(start);
      if (slices.windowStates.size === 0) slices.windowStates = undefined;
    }
    // Slices whose last window ends at cleanEnd or before are no longer needed.
    const keepFrom = floorTo(cleanEnd - size, this.offset, this.slide) + this.slide;
    const drop = lowerBound(slices.starts, keepFrom);
    if (drop === slices.starts.length) {
      this.slicesState.clear();
      return;
    }
    if (drop > 0) {
      dropFront(slices.starts, drop);
      dropFront(slices.values, drop);
    }
    let next = this.nextEnd(slices, time + 2) - 1;
    if (this.lateness > 0)
      next = Math.min(next, this.nextEnd(slices, time + 2 - this.lateness) - 1 + this.lateness);
    this.setTimer(slices, next);
  }

  /** The first window end >= `from` of a window that holds a slice (Infinity: none). */
  private nextEnd(slices: KeySlices, from: number): number {
    const end = ceilTo(from, this.endPhase, this.slide);
    // Slices before the window ending at `end` belong only to earlier windows; ends grow with starts.
    const i = lowerBound(slices.starts, end - this.size);
    if (i === slices.starts.length) return Number.POSITIVE_INFINITY;
    const start = slices.starts[i];
    return start < end ? end : ceilTo(start + this.sliceSize, this.endPhase, this.slide);
  }

  private isWindowEnd(time: number): boolean {
    return mod(time - this.endPhase, this.slide) === 0;
  }

  /** Emits the window starting at `start` if it holds a slice: the merge of its slices. */
  private fire(slices: KeySlices, start: number): void {
    const end = start + this.size;
    const starts = slices.starts;
    const values = slices.values;
    let i = lowerBound(starts, start);
    if (i === starts.length || starts[i] >= end) return;
    let result: unknown;
    if (this.reduceFn !== undefined) {
      result = values[i];
      for (i++; i < starts.length && starts[i] < end; i++) result = this.reduceFn(result, values[i]);
    } else {
      const agg = this.aggregateFn!;
      if (i + 1 === starts.length || starts[i + 1] >= end) {
        result = agg.getResult(values[i]);
      } else {
        let acc = agg.createAccumulator();
        for (; i < starts.length && starts[i] < end; i++) acc = agg.merge(acc, values[i]);
        result = agg.getResult(acc);
      }
    }
    this.collector.timestamp = end - 1;
    if (this.windowFn === undefined) {
      this.collector.collect(result);
      return;
    }
    this.setWindow(start);
    this.windowFn.process(this.keyed!.getCurrentKey(), this.windowContext, [result], this.collector);
  }

  private windowStart = 0;
  private window: TimeWindow | undefined;

  /** Points the window context at the window starting at `start`. */
  private setWindow(start: number): void {
    this.windowStart = start;
    this.window = undefined;
  }

  private windowStateMap(): Map<string, unknown> {
    const slices = this.slicesState.value()!;
    slices.windowStates ??= new Map();
    let m = slices.windowStates.get(this.windowStart);
    if (m === undefined) slices.windowStates.set(this.windowStart, (m = new Map()));
    return m;
  }

  /** One context for the operator, pointed at the window being emitted or cleared (no per-firing allocation). */
  private readonly windowContext: ProcessWindowContext<TimeWindow> = {
    // The window object is made only when asked for, and kept for the firing.
    window: () => (this.window ??= new TimeWindow(this.windowStart, this.windowStart + this.size)),
    currentProcessingTime: () => this.ctx.clock.now(),
    currentWatermark: () => this.currentWatermark,
    windowState: () => new MapBackedStateStore(this.windowStateMap()),
    // The runtime context is the key's state store (the void namespace).
    globalState: (): KeyedStateStore => this.getRuntimeContext(),
    output: <X>(tag: OutputTag<X>, value: X) =>
      this.output.collectSide(tag.id, value, this.collector.timestamp),
  };
}
