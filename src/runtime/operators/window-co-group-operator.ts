import type { CoGroupWindowFunction } from '../../api/co-group-window-function.ts';
import type { RichFunction } from '../../api/functions.ts';
import type { Key } from '../../core/key.ts';
import { KeyMap } from '../../core/key-map.ts';
import { operatorConfig } from '../../graph/operator-spec.ts';
import type { InternalListState } from '../../state/internal-kv-state.ts';
import { keyGroupOf } from '../../state/key-groups.ts';
import { LmdbListState } from '../../state/lmdb-list-state.ts';
import { ListStateDescriptor } from '../../state/state-descriptor.ts';
import { subtaskInstance } from '../task/function-instance.ts';
import { AlignedTimeWindowOperator } from './aligned-time-window-operator.ts';
import {
  type LegacySlot,
  type LegacyWindowsTarget,
  legacyElements,
  legacyWindowsError,
  windowText,
} from './legacy-window-slots.ts';
import type { OperatorContext } from './operator-context.ts';

/**
 * A window coGroup or join (`a.coGroup(b)` / `a.join(b)` … `.window(...)`) over tumbling or sliding
 * time windows with the default trigger and no evictor (aligned-time-window-operator.ts). Both
 * inputs are keyed by their own key selector, and each side is list state of its own in the
 * namespace of the window's start, holding the elements as they came: no wrapper object per element
 * telling its side, no union of the two inputs. When the window fires, the coGroup function gets
 * each key's two sides, or the join function each pair (Flink's CoGroupWindowFunction).
 *
 * Sides per key group: on the heap backend, without allowed lateness, a side is one list per key
 * group and window rather than one per key and window. A window join holds every element of its
 * window until the window fires, and with millions of keys (q7 keys bids by price) one list per key
 * costs a hash entry per key and more garbage collection than the elements themselves; one list
 * per key group costs an append. The lists are stored under a representative key of the group (a
 * number whose key group it is), so they are snapshotted, restored and rescaled with their key
 * group like any keyed state, and the group's timers are that key's. When the window fires, the
 * sides are grouped by key (their key selectors run again) and each key is emitted with the
 * current key set to it, as if each key had its own lists. The LMDB backend keeps a list as one
 * entry per element, so there too an append writes one element and a window costs one timer per
 * key group rather than per key; a key group's window is one range read when it fires. With allowed
 * lateness (a late element fires its key's window again) the lists stay per key.
 *
 * A join emits nothing for a window with an empty side: the right side is looked at first (for q7,
 * a window's maximum, in one key group), and the left one, which holds most elements, is read only
 * when the right one has any.
 */
export class WindowCoGroupOperator extends AlignedTimeWindowOperator {
  private readonly fn: CoGroupWindowFunction<unknown, unknown, unknown, Key, never>;
  private readonly lefts: InternalListState<unknown>;
  private readonly rights: InternalListState<unknown>;
  /** Sides kept per key group (see above): the representative key of each owned group, by index. */
  private readonly groupKeys: number[] | undefined;
  private readonly firstGroup: number;

  constructor(ctx: OperatorContext) {
    const config = operatorConfig(ctx.spec, 'window-co-group');
    super(ctx, config.assigner!, Number(config.allowedLateness ?? 0), null);
    // Each subtask gets its own instance of the function, as of any user function.
    this.fn = subtaskInstance(ctx.functions.extra?.windowFunction) as CoGroupWindowFunction<
      unknown,
      unknown,
      unknown,
      Key,
      never
    >;
    this.userFunction = this.fn as unknown as RichFunction;
    const backend = ctx.keyedStateBackend!;
    this.lefts = backend.getListState(
      new ListStateDescriptor<unknown>('_co-group-1'),
    ) as InternalListState<unknown>;
    this.rights = backend.getListState(
      new ListStateDescriptor<unknown>('_co-group-2'),
    ) as InternalListState<unknown>;
    this.firstGroup = backend.keyGroupRange.start;
    this.groupKeys =
      this.lateness === 0
        ? representativeKeys(backend.keyGroupRange.start, backend.keyGroupRange.end, backend.maxParallelism)
        : undefined;
  }

