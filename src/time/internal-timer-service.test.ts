import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Cancellable, ManualClock } from '../core/clock.ts';
import { isWeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import { HeapKeyedStateBackend } from '../state/heap-keyed-state-backend.ts';
import { assignToKeyGroup } from '../state/key-groups.ts';
import type { KeyGroupRange } from '../state/keyed-state-backend.ts';
import { ValueStateDescriptor } from '../state/state-descriptor.ts';
import { StateTtlConfig } from '../state/state-ttl-config.ts';
import { HeapInternalTimerService } from './internal-timer-service.ts';
import type { Triggerable } from './timer-service.ts';

type Fired = [domain: 'event' | 'processing', key: Key, time: number, currentKey: Key, currentGroup: number];

function setup(
  options: {
    keyGroupRange?: KeyGroupRange;
    onEventTime?: (key: Key, time: number) => void;
    onProcessingTime?: (key: Key, time: number) => void;
  } = {},
) {
  const clock = new ManualClock(0);
  const backend = new HeapKeyedStateBackend({
    maxParallelism: 128,
    keyGroupRange: options.keyGroupRange ?? { start: 0, end: 127 },
    clock,
  });
  const fired: Fired[] = [];
  const scheduled: number[] = [];
  const triggerable: Triggerable = {
    onEventTime: (key, time) => {
      fired.push(['event', key, time, backend.getCurrentKey(), backend.getCurrentKeyGroup()]);
      options.onEventTime?.(key, time);
    },
    onProcessingTime: (key, time) => {
      fired.push(['processing', key, time, backend.getCurrentKey(), backend.getCurrentKeyGroup()]);
      options.onProcessingTime?.(key, time);
    },
  };
  const timers = new HeapInternalTimerService({
    backend,
    clock,
    triggerable,
    onProcessingTimeTimerRegistered: (t) => scheduled.push(t),
  });
  const at = (key: Key) => {
    backend.setCurrentKey(key);
    return timers;
  };
  const firedTimers = () => fired.map(([domain, key, time]) => [domain, key, time]);
  return { clock, backend, timers, fired, firedTimers, scheduled, at };
}

describe('HeapInternalTimerService: event time', () => {
  it('fires each timer once when the watermark reaches its time, in time order', () => {
    const { timers, at, firedTimers } = setup();
    at('a').registerEventTimeTimer(30);
    at('b').registerEventTimeTimer(10);
    at('c').registerEventTimeTimer(20);
    at('a').registerEventTimeTimer(10);
    timers.advanceWatermark(9);
    assert.deepEqual(firedTimers(), []);
    timers.advanceWatermark(20);
    assert.deepEqual(firedTimers(), [
      ['event', 'b', 10],
      ['event', 'a', 10],
      ['event', 'c', 20],
    ]);
    timers.advanceWatermark(100);
    timers.advanceWatermark(200);
    assert.deepEqual(firedTimers().slice(3), [['event', 'a', 30]]);
    assert.equal(timers.numEventTimeTimers(), 0);
  });

  it('deduplicates timers per (key, time)', () => {
    const { timers, at, firedTimers } = setup();
    at('a').registerEventTimeTimer(10);
    at('a').registerEventTimeTimer(10);
    at(1).registerEventTimeTimer(10);
    at('1').registerEventTimeTimer(10);
    assert.equal(timers.numEventTimeTimers(), 3);
    timers.advanceWatermark(10);
    assert.deepEqual(firedTimers(), [
      ['event', 'a', 10],
      ['event', 1, 10],
      ['event', '1', 10],
    ]);
  });

  it('sets the backend current key and key group before firing', () => {
    const { timers, at, fired, backend } = setup();
    for (const key of ['a', 'b', 42, 7n] as Key[]) at(key).registerEventTimeTimer(5);
    backend.setCurrentKey('other');
    timers.advanceWatermark(5);
    assert.equal(fired.length, 4);
    for (const [, key, , currentKey, currentGroup] of fired) {
      assert.equal(currentKey, key);
      assert.equal(currentGroup, assignToKeyGroup(key, 128));
    }
  });

  it('lets a firing timer use keyed state of its key', () => {
    const counts = new ValueStateDescriptor('count', 0);
    const h = setup({
      onEventTime: () => {
        const count = h.backend.getState(counts);
        count.update(count.value() + 1);
      },
    });
    h.at('a').registerEventTimeTimer(1);
    h.at('a').registerEventTimeTimer(2);
    h.at('b').registerEventTimeTimer(2);
    h.timers.advanceWatermark(10);
    const count = h.backend.getState(counts);
    h.backend.setCurrentKey('a');
    assert.equal(count.value(), 2);
    h.backend.setCurrentKey('b');
    assert.equal(count.value(), 1);
  });

  it('deletes pending timers of the current key only', () => {
    const { timers, at, firedTimers } = setup();
    at('a').registerEventTimeTimer(10);
    at('b').registerEventTimeTimer(10);
    at('a').registerEventTimeTimer(20);
    at('a').deleteEventTimeTimer(10);
    at('a').deleteEventTimeTimer(99);
    at('c').deleteEventTimeTimer(20);
    assert.equal(timers.numEventTimeTimers(), 2);
    assert.deepEqual(timers.eventTimeTimers(), [
      ['b', 10],
      ['a', 20],
    ]);
    timers.advanceWatermark(30);
    assert.deepEqual(firedTimers(), [
      ['event', 'b', 10],
      ['event', 'a', 20],
    ]);
  });

  it('fires timers registered while firing when their time is <= the watermark, in the same call', () => {
    const h = setup({
      onEventTime: (key, time) => {
        if (key === 'a' && time === 10) {
          h.timers.registerEventTimeTimer(15); // key a, later than now, before the watermark
          h.backend.setCurrentKey('b');
          h.timers.registerEventTimeTimer(10); // same time as the firing one
          h.backend.setCurrentKey('c');
          h.timers.registerEventTimeTimer(5); // earlier than the firing one
          h.timers.registerEventTimeTimer(100); // beyond the watermark
        }
      },
    });
    h.at('a').registerEventTimeTimer(10);
    h.at('z').registerEventTimeTimer(20);
    h.timers.advanceWatermark(50);
    assert.deepEqual(h.firedTimers(), [
      ['event', 'a', 10],
      ['event', 'b', 10],
      ['event', 'c', 5],
      ['event', 'a', 15],
      ['event', 'z', 20],
    ]);
    assert.deepEqual(h.timers.eventTimeTimers(), [['c', 100]]);
  });

  it('fires a timer re-registered for a later time by its own firing at that time', () => {
    const h = setup({
      onEventTime: (_key, time) => {
        if (time < 40) h.timers.registerEventTimeTimer(time + 10);
      },
    });
    h.at('a').registerEventTimeTimer(10);
    h.timers.advanceWatermark(25);
    assert.deepEqual(h.firedTimers(), [
      ['event', 'a', 10],
      ['event', 'a', 20],
    ]);
    assert.deepEqual(h.timers.eventTimeTimers(), [['a', 30]]);
  });

  it('skips a same-time timer deleted by an earlier one while firing', () => {
    const h = setup({
      onEventTime: (key) => {
        if (key === 'a') {
          h.backend.setCurrentKey('b');
          h.timers.deleteEventTimeTimer(10);
        }
      },
    });
    h.at('a').registerEventTimeTimer(10);
    h.at('b').registerEventTimeTimer(10);
    h.at('c').registerEventTimeTimer(10);
    h.timers.advanceWatermark(10);
    assert.deepEqual(h.firedTimers(), [
      ['event', 'a', 10],
      ['event', 'c', 10],
    ]);
    assert.equal(h.timers.numEventTimeTimers(), 0);
  });

  it('tracks the watermark: -Infinity at first, never backwards', () => {
    const { timers, at, firedTimers } = setup();
    assert.equal(timers.currentWatermark(), Number.NEGATIVE_INFINITY);
    timers.advanceWatermark(100);
    timers.advanceWatermark(50);
    assert.equal(timers.currentWatermark(), 100);
    at('a').registerEventTimeTimer(80);
    timers.advanceWatermark(60);
    assert.deepEqual(
      firedTimers(),
      [['event', 'a', 80]],
      'a timer behind the watermark fires at the next advance',
    );
  });

  it('advances the backend event time for event-time TTL before firing', () => {
    const ttl = StateTtlConfig.newBuilder(100).useEventTime().build();
    const d = new ValueStateDescriptor<number>('v').enableTimeToLive(ttl);
    const seen: Array<number | undefined> = [];
    const h = setup({ onEventTime: () => seen.push(h.backend.getState(d).value()) });
    h.timers.advanceWatermark(0);
    h.at('a');
    h.backend.getState(d).update(1);
    h.timers.registerEventTimeTimer(99);
    h.timers.registerEventTimeTimer(100);
    h.timers.advanceWatermark(99);
    h.timers.advanceWatermark(100);
    assert.deepEqual(seen, [1, undefined]);
  });

  it('fires timers at Infinity on the final watermark, and rejects NaN', () => {
    const { timers, at, firedTimers } = setup();
    at('a').registerEventTimeTimer(Number.POSITIVE_INFINITY);
    timers.advanceWatermark(Number.MAX_SAFE_INTEGER);
    assert.deepEqual(firedTimers(), []);
    timers.advanceWatermark(Number.POSITIVE_INFINITY);
    assert.deepEqual(firedTimers(), [['event', 'a', Number.POSITIVE_INFINITY]]);
    assert.throws(
      () => at('a').registerEventTimeTimer(Number.NaN),
      (e) => isWeirError(e, 'TIMER_ERROR'),
    );
  });

  it('needs a current key to register', () => {
    const { timers } = setup();
    assert.throws(
      () => timers.registerEventTimeTimer(1),
      (e) => isWeirError(e, 'STATE_ERROR'),
    );
  });

  it('keeps time order over many timers registered and deleted at random', () => {
    const { timers, at, firedTimers } = setup();
    let seed = 12345;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const expected = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const key = `k${Math.floor(random() * 50)}`;
      const time = Math.floor(random() * 500);
      if (random() < 0.3) {
        at(key).deleteEventTimeTimer(time);
        expected.delete(`${key}@${time}`);
      } else {
        at(key).registerEventTimeTimer(time);
        expected.set(`${key}@${time}`, time);
      }
    }
    assert.equal(timers.numEventTimeTimers(), expected.size);
    timers.advanceWatermark(250);
    timers.advanceWatermark(1000);
    const fired = firedTimers();
    assert.equal(fired.length, expected.size);
    assert.deepEqual(
      new Set(fired.map(([, key, time]) => `${String(key)}@${time}`)),
      new Set(expected.keys()),
    );
    for (let i = 1; i < fired.length; i++) assert.ok((fired[i - 1][2] as number) <= (fired[i][2] as number));
  });
});

