import type { ProcessWindowContext, ProcessWindowFunctionObject } from '../../api/window-functions.ts';
import { Counter } from '../../core/accumulators.ts';
import type { OutputTag } from '../../core/collector.ts';
import type { Key } from '../../core/key.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import { operatorConfig, type WindowContents } from '../../graph/operator-spec.ts';
import type { KeyedStateStore } from '../../state/keyed-state-store.ts';
import { MapBackedStateStore } from '../../state/map-backed-state-store.ts';
import type { AggregateFunction, ValueState } from '../../state/state.ts';
import { ValueStateDescriptor } from '../../state/state-descriptor.ts';
import type { InternalTimerService, Triggerable } from '../../time/timer-service.ts';
import { EventTimeSessionWindows } from '../../time/windows/event-time-session-windows.ts';
import type { Evictor, TimestampedValue } from '../../time/windows/evictor.ts';
import { evictorFromSpec } from '../../time/windows/evictor-spec.ts';
import { ProcessingTimeSessionWindows } from '../../time/windows/processing-time-session-windows.ts';
import type { OnMergeContext, Trigger, TriggerContext, TriggerResult } from '../../time/windows/trigger.ts';
import { triggerFromSpec } from '../../time/windows/trigger-spec.ts';
import { TimeWindow, type Window } from '../../time/windows/window.ts';
import type { WindowAssigner } from '../../time/windows/window-assigner.ts';
import { windowAssignerFromSpec } from '../../time/windows/window-assigner-spec.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import { type MergeFunction, MergingWindowSet, sameWindow } from './merging-window-set.ts';
import type { OperatorContext } from './operator-context.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { windowFunctionsOf } from './window-functions-of.ts';

/**
 * Windows on a keyed stream. Each element goes to the windows its assigner gives (merging session
 * windows as they grow); each window keeps either all its elements, or one pre-aggregated value
 * (reduce, aggregate), and its trigger's state. The trigger decides when the window fires and
 * purges; a window is dropped for good once time passes its end plus the allowed lateness. An element
 * that no window takes (every window of it is past that point, or it has none) is dropped: if it is
 * late itself (event time, timestamp + allowed lateness <= watermark) it goes to the late-data side
 * output or is counted in the `numLateRecordsDropped` accumulator; otherwise (a record between two
 * sliding windows whose slide exceeds their size) it is counted in `numRecordsInNoWindow`, as Flink
 * drops it too — never dropped silently.
 *
 * State layout: one keyed ValueState holding, per key, the key's window slots (contents, trigger
 * state, window state, the timers it registered): a Map from window identity to slot, or, under a
 * merging assigner, the key's {@link MergingWindowSet} entries (an array, sorted by start for
 * sessions). A merge keeps the earliest merged slot as the merge result's (Flink's state window)
 * and merges the others into it. Timers go through the keyed timer service (per key and time); the
 * slots say which windows asked for which time.
 */
export type { WindowContents };

interface Slot<W extends Window> {
  window: W;
  /** Key of the slot in the key's window map. */
  key: string | number;
  /** Elements (list), the reduced value, or the accumulator. */
  contents: unknown;
  hasContents: boolean;
  /** The trigger's state for this window; created when the trigger first writes some. */
  triggerState: Map<string, unknown> | undefined;
  /** State of the ProcessWindowFunction for this window; created when first used. */
  windowState: Map<string, unknown> | undefined;
  eventTimers: Set<number>;
  processingTimers: Set<number>;
}

/** The slots of a key: by window identity, or the merging set's entries. */
type KeySlots<W extends Window> = Map<string | number, Slot<W>> | Slot<W>[];

