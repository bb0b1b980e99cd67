/**
 * The contract every keyed state backend meets (heap, LMDB): one suite, run against each
 * implementation. Each test states one rule of keyed state as a user or the runtime relies on it.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Clock } from '../core/clock.ts';
import { ManualClock } from '../core/clock.ts';
import type { Codec } from '../core/codec.ts';
import { isWeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import { registerRecordType } from '../core/type-registry.ts';
import { type KeyGroupSnapshot, voidEntries } from './heap-keyed-state-snapshot.ts';
import {
  asInternalState,
  type InternalAggregatingState,
  type InternalListState,
  type InternalMapState,
  type InternalReducingState,
  type InternalValueState,
  type Namespace,
  VOID_NAMESPACE,
} from './internal-kv-state.ts';
import { assignToKeyGroup } from './key-groups.ts';
import type { KeyedStateBackend, KeyGroupRange } from './keyed-state-backend.ts';
import type { AggregateFunction } from './state.ts';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './state-descriptor.ts';
import { StateTtlConfig } from './state-ttl-config.ts';

/** A backend the contract can snapshot and restore; `S` is its snapshot type. */
export interface SnapshottingKeyedStateBackend<S> extends KeyedStateBackend {
  snapshot(): S;
  restore(snapshots: readonly S[]): void;
  cleanupExpired(): void;
}

export interface KeyedStateBackendFactoryOptions {
  maxParallelism: number;
  keyGroupRange: KeyGroupRange;
  clock: Clock;
}

export type KeyedStateBackendFactory<S> = (
  options: KeyedStateBackendFactoryOptions,
) => SnapshottingKeyedStateBackend<S>;

const average: AggregateFunction<number, { sum: number; count: number }, number> = {
  createAccumulator: () => ({ sum: 0, count: 0 }),
  add: (value, acc) => ({ sum: acc.sum + value, count: acc.count + 1 }),
  getResult: (acc) => acc.sum / acc.count,
  merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
};

/** A class registered for state by the contract (env.registerType in a job). */
class ContractMoney {
  cents: bigint;
  currency: string;
  constructor(cents: bigint, currency: string) {
    this.cents = cents;
    this.currency = currency;
  }
}
const contractMoneyCodec: Codec<ContractMoney> = {
  encode: (m) => new TextEncoder().encode(`${m.cents} ${m.currency}`),
  decode: (bytes) => {
    const [cents, currency] = new TextDecoder().decode(bytes).split(' ');
    return new ContractMoney(BigInt(cents), currency);
  },
};

const isStateError = (pattern?: RegExp) => (e: unknown) =>
  isWeirError(e, 'STATE_ERROR') && (pattern === undefined || pattern.test(e.message));

/** `count` string keys whose key group lies in `range` (for maxParallelism 128 unless given). */
function keysIn(range: KeyGroupRange, count: number, maxParallelism = 128): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) {
    const g = assignToKeyGroup(`key-${i}`, maxParallelism);
    if (g >= range.start && g <= range.end) keys.push(`key-${i}`);
  }
  return keys;
}

/**
 * A snapshot with each key group's entries, and each map's entries, sorted: backends agree on the
 * data, not on the order of keys within a key group.
 */
function canonical(snapshot: unknown): unknown {
  const text = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
  const byKey = (a: [unknown, unknown], b: [unknown, unknown]) => (text(a[0]) < text(b[0]) ? -1 : 1);
  const byKeyAndNamespace = (a: [unknown, unknown, unknown], b: [unknown, unknown, unknown]) =>
    text([a[0], a[1]]) < text([b[0], b[1]]) ? -1 : 1;
  const s = structuredClone(snapshot) as {
    states: Array<{
      kind: string;
      keyGroups: Array<{
        entries: Array<[unknown, unknown]>;
        namespaced?: Array<[unknown, unknown, unknown]>;
        numbers?: Float64Array;
      }>;
    }>;
  };
  for (const state of s.states) {
    for (const group of state.keyGroups) {
      // A group of numbers may come as one typed array: compare its pairs.
      group.entries = [...voidEntries(group as KeyGroupSnapshot)] as Array<[unknown, unknown]>;
      delete group.numbers;
      group.entries.sort(byKey);
      group.namespaced?.sort(byKeyAndNamespace);
      if (state.kind === 'map') {
        for (const entry of group.entries) (entry[1] as Array<[unknown, unknown]>).sort(byKey);
        for (const entry of group.namespaced ?? []) (entry[2] as Array<[unknown, unknown]>).sort(byKey);
      }
    }
  }
  return s;
}

/** Other backends whose snapshots this one must restore, and which must restore its snapshots. */
export interface KeyedStateBackendContractOptions<S> {
  peers?: ReadonlyArray<{ name: string; make: KeyedStateBackendFactory<S> }>;
}

