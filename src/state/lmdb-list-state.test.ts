import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { open } from 'lmdb';
import { ManualClock } from '../core/clock.ts';
import { HeapKeyedStateBackend } from './heap-keyed-state-backend.ts';
import { type InternalListState, VOID_NAMESPACE } from './internal-kv-state.ts';
import type { KeyedStateBackend } from './keyed-state-backend.ts';
import { LmdbKeyedStateBackend, type LmdbKeyedStateBackendOptions } from './lmdb-keyed-state-backend.ts';
import { ListStateDescriptor } from './state-descriptor.ts';
import { StateTtlConfig } from './state-ttl-config.ts';

/** The entries LMDB holds for state `name` of `b` (after writing out the cache), read through a second handle. */
function storedEntries(b: LmdbKeyedStateBackend, name: string): number {
  b.flush();
  const env = open({ path: b.path, readOnly: true, maxDbs: 256 });
  try {
    // Counted by reading the entries: the stats of a second handle can come from a stale read transaction.
    let n = 0;
    for (const _ of env.openDB({ name, encoding: 'binary', keyEncoding: 'binary' }).getRange()) n++;
    return n;
  } finally {
    env.close();
  }
}

describe('LMDB list state: one entry per element', () => {
  const created: KeyedStateBackend[] = [];
  afterEach(() => {
    for (const b of created.splice(0)) b.dispose();
  });
  const lmdb = (options: Partial<LmdbKeyedStateBackendOptions> = {}) => {
    const b = new LmdbKeyedStateBackend({
      maxParallelism: 128,
      keyGroupRange: { start: 0, end: 127 },
      clock: new ManualClock(0),
      ...options,
    });
    created.push(b);
    return b;
  };
  const heap = (range = { start: 0, end: 127 }) => {
    const b = new HeapKeyedStateBackend({
      maxParallelism: 128,
      keyGroupRange: range,
      clock: new ManualClock(0),
    });
    created.push(b);
    return b;
  };
  const listOf = (b: KeyedStateBackend, name = 'l') =>
    b.getListState(new ListStateDescriptor<unknown>(name)) as InternalListState<unknown>;

  it('stores each added element as its own entry, appended after the ones already written', () => {
    const b = lmdb();
    const list = listOf(b);
    b.setCurrentKey('k');
    list.add({ n: 1 });
    list.add({ n: 2 });
    assert.equal(storedEntries(b, 'l'), 2);
    b.setCurrentKey('k');
    list.add({ n: 3 });
    list.addAll([{ n: 4 }, { n: 5 }]);
    assert.equal(storedEntries(b, 'l'), 5, 'appending wrote the new elements only');
    assert.deepEqual([...list.get()], [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
    assert.equal(b.size(), 1, 'size counts lists, not elements');
  });

  it('keeps the order of adds over many flushes, with a write-through cache', () => {
    const b = lmdb({ writeBatchSize: 1 });
    const list = listOf(b);
    const expected: number[] = [];
    for (let i = 0; i < 50; i++) {
      b.setCurrentKey(i % 2 === 0 ? 'even' : 'odd');
      list.add(i);
      if (i % 2 === 0) expected.push(i);
    }
    b.setCurrentKey('even');
    assert.deepEqual([...list.get()], expected);
    assert.equal(storedEntries(b, 'l'), 50);
  });

  it('update and clear remove the stored elements, in the cache and in LMDB', () => {
    const b = lmdb();
    const list = listOf(b);
    b.setCurrentKey('k');
    list.addAll([1, 2, 3]);
    b.flush();
    b.setCurrentKey('k');
    list.update([7, 8]);
    assert.deepEqual([...list.get()], [7, 8], 'an update hides the stored elements before the flush');
    list.add(9);
    assert.equal(storedEntries(b, 'l'), 3);
    b.setCurrentKey('k');
    assert.deepEqual([...list.get()], [7, 8, 9]);
    list.clear();
    assert.deepEqual([...list.get()], []);
    assert.equal(storedEntries(b, 'l'), 0, 'a cleared list leaves no entry');
    assert.deepEqual([...b.keys('l')], []);
  });

  it('keeps each namespace its own list, and tells whether one has elements reading at most one', () => {
    const b = lmdb();
    const list = listOf(b);
    b.setCurrentKey('k');
    list.add('void');
    for (const ns of [10, 20, 30]) {
      list.setCurrentNamespace(ns);
      list.addAll([`${ns}a`, `${ns}b`]);
    }
    b.flush();
    b.setCurrentKey('k');
    list.setCurrentNamespace(20);
    list.clear();
    assert.deepEqual([...list.namespaces()].sort(), [10, 30]);
    b.flush();
    b.setCurrentKey('k');
    for (const [ns, expected] of [
      [10, ['10a', '10b']],
      [20, []],
      [30, ['30a', '30b']],
    ] as const) {
      list.setCurrentNamespace(ns);
      assert.deepEqual([...list.get()], expected);
    }
    const lmdbList = list as unknown as { hasElements(): boolean };
    list.setCurrentNamespace(20);
    assert.equal(lmdbList.hasElements(), false);
    list.setCurrentNamespace(30);
    assert.equal(lmdbList.hasElements(), true);
    list.setCurrentNamespace(VOID_NAMESPACE);
    assert.deepEqual([...b.keysInNamespace('l', 30)], ['k']);
    assert.equal(b.size(), 3, 'the void list and namespaces 10 and 30');
  });

  it('merges namespaces whose elements are partly in LMDB, partly cached, in order', () => {
    const b = lmdb();
    const list = listOf(b);
    b.setCurrentKey('k');
    list.setCurrentNamespace(1);
    list.addAll(['a1', 'a2']);
    list.setCurrentNamespace(2);
    list.add('b1');
    list.setCurrentNamespace(3);
    list.add('t1');
    b.flush();
    b.setCurrentKey('k');
    list.setCurrentNamespace(2);
    list.add('b2');
    list.mergeNamespaces(3, [1, 2]);
    list.setCurrentNamespace(3);
    assert.deepEqual([...list.get()], ['t1', 'a1', 'a2', 'b1', 'b2']);
    assert.deepEqual([...list.namespaces()], [3]);
    assert.equal(storedEntries(b, 'l'), 5, 'the sources are gone from LMDB');
  });

  it('snapshots lists as their elements, restored into the heap backend and back, and rescaled by key group', () => {
    const b = lmdb({ writeBatchSize: 2 });
    const list = listOf(b);
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (const [i, key] of keys.entries()) {
      b.setCurrentKey(key);
      list.addAll([i, { i }]);
      list.setCurrentNamespace(i * 10);
      list.add(`${key}-window`);
      list.setCurrentNamespace(VOID_NAMESPACE);
    }
    const snapshot = b.snapshot();
    const state = snapshot.states.find((s) => s.name === 'l')!;
    assert.equal(state.kind, 'list');
    const onHeap = heap();
    onHeap.restore([snapshot]);
    const back = lmdb();
    back.restore([onHeap.snapshot()]);
    // Two subtasks after rescaling: each takes its half of the key groups.
    const halves = [
      lmdb({ keyGroupRange: { start: 0, end: 63 } }),
      lmdb({ keyGroupRange: { start: 64, end: 127 } }),
    ];
    for (const half of halves) half.restore([snapshot]);
    for (const [i, key] of keys.entries()) {
      for (const target of [onHeap, back] as KeyedStateBackend[]) {
        const restored = listOf(target);
        target.setCurrentKey(key);
        assert.deepEqual([...restored.get()], [i, { i }], `${key} in the void namespace`);
        restored.setCurrentNamespace(i * 10);
        assert.deepEqual([...restored.get()], [`${key}-window`]);
        restored.setCurrentNamespace(VOID_NAMESPACE);
      }
    }
    let found = 0;
    for (const half of halves) {
      const restored = listOf(half);
      for (const key of half.keys('l')) {
        half.setCurrentKey(key);
        assert.deepEqual(
          [...restored.get()],
          [keys.indexOf(key as string), { i: keys.indexOf(key as string) }],
        );
        found++;
      }
    }
    assert.equal(found, keys.length, 'each key went to the subtask owning its key group');
    assert.equal(storedEntries(back, 'l'), keys.length * 3, 'restored as one entry per element');
  });

  it('removes expired elements one by one on cleanup, and rewrites a list whose read dropped some', () => {
    const clock = new ManualClock(0);
    const b = lmdb({ clock });
    const ttl = StateTtlConfig.newBuilder(100).build();
    const list = b.getListState(
      new ListStateDescriptor<string>('l').enableTimeToLive(ttl),
    ) as InternalListState<string>;
    b.setCurrentKey('x');
    list.add('old');
    b.setCurrentKey('y');
    list.add('old');
    clock.advanceBy(60);
    list.add('new');
    b.setCurrentKey('x');
    list.add('new');
    clock.advanceBy(60);
    b.cleanupExpired();
    assert.equal(storedEntries(b, 'l'), 2, 'each expired element was removed alone');
    b.setCurrentKey('y');
    assert.deepEqual([...list.get()], ['new']);
    clock.advanceBy(100);
    assert.deepEqual([...list.get()], []);
    assert.equal(storedEntries(b, 'l'), 1, 'the read removed the expired element');
  });
});
