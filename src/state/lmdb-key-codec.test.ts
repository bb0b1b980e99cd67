import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import { type Namespace, VOID_NAMESPACE } from './internal-kv-state.ts';
import { LmdbKey, MAP_ENTRY, NAMESPACES, readLmdbKey, STATE_KEY, writeLmdbKey } from './lmdb-key-codec.ts';

const MAX = 511;

function bytes(ref: LmdbKey): number[] {
  const target = Buffer.alloc(MAX + 16);
  const end = writeLmdbKey(ref, target, 0, MAX);
  return [...target.subarray(0, end)];
}

function ref(keyGroup: number, key: Key, options: Partial<LmdbKey> = {}): LmdbKey {
  const r = new LmdbKey();
  r.keyGroup = keyGroup;
  r.key = key;
  Object.assign(r, options);
  return r;
}

function roundTrip(r: LmdbKey): LmdbKey {
  const target = Buffer.alloc(MAX + 16);
  const end = writeLmdbKey(r, target, 0, MAX);
  return readLmdbKey(target, 0, end, r.depth === MAP_ENTRY);
}

const compare = (a: number[], b: number[]) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('LMDB key codec', () => {
  it('writes the void namespace as the keys have always been written', () => {
    // [group u16][0x05 utf8][length u16]["ab"] and, for a map entry, [0x03 number][8 bytes] last.
    assert.deepEqual(bytes(ref(0x0102, 'ab')), [1, 2, 5, 0, 2, 97, 98]);
    assert.deepEqual(bytes(ref(3, 'ab', { depth: MAP_ENTRY, mapKey: 'c' })), [0, 3, 5, 0, 2, 97, 98, 5, 99]);
    assert.deepEqual(bytes(ref(3, true)), [0, 3, 2]);
  });

  it('writes a namespace after the state key, behind its mark', () => {
    assert.deepEqual(bytes(ref(3, 'ab', { namespace: 'w' })), [0, 3, 5, 0, 2, 97, 98, 0x10, 5, 0, 1, 119]);
    assert.deepEqual(
      bytes(ref(3, 'ab', { namespace: 'w', depth: MAP_ENTRY, mapKey: 'c' })),
      [0, 3, 5, 0, 2, 97, 98, 0x10, 5, 0, 1, 119, 5, 99],
    );
  });

  it('round-trips tuple keys and namespaces as fresh tuples', () => {
    const keys: Key[] = [[], ['a', 1, null, true, 12n, -0.5], [null], ['é😀', false], 'plain', 7];
    for (const key of keys) {
      for (const namespace of [VOID_NAMESPACE, [0, 10], 'w'] as Namespace[]) {
        const written = ref(9, key, { namespace });
        const read = roundTrip(written);
        assert.equal(read.keyGroup, 9);
        assert.deepEqual(read.key, key);
        assert.deepEqual(read.namespace, namespace);
        if (typeof key === 'object') assert.notEqual(read.key, key);
        const entry = roundTrip(ref(9, key, { namespace, depth: MAP_ENTRY, mapKey: 'mk' }));
        assert.deepEqual([entry.key, entry.namespace, entry.mapKey], [key, namespace, 'mk']);
      }
    }
  });

  it('keeps every entry of a tuple key inside its range, apart from a longer tuple with the same prefix', () => {
    const start = bytes(ref(1, ['a']));
    const end = bytes(ref(1, ['a'], { successor: true }));
    const inside = (b: number[]) => compare(b, start) >= 0 && compare(b, end) < 0;
    assert.ok(inside(bytes(ref(1, ['a'], { namespace: [0, 10] }))));
    assert.ok(inside(bytes(ref(1, ['a'], { depth: MAP_ENTRY, mapKey: 'x' }))));
    // ['a'] and ['a', 'b'] differ in their field count, so neither is a prefix of the other.
    assert.ok(!inside(bytes(ref(1, ['a', 'b']))));
    assert.ok(!inside(bytes(ref(1, ['a', null]))));
  });

  it('orders void map entries of a key before its namespaced entries, which start at the mark', () => {
    const voidEntry = bytes(ref(1, 'k', { depth: MAP_ENTRY, mapKey: 'zzz' }));
    const mark = bytes(ref(1, 'k', { depth: NAMESPACES }));
    const namespaced = bytes(ref(1, 'k', { namespace: 0, depth: MAP_ENTRY, mapKey: 'a' }));
    const namespacedValue = bytes(ref(1, 'k', { namespace: 0, depth: STATE_KEY }));
    assert.ok(compare(voidEntry, mark) < 0);
    assert.ok(compare(mark, namespaced) <= 0);
    assert.ok(compare(mark, namespacedValue) <= 0);
    const afterKey = bytes(ref(1, 'k', { depth: NAMESPACES, successor: true }));
    assert.ok(compare(namespaced, afterKey) < 0);
    assert.ok(compare(bytes(ref(1, 'l')), afterKey) > 0);
  });

  it('rejects null outside tuples and nested tuples, naming the rule', () => {
    const target = Buffer.alloc(64);
    assert.throws(
      () => writeLmdbKey(ref(1, null as unknown as Key), target, 0, MAX),
      (e: unknown) => isWeirError(e, 'STATE_ERROR') && /null/.test(e.message),
    );
    assert.throws(
      () => writeLmdbKey(ref(1, [['x']] as unknown as Key), target, 0, MAX),
      (e: unknown) => isWeirError(e, 'STATE_ERROR') && /nested tuple/.test(e.message),
    );
  });

  it('refuses a tuple key larger than LMDB allows', () => {
    const target = Buffer.alloc(MAX + 16);
    const key = Array.from({ length: 100 }, (_, i) => `field-${i}`);
    assert.throws(
      () => writeLmdbKey(ref(1, key), target, 0, MAX),
      (e: unknown) => isWeirError(e, 'STATE_ERROR') && /too large/.test(e.message),
    );
  });
});
