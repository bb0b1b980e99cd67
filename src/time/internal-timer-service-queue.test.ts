import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TimerQueue } from './internal-timer-service-queue.ts';

describe('TimerQueue', () => {
  it('keeps the earliest pending time on top through random adds and deletes', () => {
    const queue = new TimerQueue();
    const model = new Map<string, number>();
    let seed = 7;
    const random = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
    for (let i = 0; i < 5_000; i++) {
      const key = `k${random(20)}`;
      const time = random(300);
      const id = `${key}@${time}`;
      if (random(10) < 4) assert.equal(queue.delete(key, time), model.delete(id));
      else {
        assert.equal(queue.add(key, 0, time), !model.has(id));
        model.set(id, time);
      }
      const earliest = model.size === 0 ? Number.POSITIVE_INFINITY : Math.min(...model.values());
      assert.equal(queue.peekTime(), earliest);
      assert.equal(queue.size(), model.size);
    }
  });

  it('passes each timer its key group, and lists timers in time order', () => {
    const queue = new TimerQueue();
    queue.add('b', 7, 20);
    queue.add('a', 3, 10);
    queue.add('c', 9, 10);
    const listed: unknown[] = [];
    queue.forEach((key, group, time) => {
      listed.push([key, group, time]);
    });
    assert.deepEqual(listed, [
      ['a', 3, 10],
      ['c', 9, 10],
      ['b', 7, 20],
    ]);
    const fired: unknown[] = [];
    queue.fireUntil(15, (key, group, time) => fired.push([key, group, time]));
    assert.deepEqual(fired, listed.slice(0, 2));
    assert.equal(queue.peekTime(), 20);
  });

  it('reports the next time correctly while its top bucket fires its last timer', () => {
    const queue = new TimerQueue();
    queue.add('a', 0, 10);
    queue.add('b', 0, 30);
    const seen: number[] = [];
    queue.fireUntil(10, () => {
      seen.push(queue.peekTime());
      queue.add('c', 0, 20);
      seen.push(queue.peekTime());
    });
    assert.deepEqual(seen, [30, 20]);
  });

  it('keeps a failing timer removed and the rest pending', () => {
    const queue = new TimerQueue();
    queue.add('a', 0, 10);
    queue.add('b', 0, 10);
    assert.throws(() =>
      queue.fireUntil(10, (key) => {
        if (key === 'a') throw new Error('boom');
      }),
    );
    assert.equal(queue.size(), 1);
    const fired: unknown[] = [];
    queue.fireUntil(10, (key) => fired.push(key));
    assert.deepEqual(fired, ['b']);
    assert.equal(queue.peekTime(), Number.POSITIVE_INFINITY);
  });
});