describe('HeapInternalTimerService: processing time', () => {
  it('fires processing-time timers as processing time advances, driven by a manual clock', () => {
    const clock = new ManualClock(0);
    const backend = new HeapKeyedStateBackend({
      maxParallelism: 128,
      keyGroupRange: { start: 0, end: 127 },
      clock,
    });
    const fired: Array<[Key, number, Key]> = [];
    const reported: number[] = [];
    // The runtime's part: one clock callback at the earliest timer; after firing, reschedule for the next.
    let scheduledAt = Number.POSITIVE_INFINITY;
    let scheduled: Cancellable | undefined;
    const schedule = (time: number) => {
      scheduled?.cancel();
      scheduledAt = time;
      scheduled = clock.schedule(time, () => {
        scheduledAt = Number.POSITIVE_INFINITY;
        timers.advanceProcessingTime(clock.now());
        const next = timers.nextProcessingTime();
        if (next < Number.POSITIVE_INFINITY) schedule(next);
      });
    };
    const timers: HeapInternalTimerService = new HeapInternalTimerService({
      backend,
      clock,
      triggerable: {
        onEventTime: () => assert.fail('no event-time timer was registered'),
        onProcessingTime: (key, time) => fired.push([key, time, backend.getCurrentKey()]),
      },
      onProcessingTimeTimerRegistered: (t) => {
        reported.push(t);
        if (t < scheduledAt) schedule(t);
      },
    });
    backend.setCurrentKey('a');
    timers.registerProcessingTimeTimer(1_000);
    timers.registerProcessingTimeTimer(500);
    backend.setCurrentKey('b');
    timers.registerProcessingTimeTimer(700);
    assert.equal(timers.nextProcessingTime(), 500);
    assert.equal(timers.currentProcessingTime(), 0);
    clock.advanceTo(499);
    assert.deepEqual(fired, []);
    clock.advanceTo(800);
    assert.deepEqual(fired, [
      ['a', 500, 'a'],
      ['b', 700, 'b'],
    ]);
    assert.equal(timers.currentProcessingTime(), 800);
    clock.advanceTo(1_000);
    assert.deepEqual(fired.slice(2), [['a', 1_000, 'a']]);
    assert.equal(timers.nextProcessingTime(), Number.POSITIVE_INFINITY);
    assert.equal(timers.numProcessingTimeTimers(), 0);
    assert.deepEqual(reported, [1_000, 500], 'reported only when a registration made the earliest earlier');
    assert.equal(clock.pending(), 0, 'no clock callback left behind');
  });

  it('reports a registration only when it makes the earliest processing-time timer earlier', () => {
    const { timers, at, scheduled } = setup();
    at('a').registerProcessingTimeTimer(100);
    at('b').registerProcessingTimeTimer(200);
    at('c').registerProcessingTimeTimer(100);
    at('a').registerProcessingTimeTimer(100);
    at('a').registerProcessingTimeTimer(50);
    assert.deepEqual(scheduled, [100, 50]);
    timers.advanceProcessingTime(60);
    assert.deepEqual(scheduled, [100, 50], 'firing makes the earliest later: nothing to report');
    assert.equal(timers.nextProcessingTime(), 100);
    at('d').registerProcessingTimeTimer(80);
    assert.deepEqual(scheduled, [100, 50, 80]);
    at('d').deleteProcessingTimeTimer(80);
    at('a').deleteProcessingTimeTimer(100);
    at('c').deleteProcessingTimeTimer(100);
    at('b').deleteProcessingTimeTimer(200);
    at('e').registerProcessingTimeTimer(300);
    assert.deepEqual(
      scheduled,
      [100, 50, 80, 300],
      'after deletes, the earliest is compared with what is pending',
    );
  });

  it('deduplicates, deletes and lists processing-time timers, apart from event-time ones', () => {
    const { timers, at, firedTimers } = setup();
    at('a').registerProcessingTimeTimer(10);
    at('a').registerProcessingTimeTimer(10);
    at('a').registerEventTimeTimer(10);
    at('b').registerProcessingTimeTimer(5);
    at('b').registerProcessingTimeTimer(20);
    at('b').deleteProcessingTimeTimer(20);
    assert.deepEqual(timers.processingTimeTimers(), [
      ['b', 5],
      ['a', 10],
    ]);
    assert.equal(timers.numProcessingTimeTimers(), 2);
    assert.equal(timers.numEventTimeTimers(), 1);
    timers.advanceProcessingTime(100);
    assert.deepEqual(firedTimers(), [
      ['processing', 'b', 5],
      ['processing', 'a', 10],
    ]);
    assert.equal(timers.numEventTimeTimers(), 1);
  });
});

