import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../core/errors.ts';
import {
  type OperatorStateSnapshot,
  OperatorStateStore,
  redistributeOperatorState,
} from './operator-state-store.ts';
import { ListStateDescriptor, MapStateDescriptor } from './state-descriptor.ts';
import { StateTtlConfig } from './state-ttl-config.ts';

const offsets = () => new ListStateDescriptor<number>('offsets');

describe('OperatorStateStore', () => {
  it('holds one list per name, with no current key needed', () => {
    const store = new OperatorStateStore();
    const list = store.getListState(offsets());
    assert.deepEqual([...list.get()], []);
    list.add(1);
    list.addAll([2, 3]);
    assert.equal(store.getListState(offsets()), list, 'the same name gives the same state');
    assert.deepEqual([...list.get()], [1, 2, 3]);
    list.addAll(list.get());
    assert.deepEqual([...list.get()], [1, 2, 3, 1, 2, 3]);
    list.update([9]);
    assert.deepEqual([...list.get()], [9]);
    list.clear();
    assert.deepEqual([...list.get()], []);
  });

  it('rejects a name used as both split and union list, undefined elements, TTL and non-list descriptors', () => {
    const store = new OperatorStateStore();
    store.getListState(offsets());
    assert.throws(
      () => store.getUnionListState(offsets()),
      (e) => isWeirError(e, 'STATE_ERROR') && /"offsets"/.test(e.message),
    );
    assert.throws(
      () => store.getListState(offsets()).add(undefined as unknown as number),
      (e) => isWeirError(e, 'STATE_ERROR'),
    );
    const withTtl = new ListStateDescriptor<number>('t').enableTimeToLive(
      StateTtlConfig.newBuilder(10).build(),
    );
    assert.throws(
      () => store.getListState(withTtl),
      (e) => isWeirError(e, 'NOT_SUPPORTED'),
    );
    const map = new MapStateDescriptor<string, number>('m') as unknown as ListStateDescriptor<number>;
    assert.throws(
      () => store.getListState(map),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
  });

  it('snapshots plain data that later writes do not change, and restores it', () => {
    const store = new OperatorStateStore();
    store.getListState(offsets()).addAll([1, 2]);
    store.getUnionListState(new ListStateDescriptor<string>('txns')).add('t1');
    const snapshot = store.snapshot();
    store.getListState(offsets()).add(3);
    assert.deepEqual(snapshot, {
      states: [
        { name: 'offsets', mode: 'split', elements: [1, 2] },
        { name: 'txns', mode: 'union', elements: ['t1'] },
      ],
    });
    const restored = new OperatorStateStore();
    restored.restore([JSON.parse(JSON.stringify(snapshot)) as OperatorStateSnapshot]);
    assert.deepEqual([...restored.getListState(offsets()).get()], [1, 2]);
    assert.deepEqual([...restored.getUnionListState(new ListStateDescriptor<string>('txns')).get()], ['t1']);
  });

  it('replaces registered lists on restore and concatenates several snapshots', () => {
    const store = new OperatorStateStore();
    const list = store.getListState(offsets());
    list.add(100);
    store.restore([
      { states: [{ name: 'offsets', mode: 'split', elements: [1] }] },
      { states: [{ name: 'offsets', mode: 'split', elements: [2, 3] }] },
    ]);
    assert.deepEqual([...list.get()], [1, 2, 3]);
  });

  it('rejects restoring a list with the other mode', () => {
    const store = new OperatorStateStore();
    store.getUnionListState(offsets());
    assert.throws(
      () => store.restore([{ states: [{ name: 'offsets', mode: 'split', elements: [1] }] }]),
      (e) => isWeirError(e, 'STATE_ERROR'),
    );
  });
});

describe('redistributeOperatorState', () => {
  const old: OperatorStateSnapshot[] = [
    {
      states: [
        { name: 'splits', mode: 'split', elements: ['a', 'b', 'c'] },
        { name: 'txns', mode: 'union', elements: ['t0'] },
      ],
    },
    {
      states: [
        { name: 'splits', mode: 'split', elements: ['d', 'e'] },
        { name: 'txns', mode: 'union', elements: ['t1'] },
      ],
    },
  ];

  it('cuts split lists into contiguous, even parts, and gives union lists to everyone', () => {
    const parts = redistributeOperatorState(old, 3);
    assert.equal(parts.length, 3);
    const splits = parts.map((p) => p.states.find((s) => s.name === 'splits')?.elements);
    assert.deepEqual(splits, [['a'], ['b', 'c'], ['d', 'e']]);
    for (const p of parts) assert.deepEqual(p.states.find((s) => s.name === 'txns')?.elements, ['t0', 't1']);
  });

  it('loses and duplicates no split element, whatever the parallelism', () => {
    for (let p = 1; p <= 8; p++) {
      const parts = redistributeOperatorState(old, p);
      const all = parts.flatMap((part) => part.states.find((s) => s.name === 'splits')?.elements ?? []);
      assert.deepEqual(all, ['a', 'b', 'c', 'd', 'e'], `parallelism ${p}`);
    }
  });

  it('restores each new subtask from its part', () => {
    const stores = redistributeOperatorState(old, 2).map((part) => {
      const store = new OperatorStateStore();
      store.restore([part]);
      return store;
    });
    const d = new ListStateDescriptor<string>('splits');
    assert.deepEqual([...stores[0].getListState(d).get()], ['a', 'b']);
    assert.deepEqual([...stores[1].getListState(d).get()], ['c', 'd', 'e']);
  });

  it('rejects an invalid parallelism', () => {
    assert.throws(
      () => redistributeOperatorState(old, 0),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
  });
});
