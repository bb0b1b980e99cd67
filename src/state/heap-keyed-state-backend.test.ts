import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeTaskState, encodeTaskState } from '../checkpoint/task-state.ts';
import { ManualClock } from '../core/clock.ts';
import { isWeirError } from '../core/errors.ts';
import { HeapKeyedStateBackend } from './heap-keyed-state-backend.ts';
import type { HeapKeyedStateSnapshot } from './heap-keyed-state-snapshot.ts';
import { type InternalValueState, VOID_NAMESPACE } from './internal-kv-state.ts';
import { assignToKeyGroup } from './key-groups.ts';
import { keyedStateBackendContract } from './keyed-state-backend.contract.ts';
import { LmdbKeyedStateBackend } from './lmdb-keyed-state-backend.ts';
import { ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from './state-descriptor.ts';
import { StateTtlConfig } from './state-ttl-config.ts';

keyedStateBackendContract('heap', (options) => new HeapKeyedStateBackend(options));

const full = () =>
  new HeapKeyedStateBackend({
    maxParallelism: 128,
    keyGroupRange: { start: 0, end: 127 },
    clock: new ManualClock(0),
  });

describe('HeapKeyedStateBackend', () => {
  it('validates its options', () => {
    const clock = new ManualClock();
    const invalid = (e: unknown) => isWeirError(e, 'INVALID_ARGUMENT');
    assert.throws(
      () => new HeapKeyedStateBackend({ maxParallelism: 0, keyGroupRange: { start: 0, end: 0 }, clock }),
      invalid,
    );
    assert.throws(
      () => new HeapKeyedStateBackend({ maxParallelism: 128, keyGroupRange: { start: 10, end: 9 }, clock }),
      invalid,
    );
    assert.throws(
      () => new HeapKeyedStateBackend({ maxParallelism: 128, keyGroupRange: { start: 0, end: 128 }, clock }),
      invalid,
    );
  });

  it('returns the stored array from a list state without TTL (no copy)', () => {
    const b = full();
    const l = b.getListState(new ListStateDescriptor<number>('l'));
    b.setCurrentKey('a');
    l.add(1);
    assert.equal(l.get(), l.get());
  });

  it('rejects undefined list elements', () => {
    const b = full();
    const l = b.getListState(new ListStateDescriptor<number | undefined>('l'));
    b.setCurrentKey('a');
    assert.throws(
      () => l.add(undefined),
      (e) => isWeirError(e, 'STATE_ERROR') && /"l"/.test(e.message),
    );
  });

  it('rejects a non-positive time to live when the state is created', () => {
    const b = full();
    const d = new ValueStateDescriptor<number>('v').enableTimeToLive(StateTtlConfig.newBuilder(0).build());
    assert.throws(
      () => b.getState(d),
      (e) => isWeirError(e, 'INVALID_ARGUMENT') && /"v"/.test(e.message),
    );
  });

  it('snapshots plain data grouped by key group, which survives a JSON round trip', () => {
    const b = full();
    const v = b.getState(new ValueStateDescriptor<number>('v'));
    const m = b.getMapState(new MapStateDescriptor<string, number>('m'));
    const t = b.getListState(
      new ListStateDescriptor<string>('t').enableTimeToLive(StateTtlConfig.newBuilder(1_000).build()),
    );
    b.setCurrentKey('a');
    v.update(1);
    m.put('x', 2);
    t.add('e');
    const snapshot = b.snapshot();
    const group = assignToKeyGroup('a', 128);
    assert.deepEqual(snapshot, {
      maxParallelism: 128,
      keyGroupRange: { start: 0, end: 127 },
      states: [
        { name: 'v', kind: 'value', ttl: false, keyGroups: [{ keyGroup: group, entries: [['a', 1]] }] },
        {
          name: 'm',
          kind: 'map',
          ttl: false,
          keyGroups: [{ keyGroup: group, entries: [['a', [['x', 2]]]] }],
        },
        {
          name: 't',
          kind: 'list',
          ttl: true,
          keyGroups: [{ keyGroup: group, entries: [['a', [{ value: 'e', timestamp: 0 }]]] }],
        },
      ],
    });
    const copy = full();
    copy.restore([JSON.parse(JSON.stringify(snapshot)) as HeapKeyedStateSnapshot]);
    copy.setCurrentKey('a');
    assert.equal(copy.getState(new ValueStateDescriptor<number>('v')).value(), 1);
    assert.equal(copy.getMapState(new MapStateDescriptor<string, number>('m')).get('x'), 2);
  });

  it('snapshots a key group of numbers as one typed array, which restores through a state file into both backends', async () => {
    const b = full();
    const counts = b.getState(new ValueStateDescriptor<number>('counts'));
    const mixed = b.getState(new ValueStateDescriptor<number>('mixed'));
    for (let k = 0; k < 500; k++) {
      b.setCurrentKey(k);
      counts.update(k * 2 + 0.5);
      mixed.update(k);
    }
    b.setCurrentKey('text');
    mixed.update(7); // a string key: that group keeps its pairs
    const snapshot = b.snapshot();
    const countGroups = snapshot.states.find((s) => s.name === 'counts')!.keyGroups;
    assert.ok(countGroups.length > 0);
    for (const g of countGroups) {
      assert.ok(g.numbers instanceof Float64Array);
      assert.deepEqual(g.entries, []);
    }
    const textGroup = assignToKeyGroup('text', 128);
    const mixedText = snapshot.states
      .find((s) => s.name === 'mixed')!
      .keyGroups.find((g) => g.keyGroup === textGroup)!;
    assert.equal(mixedText.numbers, undefined);
    assert.ok(mixedText.entries.some(([key]) => key === 'text'));
    // Through the checkpoint file codec, into a heap and an LMDB backend.
    const decoded = decodeTaskState(
      encodeTaskState({ vertex: 'v', subtask: 0, parallelism: 1, operators: { op: { keyed: snapshot } } }),
    ).operators.op.keyed!;
    const heap = full();
    const lmdb = new LmdbKeyedStateBackend({
      maxParallelism: 128,
      keyGroupRange: { start: 0, end: 127 },
      clock: new ManualClock(0),
    });
    try {
      for (const restored of [heap, lmdb]) {
        restored.restore([decoded]);
        const c = restored.getState(new ValueStateDescriptor<number>('counts'));
        const m = restored.getState(new ValueStateDescriptor<number>('mixed'));
        for (let k = 0; k < 500; k++) {
          restored.setCurrentKey(k);
          assert.equal(c.value(), k * 2 + 0.5);
          assert.equal(m.value(), k);
        }
        restored.setCurrentKey('text');
        assert.equal(m.value(), 7);
      }
    } finally {
      lmdb.dispose();
    }
  });

  it('snapshots the values of the moment, namespaced ones beside them, and no emptied namespace', () => {
    const b = full();
    const v = b.getState(new ValueStateDescriptor<number>('v')) as InternalValueState<number>;
    b.setCurrentKey('a');
    v.update(1);
    v.setCurrentNamespace(7);
    v.update(2);
    v.setCurrentNamespace(8);
    v.update(3);
    v.clear(); // namespace 8 is empty again: it must not appear
    v.setCurrentNamespace(VOID_NAMESPACE);
    const snapshot = b.snapshot();
    // Later writes do not reach the snapshot's pairs (they are not the store's).
    v.update(10);
    b.setCurrentKey('b');
    v.update(20);
    const group = assignToKeyGroup('a', 128);
    assert.deepEqual(snapshot.states[0].keyGroups, [
      { keyGroup: group, entries: [['a', 1]], namespaced: [['a', 7, 2]] },
    ]);
    const copy = full();
    copy.restore([snapshot]);
    const w = copy.getState(new ValueStateDescriptor<number>('v')) as InternalValueState<number>;
    copy.setCurrentKey('a');
    assert.equal(w.value(), 1);
    w.setCurrentNamespace(7);
    assert.equal(w.value(), 2);
    w.setCurrentNamespace(8);
    assert.equal(w.value(), undefined);
    w.setCurrentNamespace(VOID_NAMESPACE);
    copy.setCurrentKey('b');
    assert.equal(w.value(), undefined);
  });

  it('keeps restored state that no operator asked for in the next snapshot', () => {
    const b = full();
    const v = b.getState(new ValueStateDescriptor<number>('old'));
    b.setCurrentKey('a');
    v.update(1);
    const restored = full();
    restored.restore([b.snapshot()]);
    assert.deepEqual(restored.stateNames(), ['old']);
    assert.deepEqual(restored.snapshot().states, b.snapshot().states);
  });

  it('restored state registered with another kind is an error naming the state', () => {
    const b = full();
    b.getState(new ValueStateDescriptor<number>('s'));
    b.setCurrentKey('a');
    b.getState(new ValueStateDescriptor<number>('s')).update(1);
    const restored = full();
    restored.restore([b.snapshot()]);
    assert.throws(
      () => restored.getListState(new ListStateDescriptor<number>('s')),
      (e) => isWeirError(e, 'STATE_ERROR') && /"s"/.test(e.message),
    );
  });

  it('adds a TTL to restored state that had none, stamped at restore, and drops one that was removed', () => {
    const clock = new ManualClock(1_000);
    const b = new HeapKeyedStateBackend({
      maxParallelism: 128,
      keyGroupRange: { start: 0, end: 127 },
      clock,
    });
    const l = b.getListState(new ListStateDescriptor<number>('l'));
    b.setCurrentKey('a');
    l.addAll([1, 2]);
    const withTtl = new HeapKeyedStateBackend({
      maxParallelism: 128,
      keyGroupRange: { start: 0, end: 127 },
      clock,
    });
    withTtl.restore([b.snapshot()]);
    clock.advanceTo(2_000);
    const tl = withTtl.getListState(
      new ListStateDescriptor<number>('l').enableTimeToLive(StateTtlConfig.newBuilder(100).build()),
    );
    withTtl.setCurrentKey('a');
    assert.deepEqual([...tl.get()], [1, 2]);
    clock.advanceTo(2_100);
    assert.deepEqual([...tl.get()], []);

    tl.add(3);
    const withoutTtl = new HeapKeyedStateBackend({
      maxParallelism: 128,
      keyGroupRange: { start: 0, end: 127 },
      clock,
    });
    withoutTtl.restore([withTtl.snapshot()]);
    clock.advanceTo(1_000_000);
    withoutTtl.setCurrentKey('a');
    assert.deepEqual([...withoutTtl.getListState(new ListStateDescriptor<number>('l')).get()], [3]);
  });

  it('forgets all state on dispose', () => {
    const b = full();
    b.setCurrentKey('a');
    b.getState(new ValueStateDescriptor<number>('v')).update(1);
    b.dispose();
    assert.equal(b.size(), 0);
    assert.throws(
      () => b.getCurrentKey(),
      (e) => isWeirError(e, 'STATE_ERROR'),
    );
  });
});
