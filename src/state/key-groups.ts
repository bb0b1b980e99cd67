/**
 * Key groups (docs/state.md). `maxParallelism` fixes the number of key groups; a key belongs to
 * group `murmur(hashKey(key)) mod maxParallelism`, and the subtask that owns a group is
 * `floor(group * parallelism / maxParallelism)`. Each subtask therefore owns one contiguous range
 * of groups, and keyed state and timers are stored per group, so a snapshot taken at one
 * parallelism restores at any other.
 *
 * The hashes ({@link hashKey}, in core/key.ts) follow Java's `hashCode` for the same values (String,
 * Integer, Double, Long, Boolean; a tuple key as `Arrays.hashCode`) and the mixing follows Flink's
 * `MathUtils.murmurHash`, so a string or integer key lands in the same key group as it would in
 * Flink. Hashing never allocates.
 */

import { WeirError } from '../core/errors.ts';
import { fmix32 } from '../core/fmix32.ts';
import { formatKey, hashKey, type Key } from '../core/key.ts';
import type { KeyGroupRange } from './keyed-state-backend.ts';

/** The default number of key groups, as in Flink for small parallelism. */
export const DEFAULT_MAX_PARALLELISM = 128;

/** The largest supported `maxParallelism` (Flink's upper bound, 2^15). */
export const UPPER_BOUND_MAX_PARALLELISM = 32_768;

/**
 * Flink's `murmurHash(int)`: one MurmurHash3 (x86, 32-bit) block round of `code` followed by the
 * finalizer, folded to a non-negative int (`-h` for negative `h`, `0` for `-2^31`).
 */
export function murmurHash(code: number): number {
  let h = Math.imul(code, 0xcc9e2d51);
  h = (h << 15) | (h >>> 17);
  h = Math.imul(h, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  h ^= 4;
  h = bitMix(h);
  // -(-2^31) overflows back to -2^31 in int32 arithmetic; Flink maps it to 0.
  return h >= 0 ? h : h === -0x80000000 ? 0 : -h;
}

/** The MurmurHash3 32-bit finalizer; see {@link fmix32}. */
export const bitMix = fmix32;

export { hashBigInt, hashKey, hashNumber, hashString } from '../core/key.ts';

/** The key group of `key`: `murmurHash(hashKey(key)) mod maxParallelism`. */
export function assignToKeyGroup(key: Key, maxParallelism: number): number {
  checkMaxParallelism(maxParallelism);
  return murmurHash(hashKey(key)) % maxParallelism;
}

/**
 * {@link assignToKeyGroup} without argument checks, for the record path: callers check
 * `maxParallelism` once, when they are built.
 */
export function keyGroupOf(key: Key, maxParallelism: number): number {
  const h = murmurHash(hashKey(key));
  // The hash is never negative: for a power of two (the default 128) a mask gives the remainder
  // without an integer division.
  const mask = maxParallelism - 1;
  return (maxParallelism & mask) === 0 ? h & mask : h % maxParallelism;
}

/** {@link computeOperatorIndexForKeyGroup} without argument checks, for the record path. */
export function operatorIndexOf(maxParallelism: number, parallelism: number, keyGroup: number): number {
  return ((keyGroup * parallelism) / maxParallelism) | 0;
}

/** The key group of a key whose {@link hashKey} is already known. */
export function computeKeyGroupForKeyHash(keyHash: number, maxParallelism: number): number {
  checkMaxParallelism(maxParallelism);
  return murmurHash(keyHash) % maxParallelism;
}

/** The index of the subtask that owns `keyGroup`: `floor(keyGroup * parallelism / maxParallelism)`. */
export function computeOperatorIndexForKeyGroup(
  maxParallelism: number,
  parallelism: number,
  keyGroup: number,
): number {
  checkParallelism(maxParallelism, parallelism);
  if (!Number.isInteger(keyGroup) || keyGroup < 0 || keyGroup >= maxParallelism) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `key group ${keyGroup} is outside [0, ${maxParallelism - 1}] for maxParallelism ${maxParallelism}`,
    );
  }
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** The subtask that owns `key`, for a job with the given parallelism. */
export function assignKeyToParallelOperator(key: Key, maxParallelism: number, parallelism: number): number {
  return computeOperatorIndexForKeyGroup(maxParallelism, parallelism, assignToKeyGroup(key, maxParallelism));
}

/**
 * The key groups owned by subtask `operatorIndex`, `[start, end]` inclusive: exactly the groups
 * `g` with `computeOperatorIndexForKeyGroup(maxParallelism, parallelism, g) === operatorIndex`.
 * `start = ceil(i * maxP / p)`, `end = ceil((i + 1) * maxP / p) - 1`.
 */
export function keyGroupRangeForOperator(
  maxParallelism: number,
  parallelism: number,
  operatorIndex: number,
): KeyGroupRange {
  checkParallelism(maxParallelism, parallelism);
  if (!Number.isInteger(operatorIndex) || operatorIndex < 0 || operatorIndex >= parallelism) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `operator index ${operatorIndex} is outside [0, ${parallelism - 1}] for parallelism ${parallelism}`,
    );
  }
  const start = Math.ceil((operatorIndex * maxParallelism) / parallelism);
  const end = Math.ceil(((operatorIndex + 1) * maxParallelism) / parallelism) - 1;
  return { start, end };
}

/** Number of key groups in a range. */
export function keyGroupRangeSize(range: KeyGroupRange): number {
  return range.end - range.start + 1;
}

/** Whether `keyGroup` lies in `range`. */
export function keyGroupRangeContains(range: KeyGroupRange, keyGroup: number): boolean {
  return keyGroup >= range.start && keyGroup <= range.end;
}

/** Throws INVALID_ARGUMENT unless `maxParallelism` is an integer in [1, 32768]. */
export function checkMaxParallelism(maxParallelism: number): void {
  if (!(maxParallelism >= 1 && maxParallelism <= UPPER_BOUND_MAX_PARALLELISM) || maxParallelism % 1 !== 0) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `maxParallelism must be an integer between 1 and ${UPPER_BOUND_MAX_PARALLELISM}, got ${maxParallelism}`,
    );
  }
}

function checkParallelism(maxParallelism: number, parallelism: number): void {
  checkMaxParallelism(maxParallelism);
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > maxParallelism) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `parallelism must be an integer between 1 and maxParallelism (${maxParallelism}), got ${parallelism}`,
    );
  }
}

/** Throws INVALID_ARGUMENT unless `range` is a valid, non-empty range of key groups for `maxParallelism`. */
export function checkKeyGroupRange(range: KeyGroupRange, maxParallelism: number): void {
  checkMaxParallelism(maxParallelism);
  const { start, end } = range;
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    start < 0 ||
    end < start ||
    end >= maxParallelism
  ) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `key group range [${start}, ${end}] is not a non-empty range within [0, ${maxParallelism - 1}]`,
    );
  }
}

/** The error when a key reaches a backend that does not own its key group (a partitioning bug). */
export function keyGroupNotOwned(
  key: Key,
  keyGroup: number,
  range: KeyGroupRange,
  maxParallelism: number,
): WeirError {
  return new WeirError(
    'STATE_ERROR',
    `key ${typeof key === 'object' ? formatKey(key) : JSON.stringify(String(key))} is in key group ${keyGroup}, outside this backend's key groups ` +
      `[${range.start}, ${range.end}] (maxParallelism ${maxParallelism}): ` +
      'records reached a subtask that does not own their key',
  );
}
