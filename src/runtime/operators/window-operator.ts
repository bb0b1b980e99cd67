import type { RichFunction } from '../../api/functions.ts';
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
import type { Evictor, TimestampedValue } from '../../time/windows/evictor.ts';
import { evictorFromSpec } from '../../time/windows/evictor-spec.ts';
import type { OnMergeContext, Trigger, TriggerContext, TriggerResult } from '../../time/windows/trigger.ts';
import { triggerFromSpec } from '../../time/windows/trigger-spec.ts';
import { TimeWindow, type Window } from '../../time/windows/window.ts';
import type { WindowAssigner } from '../../time/windows/window-assigner.ts';
import { windowAssignerFromSpec } from '../../time/windows/window-assigner-spec.ts';
import { windowFunctionInstance } from '../task/function-instance.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';
import { TimestampedCollector } from './timestamped-collector.ts';

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
 * State layout: one keyed ValueState holding, per key, a Map from window identity to the window's
 * slot (contents, trigger state, window state, the timers it registered). Timers go through the
 * keyed timer service (per key and time); the slots say which windows asked for which time.
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

export class WindowOperator<W extends Window> extends AbstractStreamOperator implements Triggerable {
  private readonly assigner: WindowAssigner<unknown, W>;
  private readonly trigger: Trigger<unknown, W>;
  private readonly evictor: Evictor<unknown, W> | undefined;
  private readonly contentsKind: WindowContents;
  private readonly reduceFn: ((a: unknown, b: unknown) => unknown) | undefined;
  private readonly aggregateFn: AggregateFunction<unknown, unknown, unknown> | undefined;
  private readonly windowFn: ProcessWindowFunctionObject<unknown, unknown, Key, W> | undefined;
  private readonly allowedLateness: number;
  private readonly lateTag: string | null;
  private readonly slotsState: ValueState<Map<string | number, Slot<W>>>;
  private readonly timerService: InternalTimerService;
  private readonly collector: TimestampedCollector<unknown>;
  private readonly lateDropped = new Counter();
  private readonly inNoWindow = new Counter();
  private readonly merging: boolean;
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
    const reduce = extra.reduce as
      | ((a: unknown, b: unknown) => unknown)
      | { reduce(a: unknown, b: unknown): unknown }
      | undefined;
    this.reduceFn =
      reduce === undefined
        ? undefined
        : typeof reduce === 'function'
          ? reduce
          : (a, b) => reduce.reduce(a, b);
    this.aggregateFn = extra.aggregate as AggregateFunction<unknown, unknown, unknown> | undefined;
    // Each subtask gets its own instance of the window function, as of any user function.
    this.windowFn =
      extra.windowFunction === undefined ? undefined : windowFunctionInstance(extra.windowFunction);
    this.userFunction = (this.windowFn ?? (typeof reduce === 'object' ? reduce : undefined)) as
      | RichFunction
      | undefined;
    this.allowedLateness = Number(config.allowedLateness ?? 0);
    this.lateTag = config.lateTag ?? null;
    this.merging = typeof this.assigner.mergeWindows === 'function';
    this.slotsState = ctx.keyedStateBackend!.getState(
      new ValueStateDescriptor<Map<string | number, Slot<W>>>('_windows'),
    );
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
    this.collector = new TimestampedCollector(this.output);
  }

  override async open(): Promise<void> {
    await super.open();
    this.getRuntimeContext().addAccumulator('numLateRecordsDropped', this.lateDropped);
    this.getRuntimeContext().addAccumulator('numRecordsInNoWindow', this.inNoWindow);
  }

  /** Flink's numLateRecordsDropped: records dropped as too late (not those sent to the late side output). */
  lateRecordsDropped(): number {
    return this.lateDropped.getLocalValue();
  }

  private slots(): Map<string | number, Slot<W>> {
    let m = this.slotsState.value();
    if (m === undefined) {
      m = new Map();
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

  processElement(value: unknown, timestamp: number): void {
    const windows = this.assigner.assignWindows(value, timestamp, {
      getCurrentProcessingTime: () => this.ctx.clock.now(),
    });
    const slots = this.slots();
    let skipped = true;
    for (const assigned of windows) {
      // With merging windows, lateness is that of the window the element ends up in (Flink's
      // order: merge, then check), so a late element that joins a session still kept extends it.
      const window = this.merging ? this.mergeInto(slots, assigned) : assigned;
      if (this.isLate(window)) continue;
      skipped = false;
      const slot = this.slotFor(slots, window);
      this.add(slot, value, timestamp);
      const result = this.trigger.onElement(value, timestamp, window, this.triggerContext(slot));
      this.adoptTriggerState();
      this.apply(result, slot);
      this.registerCleanup(slot);
    }
    if (skipped) {
      if (this.isElementLate(timestamp)) {
        if (this.lateTag !== null) this.output.collectSide(this.lateTag, value, timestamp);
        else this.lateDropped.add(1);
      } else {
        // In no window, and not late (sliding windows with gaps): dropped as in Flink, but counted.
        this.inNoWindow.add(1);
      }
    }
    if (slots.size === 0) this.slotsState.clear();
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
      slot = {
        window,
        key: k,
        contents: undefined,
        hasContents: false,
        triggerState: undefined,
        windowState: undefined,
        eventTimers: new Set(),
        processingTimers: NO_TIMERS,
      };
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

  /** Merges `window` with the key's overlapping windows; returns the window the element goes to. */
  private mergeInto(slots: Map<string | number, Slot<W>>, window: W): W {
    const existing = [...slots.values()].map((s) => s.window);
    let result = window;
    const merges: Array<{ members: W[]; into: W }> = [];
    this.assigner.mergeWindows!([...existing, window], {
      merge: (members, into) => merges.push({ members, into }),
    });
    for (const { members, into } of merges) {
      const includesNew = members.some((m) => sameWindow(m, window));
      if (includesNew) result = into;
      const sources = members
        .map((m) => this.findSlot(slots, m))
        .filter((s): s is Slot<W> => s !== undefined);
      if (sources.length === 0) continue;
      const target = this.slotFor(slots, into);
      const merged = sources.filter((source) => source !== target);
      for (const source of merged) {
        this.mergeContents(target, source);
        if (source.windowState) {
          target.windowState ??= new Map();
          for (const [name, v] of source.windowState)
            if (!target.windowState.has(name)) target.windowState.set(name, v);
        }
      }
      // The trigger merges its state (mergePartitionedState reads the merged windows' state), then
      // the merged windows' trigger state and timers go.
      this.trigger.onMerge?.(into, this.mergeContext(target, merged));
      this.adoptTriggerState();
      for (const source of merged) {
        this.trigger.clear(source.window, this.triggerContext(source));
        this.adoptTriggerState();
        this.dropTimers(source);
        this.deleteSlot(slots, source);
      }
      this.registerCleanup(target);
    }
    return result;
  }

  private deleteSlot(slots: Map<string | number, Slot<W>>, slot: Slot<W>): void {
    if (typeof slot.key === 'string' && slot.window instanceof TimeWindow) this.fullKeys--;
    slots.delete(slot.key);
  }

  private findSlot(slots: Map<string | number, Slot<W>>, window: W): Slot<W> | undefined {
    for (const s of slots.values()) if (sameWindow(s.window, window)) return s;
    return undefined;
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
      globalState: (): KeyedStateStore => ({
        getState: (d) => runtime.getState(d),
        getListState: (d) => runtime.getListState(d),
        getMapState: (d) => runtime.getMapState(d),
        getReducingState: (d) => runtime.getReducingState(d),
        getAggregatingState: (d) => runtime.getAggregatingState(d),
      }),
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

  private mergeContext(target: Slot<W>, sources: Slot<W>[]): OnMergeContext {
    const base = this.triggerContext(target);
    return {
      getCurrentProcessingTime: base.getCurrentProcessingTime,
      getCurrentWatermark: base.getCurrentWatermark,
      registerEventTimeTimer: base.registerEventTimeTimer,
      registerProcessingTimeTimer: base.registerProcessingTimeTimer,
      deleteEventTimeTimer: base.deleteEventTimeTimer,
      deleteProcessingTimeTimer: base.deleteProcessingTimeTimer,
      getPartitionedState: base.getPartitionedState,
      mergePartitionedState: (d) => {
        this.adoptTriggerState();
        target.triggerState ??= new Map();
        // The trigger reads the merged state through its context from now on.
        this.contextStore.values = target.triggerState;
        const into = new MapBackedStateStore(target.triggerState).getReducingState(d);
        for (const s of sources) {
          if (s === target) continue;
          if (!s.triggerState) continue;
          const v = new MapBackedStateStore(s.triggerState).getReducingState(d).get();
          if (v !== undefined) into.add(v);
        }
      },
    } as OnMergeContext;
  }

  private anySlotHas(time: number, domain: 'event' | 'processing'): boolean {
    const slots = this.slotsState.value();
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
    const slots = this.slotsState.value();
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
    const slots = this.slotsState.value();
    if (!slots) return;
    // Deleting the current entry while iterating a Map is safe; entries added meanwhile are visited too.
    for (const slot of slots.values()) {
      const set = domain === 'event' ? slot.eventTimers : slot.processingTimers;
      if (!set.has(time)) continue;
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
    if (slots.size === 0) this.slotsState.clear();
  }

  private clearWindow(slot: Slot<W>, slots: Map<string | number, Slot<W>>): void {
    this.trigger.clear(slot.window, this.triggerContext(slot));
    this.adoptTriggerState();
    if (this.windowFn?.clear) this.windowFn.clear(this.windowContext(slot));
    this.dropTimers(slot);
    this.deleteSlot(slots, slot);
  }
}

function sameWindow(a: Window, b: Window): boolean {
  if (a === b) return true;
  if (a instanceof TimeWindow && b instanceof TimeWindow) return a.start === b.start && a.end === b.end;
  return a.key() === b.key() && a.maxTimestamp() === b.maxTimestamp() && String(a) === String(b);
}

/** The processing-time timers of a slot that has none (shared, never written). */
const NO_TIMERS: Set<number> = new Set();
