/**
 * The storage of one named state in the heap backend: one `Map<Key, stored>` per key group the
 * backend owns, in an array indexed by `keyGroup - range.start`. State objects find the current
 * key's map through a shared {@link HeapKeyContext}, so an access is an array index and a Map
 * lookup, with no allocation.
 */
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import type { State } from './state.ts';
import type { StateKind } from './state-descriptor.ts';
import { type TtlPolicy, TtlValue } from './ttl-value.ts';

/** The backend's current key, shared by every state object of the backend. */
export class HeapKeyContext {
  key: Key = '';
  keyGroup = -1;
  /** `keyGroup - range.start`, or -1 when no key is set (so the group lookup finds nothing). */
  index = -1;
}

export class StateTable {
  readonly name: string;
  readonly kind: StateKind;
  readonly groups: Array<Map<Key, unknown>>;
  /** Whether stored values are wrapped in {@link TtlValue} (lists and maps: each element or entry). */
  wrapped: boolean;
  /** The state object, once an operator asked for it (a restored table has none until then). */
  state: State | undefined = undefined;
  ttl: TtlPolicy | undefined = undefined;

  constructor(name: string, kind: StateKind, groupCount: number, wrapped: boolean) {
    this.name = name;
    this.kind = kind;
    this.wrapped = wrapped;
    this.groups = new Array(groupCount);
    for (let i = 0; i < groupCount; i++) this.groups[i] = new Map();
  }

  /** The map of the current key's group; throws when no key is set. */
  current(ctx: HeapKeyContext): Map<Key, unknown> {
    const map = this.groups[ctx.index];
    if (map === undefined) throw noCurrentKey(this.name);
    return map;
  }

  size(): number {
    let n = 0;
    for (const map of this.groups) n += map.size;
    return n;
  }
}

export function noCurrentKey(stateName: string): WeirError {
  return new WeirError(
    'STATE_ERROR',
    `state "${stateName}" was used with no current key: keyed state is available only while a keyed record or timer is processed`,
  );
}

/**
 * Reads a single wrapped value (value, reducing and aggregating state) with TTL semantics: an
 * expired value is removed and returned only with `ReturnExpiredIfNotCleanedUp`; a live one is
 * refreshed with `OnReadAndWrite`.
 */
export function readTtlSingle(map: Map<Key, unknown>, key: Key, ttl: TtlPolicy): unknown {
  const entry = map.get(key) as TtlValue<unknown> | undefined;
  if (entry === undefined) return undefined;
  const now = ttl.now();
  if (ttl.isExpired(entry.timestamp, now)) {
    map.delete(key);
    return ttl.returnExpired ? entry.value : undefined;
  }
  if (ttl.updateOnRead) entry.timestamp = now;
  return entry.value;
}

/**
 * The current value to merge a write into (reducing and aggregating state): an expired value
 * counts as absent unless expired values are visible.
 */
export function currentTtlSingle(map: Map<Key, unknown>, key: Key, ttl: TtlPolicy, now: number): unknown {
  const entry = map.get(key) as TtlValue<unknown> | undefined;
  if (entry === undefined) return undefined;
  if (!ttl.returnExpired && ttl.isExpired(entry.timestamp, now)) return undefined;
  return entry.value;
}

/** Stores a single wrapped value stamped `now`, reusing the existing wrapper. */
export function writeTtlSingle(map: Map<Key, unknown>, key: Key, value: unknown, now: number): void {
  const entry = map.get(key) as TtlValue<unknown> | undefined;
  if (entry === undefined) {
    map.set(key, new TtlValue(value, now));
  } else {
    entry.value = value;
    entry.timestamp = now;
  }
}
