import type { ProcessWindowContext } from '../../api/window-functions.ts';
import { Counter } from '../../core/accumulators.ts';
import type { OutputTag } from '../../core/collector.ts';
import type { Key } from '../../core/key.ts';
import type { InternalValueState } from '../../state/internal-kv-state.ts';
import { VOID_NAMESPACE } from '../../state/internal-kv-state.ts';
import type { KeyedStateStore } from '../../state/keyed-state-store.ts';
import { MapBackedStateStore } from '../../state/map-backed-state-store.ts';
import { ValueStateDescriptor } from '../../state/state-descriptor.ts';
import type { InternalTimerService, Triggerable } from '../../time/timer-service.ts';
import { mod } from '../../time/windows/time-arithmetic.ts';
import { TimeWindow } from '../../time/windows/window.ts';
import type { WindowAssigner, WindowAssignerContext } from '../../time/windows/window-assigner.ts';
import type { WindowAssignerSpec } from '../../time/windows/window-assigner-spec.ts';
import { windowAssignerFromSpec } from '../../time/windows/window-assigner-spec.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import {
  adoptLegacyWindowSlots,
  type LegacySlot,
  type LegacyWindowsTarget,
  legacyDueTime,
  legacyWindowsError,
  rejectSlicedWindows,
  windowText,
} from './legacy-window-slots.ts';
import type { OperatorContext } from './operator-context.ts';
import { TimestampedCollector } from './timestamped-collector.ts';

/**
 * Tumbling and sliding time windows with their default trigger and no evictor: the windows of
 * (nearly) every keyed window job. Every window of such an assigner has the same size and starts at
 * `offset` modulo the slide, so a window is its start, a number; its contents are keyed state in the
 * namespace of that start (internal-kv-state.ts), and its timers are the key's timers at the
 * window's end − 1 and, with allowed lateness, at its clean-up time end − 1 + lateness. A timer's
 * time therefore names its windows: the one that fires at that time and the one cleaned up then.
 * Nothing is kept per key beyond the state values, no window object is made per record, and the
 * timer service holds one entry per key and window time (its buckets are per time).
 *
 * The semantics are those of the general window operator with Flink's EventTimeTrigger (fire when
 * the watermark passes end − 1; an element within the allowed lateness of a fired window fires it
 * again at once) or ProcessingTimeTrigger (fire at end − 1 of the processing-time clock; processing
 * time has no lateness). An element whose windows are all past clean-up is late: late side output,
 * or counted in `numLateRecordsDropped`; one in no window (slide > size) but not late is counted in
 * `numRecordsInNoWindow`. Subclasses keep the contents: one input (list, reduce, aggregate) or two
 * (a window coGroup or join).
 */
export abstract class AlignedTimeWindowOperator extends AbstractStreamOperator implements Triggerable {
  protected readonly assigner: WindowAssigner<unknown, TimeWindow>;
  protected readonly eventTime: boolean;
  protected readonly size: number;
  protected readonly slide: number;
  protected readonly offset: number;
  protected readonly lateness: number;
  private readonly lateTag: string | null;
  protected readonly timerService: InternalTimerService;
  protected readonly collector: TimestampedCollector<unknown>;
  /** numLateRecordsDropped, registered by the base operator. */
  private readonly lateDropped = this.lateRecordsCounter();
  private readonly inNoWindow = new Counter();
  private readonly assignerContext: WindowAssignerContext;
  /** The per-window state of a ProcessWindowFunction (`windowState()`), namespaced by window start. */
  private readonly windowStates: InternalValueState<Map<string, unknown>>;
  /** The last record's newest window start and the time range it is newest for (saves float modulos). */
  private lastStart = Number.NaN;
  private lastFrom = Number.NaN;
  private lastUntil = Number.NaN;

  constructor(
    ctx: OperatorContext,
    assignerSpec: WindowAssignerSpec,
    allowedLateness: number,
    lateTag: string | null,
  ) {
    super(ctx);
    this.assigner = windowAssignerFromSpec(assignerSpec, ctx.functions.extra?.assigner) as WindowAssigner<
      unknown,
      TimeWindow
    >;
    const spec = assignerSpec as { size: number; slide?: number; offset?: number };
    this.eventTime = this.assigner.isEventTime();
    this.size = Number(spec.size);
    this.slide = Number(spec.slide ?? spec.size);
    this.offset = Number(spec.offset ?? 0);
    // Processing time has no lateness: windows are cleaned up when they fire.
    this.lateness = this.eventTime ? allowedLateness : 0;
    this.lateTag = lateTag;
    const backend = ctx.keyedStateBackend!;
    this.windowStates = backend.getState(
      new ValueStateDescriptor<Map<string, unknown>>('_window-state'),
    ) as InternalValueState<Map<string, unknown>>;
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
    this.collector = new TimestampedCollector(this.output);
    this.assignerContext = { getCurrentProcessingTime: () => this.ctx.clock.now() };
  }

