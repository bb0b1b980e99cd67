/**
 * A timer queue for one time domain. Timers are unique per (key, time). They are grouped by time
 * into buckets (`KeyMap<keyGroup>`, in registration order, tuple keys equal by value); the buckets
 * sit in a binary min-heap ordered by time, and each bucket knows its heap index, so a bucket
 * emptied by deletes leaves the heap at once. Registering a timer at a time that already has one
 * costs two Map operations and allocates nothing; no key strings are built.
 */
import type { Key } from '../core/key.ts';
import { KeyMap } from '../core/key-map.ts';

class TimeBucket {
  readonly time: number;
  heapIndex = -1;
  readonly keys = new KeyMap<number>();

  constructor(time: number) {
    this.time = time;
  }
}

/** Called for each fired timer, in time order. */
export type FireTimer = (key: Key, keyGroup: number, time: number) => void;

export class TimerQueue {
  private readonly heap: TimeBucket[] = [];
  private readonly buckets = new Map<number, TimeBucket>();
  /** The bucket being fired: it stays in place (and takes same-time registrations) until done. */
  private firing: TimeBucket | undefined = undefined;
  private count = 0;

  /** Number of pending timers. */
  size(): number {
    return this.count;
  }

  /** The earliest pending time, or Infinity. */
  peekTime(): number {
    const top = this.heap[0];
    if (top === undefined) return Number.POSITIVE_INFINITY;
    if (top.keys.size > 0) return top.time;
    // Only the bucket being fired can be empty: look past it (rare).
    let min = Number.POSITIVE_INFINITY;
    for (const bucket of this.heap) if (bucket.keys.size > 0 && bucket.time < min) min = bucket.time;
    return min;
  }

  /** Adds a timer; returns false when it was already pending. */
  add(key: Key, keyGroup: number, time: number): boolean {
    let bucket = this.buckets.get(time);
    if (bucket === undefined) {
      bucket = new TimeBucket(time);
      this.buckets.set(time, bucket);
      bucket.heapIndex = this.heap.length;
      this.heap.push(bucket);
      this.siftUp(bucket.heapIndex);
    } else if (bucket.keys.has(key)) {
      return false;
    }
    bucket.keys.set(key, keyGroup);
    this.count++;
    return true;
  }

  /** Removes a pending timer; returns false when there was none. */
  delete(key: Key, time: number): boolean {
    const bucket = this.buckets.get(time);
    if (bucket === undefined || !bucket.keys.delete(key)) return false;
    this.count--;
    if (bucket.keys.size === 0 && bucket !== this.firing) this.removeBucket(bucket);
    return true;
  }

  /**
   * Fires every timer with time <= `limit`, earliest time first, each timer removed before `fire`
   * is called. Timers registered by `fire` at a time <= `limit` fire in the same call.
   */
  fireUntil(limit: number, fire: FireTimer): void {
    while (this.heap.length > 0) {
      const bucket = this.heap[0];
      if (bucket.time > limit) return;
      this.firing = bucket;
      try {
        // Map iteration is live: keys added for this time while firing are visited, deleted ones skipped.
        for (const [key, keyGroup] of bucket.keys) {
          bucket.keys.delete(key);
          this.count--;
          fire(key, keyGroup, bucket.time);
        }
      } finally {
        this.firing = undefined;
        if (bucket.keys.size === 0) this.removeBucket(bucket);
      }
    }
  }

  /** Calls `f` for every pending timer, in time order (registration order within a time). */
  forEach(f: (key: Key, keyGroup: number, time: number) => void): void {
    const sorted = this.heap.slice().sort((a, b) => a.time - b.time);
    for (const bucket of sorted) for (const [key, keyGroup] of bucket.keys) f(key, keyGroup, bucket.time);
  }

  clear(): void {
    this.heap.length = 0;
    this.buckets.clear();
    this.count = 0;
  }

  private removeBucket(bucket: TimeBucket): void {
    this.buckets.delete(bucket.time);
    const index = bucket.heapIndex;
    const last = this.heap.pop()!;
    bucket.heapIndex = -1;
    if (last === bucket) return;
    this.heap[index] = last;
    last.heapIndex = index;
    this.siftDown(index);
    this.siftUp(last.heapIndex);
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const bucket = heap[index];
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex];
      if (parent.time <= bucket.time) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = bucket;
    bucket.heapIndex = index;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    const bucket = heap[index];
    for (;;) {
      const left = 2 * index + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && heap[right].time < heap[left].time ? right : left;
      if (heap[child].time >= bucket.time) break;
      heap[index] = heap[child];
      heap[index].heapIndex = index;
      index = child;
    }
    heap[index] = bucket;
    bucket.heapIndex = index;
  }
}
