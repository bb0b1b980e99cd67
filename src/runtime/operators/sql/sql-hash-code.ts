import { hashKey, hashString, type Key } from '../../../core/key.ts';

/**
 * HASH_CODE(x): Flink's internal hash of a value, as Java's `hashCode` (a string's
 * `String.hashCode`, an integer's own value, a double's bits folded, booleans 1231/1237). The
 * split distinct rewrite buckets rows by `MOD(HASH_CODE(x), n)`; only its determinism matters there.
 *
 * @example
 * hashCode('a') // 97
 */
export function hashCode(value: unknown): number {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
      return hashKey(value as Key);
    default:
      return hashString(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v)) ?? '');
  }
}
