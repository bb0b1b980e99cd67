import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeTimeWindows } from './merge-time-windows.ts';
import { TimeWindow } from './window.ts';

const w = (start: number, end: number) => new TimeWindow(start, end);

function merges(windows: TimeWindow[]): string[] {
  const out: string[] = [];
  mergeTimeWindows(windows, {
    merge: (members, cover) => out.push(`${members.map((m) => m.key()).join(' + ')} -> ${cover.key()}`),
  });
  return out;
}

describe('mergeTimeWindows', () => {
  it('merges two sessions that a new element bridges into one covering window', () => {
    // Sessions [1000, 6000) and [9000, 14000), then an element at 5500 with gap 5000.
    assert.deepEqual(merges([w(1_000, 6_000), w(9_000, 14_000), w(5_500, 10_500)]), [
      '1000:6000 + 5500:10500 + 9000:14000 -> 1000:14000',
    ]);
  });

  it('does not report windows that merge with nothing', () => {
    assert.deepEqual(merges([w(0, 10)]), []);
    assert.deepEqual(merges([w(0, 10), w(11, 20)]), []);
    assert.deepEqual(merges([]), []);
  });

  it('merges windows that merely touch', () => {
    assert.deepEqual(merges([w(10, 20), w(0, 10)]), ['0:10 + 10:20 -> 0:20']);
  });

  it('reports each group separately, sorted by start, whatever the input order', () => {
    assert.deepEqual(merges([w(50, 60), w(5, 15), w(100, 110), w(0, 10), w(55, 70), w(30, 35)]), [
      '0:10 + 5:15 -> 0:15',
      '50:60 + 55:70 -> 50:70',
    ]);
  });

  it('grows the cover as it goes, so a window reaching past the next one chains the group', () => {
    assert.deepEqual(merges([w(0, 100), w(10, 20), w(90, 150), w(140, 160)]), [
      '0:100 + 10:20 + 90:150 + 140:160 -> 0:160',
    ]);
  });

  it('counts equal windows once: a window equal to an existing one is no merge', () => {
    assert.deepEqual(merges([w(0, 10), w(0, 10)]), []);
    assert.deepEqual(merges([w(0, 10), w(5, 12), w(0, 10)]), ['0:10 + 5:12 -> 0:12']);
  });

  it('leaves the input array untouched', () => {
    const input = [w(5, 15), w(0, 10)];
    merges(input);
    assert.deepEqual(
      input.map((x) => x.key()),
      ['5:15', '0:10'],
    );
  });
});
