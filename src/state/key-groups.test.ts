import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import {
  assignKeyToParallelOperator,
  assignToKeyGroup,
  computeKeyGroupForKeyHash,
  computeOperatorIndexForKeyGroup,
  DEFAULT_MAX_PARALLELISM,
  hashKey,
  keyGroupOf,
  keyGroupRangeForOperator,
  murmurHash,
} from './key-groups.ts';

// Reference values computed with Java 17 (String/Double/Long/Boolean.hashCode) and Flink's
// MathUtils.murmurHash algorithm, so Weir's key groups match Flink's for the same keys.
describe('key groups: hashing', () => {
  it('mixes an int as Flink MathUtils.murmurHash does', () => {
    const expected: Array<[number, number]> = [
      [0, 593689054],
      [1, 68075478],
      [-1, 1982413648],
      [42, 1134849565],
      [2147483647, 1653689534],
      [-2147483648, 1718298732],
      [123456789, 1088346449],
    ];
    for (const [input, output] of expected) assert.equal(murmurHash(input), output, `murmurHash(${input})`);
  });

  it('hashes strings as Java String.hashCode over UTF-16 code units', () => {
    assert.equal(hashKey(''), 0);
    assert.equal(hashKey('a'), 97);
    assert.equal(hashKey('hello'), 99162322);
    assert.equal(hashKey('user-42'), -147182656);
    assert.equal(hashKey('Grüße'), 69215351);
    assert.equal(hashKey('😀'), 1772899);
  });

  it('hashes int32 numbers as themselves and other numbers as Java Double.hashCode', () => {
    assert.equal(hashKey(7), 7);
    assert.equal(hashKey(-2147483648), -2147483648);
    assert.equal(hashKey(1.5), 1073217536);
    assert.equal(hashKey(-0.25), -1076887552);
    assert.equal(hashKey(1e300), -164130400);
    assert.equal(hashKey(4294967296), 1106247680);
    assert.equal(hashKey(Number.MAX_SAFE_INTEGER), -1128267776);
  });

  it('hashes a tuple as Java Arrays.hashCode over its fields (31 * h + field, from 1; null is 0)', () => {
    assert.equal(hashKey([]), 1);
    assert.equal(hashKey([null]), 31);
    assert.equal(hashKey(['a', 1]), 31 * (31 + 97) + 1); // 3969
    assert.equal(hashKey([1, 2]), 994);
    assert.equal(hashKey(['a', null, true]), (31 * (31 + 97) + 0) * 31 + 1231); // 124239
    // 31 * (31 + hash("user-42")) + Long.hashCode(7), in int32.
    assert.equal(hashKey(['user-42', 7n]), -267694072);
    assert.equal(hashKey([Number.NaN, -0]), hashKey([0 / 0, 0]));
  });

  it('puts tuples in stable key groups (murmurHash of the tuple hash mod maxParallelism)', () => {
    const expected: Array<[Key, number]> = [
      [['a', 1], 75],
      [[], 86],
      [[null], 123],
      [['a', null, true], 33],
      [[1, 2], 47],
      [['user-42', 7n], 52],
      [[1.5, 'x'], 104],
    ];
    for (const [key, group] of expected) {
      assert.equal(
        assignToKeyGroup(key, 128),
        group,
        `key group of ${JSON.stringify(key, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`,
      );
      assert.equal(assignToKeyGroup(key, 128), murmurHash(hashKey(key)) % 128);
    }
  });

  it('rejects tuples with nested tuples or objects as fields', () => {
    assert.throws(
      () => hashKey([[1]] as unknown as Key),
      (e: unknown) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => hashKey([{}] as unknown as Key),
      (e: unknown) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => hashKey(null as unknown as Key),
      (e: unknown) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
  });

  it('hashes keys a Map treats as equal to the same value (-0 and 0, every NaN)', () => {
    assert.equal(hashKey(-0), hashKey(0));
    assert.equal(hashKey(Number.NaN), hashKey(0 / 0));
    assert.equal(hashKey(Number.NaN), 0x7ff80000);
  });

  it('hashes bigints as Java Long.hashCode within int64, and folds wider ones', () => {
    assert.equal(hashKey(4294967296n), 1);
    assert.equal(hashKey(-4294967297n), 1);
    assert.equal(hashKey(9223372036854775807n), -2147483648);
    assert.equal(hashKey(-9223372036854775808n), -2147483648);
    assert.equal(hashKey(5n), 5);
    const wide = 2n ** 64n + 5n;
    assert.notEqual(hashKey(wide), hashKey(5n), 'bits above 64 take part in the hash');
    assert.notEqual(hashKey(-wide), hashKey(wide));
    assert.equal(hashKey(wide), hashKey(2n ** 64n + 5n));
  });

  it('hashes booleans as Java Boolean.hashCode', () => {
    assert.equal(hashKey(true), 1231);
    assert.equal(hashKey(false), 1237);
  });

  it('rejects keys that are not primitives', () => {
    assert.throws(
      () => hashKey({} as unknown as Key),
      (e) => isWeirError(e, 'INVALID_ARGUMENT') && /object/.test(e.message),
    );
    assert.throws(
      () => hashKey(undefined as unknown as Key),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
  });
});

describe('key groups: assignment', () => {
  it('gives the record path the same group as assignToKeyGroup, for powers of two and others', () => {
    const keys: Key[] = [0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 1.5, 'a', 'bidder-17', 10n ** 30n, true];
    for (let i = 0; i < 500; i++) keys.push(i * 7919 - 100_000, `key-${i}`);
    for (const maxParallelism of [1, 2, 7, 100, 128, 129, 1000, 4096, 32_768]) {
      for (const key of keys) {
        assert.equal(
          keyGroupOf(key, maxParallelism),
          assignToKeyGroup(key, maxParallelism),
          `${String(key)} at ${maxParallelism}`,
        );
      }
    }
  });

  it('assigns the key groups Flink assigns for maxParallelism 128', () => {
    assert.equal(DEFAULT_MAX_PARALLELISM, 128);
    const expected: Array<[Key, number]> = [
      [0, 94],
      [1, 86],
      [-1, 80],
      [42, 29],
      [123456789, 81],
      ['', 94],
      ['a', 81],
      ['hello', 35],
      ['user-42', 20],
      ['Grüße', 115],
    ];
    for (const [key, group] of expected)
      assert.equal(assignToKeyGroup(key, 128), group, `key ${String(key)}`);
    assert.equal(computeKeyGroupForKeyHash(hashKey('hello'), 128), 35);
  });

  it('is deterministic and always within [0, maxParallelism)', () => {
    for (const maxP of [1, 2, 7, 128, 1000, 32768]) {
      for (let i = -500; i < 500; i++) {
        for (const key of [i, `k${i}`, i + 0.5, BigInt(i) * 1_000_000_007n]) {
          const g = assignToKeyGroup(key, maxP);
          assert.ok(Number.isInteger(g) && g >= 0 && g < maxP, `group ${g} of ${String(key)} for ${maxP}`);
          assert.equal(assignToKeyGroup(key, maxP), g);
        }
      }
    }
  });

  it('spreads 100k string keys and 100k integer keys evenly over 128 groups', () => {
    for (const makeKey of [(i: number): Key => `user-${i}`, (i: number): Key => i * 7919]) {
      const counts = new Array<number>(128).fill(0);
      const n = 100_000;
      for (let i = 0; i < n; i++) counts[assignToKeyGroup(makeKey(i), 128)]++;
      const expected = n / 128; // 781.25
      // chi-squared with 127 degrees of freedom: 99.9th percentile is about 181.
      const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
      assert.ok(chi2 < 181, `chi-squared ${chi2.toFixed(1)} too large: ${counts.join(',')}`);
      assert.ok(Math.min(...counts) > expected * 0.8, `min ${Math.min(...counts)}`);
      assert.ok(Math.max(...counts) < expected * 1.2, `max ${Math.max(...counts)}`);
    }
  });

  it('rejects an invalid maxParallelism', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 32769]) {
      assert.throws(
        () => assignToKeyGroup('a', bad),
        (e) => isWeirError(e, 'INVALID_ARGUMENT'),
      );
    }
  });
});

