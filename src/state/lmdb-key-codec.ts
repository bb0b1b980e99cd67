/**
 * Binary keys of the LMDB backend. An entry's key is `[key group: u16 BE][state key]`, and for map
 * state `[key group][state key][map key]`, so each state's entries are ordered by key group first:
 * a snapshot reads a key group as one range and a restore writes only the groups it owns. A value
 * in a namespace other than the void one (internal-kv-state.ts) has `[0x10][namespace]` after the
 * state key: `[key group][state key][0x10][namespace]`, and `[key group][state key][0x10][namespace]
 * [map key]` for map state. The void namespace writes nothing, so keys of user state are the bytes
 * they were before namespaces existed; the namespace mark sorts after every key part tag, so a
 * key's void map entries come before its namespaced ones and end where the mark begins.
 *
 * A key part is a tag byte and a payload. The state key is self-delimiting (numbers take 8 bytes,
 * strings and bigints carry a 2-byte length, a tuple its field count and then each field as a
 * self-delimiting part, a null field just its tag), so the entries of one key form one contiguous
 * range; the map key comes last and needs no length. Numbers are encoded so that byte order is
 * numeric order (map entries of numeric keys iterate in ascending order); `-0` is stored as `0` and
 * every NaN as one NaN, as a `Map` treats them. Strings are UTF-8, or UTF-16 when they hold lone
 * surrogates (UTF-8 cannot represent those, and two strings must never share a key).
 *
 * Keys are written straight into LMDB's key buffer through lmdb's `keyEncoder` hook, from a
 * reusable {@link LmdbKey}: reading or writing an entry builds no key object.
 */
import { WeirError } from '../core/errors.ts';
import { type CompositeKey, formatKey, type Key, type KeyField } from '../core/key.ts';
import { type Namespace, VOID_NAMESPACE } from './internal-kv-state.ts';

/**
 * How much of an {@link LmdbKey} is written: the key group, the state key (and namespace), a whole
 * map entry key, or the state key and the namespace mark: the first key of the key's namespaced
 * entries, and the exclusive end of its void map entries.
 */
export const KEY_GROUP_ONLY = 0;
export const STATE_KEY = 1;
export const MAP_ENTRY = 2;
export const NAMESPACES = 3;
type KeyDepth = typeof KEY_GROUP_ONLY | typeof STATE_KEY | typeof MAP_ENTRY | typeof NAMESPACES;

const TAG_FALSE = 0x01;
const TAG_TRUE = 0x02;
const TAG_NUMBER = 0x03;
const TAG_BIGINT = 0x04;
const TAG_UTF8 = 0x05;
const TAG_UTF16 = 0x06;
const TAG_TUPLE = 0x07;
const TAG_NULL = 0x08; // a null field of a tuple
const TAG_NAMESPACE = 0x10; // after the state key: a namespace follows
const MAX_TUPLE_FIELDS = 0xffff;

/** The parts of an entry key; one instance is reused for every access, decoded keys are fresh. */
export class LmdbKey {
  /** A key before every entry key: the start of a whole-database range. */
  static first(): LmdbKey {
    const ref = new LmdbKey();
    ref.depth = KEY_GROUP_ONLY;
    return ref;
  }