describe('HeapInternalTimerService: snapshot and restore', () => {
  it('snapshots timers per key group and restores only the groups a backend owns', () => {
    const source = setup();
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    keys.forEach((key, i) => {
      source.at(key).registerEventTimeTimer(100 + i);
      source.at(key).registerProcessingTimeTimer(1000 + i);
    });
    const snapshot = JSON.parse(JSON.stringify(source.timers.snapshot()));
    for (const group of snapshot.keyGroups) {
      for (const [key] of group.eventTime) assert.equal(assignToKeyGroup(key, 128), group.keyGroup);
    }

    const left = setup({ keyGroupRange: { start: 0, end: 63 } });
    const right = setup({ keyGroupRange: { start: 64, end: 127 } });
    left.timers.restore([snapshot]);
    right.timers.restore([snapshot]);
    const inLeft = keys.filter((k) => assignToKeyGroup(k, 128) <= 63);
    assert.equal(left.timers.numEventTimeTimers(), inLeft.length);
    assert.equal(left.timers.numProcessingTimeTimers(), inLeft.length);
    assert.equal(right.timers.numEventTimeTimers(), keys.length - inLeft.length);
    assert.equal(
      left.scheduled[0],
      1000 + keys.indexOf(inLeft[0]),
      'the earliest restored processing timer is reported',
    );

    left.timers.advanceWatermark(1_000);
    left.timers.advanceProcessingTime(10_000);
    const expected = inLeft.flatMap((k) => [['event', k, 100 + keys.indexOf(k)]]);
    const expectedProcessing = inLeft.map((k) => ['processing', k, 1000 + keys.indexOf(k)]);
    assert.deepEqual(left.firedTimers(), [...expected, ...expectedProcessing]);
    for (const [, key, , currentKey] of left.fired) assert.equal(currentKey, key);
  });

  it('replaces pending timers on restore', () => {
    const h = setup();
    h.at('a').registerEventTimeTimer(10);
    const snapshot = h.timers.snapshot();
    h.at('b').registerEventTimeTimer(10);
    h.timers.restore([snapshot]);
    assert.deepEqual(h.timers.eventTimeTimers(), [['a', 10]]);
  });
});

