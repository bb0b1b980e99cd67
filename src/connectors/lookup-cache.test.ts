import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LookupCache } from './lookup-cache.ts';

describe('LookupCache', () => {
  it('expires an entry ttlMs after it was written, however often it is read', () => {
    const cache = new LookupCache<string>(10, 1_000);
    cache.set('k', 'v', 0);
    assert.equal(cache.get('k', 999), 'v');
    assert.equal(cache.get('k', 1_000), undefined);
  });

  it('expires an entry accessTtlMs after it was last read, and never later than ttlMs after its write', () => {
    const cache = new LookupCache<string>(10, 5_000, 1_000);
    cache.set('k', 'v', 0);
    assert.equal(cache.get('k', 900), 'v');
    assert.equal(cache.get('k', 1_800), 'v'); // read at 900: held until 1,900
    assert.equal(cache.get('k', 2_700), 'v');
    assert.equal(cache.get('k', 3_600), 'v');
    assert.equal(cache.get('k', 4_500), 'v');
    assert.equal(cache.get('k', 5_000), undefined); // written at 0: gone at 5,000
    cache.set('j', 'w', 0);
    assert.equal(cache.get('j', 1_000), undefined); // not read for 1,000 ms
    assert.deepEqual([cache.hits, cache.misses], [5, 2]);
  });

  it('evicts the least recently used entry once full', () => {
    const cache = new LookupCache<number>(2);
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    assert.equal(cache.get('a', 0), 1);
    cache.set('c', 3, 0);
    assert.equal(cache.get('b', 0), undefined);
    assert.equal(cache.get('a', 0), 1);
    assert.equal(cache.get('c', 0), 3);
  });
});
