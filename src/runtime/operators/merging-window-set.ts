/**
 * The windows of one key under a merging assigner (Flink's `MergingWindowSet`). Each entry is a
 * window together with the state that belongs to it; when windows merge, one of the merged entries
 * (the earliest) takes the merge result as its window and keeps its state where it is (Flink's
 * "state window"), and the other merged entries leave the set for the caller to merge into it. So a
 * merge never moves the contents of the surviving window.
 *
 * For time windows that merge when they intersect (session assigners), the set keeps the entries
 * sorted by start; they never intersect one another (intersecting ones were merged), so their ends
 * are sorted too, and a new window can merge only with a contiguous run of entries found by a
 * binary search: for sessions that is usually none or the key's latest one. No sort, no copy of the
 * key's windows and no closure per element. Any other merging assigner gets the general path: its
 * `mergeWindows` sees all the key's windows and the new one, as in Flink.
 */
import { TimeWindow, type Window } from '../../time/windows/window.ts';
import type { WindowAssigner } from '../../time/windows/window-assigner.ts';

/** What the set keeps of each window: the window (the caller's entries carry its state beside it). */
export interface MergingEntry<W extends Window> {
  window: W;
}

/** Told of each merge; implemented by the operator (no closure per element). */
export interface MergeFunction<W extends Window, E extends MergingEntry<W>> {
  /** A new entry for `window`, which merged with nothing. */
  createEntry(window: W): E;
  /**
   * `target` now holds `mergeResult` (its window was `previous`); `merged` are the other entries that
   * merged into it, already out of the set. The array is reused: read it during the call only.
   */
  merge(mergeResult: W, target: E, previous: W, merged: readonly E[]): void;
}

export class MergingWindowSet<W extends Window, E extends MergingEntry<W>> {
  private readonly assigner: WindowAssigner<unknown, W>;
  /** The assigner merges time windows that intersect: the sorted, neighbour-only path applies. */
  private readonly intersecting: boolean;
  private readonly merged: E[] = [];

  /**
   * @param intersecting true when `assigner.mergeWindows` merges exactly the time windows that
   * intersect or touch (the built-in session assigners); their windows must be TimeWindows.
   */
  constructor(assigner: WindowAssigner<unknown, W>, intersecting: boolean) {
    this.assigner = assigner;
    this.intersecting = intersecting;
  }

  /**
   * Adds `window` to `entries` (the key's entries, changed in place), merging as the assigner says,
   * and returns the entry that now holds the window the element belongs to.
   */
  addWindow(entries: E[], window: W, fn: MergeFunction<W, E>): E {
    return this.intersecting
      ? this.addTimeWindow(entries as unknown as TimeEntry[], window as unknown as TimeWindow, fn)
      : this.addGeneral(entries, window, fn);
  }

  /** Removes `entry` (a window retired after firing, or one that is late on arrival). */
  remove(entries: E[], entry: E): void {
    const i = entries.indexOf(entry);
    if (i >= 0) entries.splice(i, 1);
  }

  private addTimeWindow(entries: TimeEntry[], window: TimeWindow, fn: MergeFunction<W, E>): E {
    const s = window.start;
    const e = window.end;
    // hi: the last entry starting at or before e (entries that start later cannot touch the window).
    let lo = 0;
    let hi = entries.length - 1;
    if (hi >= 0 && entries[hi].window.start > e) {
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (entries[mid].window.start <= e) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    // first: the first entry of the run that intersects the window (ends are sorted too).
    let first = hi + 1;
    while (first > 0 && entries[first - 1].window.end >= s) first--;
    const typed = fn as unknown as MergeFunction<TimeWindow, TimeEntry>;
    if (first > hi) {
      const entry = typed.createEntry(window);
      entries.splice(hi + 1, 0, entry);
      return entry as unknown as E;
    }
    const target = entries[first];
    const previous = target.window;
    const last = entries[hi].window;
    // Inside one window already: nothing merges (Flink calls no merge function then either).
    if (first === hi && previous.start <= s && previous.end >= e) return target as unknown as E;
    const start = Math.min(s, previous.start);
    const end = Math.max(e, last.end);
    target.window = start === s && end === e ? window : new TimeWindow(start, end);
    const merged = this.merged as unknown as TimeEntry[];
    merged.length = 0;
    for (let i = first + 1; i <= hi; i++) merged.push(entries[i]);
    if (merged.length > 0) entries.splice(first + 1, merged.length);
    typed.merge(target.window, target, previous, merged);
    merged.length = 0;
    return target as unknown as E;
  }

  /** Flink's general path: the assigner merges the key's windows and the new one. */
  private addGeneral(entries: E[], window: W, fn: MergeFunction<W, E>): E {
    const windows = entries.map((entry) => entry.window);
    windows.push(window);
    const groups: Array<{ members: W[]; into: W }> = [];
    this.assigner.mergeWindows!(windows, { merge: (members, into) => groups.push({ members, into }) });
    let result: E | undefined;
    for (const { members, into } of groups) {
      const includesNew = members.some((m) => sameWindow(m, window));
      const existing: E[] = [];
      for (const m of members) {
        const entry = entries.find((x) => sameWindow(x.window, m));
        if (entry !== undefined && !existing.includes(entry)) existing.push(entry);
      }
      if (existing.length === 0) continue;
      const target = existing[0];
      if (includesNew) result = target;
      // One window merging only with the new window inside it: nothing changes.
      if (existing.length === 1 && sameWindow(target.window, into)) continue;
      const previous = target.window;
      target.window = into;
      const merged = existing.slice(1);
      for (const m of merged) this.remove(entries, m);
      fn.merge(into, target, previous, merged);
    }
    if (result === undefined) {
      result = fn.createEntry(window);
      entries.push(result);
    }
    return result;
  }
}

interface TimeEntry {
  window: TimeWindow;
}

/** Windows equal by value. */
export function sameWindow(a: Window, b: Window): boolean {
  if (a === b) return true;
  if (a instanceof TimeWindow && b instanceof TimeWindow) return a.start === b.start && a.end === b.end;
  return a.key() === b.key() && a.maxTimestamp() === b.maxTimestamp() && String(a) === String(b);
}