  keyGroup = 0;
  key: Key = '';
  /** The namespace after the state key; nothing is written for the void namespace. */
  namespace: Namespace = VOID_NAMESPACE;
  mapKey: Key = '';
  depth: KeyDepth = STATE_KEY;
  /** Writes the smallest key greater than every key starting with this one (an exclusive range end). */
  successor = false;
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Writes `ref` into `target` at `start`, returning the end position. A key longer than
 * `maxKeySize` (LMDB's limit) is a {@link WeirError} naming it, never a truncated (and so shared) key.
 */
export function writeLmdbKey(
  ref: LmdbKey | Uint8Array,
  target: Buffer,
  start: number,
  maxKeySize: number,
): number {
  if (!(ref instanceof LmdbKey)) {
    // lmdb's own default range bounds.
    target.set(ref, start);
    return start + ref.length;
  }
  const limit = start + maxKeySize;
  const group = ref.keyGroup;
  target[start] = group >>> 8;
  target[start + 1] = group & 0xff;
  let pos = start + 2;
  const depth = ref.depth;
  if (depth !== KEY_GROUP_ONLY) {
    pos = writeKeyPart(ref.key, target, pos, limit, false);
    if (depth === NAMESPACES) {
      if (pos >= 0 && pos < limit) target[pos++] = TAG_NAMESPACE;
      else pos = -1;
    } else {
      const namespace = ref.namespace;
      if (namespace !== VOID_NAMESPACE && pos >= 0) {
        if (pos < limit) {
          target[pos] = TAG_NAMESPACE;
          pos = writeKeyPart(namespace, target, pos + 1, limit, false);
        } else {
          pos = -1;
        }
      }
      if (depth === MAP_ENTRY) pos = writeKeyPart(ref.mapKey, target, pos, limit, true);
    }
    if (pos < 0) throw keyTooLarge(ref, maxKeySize);
  }
  if (ref.successor) {
    // Increment the last byte, carrying; the key group's high byte is below 0x80, so it never overflows.
    let i = pos - 1;
    while (target[i] === 0xff) target[i--] = 0;
    target[i]++;
  }
  return pos;
}

/** Writes one key part; returns the end position, or -1 when it does not fit before `limit`. */
function writeKeyPart(key: Key, target: Buffer, pos: number, limit: number, last: boolean): number {
  if (pos < 0) return -1;
  if (typeof key === 'object' && Array.isArray(key)) return writeTuple(key, target, pos, limit);
  return writeField(key as KeyField, target, pos, limit, last, false);
}

/** A tuple: its tag, its field count (u16), then each field self-delimited. */
function writeTuple(key: CompositeKey, target: Buffer, pos: number, limit: number): number {
  const n = key.length;
  if (n > MAX_TUPLE_FIELDS) {
    throw new WeirError(
      'STATE_ERROR',
      `a tuple key of LMDB state has at most ${MAX_TUPLE_FIELDS} fields, got ${n}`,
    );
  }
  if (pos + 3 > limit) return -1;
  target[pos] = TAG_TUPLE;
  target[pos + 1] = n >>> 8;
  target[pos + 2] = n & 0xff;
  pos += 3;
  for (let i = 0; i < n && pos >= 0; i++) pos = writeField(key[i], target, pos, limit, false, true);
  return pos;
}

function writeField(
  key: KeyField,
  target: Buffer,
  pos: number,
  limit: number,
  last: boolean,
  inTuple: boolean,
): number {
  switch (typeof key) {
    case 'string':
      return writeString(key, target, pos, limit, last);
    case 'number':
      if (pos + 9 > limit) return -1;
      target[pos] = TAG_NUMBER;
      writeOrderedNumber(key, target, pos + 1);
      return pos + 9;
    case 'boolean':
      if (pos + 1 > limit) return -1;
      target[pos] = key ? TAG_TRUE : TAG_FALSE;
      return pos + 1;
    case 'bigint': {
      const digits = key.toString();
      const end = pos + (last ? 1 : 3) + digits.length;
      if (end > limit) return -1;
      target[pos] = TAG_BIGINT;
      if (!last) target.writeUInt16BE(digits.length, pos + 1);
      target.write(digits, end - digits.length, 'latin1');
      return end;
    }
    default:
      if (key === null && inTuple) {
        if (pos + 1 > limit) return -1;
        target[pos] = TAG_NULL;
        return pos + 1;
      }
      throw new WeirError(
        'STATE_ERROR',
        `cannot use ${key === null ? 'null' : Array.isArray(key) ? 'a nested tuple' : typeof key} as a ${inTuple ? 'field of a tuple key' : 'key'} of LMDB state: ` +
          'keys must be a string, number, bigint, boolean or a tuple of those (and nulls); map keys must not be tuples',
      );
  }
}

/** `String.prototype.isWellFormed` (ES2024, in Node 20+), beyond the project's ES2023 lib. */
interface WellFormedCheck {
  isWellFormed(): boolean;
}

function writeString(s: string, target: Buffer, pos: number, limit: number, last: boolean): number {
  const dataStart = pos + (last ? 1 : 3);
  const n = s.length;
  let length = -1;
  // Most keys are short ASCII: copy the code units, falling back to the encoder at the first other one.
  if (dataStart + n <= limit) {
    let i = 0;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      target[dataStart + i++] = c;
    }
    if (i === n) length = n;
  }
  if (length >= 0) {
    target[pos] = TAG_UTF8;
  } else if ((s as unknown as WellFormedCheck).isWellFormed()) {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only near the limit is the string measured.
    if (dataStart + n * 3 > limit && dataStart + Buffer.byteLength(s, 'utf8') > limit) return -1;
    target[pos] = TAG_UTF8;
    length = target.write(s, dataStart, 'utf8');
  } else {
    length = n * 2;
    if (dataStart + length > limit) return -1;
    target[pos] = TAG_UTF16;
    for (let i = 0; i < n; i++) target.writeUInt16BE(s.charCodeAt(i), dataStart + 2 * i);
  }
  if (!last) {
    if (length > 0xffff) return -1;
    target.writeUInt16BE(length, pos + 1);
  }
  return dataStart + length;
}

/** float64 big-endian with the sign bit flipped (positive) or every bit flipped (negative): byte order = numeric order. */
function writeOrderedNumber(n: number, target: Buffer, pos: number): void {
  f64[0] = n === 0 ? 0 : n; // -0 is 0, as for a Map
  if (Number.isNaN(n)) f64[0] = Number.NaN;
  for (let i = 0; i < 8; i++) target[pos + i] = f64Bytes[LITTLE_ENDIAN ? 7 - i : i];
  if (target[pos] & 0x80) for (let i = 0; i < 8; i++) target[pos + i] ^= 0xff;
  else target[pos] ^= 0x80;
}

function readOrderedNumber(source: Uint8Array, pos: number): number {
  const negative = (source[pos] & 0x80) === 0;
  for (let i = 0; i < 8; i++) {
    const b = negative ? source[pos + i] ^ 0xff : i === 0 ? source[pos] ^ 0x80 : source[pos + i];
    f64Bytes[LITTLE_ENDIAN ? 7 - i : i] = b;
  }
  return f64[0];
}

/** Decodes an entry key written by {@link writeLmdbKey} (with a map key when `withMapKey`). */
export function readLmdbKey(source: Buffer, start: number, end: number, withMapKey: boolean): LmdbKey {
  const ref = new LmdbKey();
  ref.keyGroup = (source[start] << 8) | source[start + 1];
  let pos = readKeyPart(source, start + 2, end, false);
  ref.key = partValue as Key;
  if (pos < end && source[pos] === TAG_NAMESPACE) {
    pos = readKeyPart(source, pos + 1, end, false);
    ref.namespace = partValue as Key;
  }
  if (withMapKey) {
    readKeyPart(source, pos, end, true);
    ref.mapKey = partValue as Key;
    ref.depth = MAP_ENTRY;
  } else if (pos !== end) {
    throw corrupt(`${end - pos} unexpected bytes after a key`);
  }
  return ref;
}

/** The value of the part {@link readKeyPart} read last (a module slot: reading allocates no pair). */
let partValue: KeyField | CompositeKey = null;

/** Reads one key part into {@link partValue}; returns the position after it. */
function readKeyPart(source: Buffer, pos: number, end: number, last: boolean): number {
  const tag = source[pos];
  if (tag === TAG_TUPLE) {
    const n = (source[pos + 1] << 8) | source[pos + 2];
    const fields: KeyField[] = new Array(n);
    pos += 3;
    for (let i = 0; i < n; i++) {
      pos = readKeyPart(source, pos, end, false);
      fields[i] = partValue as KeyField;
    }
    partValue = fields;
    return pos;
  }
  if (tag === TAG_NUMBER) {
    partValue = readOrderedNumber(source, pos + 1);
    return pos + 9;
  }
  if (tag === TAG_TRUE || tag === TAG_FALSE) {
    partValue = tag === TAG_TRUE;
    return pos + 1;
  }
  if (tag === TAG_NULL) {
    partValue = null;
    return pos + 1;
  }
  const dataStart = pos + (last ? 1 : 3);
  const next = last ? end : dataStart + source.readUInt16BE(pos + 1);
  if (tag === TAG_UTF8) partValue = source.toString('utf8', dataStart, next);
  else if (tag === TAG_BIGINT) partValue = BigInt(source.toString('latin1', dataStart, next));
  else if (tag === TAG_UTF16) {
    let s = '';
    for (let i = dataStart; i < next; i += 2) s += String.fromCharCode(source.readUInt16BE(i));
    partValue = s;
  } else {
    throw corrupt(`unknown key tag ${tag}`);
  }
  return next;
}

function corrupt(what: string): WeirError {
  return new WeirError('INTERNAL', `${what} in LMDB state: the environment is corrupt`);
}

function keyTooLarge(ref: LmdbKey, maxKeySize: number): WeirError {
  const text = String(
    ref.depth === MAP_ENTRY
      ? `${formatKey(ref.key)}" / map key "${formatKey(ref.mapKey)}`
      : formatKey(ref.key),
  );
  return new WeirError(
    'STATE_ERROR',
    `key "${text.length > 80 ? `${text.slice(0, 80)}...` : text}" is too large for LMDB state: ` +
      `an entry key (key group, key, namespace and map key) takes at most ${maxKeySize} bytes`,
  );
}