  override async open(): Promise<void> {
    await super.open();
    this.getRuntimeContext().addAccumulator('numRecordsInNoWindow', this.inNoWindow);
    if (this.ctx.isRestored) this.adoptLegacyWindows();
  }

  /**
   * A savepoint of the general window operator, which ran these windows before this operator did
   * (legacy-window-slots.ts): each of its windows becomes this operator's (contents in the
   * window's namespace, window state, the timers at end − 1 and at the clean-up time).
   */
  private adoptLegacyWindows(): void {
    const target: LegacyWindowsTarget = { uid: this.uid, kind: this.ctx.spec.kind };
    rejectSlicedWindows(this.ctx.keyedStateBackend!, target);
    adoptLegacyWindowSlots(this.ctx.keyedStateBackend!, this.timerService, target, (slots) => {
      for (const slot of slots) {
        const window = slot.window as TimeWindow;
        const start = window.start;
        if (window.end - start !== this.size || !this.isStart(start)) {
          throw legacyWindowsError(
            target,
            `holds window ${windowText(window)}, which is not one of this operator's windows (size ${this.size}, slide ${this.slide}, offset ${this.offset}): the window assigner changed`,
          );
        }
        const due = legacyDueTime(slot, this.eventTime, this.lateness);
        // A window that fired and that this job keeps no longer (no allowed lateness left).
        if (due === undefined) continue;
        this.enterLegacyWindow();
        this.setWindow(start);
        if (slot.hasContents) this.adoptLegacyContents(slot, target);
        if (slot.windowState !== undefined && slot.windowState.size > 0) {
          this.windowStateUsed = true;
          this.windowStates.setCurrentNamespace(start);
          this.windowStates.update(slot.windowState);
          this.windowStates.setCurrentNamespace(VOID_NAMESPACE);
        }
        const maxTimestamp = start + this.size - 1;
        if (due === maxTimestamp) {
          if (this.eventTime) this.timerService.registerEventTimeTimer(maxTimestamp);
          else this.timerService.registerProcessingTimeTimer(maxTimestamp);
        }
        if (this.lateness > 0) this.timerService.registerEventTimeTimer(maxTimestamp + this.lateness);
      }
    });
  }

  /** Called before a restored window of the general operator is adopted, with its key current. */
  protected enterLegacyWindow(): void {}

  /** Writes a restored window's contents (the current window, set by `setWindow`). */
  protected abstract adoptLegacyContents(slot: LegacySlot, target: LegacyWindowsTarget): void;

  /** Flink's numLateRecordsDropped: records dropped as too late (not those sent to the late side output). */
  lateRecordsDropped(): number {
    return this.lateDropped.getLocalValue();
  }

  /** Points the contents state(s) at the window starting at `start`. */
  protected abstract setWindow(start: number): void;
  /** Adds `value` of input `input` (1 or 2) to the current window's contents. */
  protected abstract add(value: unknown, input: number): void;
  /** Emits the current window's contents (nothing when it has none). */
  protected abstract emit(start: number): void;
  /** Whether the current window holds contents. */
  protected abstract hasContents(): boolean;
  /** Drops the current window's contents. */
  protected abstract clearContents(): void;

  /** Puts an element of input `input` into its windows (the record path). */
  protected addElement(value: unknown, timestamp: number, input: number): void {
    let time: number;
    if (this.eventTime) {
      // The assigner throws its error for a missing or invalid timestamp.
      if (!Number.isFinite(timestamp)) this.assigner.assignWindows(value, timestamp, this.assignerContext);
      time = timestamp;
    } else {
      time = this.ctx.clock.now();
    }
    let start = this.lastStart;
    if (!(time >= this.lastFrom && time < this.lastUntil)) {
      start = time - mod(time - this.offset, this.slide);
      this.lastStart = start;
      this.lastFrom = start;
      this.lastUntil = start + this.slide;
    }
    const watermark = this.eventTime ? this.currentWatermark : Number.NEGATIVE_INFINITY;
    const lateness = this.lateness;
    const size = this.size;
    let taken = false;
    // Newest window first, as the assigners list them.
    for (; start > time - size; start -= this.slide) {
      const maxTimestamp = start + size - 1;
      if (maxTimestamp + lateness <= watermark) continue; // this window is gone
      taken = true;
      this.setWindow(start);
      this.add(value, input);
      if (maxTimestamp <= watermark) {
        // Within the allowed lateness of a fired window: it fires again now (EventTimeTrigger).
        this.emit(start);
      } else if (this.eventTime) {
        this.timerService.registerEventTimeTimer(maxTimestamp);
      } else {
        this.timerService.registerProcessingTimeTimer(maxTimestamp);
      }
      if (lateness > 0) this.timerService.registerEventTimeTimer(maxTimestamp + lateness);
    }
    if (taken) return;
    if (this.eventTime && time + lateness <= watermark) {
      if (this.lateTag !== null) this.output.collectSide(this.lateTag, value, timestamp);
      else this.lateDropped.add(1);
    } else {
      // In no window (slide > size) and not late itself: dropped as in Flink, but counted.
      this.inNoWindow.add(1);
    }
  }

