import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CompositeKey, hashKey, type Key } from './key.ts';
import { KeyMap, sameKey } from './key-map.ts';

describe('KeyMap', () => {
  it('treats equal tuples as one key, and keeps primitives as a Map does', () => {
    const m = new KeyMap<number>();
    m.set(['a', 1], 1);
    m.set(['a', 1], 2);
    m.set('a', 3);
    m.set(1, 4);
    assert.equal(m.size, 3);
    assert.equal(m.get(['a', 1]), 2);
    assert.equal(m.get('a'), 3);
    assert.equal(m.get(1), 4);
    assert.equal(m.get(['a', 2]), undefined);
    assert.ok(m.has(['a', 1]));
    assert.ok(!m.has(['a']));
    assert.ok(!m.has(['a', 1, null]));
  });

  it('compares fields by type and SameValueZero: 1, "1", 1n and true differ; NaN equals NaN; -0 equals 0', () => {
    const m = new KeyMap<string>();
    const keys: CompositeKey[] = [[1], ['1'], [1n], [true], [null], []];
    for (const key of keys) m.set(key, String(key));
    assert.equal(m.size, keys.length);
    m.set([Number.NaN], 'nan');
    m.set([0], 'zero');
    assert.equal(m.get([0 / 0]), 'nan');
    assert.equal(m.get([-0]), 'zero');
    assert.equal(m.size, keys.length + 2);
  });

  it('deletes a tuple by an equal instance and clears', () => {
    const m = new KeyMap<number>();
    m.set(['x', null], 1);
    m.set(['y', null], 2);
    assert.equal(m.delete(['x', null]), true);
    assert.equal(m.delete(['x', null]), false);
    assert.equal(m.get(['x', null]), undefined);
    assert.equal(m.get(['y', null]), 2);
    m.set('p', 3);
    m.clear();
    assert.equal(m.size, 0);
    assert.equal(m.get(['y', null]), undefined);
    assert.equal(m.get('p'), undefined);
  });

  it('keeps tuples with colliding hashes apart', () => {
    // "Aa" and "BB" have the same Java hashCode, so these tuples share a hash bucket.
    assert.equal(hashKey(['Aa', 1]), hashKey(['BB', 1]));
    const m = new KeyMap<string>();
    m.set(['Aa', 1], 'Aa');
    m.set(['BB', 1], 'BB');
    assert.equal(m.get(['Aa', 1]), 'Aa');
    assert.equal(m.get(['BB', 1]), 'BB');
    m.delete(['Aa', 1]);
    assert.equal(m.get(['Aa', 1]), undefined);
    assert.equal(m.get(['BB', 1]), 'BB');
    m.set(['Aa', 1], 'again');
    assert.deepEqual(
      [...m.keys()],
      [
        ['BB', 1],
        ['Aa', 1],
      ],
    );
  });

  it('copies a tuple on insert, so a reused lookup buffer does not change stored keys', () => {
    const m = new KeyMap<number>();
    const buffer: Array<string | number> = ['k', 1];
    m.set(buffer, 1);
    buffer[1] = 2;
    m.set(buffer, 2);
    assert.equal(m.get(['k', 1]), 1);
    assert.equal(m.get(['k', 2]), 2);
    assert.deepEqual(
      [...m.keys()],
      [
        ['k', 1],
        ['k', 2],
      ],
    );
  });

  it('iterates in insertion order, live, as a Map: entries added while iterating are visited, deleted ones skipped', () => {
    const m = new KeyMap<number>();
    m.set('a', 1);
    m.set(['b'], 2);
    m.set(3, 3);
    const seen: Key[] = [];
    for (const [key] of m) {
      seen.push(key);
      if (key === 'a') {
        m.delete(3);
        m.set(['d', 4], 4);
      }
    }
    assert.deepEqual(seen, ['a', ['b'], ['d', 4]]);
    assert.deepEqual([...m.values()], [1, 2, 4]);
    assert.deepEqual(
      [...m.entries()],
      [
        ['a', 1],
        [['b'], 2],
        [['d', 4], 4],
      ],
    );
    const each: Array<[Key, number]> = [];
    m.forEach((value, key) => each.push([key, value]));
    assert.deepEqual(each, [...m]);
  });

  it('iterates tuples as the stored copies, which look up their own entries', () => {
    const m = new KeyMap<number>();
    m.set([1, 2], 1);
    for (const key of m.keys()) {
      m.set(key, 5);
      assert.equal(m.get(key), 5);
    }
    assert.equal(m.size, 1);
  });
});

describe('sameKey', () => {
  it('is SameValueZero for primitives and element-wise for tuples', () => {
    assert.ok(sameKey(1, 1));
    assert.ok(sameKey(Number.NaN, Number.NaN));
    assert.ok(!sameKey(1, '1'));
    assert.ok(sameKey(['a', null], ['a', null]));
    assert.ok(!sameKey(['a'], 'a'));
    assert.ok(!sameKey(['a'], ['a', null]));
  });
});
