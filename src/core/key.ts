/**
 * Keys. A key is a primitive (string, number, bigint, boolean), which hashes fast and serves as a
 * `Map` key as it is, or a {@link CompositeKey}: a tuple of primitives, as SQL's `GROUP BY a, b`
 * keys by. Tuples are equal by value (element-wise, as `Map` compares primitives): the state layer
 * indexes keys with a `KeyMap` (core/key-map.ts) and hashes tuples without building strings.
 */

import { WeirError } from './errors.ts';

/** One field of a {@link CompositeKey}; `null` is an SQL NULL (it hashes as 0, like Java's null). */
export type KeyField = string | number | bigint | boolean | null;

/**
 * A composite key: a tuple of primitive fields, e.g. `keyBy((r) => [r.region, r.day] as const)`.
 * Two tuples with equal fields (SameValueZero per field) are one key. Fields cannot be tuples, and a
 * tuple must not be changed once it was used as a key.
 */
export type CompositeKey = readonly KeyField[];

/** The keys that are not tuples. */
export type PrimitiveKey = string | number | bigint | boolean;

/** A key: a primitive, or a tuple of primitives ({@link CompositeKey}). */
export type Key = PrimitiveKey | CompositeKey;

/** Extracts the key of a record. It must be deterministic: the same record always gives the same key. */
export type KeySelector<T, K extends Key = Key> = (value: T) => K;

/** Whether `key` is a {@link CompositeKey} (the one kind of key that is an object). */
export function isCompositeKey(key: Key): key is CompositeKey {
  return typeof key === 'object';
}

/**
 * A key as text for error messages, never throwing: a primitive as `String(key)`, a tuple as
 * `["eu", 7, null]` (string fields quoted, so `["a,b"]` and `["a", "b"]` read differently).
 */
export function formatKey(key: unknown): string {
  if (!Array.isArray(key)) return String(key);
  const field = (f: unknown) =>
    typeof f === 'string' ? JSON.stringify(f) : typeof f === 'bigint' ? `${f}n` : String(f);
  return `[${key.map(field).join(', ')}]`;
}

// ---- hashing -------------------------------------------------------------------------------

// Shared views to read the bits of a float64 or a 64-bit bigint without allocating.
const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
const i32 = new Int32Array(f64.buffer);
const NAN_HASH = 0x7ff80000; // Java's Double.hashCode(NaN): every NaN is the same Map key.

/** Java's `String.hashCode`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 code units, in int32. */
export function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * An int32 hash of a number: the value itself for integers in int32 range (as Java's
 * `Integer.hashCode`; `-0` hashes as `0`, since a Map treats them as one key), otherwise the
 * XOR of the float64's two halves (as Java's `Double.hashCode`).
 */
export function hashNumber(n: number): number {
  if ((n | 0) === n) return n | 0;
  if (Number.isNaN(n)) return NAN_HASH;
  f64[0] = n;
  return i32[0] ^ i32[1];
}

/**
 * An int32 hash of a bigint: within the int64 range, Java's `Long.hashCode` (XOR of the halves);
 * beyond it, the 64-bit chunks are combined as `31 * h + chunk`.
 */
export function hashBigInt(n: bigint): number {
  i64[0] = n;
  let h = i32[0] ^ i32[1];
  if (i64[0] === n) return h;
  // Rare: more than 64 bits. Fold the remaining chunks (sign-extended shifts end at 0n or -1n).
  let rest = n >> 64n;
  while (rest !== 0n && rest !== -1n) {
    i64[0] = rest;
    h = (Math.imul(h, 31) + (i32[0] ^ i32[1])) | 0;
    rest >>= 64n;
  }
  return (Math.imul(h, 31) + (rest === 0n ? 0 : -1)) | 0;
}

/**
 * A fast int32 hash of a key, with Java's `hashCode` semantics per type; a tuple hashes as Java's
 * `Arrays.hashCode` of its fields (`h = 31 * h + fieldHash` from 1, a null field hashing as 0).
 * Never allocates for string, number, boolean or tuple-of-those keys.
 */
export function hashKey(key: Key): number {
  switch (typeof key) {
    case 'string':
      return hashString(key);
    case 'number':
      return hashNumber(key);
    case 'bigint':
      return hashBigInt(key);
    case 'boolean':
      return key ? 1231 : 1237;
    default:
      // Out of line: the primitive cases stay small enough to inline into the record path.
      return hashTupleKey(key);
  }
}

function hashTupleKey(key: unknown): number {
  if (Array.isArray(key)) return hashTuple(key);
  throw invalidKey(key, 'keys must be a string, number, bigint, boolean or a tuple of those');
}

/** Java's `Arrays.hashCode` over the fields' hashes. */
function hashTuple(key: CompositeKey): number {
  let h = 1;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + hashField(key[i])) | 0;
  return h;
}

function hashField(field: KeyField): number {
  switch (typeof field) {
    case 'string':
      return hashString(field);
    case 'number':
      return hashNumber(field);
    case 'bigint':
      return hashBigInt(field);
    case 'boolean':
      return field ? 1231 : 1237;
    case 'object':
      if (field === null) return 0;
      break;
  }
  throw invalidKey(field, 'the fields of a tuple key must be strings, numbers, bigints, booleans or null');
}

function invalidKey(key: unknown, rule: string): WeirError {
  const type = key === null ? 'null' : Array.isArray(key) ? 'a tuple' : typeof key;
  return new WeirError('INVALID_ARGUMENT', `cannot hash a key of type ${type}: ${rule}`);
}