  override async open(): Promise<void> {
    await super.open();
    if (this.ctx.isRestored && this.groupKeys !== undefined) this.moveKeySidesToGroups();
  }

  /**
   * Sides restored from a layout that kept them per key (this operator with allowed lateness, or on
   * LMDB before it kept them per key group there too) move into their key group's lists, with their
   * window's timer: otherwise a key's elements from before the restore and after it would sit in two
   * lists that fire apart, and their pairs would never meet. Each window of such a key has its timer
   * at end − 1 (and, with lateness, one at the clean-up time, which is dropped: this job has none).
   */
  private moveKeySidesToGroups(): void {
    const keyed = this.keyed!;
    const timers = this.timerService;
    const eventTime = this.eventTime;
    for (const [key, time] of eventTime ? timers.eventTimeTimers() : timers.processingTimeTimers()) {
      keyed.setCurrentKey(key);
      const group = keyed.getCurrentKeyGroup();
      const groupKey = this.groupKeys![group - this.firstGroup];
      if (key === groupKey) continue;
      if (eventTime) timers.deleteEventTimeTimer(time);
      else timers.deleteProcessingTimeTimer(time);
      const start = time + 1 - this.size;
      // A clean-up timer of a window with allowed lateness: not one of this job's times.
      if (!this.isStart(start)) continue;
      this.setWindow(start);
      const lefts = [...this.lefts.get()];
      const rights = [...this.rights.get()];
      if (lefts.length === 0 && rights.length === 0) continue;
      this.lefts.clear();
      this.rights.clear();
      keyed.setCurrentKeyAndGroup(groupKey, group);
      this.setWindow(start);
      for (const l of lefts) this.lefts.add(l);
      for (const r of rights) this.rights.add(r);
      if (eventTime) timers.registerEventTimeTimer(time);
      else timers.registerProcessingTimeTimer(time);
    }
  }

  processElement(value: unknown, timestamp: number): void {
    if (this.groupKeys !== undefined) this.toGroupKey();
    this.addElement(value, timestamp, 1);
  }

  processElement2(value: unknown, timestamp: number): void {
    if (this.groupKeys !== undefined) this.toGroupKey();
    this.addElement(value, timestamp, 2);
  }

  /** Makes the representative key of the record's key group the current key. */
  private toGroupKey(): void {
    const keyed = this.keyed!;
    const group = keyed.getCurrentKeyGroup();
    keyed.setCurrentKeyAndGroup(this.groupKeys![group - this.firstGroup], group);
  }

  protected setWindow(start: number): void {
    this.lefts.setCurrentNamespace(start);
    this.rights.setCurrentNamespace(start);
  }

  protected add(value: unknown, input: number): void {
    if (input === 1) this.lefts.add(value);
    else this.rights.add(value);
  }

  protected hasContents(): boolean {
    return hasElements(this.lefts) || hasElements(this.rights);
  }

  protected emit(start: number): void {
    const rights = asArray(this.rights.get(), this.lateness > 0);
    if (rights.length === 0 && this.fn.mode !== 'co-group') return;
    const lefts = asArray(this.lefts.get(), this.lateness > 0);
    if (lefts.length === 0 && rights.length === 0) return;
    this.collector.timestamp = start + this.size - 1;
    if (this.groupKeys === undefined) this.fn.processSides(lefts, rights, this.collector);
    else if (this.fn.mode === 'co-group') this.coGroupByKey(lefts, rights);
    else this.joinByKey(lefts, rights);
  }