export function keyedStateBackendContract<S>(
  name: string,
  make: KeyedStateBackendFactory<S>,
  contractOptions: KeyedStateBackendContractOptions<S> = {},
): void {
  describe(`keyed state backend contract: ${name}`, () => {
    const created: KeyedStateBackend[] = [];
    afterEach(() => {
      for (const b of created.splice(0)) b.dispose();
    });
    const backend = (options: Partial<KeyedStateBackendFactoryOptions> = {}) => {
      const b = make({
        maxParallelism: options.maxParallelism ?? 128,
        keyGroupRange: options.keyGroupRange ?? { start: 0, end: (options.maxParallelism ?? 128) - 1 },
        clock: options.clock ?? new ManualClock(0),
      });
      created.push(b);
      return b;
    };

    describe('current key', () => {
      it('computes the key group of the current key with assignToKeyGroup', () => {
        const b = backend();
        for (const key of ['a', 'user-42', 7, -1, 2.5, 10n, true] as Key[]) {
          b.setCurrentKey(key);
          assert.equal(b.getCurrentKey(), key);
          assert.equal(b.getCurrentKeyGroup(), assignToKeyGroup(key, 128));
        }
      });

      it('takes a known key group as given with setCurrentKeyAndGroup', () => {
        const b = backend();
        b.setCurrentKeyAndGroup('a', 5);
        assert.equal(b.getCurrentKeyGroup(), 5);
        assert.equal(b.getCurrentKey(), 'a');
      });

      it('rejects a key whose group is outside the backend range (a partitioning bug)', () => {
        const range = { start: 0, end: 63 };
        const b = backend({ keyGroupRange: range });
        const [outside] = keysIn({ start: 64, end: 127 }, 1);
        assert.throws(() => b.setCurrentKey(outside), isStateError(/key group \d+.*\[0, 63\]/));
        assert.throws(() => b.setCurrentKeyAndGroup('x', 64), isStateError(/64/));
        assert.throws(() => b.setCurrentKeyAndGroup('x', -1), isStateError());
      });

      it('refuses state access, and current key queries, before a key is set', () => {
        const b = backend();
        const noKey = isStateError();
        assert.throws(() => b.getCurrentKey(), noKey);
        assert.throws(() => b.getState(new ValueStateDescriptor<number>('v')).value(), isStateError(/"v"/));
        assert.throws(() => b.getState(new ValueStateDescriptor<number>('v')).update(1), noKey);
        assert.throws(() => b.getListState(new ListStateDescriptor<number>('l')).get(), noKey);
        assert.throws(() => b.getListState(new ListStateDescriptor<number>('l')).add(1), noKey);
        assert.throws(() => b.getMapState(new MapStateDescriptor<string, number>('m')).put('a', 1), noKey);
        assert.throws(() => b.getMapState(new MapStateDescriptor<string, number>('m')).get('a'), noKey);
        assert.throws(
          () => b.getReducingState(new ReducingStateDescriptor<number>('r', (x, y) => x + y)).add(1),
          noKey,
        );
        assert.throws(() => b.getAggregatingState(new AggregatingStateDescriptor('a', average)).get(), noKey);
      });
    });

    describe('registration', () => {
      it('returns the same state object for the same name', () => {
        const b = backend();
        const first = b.getState(new ValueStateDescriptor('count', 0));
        assert.equal(b.getState(new ValueStateDescriptor('count', 0)), first);
        const list = b.getListState(new ListStateDescriptor<string>('items'));
        assert.equal(b.getListState(new ListStateDescriptor<string>('items')), list);
      });

      it('rejects the same name with another kind, naming the state', () => {
        const b = backend();
        b.getState(new ValueStateDescriptor('count', 0));
        assert.throws(
          () => b.getListState(new ListStateDescriptor<number>('count')),
          isStateError(/"count"/),
        );
        assert.throws(
          () => b.getMapState(new MapStateDescriptor<string, number>('count')),
          isStateError(/"count"/),
        );
      });
    });

    describe('value state', () => {
      it('reads undefined, or the default, for a key without a value, and does not store the default', () => {
        const b = backend();
        const plain = b.getState(new ValueStateDescriptor<string>('plain'));
        const counted = b.getState(new ValueStateDescriptor('counted', 10));
        b.setCurrentKey('a');
        assert.equal(plain.value(), undefined);
        assert.equal(counted.value(), 10);
        assert.equal(b.size(), 0);
        assert.deepEqual([...b.keys('counted')], []);
      });

      it('updates, reads and clears the value of the current key only', () => {
        const b = backend();
        const count = b.getState(new ValueStateDescriptor('count', 0));
        b.setCurrentKey('a');
        count.update(count.value() + 1);
        count.update(count.value() + 1);
        b.setCurrentKey('b');
        count.update(count.value() + 5);
        b.setCurrentKey('a');
        assert.equal(count.value(), 2);
        b.setCurrentKey('b');
        assert.equal(count.value(), 5);
        count.clear();
        assert.equal(count.value(), 0);
        b.setCurrentKey('a');
        assert.equal(count.value(), 2);
        count.update(undefined);
        assert.equal(count.value(), 0);
        assert.equal(b.size(), 0);
      });

      it('keeps keys of different types apart (1, "1", 1n, true)', () => {
        const b = backend();
        const v = b.getState(new ValueStateDescriptor<string>('v'));
        const keys: Key[] = [1, '1', 1n, true];
        for (const key of keys) {
          b.setCurrentKey(key);
          v.update(`${typeof key}`);
        }
        for (const key of keys) {
          b.setCurrentKey(key);
          assert.equal(v.value(), typeof key);
        }
        assert.equal(b.size(), 4);
      });

      it('stores null as a value', () => {
        const b = backend();
        const v = b.getState(new ValueStateDescriptor<string | null>('v', 'default'));
        b.setCurrentKey('a');
        v.update(null);
        assert.equal(v.value(), null);
      });

      it('keeps plain data values: objects, arrays, Maps, Sets, Dates, bigints, bytes', () => {
        const b = backend();
        const v = b.getState(new ValueStateDescriptor<unknown>('v'));
        const values: unknown[] = [
          { id: 7, name: 'ada', tags: ['x', 'y'], nested: { deep: [1, { z: null }] } },
          [1, 'two', 3.5, -4, 2 ** 40, true, null],
          new Map<unknown, unknown>([
            ['a', 1],
            [2, new Set(['s'])],
          ]),
          new Date(1_700_000_000_000),
          2n ** 70n,
          new Uint8Array([1, 2, 255]),
          'text with unicode: \u00e9\u4e2d\ud83d\ude00',
        ];
        const keys = values.map((_, i) => `key-${i}`);
        keys.forEach((key, i) => {
          b.setCurrentKey(key);
          v.update(values[i]);
        });
        const restored = backend();
        restored.restore([b.snapshot()]);
        const rv = restored.getState(new ValueStateDescriptor<unknown>('v'));
        keys.forEach((key, i) => {
          b.setCurrentKey(key);
          assert.deepEqual(v.value(), values[i]);
          restored.setCurrentKey(key);
          assert.deepEqual(rv.value(), values[i], `restored value of ${key}`);
        });
      });

      it('keeps bigints of any size and instances of registered types in value, list and map state', () => {
        registerRecordType(ContractMoney, contractMoneyCodec);
        const b = backend();
        const v = b.getState(new ValueStateDescriptor<unknown>('v'));
        const l = b.getListState(new ListStateDescriptor<unknown>('l'));
        const m = b.getMapState(new MapStateDescriptor<string, unknown>('m'));
        const big = 2n ** 70n;
        const values = [big, -big, 0n, new ContractMoney(-(2n ** 65n), 'EUR')];
        b.setCurrentKey('k');
        v.update({ money: values[3], big });
        l.addAll(values);
        for (let i = 0; i < values.length; i++) m.put(`e${i}`, values[i]);
        const restored = backend();
        restored.restore([b.snapshot()]);
        for (const state of [b, restored]) {
          state.setCurrentKey('k');
          const value = state
            .getState(new ValueStateDescriptor<{ money: ContractMoney; big: bigint }>('v'))
            .value();
          assert.ok(value?.money instanceof ContractMoney, 'a registered type keeps its class');
          assert.deepEqual(value, { money: values[3], big });
          const list = [...state.getListState(new ListStateDescriptor<unknown>('l')).get()];
          assert.deepEqual(list, values);
          assert.ok(list[3] instanceof ContractMoney);
          const map = state.getMapState(new MapStateDescriptor<string, unknown>('m'));
          assert.deepEqual(map.get('e0'), big);
          assert.ok(map.get('e3') instanceof ContractMoney);
        }
      });

      it('keeps an object changed in place while its key is current', () => {
        const b = backend();
        const v = b.getState(new ValueStateDescriptor<{ n: number }>('v'));
        const m = b.getMapState(new MapStateDescriptor<string, number[]>('m'));
        for (const key of ['a', 'b']) {
          b.setCurrentKey(key);
          v.update({ n: 1 });
          m.put('x', [1]);
        }
        b.setCurrentKey('a');
        v.value()!.n++;
        m.get('x')!.push(2);
        b.setCurrentKey('b');
        b.setCurrentKey('a');
        assert.deepEqual(v.value(), { n: 2 });
        assert.deepEqual(m.get('x'), [1, 2]);
        b.setCurrentKey('b');
        assert.deepEqual(v.value(), { n: 1 });
      });
    });

    describe('list state', () => {
      it('reads an empty list for a key without one', () => {
        const b = backend();
        const list = b.getListState(new ListStateDescriptor<number>('l'));
        b.setCurrentKey('a');
        assert.deepEqual([...list.get()], []);
        assert.equal(b.size(), 0);
      });

      it('adds, adds all, replaces and clears per key', () => {
        const b = backend();
        const list = b.getListState(new ListStateDescriptor<number>('l'));
        b.setCurrentKey('a');
        list.add(1);
        list.addAll([2, 3]);
        b.setCurrentKey('b');
        list.add(9);
        b.setCurrentKey('a');
        assert.deepEqual([...list.get()], [1, 2, 3]);
        list.update([7, 8]);
        assert.deepEqual([...list.get()], [7, 8]);
        list.addAll(list.get());
        assert.deepEqual([...list.get()], [7, 8, 7, 8]);
        list.clear();
        assert.deepEqual([...list.get()], []);
        b.setCurrentKey('b');
        assert.deepEqual([...list.get()], [9]);
      });

      it('rejects undefined elements, naming the state', () => {
        const b = backend();
        const l = b.getListState(new ListStateDescriptor<number | undefined>('l'));
        b.setCurrentKey('a');
        assert.throws(() => l.add(undefined), isStateError(/"l"/));
        assert.throws(() => l.addAll([1, undefined]), isStateError(/"l"/));
        assert.throws(() => l.update([undefined]), isStateError(/"l"/));
      });

      it('holds no entry for an empty list (update with nothing clears)', () => {
        const b = backend();
        const list = b.getListState(new ListStateDescriptor<number>('l'));
        b.setCurrentKey('a');
        list.addAll([]);
        assert.equal(b.size(), 0);
        list.add(1);
        assert.equal(b.size(), 1);
        list.update([]);
        assert.equal(b.size(), 0);
        assert.deepEqual([...b.keys('l')], []);
      });
    });

    describe('map state', () => {
      it('puts, gets, removes and iterates the entries of the current key', () => {
        const b = backend();
        const m = b.getMapState(new MapStateDescriptor<string, number>('m'));
        b.setCurrentKey('a');
        assert.equal(m.isEmpty(), true);
        assert.equal(m.get('x'), undefined);
        assert.deepEqual([...m.entries()], []);
        m.put('x', 1);
        m.putAll([
          ['y', 2],
          ['z', 3],
        ]);
        m.putAll(new Map([['w', 4]]));
        b.setCurrentKey('b');
        m.put('x', 100);
        b.setCurrentKey('a');
        assert.equal(m.get('x'), 1);
        assert.equal(m.contains('y'), true);
        assert.equal(m.contains('q'), false);
        assert.deepEqual([...m.keys()].sort(), ['w', 'x', 'y', 'z']);
        assert.deepEqual([...m.values()].sort(), [1, 2, 3, 4]);
        assert.deepEqual(
          new Map(m.entries()),
          new Map([
            ['x', 1],
            ['y', 2],
            ['z', 3],
            ['w', 4],
          ]),
        );
        m.remove('x');
        assert.equal(m.contains('x'), false);
        assert.equal(m.isEmpty(), false);
        b.setCurrentKey('b');
        assert.deepEqual([...m.entries()], [['x', 100]]);
      });

      it('drops the key when its last entry is removed, and clear removes all', () => {
        const b = backend();
        const m = b.getMapState(new MapStateDescriptor<string, number>('m'));
        b.setCurrentKey('a');
        m.put('x', 1);
        m.remove('x');
        assert.equal(m.isEmpty(), true);
        assert.deepEqual([...b.keys('m')], []);
        m.put('x', 1);
        m.put('y', 2);
        m.clear();
        assert.equal(m.isEmpty(), true);
        assert.equal(b.size(), 0);
      });
    });

    describe('reducing and aggregating state', () => {
      it('reduces every added value; undefined when none', () => {
        const b = backend();
        const max = b.getReducingState(new ReducingStateDescriptor<number>('max', (x, y) => Math.max(x, y)));
        const sum = b.getReducingState(
          new ReducingStateDescriptor<number>('sum', { reduce: (x, y) => x + y }),
        );
        b.setCurrentKey('a');
        assert.equal(max.get(), undefined);
        for (const v of [3, 9, 4]) {
          max.add(v);
          sum.add(v);
        }
        b.setCurrentKey('b');
        max.add(1);
        b.setCurrentKey('a');
        assert.equal(max.get(), 9);
        assert.equal(sum.get(), 16);
        max.clear();
        assert.equal(max.get(), undefined);
        b.setCurrentKey('b');
        assert.equal(max.get(), 1);
      });

      it('aggregates into an accumulator and reads the result; undefined when none', () => {
        const b = backend();
        const avg = b.getAggregatingState(new AggregatingStateDescriptor('avg', average));
        b.setCurrentKey('a');
        assert.equal(avg.get(), undefined);
        avg.add(2);
        avg.add(4);
        b.setCurrentKey('b');
        avg.add(10);
        b.setCurrentKey('a');
        assert.equal(avg.get(), 3);
        avg.clear();
        assert.equal(avg.get(), undefined);
        b.setCurrentKey('b');
        assert.equal(avg.get(), 10);
      });
    });

    describe('keys and size', () => {
      it('lists the keys with a value in a state and counts (state, key) entries', () => {
        const b = backend();
        const v = b.getState(new ValueStateDescriptor<number>('v'));
        const l = b.getListState(new ListStateDescriptor<number>('l'));
        for (const key of ['a', 'b', 'c']) {
          b.setCurrentKey(key);
          v.update(1);
        }
        b.setCurrentKey('a');
        l.add(1);
        l.add(2);
        assert.deepEqual([...b.keys('v')].sort(), ['a', 'b', 'c']);
        assert.deepEqual([...b.keys('l')], ['a']);
        assert.deepEqual([...b.keys('unknown')], []);
        assert.equal(b.size(), 4);
      });
    });

    describe('dispose', () => {
      it('holds nothing after dispose', () => {
        const b = backend();
        b.setCurrentKey('a');
        b.getState(new ValueStateDescriptor<number>('v')).update(1);
        b.dispose();
        assert.equal(b.size(), 0);
        assert.throws(() => b.getCurrentKey(), isStateError());
      });
    });

    describe('time to live, processing time', () => {
      const ttl = (ms: number) => StateTtlConfig.newBuilder(ms);

      it('expires a value when timestamp + ttl <= now, and not before', () => {
        const clock = new ManualClock(1_000);
        const b = backend({ clock });
        const v = b.getState(new ValueStateDescriptor('v', -1).enableTimeToLive(ttl(100).build()));
        b.setCurrentKey('a');
        v.update(5);
        clock.advanceTo(1_099);
        assert.equal(v.value(), 5);
        clock.advanceTo(1_100);
        assert.equal(v.value(), -1, 'expired values read as absent (the default)');
        assert.equal(b.size(), 0, 'and are removed when read');
      });

      it('refreshes on writes only with OnCreateAndWrite', () => {
        const clock = new ManualClock(0);
        const b = backend({ clock });
        const v = b.getState(new ValueStateDescriptor<number>('v').enableTimeToLive(ttl(100).build()));
        b.setCurrentKey('a');
        v.update(1);
        clock.advanceTo(60);
        assert.equal(v.value(), 1);
        clock.advanceTo(100);
        assert.equal(v.value(), undefined, 'the read at 60 did not extend the lifetime');
        v.update(2);
        clock.advanceTo(150);
        v.update(3);
        clock.advanceTo(249);
        assert.equal(v.value(), 3, 'the write at 150 extended it');
      });

      it('refreshes on reads too with OnReadAndWrite', () => {
        const clock = new ManualClock(0);
        const b = backend({ clock });
        const config = ttl(100).updateTtlOnReadAndWrite().build();
        const v = b.getState(new ValueStateDescriptor<number>('v').enableTimeToLive(config));
        b.setCurrentKey('a');
        v.update(1);
        clock.advanceTo(60);
        assert.equal(v.value(), 1);
        clock.advanceTo(159);
        assert.equal(v.value(), 1, 'the read at 60 extended the lifetime to 160');
        clock.advanceTo(258);
        assert.equal(v.value(), 1, 'the read at 159 extended it to 259');
        clock.advanceTo(358);
        assert.equal(v.value(), undefined, 'the read at 258 extended it to 358, no further');
      });

      it('returns an expired value not yet cleaned up with ReturnExpiredIfNotCleanedUp, then cleans it', () => {
        const clock = new ManualClock(0);
        const b = backend({ clock });
        const config = ttl(100).returnExpiredIfNotCleanedUp().build();
        const v = b.getState(new ValueStateDescriptor<number>('v').enableTimeToLive(config));
        b.setCurrentKey('a');
        v.update(1);
        b.setCurrentKey('b');
        v.update(2);
        clock.advanceTo(500);
        b.setCurrentKey('a');
        assert.equal(v.value(), 1, 'still there: returned');
        assert.equal(v.value(), undefined, 'the read cleaned it up');
        b.cleanupExpired();
        b.setCurrentKey('b');
        assert.equal(v.value(), undefined, 'cleaned up by cleanupExpired');
      });

      it('expires list elements one by one', () => {
        const clock = new ManualClock(0);
        const b = backend({ clock });
        const l = b.getListState(new ListStateDescriptor<string>('l').enableTimeToLive(ttl(100).build()));
        b.setCurrentKey('a');
        l.add('early');
        clock.advanceTo(50);
        l.addAll(['late1', 'late2']);
        clock.advanceTo(100);
        assert.deepEqual([...l.get()], ['late1', 'late2']);
        clock.advanceTo(150);
        assert.deepEqual([...l.get()], []);
        assert.equal(b.size(), 0);
        l.update(['x']);
        clock.advanceTo(249);
        assert.deepEqual([...l.get()], ['x']);
      });

      it('expires map entries one by one', () => {
        const clock = new ManualClock(0);
        const b = backend({ clock });
        const m = b.getMapState(
          new MapStateDescriptor<string, number>('m').enableTimeToLive(ttl(100).build()),
        );
        b.setCurrentKey('a');
        m.put('old', 1);
        clock.advanceTo(50);
        m.put('new', 2);
        clock.advanceTo(100);
        assert.equal(m.get('old'), undefined);
        assert.equal(m.contains('old'), false);
        assert.equal(m.get('new'), 2);
        assert.deepEqual([...m.entries()], [['new', 2]]);
        m.put('old', 3);
        clock.advanceTo(150);
        assert.deepEqual([...m.keys()], ['old']);
        assert.deepEqual([...m.values()], [3]);
        assert.equal(m.isEmpty(), false);
        clock.advanceTo(200);
        assert.equal(m.isEmpty(), true);
        assert.equal(b.size(), 0);
      });

      it('returns expired list elements and map entries once with ReturnExpiredIfNotCleanedUp', () => {
        const clock = new ManualClock(0);
        const b = backend({ clock });
        const config = ttl(100).returnExpiredIfNotCleanedUp().build();
        const l = b.getListState(new ListStateDescriptor<string>('l').enableTimeToLive(config));
        const m = b.getMapState(new MapStateDescriptor<string, number>('m').enableTimeToLive(config));
        const n = b.getMapState(new MapStateDescriptor<string, number>('n').enableTimeToLive(config));
        b.setCurrentKey('a');
        l.add('old');
        m.put('old', 1);
        n.putAll([
          ['x', 1],
          ['y', 2],
        ]);
        clock.advanceTo(50);
        l.add('new');
        m.put('new', 2);
        clock.advanceTo(120);
        assert.deepEqual([...l.get()], ['old', 'new']);
        assert.deepEqual([...l.get()], ['new']);
        assert.equal(m.get('old'), 1);
        assert.equal(m.get('old'), undefined);
        assert.deepEqual([...m.entries()], [['new', 2]]);
        assert.deepEqual(
          [...n.entries()],
          [
            ['x', 1],
            ['y', 2],
          ],
        );
        assert.deepEqual([...n.entries()], []);
      });

      it('refreshes list elements and map entries on reads with OnReadAndWrite', () => {
        const clock = new ManualClock(0);
        const b = backend({ clock });
        const config = ttl(100).updateTtlOnReadAndWrite().build();
        const l = b.getListState(new ListStateDescriptor<string>('l').enableTimeToLive(config));
        const m = b.getMapState(new MapStateDescriptor<string, number>('m').enableTimeToLive(config));
        b.setCurrentKey('a');
        l.add('e');
        m.put('x', 1);
        m.put('y', 2);
        m.put('z', 3);
        clock.advanceTo(90);
        assert.deepEqual([...l.get()], ['e']);
        assert.equal(m.get('x'), 1);
        clock.advanceTo(95);
        assert.deepEqual([...m.keys()], ['x', 'y', 'z']);
        clock.advanceTo(150);
        assert.deepEqual([...l.get()], ['e'], 'read at 90: alive until 190');
        assert.deepEqual([...m.keys()], ['x', 'y', 'z'], 'all refreshed by the iteration at 95');
        clock.advanceTo(250);
        assert.equal(m.contains('x'), false);
        assert.deepEqual([...l.get()], []);
      });

      it('starts a new reduction or accumulator when the previous one expired', () => {
        const clock = new ManualClock(0);
        const b = backend({ clock });
        const sum = b.getReducingState(
          new ReducingStateDescriptor<number>('sum', (x, y) => x + y).enableTimeToLive(ttl(100).build()),
        );
        const avg = b.getAggregatingState(
          new AggregatingStateDescriptor('avg', average).enableTimeToLive(ttl(100).build()),
        );
        b.setCurrentKey('a');
        sum.add(1);
        sum.add(2);
        avg.add(10);
        clock.advanceTo(99);
        assert.equal(sum.get(), 3);
        assert.equal(avg.get(), 10);
        clock.advanceTo(200);
        sum.add(5);
        avg.add(2);
        assert.equal(sum.get(), 5);
        assert.equal(avg.get(), 2);
        clock.advanceTo(300);
        assert.equal(sum.get(), undefined);
        assert.equal(avg.get(), undefined);
      });

      it('removes every expired value with cleanupExpired and keeps live ones', () => {
        const clock = new ManualClock(0);
        const b = backend({ clock });
        const config = ttl(100).build();
        const v = b.getState(new ValueStateDescriptor<number>('v').enableTimeToLive(config));
        const l = b.getListState(new ListStateDescriptor<number>('l').enableTimeToLive(config));
        const m = b.getMapState(new MapStateDescriptor<string, number>('m').enableTimeToLive(config));
        const plain = b.getState(new ValueStateDescriptor<number>('plain'));
        for (const key of ['a', 'b']) {
          b.setCurrentKey(key);
          v.update(1);
          l.add(1);
          m.put('x', 1);
          plain.update(1);
        }
        clock.advanceTo(50);
        b.setCurrentKey('b');
        v.update(2);
        l.add(2);
        m.put('y', 2);
        clock.advanceTo(120);
        assert.equal(b.size(), 8);
        b.cleanupExpired();
        assert.deepEqual([...b.keys('v')], ['b']);
        assert.deepEqual([...b.keys('l')], ['b']);
        assert.deepEqual([...b.keys('m')], ['b']);
        assert.deepEqual([...b.keys('plain')].sort(), ['a', 'b']);
        assert.equal(b.size(), 5);
        assert.deepEqual([...l.get()], [2]);
        assert.deepEqual([...m.entries()], [['y', 2]]);
      });
    });

    describe('time to live, event time', () => {
      const eventTtl = (ms: number) => StateTtlConfig.newBuilder(ms).useEventTime().build();

      it('expires by the watermark, not by the clock', () => {
        const clock = new ManualClock(0);
        const b = backend({ clock });
        const v = b.getState(new ValueStateDescriptor<number>('v').enableTimeToLive(eventTtl(100)));
        b.setCurrentWatermark(1_000);
        b.setCurrentKey('a');
        v.update(1);
        clock.advanceTo(1_000_000);
        assert.equal(v.value(), 1);
        b.setCurrentWatermark(1_099);
        assert.equal(v.value(), 1);
        b.setCurrentWatermark(1_100);
        assert.equal(v.value(), undefined);
      });

      it('expires nothing before the first watermark; earlier writes count as written at it', () => {
        const b = backend();
        const l = b.getListState(new ListStateDescriptor<number>('l').enableTimeToLive(eventTtl(100)));
        b.setCurrentKey('a');
        l.add(1);
        assert.deepEqual([...l.get()], [1]);
        b.setCurrentWatermark(5_000);
        assert.deepEqual([...l.get()], [1], 'written before the first watermark: alive until 5100');
        b.setCurrentWatermark(5_099);
        assert.deepEqual([...l.get()], [1]);
        b.setCurrentWatermark(5_100);
        assert.deepEqual([...l.get()], []);
      });

      it('never moves event time backwards', () => {
        const b = backend();
        const v = b.getState(new ValueStateDescriptor<number>('v').enableTimeToLive(eventTtl(100)));
        b.setCurrentWatermark(1_000);
        b.setCurrentKey('a');
        v.update(1);
        b.setCurrentWatermark(1_200);
        b.setCurrentWatermark(500);
        b.setCurrentKey('b');
        v.update(2);
        b.setCurrentWatermark(1_299);
        assert.equal(v.value(), 2, 'written at 1200, not 500');
        b.setCurrentKey('a');
        assert.equal(v.value(), undefined);
      });
    });

    describe('snapshot and restore', () => {
      function fill(b: KeyedStateBackend, keys: string[]): void {
        const v = b.getState(new ValueStateDescriptor('v', 0));
        const l = b.getListState(new ListStateDescriptor<string>('l'));
        const m = b.getMapState(new MapStateDescriptor<string, number>('m'));
        const r = b.getReducingState(new ReducingStateDescriptor<number>('r', (x, y) => x + y));
        const a = b.getAggregatingState(new AggregatingStateDescriptor('a', average));
        keys.forEach((key, i) => {
          b.setCurrentKey(key);
          v.update(i);
          l.addAll([key, `${key}!`]);
          m.put('i', i);
          m.put('twice', 2 * i);
          r.add(i);
          r.add(1);
          a.add(i);
          a.add(i + 2);
        });
      }

      function check(b: KeyedStateBackend, keys: string[], indexOf: (key: string) => number): void {
        const v = b.getState(new ValueStateDescriptor('v', 0));
        const l = b.getListState(new ListStateDescriptor<string>('l'));
        const m = b.getMapState(new MapStateDescriptor<string, number>('m'));
        const r = b.getReducingState(new ReducingStateDescriptor<number>('r', (x, y) => x + y));
        const a = b.getAggregatingState(new AggregatingStateDescriptor('a', average));
        for (const key of keys) {
          const i = indexOf(key);
          b.setCurrentKey(key);
          assert.equal(v.value(), i, `value of ${key}`);
          assert.deepEqual([...l.get()], [key, `${key}!`]);
          assert.deepEqual(
            new Map(m.entries()),
            new Map([
              ['i', i],
              ['twice', 2 * i],
            ]),
          );
          assert.equal(r.get(), i + 1);
          assert.equal(a.get(), i + 1);
        }
      }

      it('restores every state kind, each key group into the backend that owns it', () => {
        const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
        const source = backend();
        fill(source, keys);
        const snapshot = source.snapshot();

        const left = backend({ keyGroupRange: { start: 0, end: 63 } });
        const right = backend({ keyGroupRange: { start: 64, end: 127 } });
        left.restore([snapshot]);
        right.restore([snapshot]);
        const inLeft = keys.filter((k) => assignToKeyGroup(k, 128) <= 63);
        const inRight = keys.filter((k) => assignToKeyGroup(k, 128) >= 64);
        assert.ok(inLeft.length > 50 && inRight.length > 50);
        for (const name of ['v', 'l', 'm', 'r', 'a']) {
          assert.deepEqual(new Set(left.keys(name)), new Set(inLeft), `keys of ${name} on the left`);
          assert.deepEqual(new Set(right.keys(name)), new Set(inRight), `keys of ${name} on the right`);
        }
        const indexOf = (key: string) => keys.indexOf(key);
        check(left, inLeft, indexOf);
        check(right, inRight, indexOf);
        assert.equal(left.size() + right.size(), source.size());
      });

      it('merges the snapshots of several backends into one (scaling in)', () => {
        const keys = Array.from({ length: 100 }, (_, i) => `key-${i}`);
        const left = backend({ keyGroupRange: { start: 0, end: 63 } });
        const right = backend({ keyGroupRange: { start: 64, end: 127 } });
        fill(
          left,
          keys.filter((k) => assignToKeyGroup(k, 128) <= 63),
        );
        fill(
          right,
          keys.filter((k) => assignToKeyGroup(k, 128) >= 64),
        );
        const merged = backend();
        merged.restore([left.snapshot(), right.snapshot()]);
        assert.equal(merged.size(), left.size() + right.size());
        const leftKeys = keys.filter((k) => assignToKeyGroup(k, 128) <= 63);
        const rightKeys = keys.filter((k) => assignToKeyGroup(k, 128) >= 64);
        check(merged, leftKeys, (k) => leftKeys.indexOf(k));
        check(merged, rightKeys, (k) => rightKeys.indexOf(k));
      });

      it('captures a point in time: later writes do not change a snapshot', () => {
        const b = backend();
        const l = b.getListState(new ListStateDescriptor<number>('l'));
        const m = b.getMapState(new MapStateDescriptor<string, number>('m'));
        const v = b.getState(new ValueStateDescriptor<number>('v'));
        b.setCurrentKey('a');
        l.add(1);
        m.put('x', 1);
        v.update(1);
        const snapshot = b.snapshot();
        l.add(2);
        m.put('y', 2);
        v.update(2);
        b.setCurrentKey('b');
        v.update(3);
        const restored = backend();
        restored.restore([snapshot]);
        restored.setCurrentKey('a');
        assert.deepEqual([...restored.getListState(new ListStateDescriptor<number>('l')).get()], [1]);
        assert.deepEqual(
          [...restored.getMapState(new MapStateDescriptor<string, number>('m')).keys()],
          ['x'],
        );
        assert.equal(restored.getState(new ValueStateDescriptor<number>('v')).value(), 1);
        assert.deepEqual([...restored.keys('v')], ['a']);
      });

      it('replaces the state held before a restore', () => {
        const b = backend();
        const v = b.getState(new ValueStateDescriptor<number>('v'));
        b.setCurrentKey('a');
        v.update(1);
        const snapshot = b.snapshot();
        v.update(2);
        b.setCurrentKey('b');
        v.update(3);
        b.restore([snapshot]);
        b.setCurrentKey('a');
        assert.equal(v.value(), 1, 'the state object registered before the restore sees the restored data');
        assert.deepEqual([...b.keys('v')], ['a']);
      });

      it('keeps TTL timestamps across a restore', () => {
        const clock = new ManualClock(0);
        const config = StateTtlConfig.newBuilder(100).build();
        const b = backend({ clock });
        const v = b.getState(new ValueStateDescriptor<number>('v').enableTimeToLive(config));
        b.setCurrentKey('a');
        v.update(1);
        clock.advanceTo(50);
        const restored = backend({ clock });
        restored.restore([b.snapshot()]);
        const rv = restored.getState(new ValueStateDescriptor<number>('v').enableTimeToLive(config));
        restored.setCurrentKey('a');
        clock.advanceTo(99);
        assert.equal(rv.value(), 1);
        clock.advanceTo(100);
        assert.equal(rv.value(), undefined, 'expires at the original write time + ttl');
      });

      it('snapshots plain data per key group, which survives a JSON round trip', () => {
        const b = backend();
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
        const copy = backend();
        copy.restore([JSON.parse(JSON.stringify(snapshot)) as S]);
        copy.setCurrentKey('a');
        assert.equal(copy.getState(new ValueStateDescriptor<number>('v')).value(), 1);
        assert.equal(copy.getMapState(new MapStateDescriptor<string, number>('m')).get('x'), 2);
      });

      it('keeps restored state that no operator asked for in the next snapshot', () => {
        const b = backend();
        const v = b.getState(new ValueStateDescriptor<number>('old'));
        b.setCurrentKey('a');
        v.update(1);
        const restored = backend();
        restored.restore([b.snapshot()]);
        assert.deepEqual(restored.snapshot(), b.snapshot());
      });

      it('refuses restored state asked for as another kind, naming the state', () => {
        const b = backend();
        b.setCurrentKey('a');
        b.getState(new ValueStateDescriptor<number>('s')).update(1);
        const restored = backend();
        restored.restore([b.snapshot()]);
        assert.throws(() => restored.getListState(new ListStateDescriptor<number>('s')), isStateError(/"s"/));
      });

      it('adds a TTL to restored state that had none, stamped when asked for, and drops a removed one', () => {
        const clock = new ManualClock(1_000);
        const b = backend({ clock });
        const l = b.getListState(new ListStateDescriptor<number>('l'));
        const m = b.getMapState(new MapStateDescriptor<string, number>('m'));
        b.setCurrentKey('a');
        l.addAll([1, 2]);
        m.put('x', 1);
        const withTtl = backend({ clock });
        withTtl.restore([b.snapshot()]);
        clock.advanceTo(2_000);
        const config = StateTtlConfig.newBuilder(100).build();
        const tl = withTtl.getListState(new ListStateDescriptor<number>('l').enableTimeToLive(config));
        const tm = withTtl.getMapState(new MapStateDescriptor<string, number>('m').enableTimeToLive(config));
        withTtl.setCurrentKey('a');
        assert.deepEqual([...tl.get()], [1, 2]);
        assert.equal(tm.get('x'), 1);
        clock.advanceTo(2_100);
        assert.deepEqual([...tl.get()], []);
        assert.equal(tm.get('x'), undefined);

        tl.add(3);
        tm.put('y', 3);
        const withoutTtl = backend({ clock });
        withoutTtl.restore([withTtl.snapshot()]);
        clock.advanceTo(1_000_000);
        withoutTtl.setCurrentKey('a');
        assert.deepEqual([...withoutTtl.getListState(new ListStateDescriptor<number>('l')).get()], [3]);
        assert.deepEqual(
          [...withoutTtl.getMapState(new MapStateDescriptor<string, number>('m')).entries()],
          [['y', 3]],
        );
      });

      it('stamps event-time values snapshotted before any watermark at the first watermark after a restore', () => {
        const config = StateTtlConfig.newBuilder(100).useEventTime().build();
        const b = backend();
        b.getListState(new ListStateDescriptor<number>('l').enableTimeToLive(config));
        b.setCurrentKey('a');
        b.getListState(new ListStateDescriptor<number>('l').enableTimeToLive(config)).add(1);
        const restored = backend();
        restored.restore([b.snapshot()]);
        const l = restored.getListState(new ListStateDescriptor<number>('l').enableTimeToLive(config));
        restored.setCurrentWatermark(5_000);
        restored.setCurrentKey('a');
        assert.deepEqual([...l.get()], [1]);
        restored.setCurrentWatermark(5_099);
        assert.deepEqual([...l.get()], [1]);
        restored.setCurrentWatermark(5_100);
        assert.deepEqual([...l.get()], []);
      });

      for (const peer of contractOptions.peers ?? []) {
        it(`restores the snapshots of the ${peer.name} backend, and the ${peer.name} backend restores its own, at another key group range`, () => {
          const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
          const indexOf = (key: string) => keys.indexOf(key);
          const inLeft = keys.filter((k) => assignToKeyGroup(k, 128) <= 63);
          const inRight = keys.filter((k) => assignToKeyGroup(k, 128) >= 64);
          const made: KeyedStateBackend[] = [];
          const other = (range: KeyGroupRange) => {
            const p = peer.make({ maxParallelism: 128, keyGroupRange: range, clock: new ManualClock(0) });
            made.push(p);
            return p;
          };
          try {
            const theirs = other({ start: 0, end: 127 });
            fill(theirs, keys);
            const left = backend({ keyGroupRange: { start: 0, end: 63 } });
            left.restore([theirs.snapshot()]);
            check(left, inLeft, indexOf);
            assert.deepEqual(new Set(left.keys('m')), new Set(inLeft));

            const ours = backend();
            fill(ours, keys);
            const right = other({ start: 64, end: 127 });
            right.restore([ours.snapshot()]);
            check(right, inRight, indexOf);
            assert.deepEqual(new Set(right.keys('l')), new Set(inRight));
            assert.deepEqual(
              canonical(ours.snapshot()),
              canonical(theirs.snapshot()),
              'the same data, the same snapshot',
            );
          } finally {
            for (const p of made) p.dispose();
          }
        });
      }

      it('rejects a snapshot taken with another maxParallelism', () => {
        const b = backend();
        const v = b.getState(new ValueStateDescriptor<number>('v'));
        b.setCurrentKey('a');
        v.update(1);
        const other = backend({ maxParallelism: 64 });
        assert.throws(() => other.restore([b.snapshot()]), isStateError(/maxParallelism/));
      });
    });
    describe('composite keys', () => {
      it('addresses one state with equal tuples, whatever the instance', () => {
        const b = backend();
        const v = b.getState(new ValueStateDescriptor<number>('v'));
        const l = b.getListState(new ListStateDescriptor<string>('l'));
        const m = b.getMapState(new MapStateDescriptor<string, number>('m'));
        const r = b.getReducingState(new ReducingStateDescriptor<number>('r', (x, y) => x + y));
        const a = b.getAggregatingState(new AggregatingStateDescriptor('a', average));
        b.setCurrentKey(['eu', 7, null]);
        v.update(1);
        l.add('x');
        m.put('k', 1);
        r.add(2);
        a.add(4);
        b.setCurrentKey('other');
        b.setCurrentKey(['eu', 7, null]);
        v.update(v.value()! + 1);
        l.add('y');
        m.put('k', m.get('k')! + 1);
        r.add(3);
        a.add(6);
        b.setCurrentKey(['eu', 7, null]);
        assert.equal(v.value(), 2);
        assert.deepEqual([...l.get()], ['x', 'y']);
        assert.deepEqual([...m.entries()], [['k', 2]]);
        assert.equal(r.get(), 5);
        assert.equal(a.get(), 5);
        for (const name of ['v', 'l', 'm', 'r', 'a'])
          assert.deepEqual([...b.keys(name)], [['eu', 7, null]], name);
      });

      it('keeps tuples apart by field value and type, and treats NaN and -0 as a Map does', () => {
        const b = backend();
        const v = b.getState(new ValueStateDescriptor<string>('v'));
        const keys: Key[] = [[1], ['1'], [1n], [true], [null], [1, 2], [2, 1], [], '1', 1, [Number.NaN], [0]];
        for (const key of keys) {
          b.setCurrentKey(key);
          v.update(JSON.stringify(key, (_, x) => (typeof x === 'bigint' ? `${x}n` : x)));
        }
        for (const key of keys) {
          b.setCurrentKey(key);
          assert.equal(
            v.value(),
            JSON.stringify(key, (_, x) => (typeof x === 'bigint' ? `${x}n` : x)),
          );
        }
        b.setCurrentKey([0 / 0]);
        assert.equal(v.value(), '[null]', 'every NaN is one field value');
        b.setCurrentKey([-0]);
        assert.equal(v.value(), '[0]', '-0 is 0');
      });

      it('keeps a value under the tuple it was written with when the caller reuses its array', () => {
        const b = backend();
        const v = b.getState(new ValueStateDescriptor<number>('v'));
        const scratch: Array<string | number> = ['a', 1];
        b.setCurrentKey(scratch);
        v.update(1);
        scratch[1] = 2;
        b.setCurrentKey(scratch);
        v.update(2);
        b.setCurrentKey(['a', 1]);
        assert.equal(v.value(), 1);
        b.setCurrentKey(['a', 2]);
        assert.equal(v.value(), 2);
      });

      it('puts a tuple in the key group of its Arrays.hashCode, mixed as any key', () => {
        // ['a', 1]: 31 * (31 * 1 + 97) + 1 = 3969; [null]: 31 * 1 + 0 = 31 (pinned in key-groups.test.ts).
        const b = backend();
        b.setCurrentKey(['a', 1]);
        assert.equal(b.getCurrentKeyGroup(), 75);
        b.setCurrentKey([null]);
        assert.equal(b.getCurrentKeyGroup(), 123);
        b.setCurrentKey([1, 2]);
        assert.equal(b.getCurrentKeyGroup(), 47);
      });

      it('rejects nested tuples and objects as fields', () => {
        const b = backend();
        assert.throws(
          () => b.setCurrentKey([[1]] as unknown as Key),
          (e: unknown) => isWeirError(e, 'INVALID_ARGUMENT'),
        );
        assert.throws(
          () => b.setCurrentKey([{}] as unknown as Key),
          (e: unknown) => isWeirError(e, 'INVALID_ARGUMENT'),
        );
      });
    });

    describe('namespaces', () => {
      const W1: Key = [0, 10];
      const W2: Key = [10, 20];

      function states(b: KeyedStateBackend) {
        return {
          v: asInternalState<InternalValueState<number>>(b.getState(new ValueStateDescriptor<number>('v'))),
          l: asInternalState<InternalListState<string>>(b.getListState(new ListStateDescriptor<string>('l'))),
          m: asInternalState<InternalMapState<string, number>>(
            b.getMapState(new MapStateDescriptor<string, number>('m')),
          ),
          r: asInternalState<InternalReducingState<number>>(
            b.getReducingState(new ReducingStateDescriptor<number>('r', (x, y) => x + y)),
          ),
          a: asInternalState<InternalAggregatingState<number, number>>(
            b.getAggregatingState(new AggregatingStateDescriptor('a', average)),
          ),
        };
      }
      type States = ReturnType<typeof states>;
      const all = (s: States) => [s.v, s.l, s.m, s.r, s.a];
      const inNamespace = (s: States, ns: Namespace) => {
        for (const state of all(s)) state.setCurrentNamespace(ns);
      };
      function write(s: States, n: number): void {
        s.v.update(n);
        s.l.add(`e${n}`);
        s.m.put('n', n);
        s.r.add(n);
        s.a.add(n);
      }
      function read(s: States): unknown {
        return { v: s.v.value(), l: [...s.l.get()], m: [...s.m.entries()], r: s.r.get(), a: s.a.get() };
      }
      const written = (n: number) => ({ v: n, l: [`e${n}`], m: [['n', n]], r: n, a: n });
      const empty = { v: undefined, l: [], m: [], r: undefined, a: undefined };

      it('starts in the void namespace, where user state lives', () => {
        const s = states(backend());
        for (const state of all(s)) assert.equal(state.getCurrentNamespace(), VOID_NAMESPACE);
      });

      it('keeps the values of one key in two namespaces and the void one apart, for every state kind', () => {
        const b = backend();
        const s = states(b);
        b.setCurrentKey('k');
        write(s, 1);
        inNamespace(s, W1);
        assert.deepEqual(read(s), empty);
        write(s, 2);
        inNamespace(s, W2);
        write(s, 3);
        b.setCurrentKey('other');
        write(s, 4);
        b.setCurrentKey('k');
        inNamespace(s, [0, 10]); // an equal tuple is the same namespace
        assert.deepEqual(read(s), written(2));
        inNamespace(s, W2);
        assert.deepEqual(read(s), written(3));
        inNamespace(s, VOID_NAMESPACE);
        assert.deepEqual(read(s), written(1));
        assert.deepEqual([...b.keys('v')], ['k'], 'keys() lists the void namespace only');
        assert.deepEqual(new Set(b.keysInNamespace('l', W2)), new Set(['k', 'other']));
        assert.deepEqual([...b.keysInNamespace('m', W1)], ['k']);
        for (const state of all(s)) {
          assert.deepEqual(
            [...state.namespaces()].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
            [W1, W2],
          );
        }
      });

      it('clears one namespace of the current key and leaves the others', () => {
        const b = backend();
        const s = states(b);
        b.setCurrentKey(['k', 1]);
        write(s, 1);
        inNamespace(s, W1);
        write(s, 2);
        inNamespace(s, W2);
        write(s, 3);
        b.setCurrentKey(['k', 2]);
        write(s, 4);
        b.setCurrentKey(['k', 1]);
        inNamespace(s, W1);
        for (const state of all(s)) state.clear();
        assert.deepEqual(read(s), empty);
        assert.deepEqual([...s.v.namespaces()], [W2]);
        inNamespace(s, W2);
        assert.deepEqual(read(s), written(3));
        inNamespace(s, VOID_NAMESPACE);
        assert.deepEqual(read(s), written(1));
        b.setCurrentKey(['k', 2]);
        inNamespace(s, W2);
        assert.deepEqual(read(s), written(4));
        assert.deepEqual([...b.keysInNamespace('v', W1)], []);
      });

      it('merges list, reducing and aggregating state of source namespaces into a target, clearing the sources', () => {
        const b = backend();
        const s = states(b);
        const merged: Key = [0, 30];
        b.setCurrentKey('k');
        inNamespace(s, W1);
        write(s, 1);
        write(s, 2);
        inNamespace(s, W2);
        write(s, 6);
        inNamespace(s, merged);
        write(s, 3);
        b.setCurrentKey('other');
        inNamespace(s, W1);
        write(s, 100);
        b.setCurrentKey('k');
        inNamespace(s, W1);
        for (const state of [s.l, s.r, s.a]) state.mergeNamespaces(merged, [W1, W2, [0, 30]]);
        assert.deepEqual(s.l.getCurrentNamespace(), W1, 'the current namespace is kept');
        assert.deepEqual([...s.l.get()], []);
        assert.equal(s.r.get(), undefined);
        inNamespace(s, merged);
        assert.deepEqual([...s.l.get()], ['e3', 'e1', 'e2', 'e6'], "the target's elements first");
        assert.equal(s.r.get(), 12);
        assert.equal(s.a.get(), 3);
        assert.deepEqual([...s.l.namespaces()], [merged]);
        // Into an empty target, from the void namespace too.
        inNamespace(s, VOID_NAMESPACE);
        write(s, 5);
        s.l.mergeNamespaces([1, 2], [VOID_NAMESPACE, merged]);
        s.r.mergeNamespaces([1, 2], [VOID_NAMESPACE, merged]);
        assert.deepEqual([...s.l.get()], []);
        inNamespace(s, [1, 2]);
        assert.deepEqual([...s.l.get()], ['e5', 'e3', 'e1', 'e2', 'e6']);
        assert.equal(s.r.get(), 17);
        b.setCurrentKey('other');
        inNamespace(s, W1);
        assert.deepEqual(read(s), written(100), "another key's namespaces are untouched");
      });

      it('restores every (key, namespace) value at another parallelism, with tuple keys and namespaces', () => {
        const keys: Key[] = Array.from({ length: 60 }, (_, i) =>
          i % 2 === 0 ? `key-${i}` : [`key`, i, null],
        );
        const source = backend();
        const s = states(source);
        keys.forEach((key, i) => {
          source.setCurrentKey(key);
          inNamespace(s, VOID_NAMESPACE);
          write(s, i);
          inNamespace(s, W1);
          write(s, 1000 + i);
          inNamespace(s, `w-${i % 3}`);
          write(s, 2000 + i);
        });
        const snapshot = source.snapshot();
        const left = backend({ keyGroupRange: { start: 0, end: 63 } });
        const right = backend({ keyGroupRange: { start: 64, end: 127 } });
        left.restore([snapshot]);
        right.restore([snapshot]);
        assert.equal(left.size() + right.size(), source.size());
        for (const [i, key] of keys.entries()) {
          const b = assignToKeyGroup(key, 128) <= 63 ? left : right;
          const t = states(b);
          b.setCurrentKey(key);
          inNamespace(t, VOID_NAMESPACE);
          assert.deepEqual(read(t), written(i), `void namespace of ${String(key)}`);
          inNamespace(t, W1);
          assert.deepEqual(read(t), written(1000 + i), `window namespace of ${String(key)}`);
          inNamespace(t, `w-${i % 3}`);
          assert.deepEqual(read(t), written(2000 + i), `string namespace of ${String(key)}`);
          inNamespace(t, `w-${(i + 1) % 3}`);
          assert.deepEqual(read(t), empty);
          inNamespace(t, VOID_NAMESPACE);
        }
        // Scaling in: both halves back into one, and its snapshot is the source's.
        const merged = backend();
        merged.restore([left.snapshot(), right.snapshot()]);
        assert.deepEqual(canonical(merged.snapshot()), canonical(snapshot));
        for (const peer of contractOptions.peers ?? []) {
          const theirs = peer.make({
            maxParallelism: 128,
            keyGroupRange: { start: 0, end: 127 },
            clock: new ManualClock(0),
          });
          try {
            theirs.restore([snapshot]);
            assert.deepEqual(canonical(theirs.snapshot()), canonical(snapshot), `${peer.name} restores it`);
            const back = backend();
            back.restore([theirs.snapshot()]);
            assert.deepEqual(canonical(back.snapshot()), canonical(snapshot), `and back from ${peer.name}`);
          } finally {
            theirs.dispose();
          }
        }
      });

      it('writes no namespace field into snapshots without namespaced values', () => {
        const b = backend();
        const s = states(b);
        b.setCurrentKey('k');
        write(s, 1);
        const snapshot = b.snapshot() as { states: Array<{ keyGroups: object[] }> };
        for (const state of snapshot.states)
          for (const group of state.keyGroups)
            assert.deepEqual(Object.keys(group).sort(), ['entries', 'keyGroup']);
      });

      it('expires each (key, namespace) value on its own by TTL', () => {
        const clock = new ManualClock(0);
        const b = backend({ clock });
        const ttl = StateTtlConfig.newBuilder(100).build();
        const v = asInternalState<InternalValueState<number>>(
          b.getState(new ValueStateDescriptor<number>('v').enableTimeToLive(ttl)),
        );
        const l = asInternalState<InternalListState<number>>(
          b.getListState(new ListStateDescriptor<number>('l').enableTimeToLive(ttl)),
        );
        b.setCurrentKey('k');
        v.setCurrentNamespace(W1);
        l.setCurrentNamespace(W1);
        v.update(1);
        l.add(1);
        clock.advanceTo(50);
        v.setCurrentNamespace(W2);
        l.setCurrentNamespace(W2);
        v.update(2);
        l.add(2);
        clock.advanceTo(120);
        assert.equal(v.value(), 2);
        assert.deepEqual([...l.get()], [2]);
        v.setCurrentNamespace(W1);
        l.setCurrentNamespace(W1);
        assert.deepEqual([...l.get()], [], 'expired in W1');
        b.cleanupExpired();
        assert.equal(v.value(), undefined);
        assert.deepEqual([...b.keysInNamespace('v', W1)], []);
        assert.deepEqual([...b.keysInNamespace('v', W2)], ['k']);
        clock.advanceTo(150);
        b.cleanupExpired();
        assert.deepEqual([...b.keysInNamespace('v', W2)], []);
        assert.equal(b.size(), 0);
      });
    });
  });
}
