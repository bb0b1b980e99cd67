import type { ProcessWindowContext, ProcessWindowFunctionObject } from '../../api/window-functions.ts';
import { Counter } from '../../core/accumulators.ts';
import type { OutputTag } from '../../core/collector.ts';
import type { Key } from '../../core/key.ts';
import { operatorConfig, type SessionWindowOperatorConfig } from '../../graph/operator-spec.ts';
import type { KeyedStateStore } from '../../state/keyed-state-store.ts';
import { MapBackedStateStore } from '../../state/map-backed-state-store.ts';
import type { AggregateFunction, ValueState } from '../../state/state.ts';
import { ValueStateDescriptor } from '../../state/state-descriptor.ts';
import type { InternalTimerService, Triggerable } from '../../time/timer-service.ts';
import { TimeWindow } from '../../time/windows/window.ts';
import type { WindowAssigner, WindowAssignerContext } from '../../time/windows/window-assigner.ts';
import { windowAssignerFromSpec } from '../../time/windows/window-assigner-spec.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import { adoptLegacyWindowSlots, legacyDueTime, legacyElements } from './legacy-window-slots.ts';
import type { OperatorContext } from './operator-context.ts';
import { TimestampedCollector } from './timestamped-collector.ts';
import { windowFunctionsOf } from './window-functions-of.ts';

/**
 * Session windows with their assigner's default trigger. Its output is the general WindowOperator's
 * (with EventTimeTrigger or ProcessingTimeTrigger, no evictor); what differs is the cost. An element
 * opens the window [t, t + gap); windows of a key that intersect or touch merge into one session.
 * A key's sessions are kept sorted by start and never intersect, so a new window can merge only with
 * the run of sessions a binary search finds — usually the key's latest one, which it extends in
 * place: the common element allocates nothing and touches no timer.
 *
 * Firing is Flink's EventTimeTrigger: a session fires when the watermark passes its end − 1, and is
 * dropped at end − 1 + allowed lateness; within the lateness, each element that joins a fired session
 * fires it again at once. An element whose own session would already be dropped is late: it goes to
 * the late-data side output or is counted in `numLateRecordsDropped`. A late element that joins a
 * session still kept extends it (lateness is judged after merging). Processing-time sessions fire at
 * end − 1 by the clock and are dropped then.
 *
 * Timers: each session has one pending timer, at or before its next due time (end − 1 until it
 * fires, then end − 1 + lateness). Extending a session leaves its timer where it is; when that timer
 * fires before the session is due, it moves to the due time (in the same watermark advance if that
 * has passed too). So timers fire, and sessions are emitted, in the order of their end − 1, per key
 * and across keys, as in Flink. A merge keeps the earliest session (its contents do not move),
 * merges the others' contents into it (reduce, AggregateFunction.merge, or list concatenation) and
 * deletes their timers.
 *
 * State: one keyed ValueState holding, per key, the array of its sessions; each session is one small
 * object. It goes through the keyed state backend, so checkpoints, savepoints, rescaling and the
 * LMDB backend keep it; timers go through the keyed timer service.
 */
interface Session {
  start: number;
  end: number;
  /** Time of the session's pending timer. */
  timer: number;
  /** The reduced value, the accumulator, or the list of elements. */
  contents: unknown;
  /** windowState() of the ProcessWindowFunction; created when first used. */
  windowState: Map<string, unknown> | undefined;
}