  /**
   * A key group's window of a join: the right side by key (usually the smaller side: a join of a
   * stream with its window's aggregate), then each left element with its key's right elements, so
   * that each key's pairs come in Flink's order (left by left, each with every right in order).
   */
  private joinByKey(lefts: readonly unknown[], rights: readonly unknown[]): void {
    if (lefts.length === 0 || rights.length === 0) return;
    const keyed = this.keyed!;
    const group = keyed.getCurrentKeyGroup();
    const groupKey = keyed.getCurrentKey();
    const byKey = new KeyMap<unknown[]>();
    const keyOf2 = this.keySelector2!;
    for (const r of rights) {
      const key = keyOf2(r) as Key;
      const same = byKey.get(key);
      if (same === undefined) byKey.set(key, [r]);
      else same.push(r);
    }
    const keyOf1 = this.keySelector!;
    const one: unknown[] = [undefined];
    for (const l of lefts) {
      const key = keyOf1(l) as Key;
      const matches = byKey.get(key);
      if (matches === undefined) continue;
      keyed.setCurrentKeyAndGroup(key, group);
      one[0] = l;
      this.fn.processSides(one, matches, this.collector);
    }
    keyed.setCurrentKeyAndGroup(groupKey, group);
  }

  /** A key group's window of a coGroup: both sides by key, each key once, in the order keys came. */
  private coGroupByKey(lefts: readonly unknown[], rights: readonly unknown[]): void {
    const keyed = this.keyed!;
    const group = keyed.getCurrentKeyGroup();
    const groupKey = keyed.getCurrentKey();
    const byKey = new KeyMap<[unknown[], unknown[]]>();
    const keyOf1 = this.keySelector!;
    for (const l of lefts) {
      const key = keyOf1(l) as Key;
      const sides = byKey.get(key);
      if (sides === undefined) byKey.set(key, [[l], []]);
      else sides[0].push(l);
    }
    const keyOf2 = this.keySelector2!;
    for (const r of rights) {
      const key = keyOf2(r) as Key;
      const sides = byKey.get(key);
      if (sides === undefined) byKey.set(key, [[], [r]]);
      else sides[1].push(r);
    }
    for (const [key, sides] of byKey) {
      keyed.setCurrentKeyAndGroup(key, group);
      this.fn.processSides(sides[0], sides[1], this.collector);
    }
    keyed.setCurrentKeyAndGroup(groupKey, group);
  }

  protected override enterLegacyWindow(): void {
    if (this.groupKeys !== undefined) this.toGroupKey();
  }

  /**
   * The general operator ran a window join or coGroup over the union of both inputs, each element
   * tagged with its side (`{ input: 1 | 2, value }`, co-grouped-streams.ts): each goes to its side.
   */
  protected adoptLegacyContents(slot: LegacySlot, target: LegacyWindowsTarget): void {
    for (const { value: tagged } of legacyElements(slot, target)) {
      const t = tagged as { input?: unknown; value?: unknown } | null;
      if (t === null || typeof t !== 'object' || (t.input !== 1 && t.input !== 2)) {
        throw legacyWindowsError(
          target,
          `holds for window ${windowText(slot.window)} an element that is not tagged with its join side: it was not a window join or coGroup`,
        );
      }
      if (t.input === 1) this.lefts.add(t.value);
      else this.rights.add(t.value);
    }
  }

  protected clearContents(): void {
    this.lefts.clear();
    this.rights.clear();
  }
}

/**
 * For each key group from `first` to `last`, a number whose key group it is (the smallest such
 * non-negative integer): a stand-in key under which a group's state and timers live.
 */
function representativeKeys(first: number, last: number, maxParallelism: number): number[] {
  const keys = new Array<number>(last - first + 1).fill(-1);
  let missing = keys.length;
  for (let n = 0; missing > 0; n++) {
    const group = keyGroupOf(n, maxParallelism);
    if (group >= first && group <= last && keys[group - first] === -1) {
      keys[group - first] = n;
      missing--;
    }
  }
  return keys;
}

/**
 * A side as an array. The stored array itself when the window is dropped right after firing (the
 * function may keep it); a copy when the window lives on for late elements.
 */
function asArray(side: Iterable<unknown>, copy: boolean): readonly unknown[] {
  if (Array.isArray(side)) return side.length === 0 ? [] : copy ? side.slice() : side;
  return [...side];
}

/** Whether a side holds an element: on LMDB without reading the whole list. */
function hasElements(side: InternalListState<unknown>): boolean {
  if (side instanceof LmdbListState) return side.hasElements();
  const contents = side.get();
  if (Array.isArray(contents)) return contents.length > 0;
  for (const _ of contents) return true;
  return false;
}