export class WindowOperator<W extends Window>
  extends AbstractStreamOperator
  implements Triggerable, MergeFunction<W, Slot<W>>
{
  private readonly assigner: WindowAssigner<unknown, W>;
  private readonly trigger: Trigger<unknown, W>;
  private readonly evictor: Evictor<unknown, W> | undefined;
  private readonly contentsKind: WindowContents;
  private readonly reduceFn: ((a: unknown, b: unknown) => unknown) | undefined;
  private readonly aggregateFn: AggregateFunction<unknown, unknown, unknown> | undefined;
  private readonly windowFn: ProcessWindowFunctionObject<unknown, unknown, Key, W> | undefined;
  private readonly allowedLateness: number;
  private readonly lateTag: string | null;
  private readonly slotsState: ValueState<KeySlots<W>>;
  private readonly timerService: InternalTimerService;
  private readonly collector: TimestampedCollector<unknown>;
  /** numLateRecordsDropped, registered by the base operator. */
  private readonly lateDropped = this.lateRecordsCounter();
  private readonly inNoWindow = new Counter();
  private readonly merging: boolean;
  private readonly mergingSet: MergingWindowSet<W, Slot<W>> | undefined;
  /**
   * During a merge, the merge result slot's previous window with the trigger state and timers it had
   * (the trigger clears them as a merged window's); reused for every merge.
   */
  private readonly retired: Slot<W> = newSlot(undefined as unknown as W, 0);
  private mergeTarget: Slot<W> | undefined;
  private readonly mergeSources: Slot<W>[] = [];
  /** Time windows stored under their full identity (their start was taken): rare. */
  private fullKeys = 0;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const extra = ctx.functions.extra ?? {};
    const config = operatorConfig(ctx.spec, 'window');
    // Built from the plan's specs; the job module's objects where the plan says custom.
    this.assigner = windowAssignerFromSpec(config.assigner, extra.assigner) as WindowAssigner<unknown, W>;
    this.trigger = (
      extra.trigger !== undefined || (config.trigger ?? null) !== null
        ? triggerFromSpec(config.trigger ?? { kind: 'custom' }, extra.trigger)
        : this.assigner.getDefaultTrigger()
    ) as Trigger<unknown, W>;
    this.evictor = (
      extra.evictor !== undefined || (config.evictor ?? null) !== null
        ? evictorFromSpec(config.evictor ?? { kind: 'custom' }, extra.evictor)
        : undefined
    ) as Evictor<unknown, W> | undefined;
    this.contentsKind = config.contents ?? 'list';
    const functions = windowFunctionsOf<W>(extra);
    this.reduceFn = functions.reduceFn;
    this.aggregateFn = functions.aggregateFn;
    this.windowFn = functions.windowFn;
    this.userFunction = functions.userFunction;
    this.allowedLateness = Number(config.allowedLateness ?? 0);
    this.lateTag = config.lateTag ?? null;
    this.merging = typeof this.assigner.mergeWindows === 'function';
    // The built-in session assigners merge exactly the windows that intersect (merge-time-windows.ts).
    const session =
      this.assigner instanceof EventTimeSessionWindows ||
      this.assigner instanceof ProcessingTimeSessionWindows;
    this.mergingSet = this.merging ? new MergingWindowSet(this.assigner, session) : undefined;
    this.slotsState = ctx.keyedStateBackend!.getState(new ValueStateDescriptor<KeySlots<W>>('_windows'));
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
    this.collector = new TimestampedCollector(this.output);
  }

  override async open(): Promise<void> {
    await super.open();
    this.getRuntimeContext().addAccumulator('numRecordsInNoWindow', this.inNoWindow);
  }

  /** Flink's numLateRecordsDropped: records dropped as too late (not those sent to the late side output). */
  lateRecordsDropped(): number {
    return this.lateDropped.getLocalValue();
  }

  private slots(): Map<string | number, Slot<W>> {
    let m = this.slotsState.value() as Map<string | number, Slot<W>> | undefined;
    if (m === undefined) {
      m = new Map();
      this.slotsState.update(m);
    }
    return m;
  }

  /** The key's merging set entries (created when missing). */
  private mergingSlots(): Slot<W>[] {
    let m = this.slotsState.value();
    if (m === undefined) {
      m = [];
      this.slotsState.update(m);
    } else if (m instanceof Map) {
      // State from before the merging set (a Map by window identity): its slots, sorted by start.
      m = [...m.values()].sort((a, b) => startOf(a.window) - startOf(b.window));
      this.slotsState.update(m);
    }
    return m;
  }

  private isLate(window: W): boolean {
    return this.assigner.isEventTime() && this.cleanupTime(window) <= this.currentWatermark;
  }

  /** An element is late when its own time is past the allowed lateness (event time only). */
  private isElementLate(timestamp: number): boolean {
    return this.assigner.isEventTime() && timestamp + this.allowedLateness <= this.currentWatermark;
  }

  private cleanupTime(window: W): number {
    const max = window.maxTimestamp();
    return this.assigner.isEventTime() ? max + this.allowedLateness : max;
  }

  private readonly assignerContext = { getCurrentProcessingTime: () => this.ctx.clock.now() };

  processElement(value: unknown, timestamp: number): void {
    const windows = this.assigner.assignWindows(value, timestamp, this.assignerContext);
    if (this.mergingSet !== undefined) {
      this.processMerging(value, timestamp, windows, this.mergingSet);
      return;
    }
    const slots = this.slots();
    let skipped = true;
    for (const window of windows) {
      if (this.isLate(window)) continue;
      skipped = false;
      const slot = this.slotFor(slots, window);
      this.onElement(slot, value, timestamp);
    }
    if (skipped) this.dropSkipped(value, timestamp);
    if (slots.size === 0) this.slotsState.clear();
  }

  private onElement(slot: Slot<W>, value: unknown, timestamp: number): void {
    this.add(slot, value, timestamp);
    const result = this.trigger.onElement(value, timestamp, slot.window, this.triggerContext(slot));
    this.adoptTriggerState();
    this.apply(result, slot);
    this.registerCleanup(slot);
  }

  private processMerging(
    value: unknown,
    timestamp: number,
    windows: W[],
    set: MergingWindowSet<W, Slot<W>>,
  ): void {
    const slots = this.mergingSlots();
    let skipped = true;
    for (const assigned of windows) {
      // Lateness is that of the window the element ends up in (Flink's order: merge, then check),
      // so a late element that joins a session still kept extends it.
      const slot = set.addWindow(slots, assigned, this);
      if (this.isLate(slot.window)) {
        // Only a new window standing alone can be late here (kept windows are not): Flink retires it.
        this.dropTimers(slot);
        set.remove(slots, slot);
        continue;
      }
      skipped = false;
      this.onElement(slot, value, timestamp);
    }
    if (skipped) this.dropSkipped(value, timestamp);
    if (slots.length === 0) this.slotsState.clear();
  }

  /** A slot for a window that merged with nothing (MergeFunction). */
  createEntry(window: W): Slot<W> {
    return newSlot(window, 0);
  }

  /**
   * Flink's merge function: the trigger merges its state into the merge result (onMerge), then the
   * merged windows' trigger state and timers go, and their contents and window state join the
   * target's. `target` already holds the merge result; `previous` was its window.
   */
  merge(mergeResult: W, target: Slot<W>, previous: W, merged: readonly Slot<W>[]): void {
    for (const source of merged) {
      this.mergeContents(target, source);
      if (source.windowState) {
        target.windowState ??= new Map();
        for (const [name, v] of source.windowState)
          if (!target.windowState.has(name)) target.windowState.set(name, v);
      }
    }
    // The target's previous window is one of the merged windows: its trigger state and timers move
    // to the reused `retired` slot, so the merge result starts with none (as a new window in Flink).
    const old = this.retired;
    old.window = previous;
    old.triggerState = target.triggerState;
    target.triggerState = undefined;
    const eventTimers = old.eventTimers;
    old.eventTimers = target.eventTimers;
    target.eventTimers = eventTimers;
    const processingTimers = old.processingTimers;
    old.processingTimers = target.processingTimers;
    target.processingTimers = processingTimers;
    const sources = this.mergeSources;
    sources.push(old);
    for (const source of merged) sources.push(source);
    this.mergeTarget = target;
    if (this.trigger.onMerge) {
      this.triggerContext(target);
      this.trigger.onMerge(mergeResult, this.reusableMergeContext);
      this.adoptTriggerState();
    }
    for (const source of sources) {
      this.trigger.clear(source.window, this.triggerContext(source));
      this.adoptTriggerState();
      this.dropTimers(source);
    }
    sources.length = 0;
    this.mergeTarget = undefined;
    old.triggerState = undefined;
    old.windowState = undefined;
    this.registerCleanup(target);
  }

  /** An element no window took: late (side output or counted) or in no window (counted). */
  private dropSkipped(value: unknown, timestamp: number): void {
    if (this.isElementLate(timestamp)) {
      if (this.lateTag !== null) this.output.collectSide(this.lateTag, value, timestamp);
      else this.lateDropped.add(1);
    } else {
      // In no window, and not late (sliding windows with gaps): dropped as in Flink, but counted.
      this.inNoWindow.add(1);
    }
  }

  /** The slot of `window`, created when missing. */
  private slotFor(slots: Map<string | number, Slot<W>>, window: W): Slot<W> {
    // Time windows are found by their start: numbers hash far faster than strings, and windows of
    // one key rarely share a start.
    let k: string | number = window instanceof TimeWindow ? window.start : window.key();
    let slot = slots.get(k);
    if (slot !== undefined && !sameWindow(slot.window, window)) {
      // Another window has this key (the same start, another end): use the full identity.
      const full = window.key();
      slot = slots.get(full);
      k = full;
    } else if (slot === undefined && typeof k === 'number' && this.fullKeys > 0) {
      // The window may live under its full identity, from a time the short key was taken.
      const full = window.key();
      const other = slots.get(full);
      if (other !== undefined) {
        slot = other;
        k = full;
      }
    }
    if (!slot) {
      if (typeof k === 'string' && window instanceof TimeWindow) this.fullKeys++;
      slot = newSlot(window, k);
      slots.set(k, slot);
    }
    return slot;
  }

  private add(slot: Slot<W>, value: unknown, timestamp: number): void {
    switch (this.contentsKind) {
      case 'list':
        if (!slot.hasContents) slot.contents = [];
        (slot.contents as TimestampedValue<unknown>[]).push({
          value,
          timestamp: timestamp === NO_TIMESTAMP ? undefined : timestamp,
        });
        break;
      case 'reduce':
        slot.contents = slot.hasContents ? this.reduceFn!(slot.contents, value) : value;
        break;
      case 'aggregate': {
        const agg = this.aggregateFn!;
        slot.contents = agg.add(value, slot.hasContents ? slot.contents : agg.createAccumulator());
        break;
      }
    }
    slot.hasContents = true;
  }

  private deleteSlot(slots: KeySlots<W>, slot: Slot<W>): void {
    if (Array.isArray(slots)) {
      this.mergingSet!.remove(slots, slot);
      return;
    }
    if (typeof slot.key === 'string' && slot.window instanceof TimeWindow) this.fullKeys--;
    slots.delete(slot.key);
  }

  private mergeContents(target: Slot<W>, source: Slot<W>): void {
    if (!source.hasContents) return;
    if (!target.hasContents) {
      target.contents = source.contents;
      target.hasContents = true;
      return;
    }
    switch (this.contentsKind) {
      case 'list':
        (target.contents as unknown[]).push(...(source.contents as unknown[]));
        break;
      case 'reduce':
        target.contents = this.reduceFn!(target.contents, source.contents);
        break;
      case 'aggregate':
        target.contents = this.aggregateFn!.merge(target.contents, source.contents);
        break;
    }
  }

  private apply(result: TriggerResult, slot: Slot<W>): void {
    if (result === 'FIRE' || result === 'FIRE_AND_PURGE') this.emit(slot);
    if (result === 'PURGE' || result === 'FIRE_AND_PURGE') {
      slot.contents = undefined;
      slot.hasContents = false;
    }
  }

  private emit(slot: Slot<W>): void {
    if (!slot.hasContents) return;
    const window = slot.window;
    this.collector.timestamp = window.maxTimestamp();
    let elements: Iterable<unknown>;
    switch (this.contentsKind) {
      case 'list': {
        const list = slot.contents as TimestampedValue<unknown>[];
        const evictCtx = {
          getCurrentProcessingTime: () => this.ctx.clock.now(),
          getCurrentWatermark: () => this.currentWatermark,
        };
        this.evictor?.evictBefore(list, list.length, window, evictCtx);
        elements = list.map((e) => e.value);
        this.callWindowFunction(slot, elements);
        this.evictor?.evictAfter(list, list.length, window, evictCtx);
        if (list.length === 0) {
          slot.contents = undefined;
          slot.hasContents = false;
        }
        return;
      }
      case 'reduce':
        elements = [slot.contents];
        break;
      case 'aggregate':
        elements = [this.aggregateFn!.getResult(slot.contents)];
        break;
    }
    this.callWindowFunction(slot, elements);
  }

  private callWindowFunction(slot: Slot<W>, elements: Iterable<unknown>): void {
    if (!this.windowFn) {
      for (const e of elements) this.collector.collect(e);
      return;
    }
    const key = this.keyed!.getCurrentKey();
    this.windowFn.process(key, this.windowContext(slot), elements, this.collector);
  }

  private windowContext(slot: Slot<W>): ProcessWindowContext<W> {
    const runtime = this.getRuntimeContext();
    return {
      window: () => slot.window,
      currentProcessingTime: () => this.ctx.clock.now(),
      currentWatermark: () => this.currentWatermark,
      windowState: () => new MapBackedStateStore((slot.windowState ??= new Map())),
      // The runtime context is the key's state store (the void namespace).
      globalState: (): KeyedStateStore => runtime,
      output: <X>(tag: OutputTag<X>, value: X) =>
        this.output.collectSide(tag.id, value, this.collector.timestamp),
    };
  }

  /**
   * The trigger context, one object for the operator: it acts on the slot set just before each
   * trigger call, so that no context is allocated per element.
   */
  private triggerContext(slot: Slot<W>): TriggerContext {
    this.contextSlot = slot;
    if (slot.triggerState) this.contextStore.values = slot.triggerState;
    else {
      // Most triggers keep no state: they get a scratch map, adopted by the slot if they write to it.
      if (this.scratch.size > 0) this.scratch = new Map();
      this.contextStore.values = this.scratch;
      this.scratchSlot = slot;
    }
    return this.reusableContext;
  }

  private contextSlot: Slot<W> | undefined;
  private scratch = new Map<string, unknown>();
  private scratchSlot: Slot<W> | undefined;

  /** Called after each trigger call: a slot keeps the state its trigger wrote. */
  private adoptTriggerState(): void {
    const slot = this.scratchSlot;
    if (slot !== undefined && this.scratch.size > 0 && slot.triggerState === undefined) {
      slot.triggerState = this.scratch;
      this.scratch = new Map();
    }
    this.scratchSlot = undefined;
  }
  private readonly contextStore = new MapBackedStateStore();
  private readonly reusableContext: TriggerContext = {
    getCurrentProcessingTime: () => this.ctx.clock.now(),
    getCurrentWatermark: () => this.currentWatermark,
    registerEventTimeTimer: (time: number) => {
      const timers = this.contextSlot!.eventTimers;
      // Triggers register the same time for every element: only the first one costs.
      if (timers.has(time)) return;
      timers.add(time);
      this.timerService.registerEventTimeTimer(time);
    },
    registerProcessingTimeTimer: (time: number) => {
      const slot = this.contextSlot!;
      if (slot.processingTimers.has(time)) return;
      if (slot.processingTimers === NO_TIMERS) slot.processingTimers = new Set();
      slot.processingTimers.add(time);
      this.timerService.registerProcessingTimeTimer(time);
    },
    deleteEventTimeTimer: (time: number) => {
      this.contextSlot!.eventTimers.delete(time);
      if (!this.anySlotHas(time, 'event')) this.timerService.deleteEventTimeTimer(time);
    },
    deleteProcessingTimeTimer: (time: number) => {
      this.contextSlot!.processingTimers.delete(time);
      if (!this.anySlotHas(time, 'processing')) this.timerService.deleteProcessingTimeTimer(time);
    },
    // One implementation for both overloads of getPartitionedState.
    getPartitionedState: ((d: { kind: string }) =>
      d.kind === 'reducing'
        ? this.contextStore.getReducingState(d as never)
        : this.contextStore.getState(d as never)) as TriggerContext['getPartitionedState'],
  };

  /** The context of onMerge: the trigger context, plus merging of the merged windows' state. */
  private readonly reusableMergeContext: OnMergeContext = {
    ...this.reusableContext,
    mergePartitionedState: (d) => {
      const target = this.mergeTarget!;
      this.adoptTriggerState();
      target.triggerState ??= new Map();
      // The trigger reads the merged state through its context from now on.
      this.contextStore.values = target.triggerState;
      const into = new MapBackedStateStore(target.triggerState).getReducingState(d);
      for (const s of this.mergeSources) {
        if (s === target || !s.triggerState) continue;
        const v = new MapBackedStateStore(s.triggerState).getReducingState(d).get();
        if (v !== undefined) into.add(v);
      }
    },
  } as OnMergeContext;

  private anySlotHas(time: number, domain: 'event' | 'processing'): boolean {
    const slots = this.slotsState.value() as KeySlots<W> | undefined;
    if (!slots) return false;
    for (const s of slots.values()) {
      if ((domain === 'event' ? s.eventTimers : s.processingTimers).has(time)) return true;
    }
    return false;
  }

  private registerCleanup(slot: Slot<W>): void {
    const time = this.cleanupTime(slot.window);
    if (time >= Number.MAX_SAFE_INTEGER) return; // global windows live forever
    if (this.assigner.isEventTime()) {
      if (slot.eventTimers.has(time)) return;
      slot.eventTimers.add(time);
      this.timerService.registerEventTimeTimer(time);
    } else {
      if (slot.processingTimers.has(time)) return;
      if (slot.processingTimers === NO_TIMERS) slot.processingTimers = new Set();
      slot.processingTimers.add(time);
      this.timerService.registerProcessingTimeTimer(time);
    }
  }

  private dropTimers(slot: Slot<W>): void {
    const slots = this.slotsState.value() as KeySlots<W> | undefined;
    for (const t of slot.eventTimers) {
      slot.eventTimers.delete(t);
      let used = false;
      if (slots) for (const s of slots.values()) if (s !== slot && s.eventTimers.has(t)) used = true;
      if (!used) this.timerService.deleteEventTimeTimer(t);
    }
    for (const t of slot.processingTimers) {
      slot.processingTimers.delete(t);
      let used = false;
      if (slots) for (const s of slots.values()) if (s !== slot && s.processingTimers.has(t)) used = true;
      if (!used) this.timerService.deleteProcessingTimeTimer(t);
    }
  }

  onEventTime(_key: Key, time: number): void {
    this.onTimer(time, 'event');
  }

  onProcessingTime(_key: Key, time: number): void {
    this.onTimer(time, 'processing');
  }

  private onTimer(time: number, domain: 'event' | 'processing'): void {
    if (this.slotsState.value() === undefined) return;
    const slots = this.mergingSet !== undefined ? this.mergingSlots() : this.slots();
    if (Array.isArray(slots)) {
      // Timers do not merge windows: the array changes only by the removal of the slot at i.
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i];
        this.onSlotTimer(slot, time, domain, slots);
        if (slots[i] !== slot) i--;
      }
      if (slots.length === 0) this.slotsState.clear();
      return;
    }
    // Deleting the current entry while iterating a Map is safe; entries added meanwhile are visited too.
    for (const slot of slots.values()) this.onSlotTimer(slot, time, domain, slots);
    if (slots.size === 0) this.slotsState.clear();
  }

  private onSlotTimer(slot: Slot<W>, time: number, domain: 'event' | 'processing', slots: KeySlots<W>): void {
    const set = domain === 'event' ? slot.eventTimers : slot.processingTimers;
    if (!set.has(time)) return;
    set.delete(time);
    const ctx = this.triggerContext(slot);
    const result =
      domain === 'event'
        ? this.trigger.onEventTime(time, slot.window, ctx)
        : this.trigger.onProcessingTime(time, slot.window, ctx);
    this.adoptTriggerState();
    this.apply(result, slot);
    const eventTimeCleanup = this.assigner.isEventTime() && domain === 'event';
    const processingCleanup = !this.assigner.isEventTime() && domain === 'processing';
    if ((eventTimeCleanup || processingCleanup) && time === this.cleanupTime(slot.window))
      this.clearWindow(slot, slots);
  }

  private clearWindow(slot: Slot<W>, slots: KeySlots<W>): void {
    this.trigger.clear(slot.window, this.triggerContext(slot));
    this.adoptTriggerState();
    if (this.windowFn?.clear) this.windowFn.clear(this.windowContext(slot));
    this.dropTimers(slot);
    this.deleteSlot(slots, slot);
  }
}

function newSlot<W extends Window>(window: W, key: string | number): Slot<W> {
  return {
    window,
    key,
    contents: undefined,
    hasContents: false,
    triggerState: undefined,
    windowState: undefined,
    eventTimers: new Set(),
    processingTimers: NO_TIMERS,
  };
}

/** Sort order of a merging set's windows restored from the older Map layout. */
function startOf(window: Window): number {
  return window instanceof TimeWindow ? window.start : 0;
}

/** The processing-time timers of a slot that has none (shared, never written). */
const NO_TIMERS: Set<number> = new Set();
