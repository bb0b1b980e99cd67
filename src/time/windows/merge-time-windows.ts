/**
 * Merging of time windows, as session assigners need it. The windows are sorted by start; walking them
 * in that order, a window that intersects the cover of the group so far joins the group (and the cover
 * grows to include it), otherwise it starts a new group. Windows that merely touch ([0, 10) and
 * [10, 20)) intersect and merge. Each group of more than one distinct window is reported once, with
 * its members in order of start and the cover as the result; a window standing alone is not reported.
 */
import type { TimeWindow } from './window.ts';
import type { MergeCallback } from './window-assigner.ts';

/**
 * Groups overlapping or touching windows and tells `callback` which windows merge into which cover.
 *
 * @example
 * ```ts
 * mergeTimeWindows([new TimeWindow(0, 10), new TimeWindow(25, 30), new TimeWindow(5, 20)], {
 *   merge: (members, cover) => console.log(members.map(String), '->', String(cover)),
 * });
 * // [TimeWindow{start=0, end=10}, TimeWindow{start=5, end=20}] -> TimeWindow{start=0, end=20}
 * ```
 */
export function mergeTimeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
  if (windows.length < 2) return;
  const sorted = windows.slice().sort((a, b) => a.start - b.start || a.end - b.end);
  let cover = sorted[0];
  let members: TimeWindow[] = [cover];
  for (let i = 1; i < sorted.length; i++) {
    const candidate = sorted[i];
    if (cover.intersects(candidate)) {
      cover = cover.cover(candidate);
      // Equal windows count once, as members of a set.
      if (!members[members.length - 1].equals(candidate)) members.push(candidate);
    } else {
      if (members.length > 1) callback.merge(members, cover);
      cover = candidate;
      members = [candidate];
    }
  }
  if (members.length > 1) callback.merge(members, cover);
}