export class SessionWindowOperator extends AbstractStreamOperator implements Triggerable {
  private readonly assigner: WindowAssigner<unknown, TimeWindow>;
  private readonly eventTime: boolean;
  /** The fixed gap; undefined when the assigner computes it per element. */
  private readonly gap: number | undefined;
  private readonly lateness: number;
  private readonly lateTag: string | null;
  private readonly contents: 'list' | 'reduce' | 'aggregate';
  private readonly reduceFn: ((a: unknown, b: unknown) => unknown) | undefined;
  private readonly aggregateFn: AggregateFunction<unknown, unknown, unknown> | undefined;
  private readonly windowFn: ProcessWindowFunctionObject<unknown, unknown, Key, TimeWindow> | undefined;
  private readonly sessionsState: ValueState<Session[]>;
  private readonly timerService: InternalTimerService;
  private readonly collector: TimestampedCollector<unknown>;
  /** numLateRecordsDropped, registered by the base operator. */
  private readonly lateDropped = this.lateRecordsCounter();
  private readonly assignerContext: WindowAssignerContext;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const extra = ctx.functions.extra ?? {};
    const config = operatorConfig(ctx.spec, 'session-window');
    this.assigner = windowAssignerFromSpec(config.assigner, extra.assigner) as WindowAssigner<
      unknown,
      TimeWindow
    >;
    this.eventTime = this.assigner.isEventTime();
    const spec = config.assigner as SessionWindowOperatorConfig['assigner'] | undefined;
    this.gap = spec !== undefined && 'gap' in spec ? spec.gap : undefined;
    // Flink ignores the allowed lateness of processing-time windows: they are dropped when they fire.
    this.lateness = this.eventTime ? Number(config.allowedLateness ?? 0) : 0;
    this.lateTag = config.lateTag ?? null;
    this.contents = config.contents ?? 'list';
    const functions = windowFunctionsOf<TimeWindow>(extra);
    this.reduceFn = functions.reduceFn;
    this.aggregateFn = functions.aggregateFn;
    this.windowFn = functions.windowFn;
    this.userFunction = functions.userFunction;
    this.sessionsState = ctx.keyedStateBackend!.getState(new ValueStateDescriptor<Session[]>('_sessions'));
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
    this.collector = new TimestampedCollector(this.output);
    this.assignerContext = { getCurrentProcessingTime: () => this.ctx.clock.now() };
  }

  override async open(): Promise<void> {
    await super.open();
    // As the general operator; a session window never misses an element that is not late.
    this.getRuntimeContext().addAccumulator('numRecordsInNoWindow', new Counter());
    if (this.ctx.isRestored) this.adoptLegacyWindows();
  }

  /**
   * A savepoint of the general window operator, which ran sessions before this operator did
   * (legacy-window-slots.ts): each of its merged windows becomes a session, due at its end − 1, or
   * at its clean-up time when it has fired.
   */
  private adoptLegacyWindows(): void {
    const target = { uid: this.uid, kind: this.ctx.spec.kind };
    adoptLegacyWindowSlots(this.ctx.keyedStateBackend!, this.timerService, target, (slots) => {
      const sessions = this.sessionsState.value() ?? [];
      for (const slot of slots) {
        const due = legacyDueTime(slot, this.eventTime, this.lateness);
        // Nothing to emit, or fired and kept no longer by this job (no allowed lateness left).
        if (!slot.hasContents || due === undefined) continue;
        const window = slot.window as TimeWindow;
        sessions.push({
          start: window.start,
          end: window.end,
          timer: due,
          contents:
            this.contents === 'list' ? legacyElements(slot, target).map((e) => e.value) : slot.contents,
          windowState:
            slot.windowState !== undefined && slot.windowState.size > 0 ? slot.windowState : undefined,
        });
        this.registerTimer(due);
      }
      if (sessions.length === 0) return;
      sessions.sort((a, b) => a.start - b.start);
      this.sessionsState.update(sessions);
    });
  }

  /** Flink's numLateRecordsDropped: records dropped as too late (not those sent to the late side output). */
  lateRecordsDropped(): number {
    return this.lateDropped.getLocalValue();
  }

  processElement(value: unknown, timestamp: number): void {
    let start: number;
    let end: number;
    if (this.gap !== undefined && (!this.eventTime || Number.isFinite(timestamp))) {
      start = this.eventTime ? timestamp : this.ctx.clock.now();
      end = start + this.gap;
    } else {
      // The assigner's own checks (a missing timestamp, an invalid dynamic gap) and its clock.
      const window = this.assigner.assignWindows(value, timestamp, this.assignerContext)[0];
      start = window.start;
      end = window.end;
    }
    const watermark = this.eventTime ? this.currentWatermark : Number.NEGATIVE_INFINITY;
    let sessions = this.sessionsState.value();
    const n = sessions === undefined ? 0 : sessions.length;
    // hi: the last session starting at or before `end`; first: the first one the window touches.
    let hi = n - 1;
    if (hi >= 0 && sessions![hi].start > end) hi = lastStartAtOrBefore(sessions!, end);
    let first = hi + 1;
    while (first > 0 && sessions![first - 1].end >= start) first--;
    let session: Session;
    if (first > hi) {
      // A new session, unless it is already past its clean-up (Flink drops a late window alone).
      if (end - 1 + this.lateness <= watermark) {
        this.dropLate(value, timestamp);
        return;
      }
      session = {
        start,
        end,
        timer: end - 1 > watermark ? end - 1 : end - 1 + this.lateness,
        contents: this.first(value),
        windowState: undefined,
      };
      if (sessions === undefined) {
        sessions = [session];
        this.sessionsState.update(sessions);
      } else if (first === n) sessions.push(session);
      else sessions.splice(first, 0, session);
      this.registerTimer(session.timer);
    } else {
      session = sessions![first];
      if (first < hi) this.mergeRun(sessions!, first, hi);
      if (start < session.start) session.start = start;
      const last = session.end;
      if (end > last) session.end = end;
      session.contents = this.add(session.contents, value);
      // Extending a session never needs an earlier timer, except one that fired and waits for its
      // clean-up: a late element extended it past the watermark, so it fires again at its new end.
      const due = session.end - 1 > watermark ? session.end - 1 : session.end - 1 + this.lateness;
      if (due < session.timer) this.moveTimer(sessions!, session, due);
    }
    // EventTimeTrigger.onElement: a session the watermark has passed fires at once.
    if (session.end - 1 <= watermark) this.emit(session);
  }

  /** Merges the sessions first + 1 .. hi into sessions[first] and removes them. */
  private mergeRun(sessions: Session[], first: number, hi: number): void {
    const target = sessions[first];
    for (let i = first + 1; i <= hi; i++) {
      const source = sessions[i];
      target.contents = this.mergeContents(target.contents, source.contents);
      if (source.windowState !== undefined) {
        target.windowState ??= new Map();
        for (const [name, v] of source.windowState)
          if (!target.windowState.has(name)) target.windowState.set(name, v);
      }
      if (source.end > target.end) target.end = source.end;
    }
    const removed = sessions.splice(first + 1, hi - first);
    for (const source of removed) this.releaseTimer(sessions, source.timer);
  }

  private first(value: unknown): unknown {
    switch (this.contents) {
      case 'reduce':
        return value;
      case 'aggregate':
        return this.aggregateFn!.add(value, this.aggregateFn!.createAccumulator());
      case 'list':
        return [value];
    }
  }

  private add(contents: unknown, value: unknown): unknown {
    switch (this.contents) {
      case 'reduce':
        return this.reduceFn!(contents, value);
      case 'aggregate':
        return this.aggregateFn!.add(value, contents);
      case 'list':
        (contents as unknown[]).push(value);
        return contents;
    }
  }

  private mergeContents(target: unknown, source: unknown): unknown {
    switch (this.contents) {
      case 'reduce':
        return this.reduceFn!(target, source);
      case 'aggregate':
        return this.aggregateFn!.merge(target, source);
      case 'list':
        for (const v of source as unknown[]) (target as unknown[]).push(v);
        return target;
    }
  }

  private dropLate(value: unknown, timestamp: number): void {
    if (this.lateTag !== null) this.output.collectSide(this.lateTag, value, timestamp);
    else this.lateDropped.add(1);
  }

  private registerTimer(time: number): void {
    if (this.eventTime) this.timerService.registerEventTimeTimer(time);
    else this.timerService.registerProcessingTimeTimer(time);
  }

  /** Deletes the key's timer at `time` unless another of its sessions waits for it too. */
  private releaseTimer(sessions: Session[], time: number): void {
    for (const s of sessions) if (s.timer === time) return;
    if (this.eventTime) this.timerService.deleteEventTimeTimer(time);
    else this.timerService.deleteProcessingTimeTimer(time);
  }

  private moveTimer(sessions: Session[], session: Session, time: number): void {
    const previous = session.timer;
    session.timer = time;
    this.releaseTimer(sessions, previous);
    this.registerTimer(time);
  }

  onEventTime(_key: Key, time: number): void {
    if (this.eventTime) this.onTimer(time);
  }

  onProcessingTime(_key: Key, time: number): void {
    if (!this.eventTime) this.onTimer(time);
  }

  /** Fires, cleans up or re-arms each session of the key whose pending timer is at `time`. */
  private onTimer(time: number): void {
    const sessions = this.sessionsState.value();
    if (sessions === undefined) return;
    for (let i = 0; i < sessions.length; i++) {
      const session = sessions[i];
      if (session.timer !== time) continue;
      const max = session.end - 1;
      if (time === max) this.emit(session);
      if (time >= max + this.lateness) {
        if (this.windowFn?.clear !== undefined) {
          this.pointAt(session);
          this.windowFn.clear(this.windowContext);
        }
        sessions.splice(i, 1);
        i--;
      } else {
        // The session grew since the timer was set (it is due at end − 1), or it fired and waits
        // for its clean-up.
        session.timer = time < max ? max : max + this.lateness;
        this.registerTimer(session.timer);
      }
    }
    if (sessions.length === 0) this.sessionsState.clear();
  }

  private emit(session: Session): void {
    this.collector.timestamp = session.end - 1;
    let elements: unknown[];
    switch (this.contents) {
      case 'reduce':
        if (this.windowFn === undefined) {
          this.collector.collect(session.contents);
          return;
        }
        elements = [session.contents];
        break;
      case 'aggregate': {
        const result = this.aggregateFn!.getResult(session.contents);
        if (this.windowFn === undefined) {
          this.collector.collect(result);
          return;
        }
        elements = [result];
        break;
      }
      case 'list':
        elements = session.contents as unknown[];
        if (this.windowFn === undefined) {
          for (const e of elements) this.collector.collect(e);
          return;
        }
        // The function may keep the iterable; later elements must not show up in it.
        elements = elements.slice();
        break;
    }
    this.pointAt(session);
    this.windowFn.process(this.keyed!.getCurrentKey(), this.windowContext, elements, this.collector);
  }

  /** The session the window context shows. */
  private current: Session | undefined;
  private currentWindow: TimeWindow | undefined;

  private pointAt(session: Session): void {
    this.current = session;
    this.currentWindow = undefined;
  }

  /** One context for the operator, pointed at the session being emitted or cleared. */
  private readonly windowContext: ProcessWindowContext<TimeWindow> = {
    window: () => (this.currentWindow ??= new TimeWindow(this.current!.start, this.current!.end)),
    currentProcessingTime: () => this.ctx.clock.now(),
    currentWatermark: () => this.currentWatermark,
    windowState: () => new MapBackedStateStore((this.current!.windowState ??= new Map())),
    // The runtime context is the key's state store (the void namespace).
    globalState: (): KeyedStateStore => this.getRuntimeContext(),
    output: <X>(tag: OutputTag<X>, value: X) =>
      this.output.collectSide(tag.id, value, this.collector.timestamp),
  };
}

/** The index of the last session starting at or before `time` (-1: none). */
function lastStartAtOrBefore(sessions: Session[], time: number): number {
  let lo = 0;
  let hi = sessions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sessions[mid].start <= time) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi;
}
