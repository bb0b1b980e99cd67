import { isRegisteredType } from './type-registry.ts';

/**
 * What a record or a state value may hold, so that it is the same value after any serialization
 * boundary: primitives (bigints of any size included), plain objects, arrays, Maps, Sets, Dates,
 * RegExps, built-in Errors, ArrayBuffers, typed arrays and DataViews, and instances of registered
 * types (`env.registerType`). Not allowed: functions, symbols, cycles, and instances of any other
 * class (subclasses of the built-ins included): each of them would come back as something else.
 *
 * {@link isSerializable} is the fast check (no allocation for flat records); {@link findUnserializable}
 * is the slow one, run only once a value has failed, that says where and what.
 */

const BUILT_INS = new Set<unknown>([
  Map,
  Set,
  Date,
  RegExp,
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  ArrayBuffer,
  DataView,
  Buffer,
  Uint8Array,
  Uint8ClampedArray,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
]);

/** Classes with an encoding of Weir's own (windows): see core/msgpack.ts. */
const ENCODED = new Set<unknown>();

/** Marks `type` as one that every Weir codec encodes (a msgpack extension registered by Weir). */
export function addEncodedClass(type: unknown): void {
  ENCODED.add(type);
}

/** Weir's own classes that travel as their fields and are read back as plain objects. */
const PLAIN = new Set<unknown>();

/**
 * Marks one of Weir's classes as plain data: its instances are written as their fields (and read back
 * as plain objects, which is all Weir needs of them, e.g. TTL wrappers of state values).
 */
export function addPlainDataClass(type: unknown): void {
  PLAIN.add(type);
}

/** Beyond this depth the fast check hands over to the slow one, which tells a cycle from a deep value. */
const MAX_FAST_DEPTH = 64;

/** True for an object that is neither plain, nor an array, nor a supported built-in, nor registered. */
export function isUnsupportedInstance(value: object): boolean {
  // The prototype's constructor, not `value.constructor`: a plain object may have a field of that name.
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null || proto === Array.prototype) return false;
  const c = (proto as { constructor?: unknown }).constructor;
  return !BUILT_INS.has(c) && !PLAIN.has(c) && !ENCODED.has(c) && !isRegisteredType(c);
}

/** A plain object whose own `constructor` field hides Object (`{ constructor: 'x' }`). */
function isPlainWithConstructorField(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True when `value` survives serialization unchanged; see the module comment. */
export function isSerializable(value: unknown): boolean {
  return check(value, 0) || findUnserializable(value) === undefined;
}

function check(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return true;
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth === MAX_FAST_DEPTH) return false;
  const c = value.constructor;
  if (c === Object || c === undefined || PLAIN.has(c)) {
    const o = value as Record<string, unknown>;
    for (const k in o) if (!check(o[k], depth + 1)) return false;
    return true;
  }
  if (c === Array) {
    const a = value as unknown[];
    for (let i = 0; i < a.length; i++) if (!check(a[i], depth + 1)) return false;
    return true;
  }
  if (c === Map) {
    for (const [k, v] of value as Map<unknown, unknown>) {
      if (!check(k, depth + 1) || !check(v, depth + 1)) return false;
    }
    return true;
  }
  if (c === Set) {
    for (const v of value as Set<unknown>) if (!check(v, depth + 1)) return false;
    return true;
  }
  if (isPlainWithConstructorField(value)) {
    const o = value as Record<string, unknown>;
    for (const k in o) if (!check(o[k], depth + 1)) return false;
    return true;
  }
  return !isUnsupportedInstance(value);
}

/** Where a value fails {@link isSerializable}: a field path from `root` and what was found there. */
export interface Unserializable {
  /** `record.payload.callback`, `record.items[3]`, `record.byKey<get "a">` (a Map entry's value). */
  readonly path: string;
  /** `a function`, `a symbol`, `a cycle (back to record.parent)`, `an instance of class Money (not registered)`. */
  readonly found: string;
}

/** The first part of `value` that cannot be serialized, or undefined when there is none. */
export function findUnserializable(value: unknown, root = 'record'): Unserializable | undefined {
  return find(value, root, new Map());
}

function find(value: unknown, path: string, ancestors: Map<object, string>): Unserializable | undefined {
  switch (typeof value) {
    case 'function': {
      const name = (value as { name?: string }).name;
      return { path, found: name ? `a function (${name})` : 'a function' };
    }
    case 'symbol':
      return { path, found: `a symbol (${String(value)})` };
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return undefined;
  const back = ancestors.get(value);
  if (back !== undefined) return { path, found: `a cycle (a reference back to ${back})` };
  const c = value.constructor;
  let children: Array<[string, unknown]>;
  if (c === Object || c === undefined || PLAIN.has(c) || isPlainWithConstructorField(value)) {
    children = Object.keys(value).map((k) => [
      /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`,
      (value as Record<string, unknown>)[k],
    ]);
  } else if (c === Array) {
    children = (value as unknown[]).map((v, i) => [`${path}[${i}]`, v]);
  } else if (c === Map) {
    children = [];
    let i = 0;
    for (const [k, v] of value as Map<unknown, unknown>) {
      children.push([`${path}<key ${i}>`, k], [`${path}<value of key ${previewKey(k)}>`, v]);
      i++;
    }
  } else if (c === Set) {
    children = [...(value as Set<unknown>)].map((v, i) => [`${path}<element ${i}>`, v]);
  } else if (isUnsupportedInstance(value)) {
    const name = typeof c === 'function' && c.name ? c.name : 'anonymous class';
    return {
      path,
      found:
        c === Promise
          ? 'a Promise (an asynchronous result belongs in AsyncDataStream)'
          : `an instance of class ${name}, which is not registered (env.registerType(${name}, codec))`,
    };
  } else {
    return undefined;
  }
  ancestors.set(value, path);
  for (const [childPath, child] of children) {
    const found = find(child, childPath, ancestors);
    if (found !== undefined) return found;
  }
  ancestors.delete(value);
  return undefined;
}

function previewKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key.length > 40 ? `${key.slice(0, 39)}…` : key);
  if (typeof key === 'bigint') return `${key}n`;
  if (typeof key === 'number' || typeof key === 'boolean' || key == null) return String(key);
  return typeof key;
}
