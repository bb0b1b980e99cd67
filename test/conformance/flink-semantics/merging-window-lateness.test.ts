/**
 * Flink conformance: with merging (session) windows, lateness is judged on the window an element
 * ends up in after merging, not on the element's own window. A record whose own session window is
 * already past the allowed lateness, but which joins a session that is still kept, extends that
 * session (and fires it when its end has passed); it is not late.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DataStream, EventTimeSessionWindows, OutputTag } from 'weir';
import { windowHarness } from 'weir/testing';
import { type Ev, show, sum } from '../window-support.ts';

async function sessions(gap: number, lateness: number, late: OutputTag<Ev>) {
  return windowHarness((s: DataStream<Ev>) =>
    s
      .keyBy((e) => e.k)
      .window(EventTimeSessionWindows.withGap(gap))
      .allowedLateness(lateness)
      .sideOutputLateData(late)
      .aggregate(sum, show),
  );
}

describe('Flink semantics: lateness of merging windows is judged on the merged window', () => {
  it('a record whose own session is late but which joins a live session extends it, and the session fires at its new end', async () => {
    const late = new OutputTag<Ev>('late');
    const h = await sessions(10, 0, late);
    h.processElement({ k: 'a', v: 1 }, 20); // session [20, 30)
    h.processWatermark(25);
    // Its own window [12, 22) ends before the watermark (21 <= 25), but it overlaps [20, 30).
    h.processElement({ k: 'a', v: 2 }, 12);
    assert.deepEqual(h.getSideOutput(late), [], 'not late');
    assert.deepEqual(h.extractOutputValues(), []);
    h.processWatermark(29);
    assert.deepEqual(h.extractOutputValues(), ['a [12,30) 3']);
    assert.deepEqual(h.getSideOutput(late), []);
  });

  it('within the allowed lateness: the record extends a session that already fired, and fires it again at once', async () => {
    const late = new OutputTag<Ev>('late');
    const h = await sessions(10, 10, late);
    h.processElement({ k: 'a', v: 1 }, 20); // session [20, 30), kept until the watermark reaches 39
    h.processWatermark(35);
    assert.deepEqual(h.extractOutputValues(), ['a [20,30) 1']);
    // Its own window [15, 25) is past the lateness (24 + 10 <= 35); the merged [15, 30) is not (39 > 35).
    h.processElement({ k: 'a', v: 2 }, 15);
    assert.deepEqual(h.getSideOutput(late), [], 'not late');
    assert.deepEqual(h.extractOutputValues(), ['a [20,30) 1', 'a [15,30) 3']);
  });

  it('a record whose own session is late and which joins no session is late', async () => {
    const late = new OutputTag<Ev>('late');
    const h = await sessions(10, 0, late);
    h.processElement({ k: 'a', v: 1 }, 40); // session [40, 50)
    h.processWatermark(25);
    h.processElement({ k: 'a', v: 2 }, 12); // [12, 22): late, and apart from [40, 50)
    assert.deepEqual(h.getSideOutput(late), [{ k: 'a', v: 2 }]);
    h.processWatermark(49);
    assert.deepEqual(h.extractOutputValues(), ['a [40,50) 1']);
  });
});
