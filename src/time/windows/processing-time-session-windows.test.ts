import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import { ProcessingTimeSessionWindows } from './processing-time-session-windows.ts';
import { ProcessingTimeTrigger } from './processing-time-trigger.ts';
import { isMergingAssigner } from './window-assigner.ts';

const at = (now: number) => ({ getCurrentProcessingTime: () => now });

describe('ProcessingTimeSessionWindows', () => {
  it('gives each element the window [now, now + gap), ignoring its timestamp', () => {
    const [w] = ProcessingTimeSessionWindows.withGap(1_000).assignWindows('x', NO_TIMESTAMP, at(42));
    assert.deepEqual([w.start, w.end], [42, 1_042]);
  });

  it('computes the gap per element with a dynamic gap extractor, and validates it', () => {
    const sessions = ProcessingTimeSessionWindows.withDynamicGap((s: string) => s.length * 10);
    const [w] = sessions.assignWindows('abc', 0, at(100));
    assert.deepEqual([w.start, w.end], [100, 130]);
    assert.throws(
      () => sessions.assignWindows('', 0, at(100)),
      (e) => isWeirError(e, 'INVALID_ARGUMENT') && /""/.test(e.message),
    );
  });

  it('merges overlapping and touching sessions', () => {
    const sessions = ProcessingTimeSessionWindows.withGap(10);
    const windows = [0, 10, 25, 30].map((now) => sessions.assignWindows('x', 0, at(now))[0]);
    const merged: string[] = [];
    sessions.mergeWindows(windows, { merge: (m, c) => merged.push(`${m.length} -> ${c.key()}`) });
    assert.deepEqual(merged, ['2 -> 0:20', '2 -> 25:40']);
  });

  it('is a merging processing-time assigner with the processing-time trigger by default', () => {
    const sessions = ProcessingTimeSessionWindows.withGap(10);
    assert.equal(isMergingAssigner(sessions), true);
    assert.equal(sessions.isEventTime(), false);
    assert.ok(sessions.getDefaultTrigger() instanceof ProcessingTimeTrigger);
    assert.throws(
      () => ProcessingTimeSessionWindows.withGap(0),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
  });
});
