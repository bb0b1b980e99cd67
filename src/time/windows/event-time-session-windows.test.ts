import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minutes } from '../../core/duration.ts';
import { isWeirError } from '../../core/errors.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import { EventTimeSessionWindows } from './event-time-session-windows.ts';
import { EventTimeTrigger } from './event-time-trigger.ts';
import type { TimeWindow } from './window.ts';
import { isMergingAssigner, type WindowAssigner } from './window-assigner.ts';

const noClock = {
  getCurrentProcessingTime: (): number => {
    throw new Error('event-time assigners must not read the clock');
  },
};

describe('EventTimeSessionWindows', () => {
  it('gives each element the window [timestamp, timestamp + gap)', () => {
    const sessions = EventTimeSessionWindows.withGap(minutes(30));
    const [w] = sessions.assignWindows('click', 1_000, noClock);
    assert.deepEqual([w.start, w.end], [1_000, 1_000 + 1_800_000]);
    const [n] = sessions.assignWindows('click', -50, noClock);
    assert.deepEqual([n.start, n.end], [-50, 1_799_950]);
    assert.equal(sessions.gap, 1_800_000);
  });

  it('merges the sessions an element bridges, through the merge callback', () => {
    const sessions = EventTimeSessionWindows.withGap(5_000);
    const existing = [
      ...sessions.assignWindows('a', 1_000, noClock),
      ...sessions.assignWindows('b', 9_000, noClock),
    ];
    const bridge = sessions.assignWindows('c', 5_500, noClock)[0];
    const calls: [string[], string][] = [];
    sessions.mergeWindows([...existing, bridge], {
      merge: (members, cover) => calls.push([members.map(String), String(cover)]),
    });
    assert.deepEqual(calls, [
      [
        [
          'TimeWindow{start=1000, end=6000}',
          'TimeWindow{start=5500, end=10500}',
          'TimeWindow{start=9000, end=14000}',
        ],
        'TimeWindow{start=1000, end=14000}',
      ],
    ]);
  });

  it('computes the gap per element with a dynamic gap extractor', () => {
    interface Click {
      user: string;
      premium: boolean;
    }
    const sessions = EventTimeSessionWindows.withDynamicGap((c: Click) => (c.premium ? 1_000 : 100));
    const [p] = sessions.assignWindows({ user: 'a', premium: true }, 5_000, noClock);
    const [r] = sessions.assignWindows({ user: 'b', premium: false }, 5_000, noClock);
    assert.deepEqual([p.start, p.end, r.start, r.end], [5_000, 6_000, 5_000, 5_100]);
    assert.equal(sessions.gap, undefined);
    assert.equal(String(sessions), 'EventTimeSessionWindows(dynamic gap)');
  });

  it('infers the element type of a dynamic gap extractor from where the assigner is used', () => {
    const assigner: WindowAssigner<{ gapMs: number }, TimeWindow> = EventTimeSessionWindows.withDynamicGap(
      (e) => e.gapMs,
    );
    assert.deepEqual(
      assigner.assignWindows({ gapMs: 7 }, 1, noClock).map((w) => w.end),
      [8],
    );
  });

  it('fails when a dynamic gap is not a whole number of milliseconds > 0, naming the record', () => {
    const sessions = EventTimeSessionWindows.withDynamicGap((e: { gap: number }) => e.gap);
    for (const gap of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => sessions.assignWindows({ gap }, 0, noClock),
        (e) => isWeirError(e, 'INVALID_ARGUMENT') && /session gap extractor returned/.test(e.message),
        `gap ${gap}`,
      );
    }
    assert.throws(
      () => EventTimeSessionWindows.withDynamicGap(42 as never),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
  });

  it('fails for an element without a timestamp', () => {
    assert.throws(
      () => EventTimeSessionWindows.withGap(10).assignWindows('x', NO_TIMESTAMP, noClock),
      (e) => isWeirError(e, 'INVALID_ARGUMENT') && /event-time windows need timestamps/.test(e.message),
    );
  });

  it('rejects a gap that is not a whole number of milliseconds > 0', () => {
    for (const gap of [0, -10, 0.5, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => EventTimeSessionWindows.withGap(gap),
        (e) => isWeirError(e, 'INVALID_ARGUMENT'),
      );
    }
  });

  it('is a merging event-time assigner with the event-time trigger by default', () => {
    const sessions = EventTimeSessionWindows.withGap(10);
    assert.equal(isMergingAssigner(sessions), true);
    assert.equal(sessions.isEventTime(), true);
    assert.ok(sessions.getDefaultTrigger() instanceof EventTimeTrigger);
    assert.equal(sessions.getDefaultTrigger().canMerge?.(), true);
    assert.equal(String(sessions), 'EventTimeSessionWindows(10)');
  });
});
