import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BarrierAligner } from './barrier-aligner.ts';

describe('BarrierAligner', () => {
  it('exactly-once: blocks each channel that delivered the barrier until all have', () => {
    const a = new BarrierAligner(3, true);
    assert.equal(a.onBarrier(1, 5), 'waiting');
    assert.deepEqual([...a.blocked], [0, 1, 0]);
    assert.equal(a.anyBlocked, true);
    assert.equal(a.onBarrier(0, 5), 'waiting');
    assert.deepEqual([...a.blocked], [1, 1, 0]);
    assert.equal(a.onBarrier(2, 5), 'aligned');
    assert.deepEqual([...a.blocked], [0, 0, 0], 'aligned: every channel is readable again');
    assert.equal(a.anyBlocked, false);
  });

  it('at-least-once: never blocks, aligns on the last barrier', () => {
    const a = new BarrierAligner(2, false);
    assert.equal(a.onBarrier(0, 1), 'waiting');
    assert.deepEqual([...a.blocked], [0, 0]);
    assert.equal(a.anyBlocked, false);
    assert.equal(a.onBarrier(1, 1), 'aligned');
  });

  it('an ended channel counts as aligned, also when it ends during an alignment', () => {
    const a = new BarrierAligner(3, true);
    a.onChannelEnded(2);
    assert.equal(a.onBarrier(0, 1), 'waiting');
    assert.equal(a.onChannelEnded(1), 'aligned');
    assert.equal(a.onBarrier(0, 2), 'aligned', 'the next checkpoint needs only the live channel');
  });

  it('a newer barrier abandons the alignment in progress; its late barriers are stale', () => {
    const a = new BarrierAligner(2, true);
    assert.equal(a.onBarrier(0, 1), 'waiting');
    assert.equal(a.onBarrier(0, 2), 'waiting');
    assert.equal(a.abandonedId, 1);
    assert.equal(a.onBarrier(1, 1), 'stale');
    assert.equal(a.onBarrier(1, 2), 'aligned');
  });

  it('an aborted checkpoint unblocks its channels', () => {
    const a = new BarrierAligner(2, true);
    a.onBarrier(0, 7);
    assert.equal(a.abort(7), true);
    assert.deepEqual([...a.blocked], [0, 0]);
    assert.equal(a.onBarrier(1, 7), 'stale');
  });
});