describe('key groups: ranges per operator', () => {
  const pairs: Array<[number, number]> = [];
  for (const maxP of [1, 2, 3, 7, 10, 100, 128, 129, 1000, 4096]) {
    for (const p of [1, 2, 3, 4, 5, 7, 8, 13, 64, 127, 128, 1000]) if (p <= maxP) pairs.push([maxP, p]);
  }

  it('puts every key group in exactly one operator range, consistent with the operator index', () => {
    for (const [maxP, p] of pairs) {
      const owner = new Array<number>(maxP).fill(-1);
      for (let i = 0; i < p; i++) {
        const { start, end } = keyGroupRangeForOperator(maxP, p, i);
        for (let g = start; g <= end; g++) {
          assert.equal(owner[g], -1, `group ${g} in two ranges for maxP ${maxP}, p ${p}`);
          owner[g] = i;
        }
      }
      for (let g = 0; g < maxP; g++) {
        assert.equal(
          owner[g],
          computeOperatorIndexForKeyGroup(maxP, p, g),
          `group ${g}, maxP ${maxP}, p ${p}`,
        );
      }
    }
  });

  it('gives every operator a non-empty range whose sizes differ by at most one', () => {
    for (const [maxP, p] of pairs) {
      const sizes = Array.from({ length: p }, (_, i) => {
        const r = keyGroupRangeForOperator(maxP, p, i);
        return r.end - r.start + 1;
      });
      assert.ok(Math.min(...sizes) >= 1, `empty range for maxP ${maxP}, p ${p}`);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `uneven ranges for maxP ${maxP}, p ${p}`);
    }
  });

  it('computes the ranges Flink computes', () => {
    assert.deepEqual(keyGroupRangeForOperator(128, 3, 0), { start: 0, end: 42 });
    assert.deepEqual(keyGroupRangeForOperator(128, 3, 1), { start: 43, end: 85 });
    assert.deepEqual(keyGroupRangeForOperator(128, 3, 2), { start: 86, end: 127 });
    assert.equal(computeOperatorIndexForKeyGroup(128, 3, 42), 0);
    assert.equal(computeOperatorIndexForKeyGroup(128, 3, 43), 1);
  });

  it('routes a key to the operator whose range holds its group', () => {
    for (let i = 0; i < 1000; i++) {
      const key = `k${i}`;
      const op = assignKeyToParallelOperator(key, 128, 5);
      const range = keyGroupRangeForOperator(128, 5, op);
      const g = assignToKeyGroup(key, 128);
      assert.ok(g >= range.start && g <= range.end);
    }
  });

  it('rejects invalid parallelism, operator index and key group', () => {
    const invalid = (e: unknown) => isWeirError(e, 'INVALID_ARGUMENT');
    assert.throws(() => keyGroupRangeForOperator(128, 0, 0), invalid);
    assert.throws(() => keyGroupRangeForOperator(128, 129, 0), invalid);
    assert.throws(() => keyGroupRangeForOperator(128, 4, 4), invalid);
    assert.throws(() => keyGroupRangeForOperator(128, 4, -1), invalid);
    assert.throws(() => computeOperatorIndexForKeyGroup(128, 4, 128), invalid);
    assert.throws(() => computeOperatorIndexForKeyGroup(128, 4, -1), invalid);
    assert.throws(() => computeOperatorIndexForKeyGroup(0, 1, 0), invalid);
  });
});
