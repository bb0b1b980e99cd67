import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Duration } from '../core/duration.ts';
import { isWeirError } from '../core/errors.ts';
import type { BroadcastState } from './broadcast-state.ts';
import { BroadcastStateStore } from './broadcast-state-store.ts';
import { ListStateDescriptor, MapStateDescriptor } from './state-descriptor.ts';
import { StateTtlConfig } from './state-ttl-config.ts';

const rules = new MapStateDescriptor<string, number>('rules');
const flags = new MapStateDescriptor<string, boolean>('flags');

describe('BroadcastStateStore', () => {
  it('keeps one map per registered descriptor, the same for the writable and read-only views', () => {
    const store = new BroadcastStateStore([rules, flags]);
    const state = store.getBroadcastState(rules);
    const view = store.getReadOnlyBroadcastState(rules);
    assert.equal(store.getBroadcastState(rules), state, 'one state object per name');
    assert.equal(store.getReadOnlyBroadcastState(rules), view, 'one view object per name');
    assert.ok(view.isEmpty());
    state.put('a', 1);
    state.putAll([
      ['b', 2],
      ['c', 3],
    ]);
    state.remove('c');
    assert.equal(view.get('a'), 1);
    assert.equal(view.get('c'), undefined);
    assert.ok(view.contains('b'));
    assert.equal(view.size(), 2);
    assert.deepEqual(
      [...view.entries()],
      [
        ['a', 1],
        ['b', 2],
      ],
    );
    assert.deepEqual([...view.immutableEntries()], [...view.entries()]);
    assert.deepEqual([...view.keys()], ['a', 'b']);
    assert.deepEqual([...view.values()], [1, 2]);
    assert.ok(store.getReadOnlyBroadcastState(flags).isEmpty(), 'states are separate');
    state.clear();
    assert.ok(view.isEmpty());
  });

  it('refuses writes through the read-only view with STATE_ERROR, naming the state', () => {
    const store = new BroadcastStateStore([rules]);
    const view = store.getReadOnlyBroadcastState(rules) as unknown as BroadcastState<string, number>;
    for (const write of [
      () => view.put('a', 1),
      () => view.putAll([['a', 1]]),
      () => view.remove('a'),
      () => view.clear(),
    ]) {
      assert.throws(
        write,
        (e) => isWeirError(e, 'STATE_ERROR') && /"rules" is read-only in processElement/.test(e.message),
      );
    }
    assert.ok(view.isEmpty());
  });

  it('refuses descriptors that were not registered, and non-map or TTL descriptors', () => {
    const store = new BroadcastStateStore([rules]);
    assert.throws(
      () => store.getBroadcastState(flags),
      (e) =>
        isWeirError(e, 'STATE_ERROR') && /"flags" is not registered.*registered: "rules"/.test(e.message),
    );
    assert.throws(
      () => store.register(new ListStateDescriptor('list') as never),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
    const withTtl = new MapStateDescriptor<string, number>('ttl').enableTimeToLive(
      StateTtlConfig.newBuilder(Duration.ofSeconds(1)).build(),
    );
    assert.throws(
      () => store.register(withTtl),
      (e) => isWeirError(e, 'NOT_SUPPORTED'),
    );
  });

  it('snapshots as plain data that later writes do not change, and restores into another store', () => {
    const store = new BroadcastStateStore([rules, flags]);
    store.getBroadcastState(rules).put('a', 1);
    store.getBroadcastState(flags).put('on', true);
    const snapshot = store.snapshot();
    store.getBroadcastState(rules).put('b', 2);
    assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), {
      states: [
        { name: 'rules', entries: [['a', 1]] },
        { name: 'flags', entries: [['on', true]] },
      ],
    });

    const other = new BroadcastStateStore([rules]);
    const view = other.getReadOnlyBroadcastState(rules);
    other.getBroadcastState(rules).put('stale', 0);
    other.restore(snapshot);
    assert.deepEqual([...view.entries()], [['a', 1]], 'views taken before the restore see it');
    assert.deepEqual(other.stateNames(), ['rules', 'flags'], 'restored states are kept');
    assert.equal(other.getBroadcastState(flags).get('on'), true);
  });
});