  onEventTime(_key: Key, time: number): void {
    if (this.eventTime) this.onTimer(time);
  }

  onProcessingTime(_key: Key, time: number): void {
    if (!this.eventTime) this.onTimer(time);
  }

  /** Fires the window whose end − 1 is `time`, then cleans up the one whose clean-up time it is. */
  private onTimer(time: number): void {
    const fireStart = time + 1 - this.size;
    if (this.isStart(fireStart)) {
      this.setWindow(fireStart);
      if (this.hasContents()) this.emit(fireStart);
    }
    const cleanStart = fireStart - this.lateness;
    if (this.isStart(cleanStart)) {
      this.setWindow(cleanStart);
      this.clearWindow(cleanStart);
    }
  }

  protected isStart(start: number): boolean {
    return mod(start - this.offset, this.slide) === 0;
  }

  /** All state of the current window goes: contents, and the window function's window state. */
  private clearWindow(start: number): void {
    const clear = this.windowFunctionClear;
    if (clear !== undefined && this.hasContents()) {
      this.windowStart = start;
      this.window = undefined;
      clear(this.windowContext);
      this.flushWindowState();
    }
    this.clearContents();
    if (this.windowStateUsed) {
      this.windowStates.setCurrentNamespace(start);
      this.windowStates.clear();
      this.windowStates.setCurrentNamespace(VOID_NAMESPACE);
    }
  }

  /** The window function's `clear`, if it has one: called before a window's state goes. */
  protected windowFunctionClear: ((ctx: ProcessWindowContext<TimeWindow>) => void) | undefined;

  // ---- the window function's context, one object pointed at the window being emitted ----------

  private windowStart = 0;
  private window: TimeWindow | undefined;
  /** Whether any window function asked for `windowState()` (then clean-up clears it). */
  private windowStateUsed = false;

  /** The context for the window starting at `start` (the same object each time). */
  protected contextFor(start: number): ProcessWindowContext<TimeWindow> {
    this.windowStart = start;
    this.window = undefined;
    return this.windowContext;
  }

  private windowStateStore(): KeyedStateStore {
    this.windowStateUsed = true;
    const states = this.windowStates;
    states.setCurrentNamespace(this.windowStart);
    let map = states.value();
    if (map === undefined) {
      map = new Map();
      states.update(map);
    }
    states.setCurrentNamespace(VOID_NAMESPACE);
    this.touchedWindowState = map;
    return new MapBackedStateStore(map);
  }

  /** The window state handed to the window function in this call, written back after it. */
  private touchedWindowState: Map<string, unknown> | undefined;

  /**
   * Writes back the window state the window function used (a backend that keeps values off the
   * heap does not see changes made to a value it handed out). Call after each window function call.
   */
  protected flushWindowState(): void {
    const map = this.touchedWindowState;
    if (map === undefined) return;
    this.touchedWindowState = undefined;
    const states = this.windowStates;
    states.setCurrentNamespace(this.windowStart);
    if (map.size === 0) states.clear();
    else states.update(map);
    states.setCurrentNamespace(VOID_NAMESPACE);
  }

  private readonly windowContext: ProcessWindowContext<TimeWindow> = {
    // The window object is made only when asked for, and kept for the firing.
    window: () => (this.window ??= new TimeWindow(this.windowStart, this.windowStart + this.size)),
    currentProcessingTime: () => this.ctx.clock.now(),
    currentWatermark: () => this.currentWatermark,
    windowState: () => this.windowStateStore(),
    // The runtime context is the key's state store (the void namespace).
    globalState: (): KeyedStateStore => this.getRuntimeContext(),
    output: <X>(tag: OutputTag<X>, value: X) =>
      this.output.collectSide(tag.id, value, this.collector.timestamp),
  };
}