describe('HeapInternalTimerService: tuple keys', () => {
  it('deduplicates, deletes and fires timers of equal tuples as one key', () => {
    const h = setup();
    h.at(['eu', 7]).registerEventTimeTimer(10);
    h.at(['eu', 7]).registerEventTimeTimer(10);
    h.at(['eu', 8]).registerEventTimeTimer(10);
    h.at(['eu', null]).registerEventTimeTimer(20);
    assert.equal(h.timers.numEventTimeTimers(), 3);
    h.at(['eu', 8]).deleteEventTimeTimer(10);
    h.timers.advanceWatermark(100);
    assert.deepEqual(h.firedTimers(), [
      ['event', ['eu', 7], 10],
      ['event', ['eu', null], 20],
    ]);
    for (const [, key, , currentKey, currentGroup] of h.fired) {
      assert.deepEqual(currentKey, key);
      assert.equal(currentGroup, assignToKeyGroup(key, 128));
    }
  });

  it('restores tuple-keyed timers from a snapshot that went through msgpack, into the owning backend', async () => {
    const { msgpackr, strictPackrOptions } = await import('../core/msgpack.ts');
    const packr = new (msgpackr().Packr)(strictPackrOptions({ structuredClone: true }));
    const source = setup();
    const keys: Key[] = Array.from({ length: 30 }, (_, i) => [
      `k${i % 5}`,
      i,
      i % 3 === 0 ? null : BigInt(i),
    ]);
    keys.forEach((key, i) => source.at(key).registerEventTimeTimer(100 + i));
    const snapshot = packr.unpack(packr.pack(source.timers.snapshot()));
    const left = setup({ keyGroupRange: { start: 0, end: 63 } });
    left.timers.restore([snapshot]);
    const inLeft = keys.filter((k) => assignToKeyGroup(k, 128) <= 63);
    assert.ok(inLeft.length > 5 && inLeft.length < keys.length);
    left.timers.advanceWatermark(1_000);
    assert.deepEqual(
      left.firedTimers(),
      inLeft.map((k) => ['event', k, 100 + keys.indexOf(k)]),
    );
  });
});
