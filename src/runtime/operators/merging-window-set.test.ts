import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventTimeSessionWindows } from '../../time/windows/event-time-session-windows.ts';
import { mergeTimeWindows } from '../../time/windows/merge-time-windows.ts';
import { TimeWindow } from '../../time/windows/window.ts';
import type { MergeCallback, WindowAssigner } from '../../time/windows/window-assigner.ts';
import { type MergeFunction, MergingWindowSet } from './merging-window-set.ts';

interface Entry {
  window: TimeWindow;
  /** Stands for the window's state: the windows merged into it, by name. */
  state: string[];
}

/** Records each merge as the operator would act on it. */
class Recorder implements MergeFunction<TimeWindow, Entry> {
  merges: string[] = [];
  createEntry(window: TimeWindow): Entry {
    return { window, state: [String(window.start)] };
  }
  merge(result: TimeWindow, target: Entry, previous: TimeWindow, merged: readonly Entry[]): void {
    this.merges.push(`${w(previous)}+${merged.map((e) => w(e.window)).join('+') || '()'}->${w(result)}`);
    for (const m of merged) target.state.push(...m.state);
  }
}

const w = (x: TimeWindow) => `[${x.start},${x.end})`;
const session = EventTimeSessionWindows.withGap(10) as WindowAssigner<unknown, TimeWindow>;

function sessions(): { set: MergingWindowSet<TimeWindow, Entry>; entries: Entry[]; fn: Recorder } {
  return { set: new MergingWindowSet(session, true), entries: [], fn: new Recorder() };
}

describe('MergingWindowSet', () => {
  it('keeps windows that do not touch apart, sorted by start', () => {
    const { set, entries, fn } = sessions();
    for (const s of [50, 0, 25]) set.addWindow(entries, new TimeWindow(s, s + 10), fn);
    assert.deepEqual(
      entries.map((e) => w(e.window)),
      ['[0,10)', '[25,35)', '[50,60)'],
    );
    assert.deepEqual(fn.merges, []);
  });

  it('a window bridging three windows merges them into the earliest, whose state stays where it is', () => {
    const { set, entries, fn } = sessions();
    for (const s of [0, 15, 30]) set.addWindow(entries, new TimeWindow(s, s + 10), fn);
    const earliest = entries[0];
    const result = set.addWindow(entries, new TimeWindow(8, 32), fn);
    assert.equal(result, earliest);
    assert.deepEqual(
      entries.map((e) => w(e.window)),
      ['[0,40)'],
    );
    assert.deepEqual(fn.merges, ['[0,10)+[15,25)+[30,40)->[0,40)']);
    assert.deepEqual(earliest.state, ['0', '15', '30']);
  });

  it('windows that only touch merge; a window inside one merges with nothing', () => {
    const { set, entries, fn } = sessions();
    set.addWindow(entries, new TimeWindow(0, 10), fn);
    set.addWindow(entries, new TimeWindow(10, 20), fn);
    assert.deepEqual(fn.merges, ['[0,10)+()->[0,20)']);
    const inside = set.addWindow(entries, new TimeWindow(3, 13), fn);
    assert.equal(inside, entries[0]);
    assert.deepEqual(fn.merges, ['[0,10)+()->[0,20)'], 'no merge function call for a window already covered');
  });

  it('an earlier window extends the session at its start', () => {
    const { set, entries, fn } = sessions();
    set.addWindow(entries, new TimeWindow(20, 30), fn);
    set.addWindow(entries, new TimeWindow(12, 22), fn);
    assert.deepEqual(
      entries.map((e) => w(e.window)),
      ['[12,30)'],
    );
    assert.deepEqual(fn.merges, ['[20,30)+()->[12,30)']);
  });

  it('ends with the windows mergeTimeWindows makes of all windows at once (random windows)', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let round = 0; round < 200; round++) {
      const { set, entries, fn } = sessions();
      let reference: TimeWindow[] = [];
      for (let i = 0; i < 30; i++) {
        const start = Math.floor(rnd() * 300);
        const window = new TimeWindow(start, start + 1 + Math.floor(rnd() * 20));
        set.addWindow(entries, window, fn);
        reference = mergeAll([...reference, window]);
        assert.deepEqual(
          entries.map((e) => w(e.window)),
          reference.map(w),
          `round ${round}, after ${w(window)}`,
        );
      }
    }
  });

  it("any other merging assigner: its own mergeWindows sees all of the key's windows", () => {
    // Merges every window into one that spans them all (not by intersection).
    const all: WindowAssigner<unknown, TimeWindow> = {
      assignWindows: () => [],
      getDefaultTrigger: () => session.getDefaultTrigger(),
      isEventTime: () => true,
      mergeWindows(windows: TimeWindow[], callback: MergeCallback<TimeWindow>) {
        const sorted = windows.slice().sort((a, b) => a.start - b.start);
        const cover = new TimeWindow(sorted[0].start, Math.max(...sorted.map((x) => x.end)));
        callback.merge(sorted, cover);
      },
    };
    const set = new MergingWindowSet<TimeWindow, Entry>(all, false);
    const entries: Entry[] = [];
    const fn = new Recorder();
    set.addWindow(entries, new TimeWindow(0, 5), fn);
    const result = set.addWindow(entries, new TimeWindow(100, 105), fn);
    assert.equal(result, entries[0]);
    assert.deepEqual(
      entries.map((e) => w(e.window)),
      ['[0,105)'],
    );
    assert.deepEqual(fn.merges, ['[0,5)+()->[0,105)']);
  });
});

/** The reference: merge all windows until nothing merges. */
function mergeAll(windows: TimeWindow[]): TimeWindow[] {
  let current = windows;
  for (;;) {
    const groups: Array<{ members: TimeWindow[]; into: TimeWindow }> = [];
    mergeTimeWindows(current, { merge: (members, into) => groups.push({ members, into }) });
    if (groups.length === 0) {
      // Equal windows count once (a set of windows).
      const distinct = current.filter((x, i) => current.findIndex((y) => y.equals(x)) === i);
      return distinct.sort((a, b) => a.start - b.start);
    }
    const merged = new Set(groups.flatMap((g) => g.members));
    current = [...current.filter((x) => ![...merged].some((m) => m.equals(x))), ...groups.map((g) => g.into)];
  }
}
