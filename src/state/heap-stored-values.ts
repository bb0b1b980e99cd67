/**
 * Conversions of the values the heap backend stores, per state kind: to and from plain snapshot
 * data, between wrapped (TTL) and unwrapped form, and expiry. Value, reducing and aggregating
 * state store one value per key; list state an array; map state a `Map`. With TTL, the single
 * value, each list element and each map entry is a {@link TtlValue}.
 */
import type { StateKind } from './state-descriptor.ts';
import { type TtlPolicy, TtlValue } from './ttl-value.ts';

/** A TTL-stamped value in a snapshot. */
export interface TtlEntrySnapshot {
  readonly value: unknown;
  readonly timestamp: number;
}

/** Applies `f` to each wrapped unit of a stored value (the value, each element, each entry value). */
function mapUnits(kind: StateKind, stored: unknown, f: (unit: unknown) => unknown): unknown {
  switch (kind) {
    case 'list':
      return (stored as unknown[]).map(f);
    case 'map': {
      const out = new Map<unknown, unknown>();
      for (const [k, v] of stored as Map<unknown, unknown>) out.set(k, f(v));
      return out;
    }
    default:
      return f(stored);
  }
}

/** Wraps every unit of an unwrapped stored value, stamped `now`. */
export function wrapStored(kind: StateKind, stored: unknown, now: number): unknown {
  return mapUnits(kind, stored, (v) => new TtlValue(v, now));
}

/** Strips the TTL wrappers of a stored value. */
export function unwrapStored(kind: StateKind, stored: unknown): unknown {
  return mapUnits(kind, stored, (v) => (v as TtlValue<unknown>).value);
}

/** Calls `f` on every TTL wrapper of a wrapped stored value. */
export function forEachTtlValue(
  kind: StateKind,
  stored: unknown,
  f: (entry: TtlValue<unknown>) => void,
): void {
  if (kind === 'list') for (const e of stored as Array<TtlValue<unknown>>) f(e);
  else if (kind === 'map') for (const e of (stored as Map<unknown, TtlValue<unknown>>).values()) f(e);
  else f(stored as TtlValue<unknown>);
}

/** Removes the expired units of a wrapped stored value; returns true when nothing is left. */
export function removeExpired(kind: StateKind, stored: unknown, ttl: TtlPolicy, now: number): boolean {
  if (kind === 'list') {
    const list = stored as Array<TtlValue<unknown>>;
    let kept = 0;
    for (let i = 0; i < list.length; i++) if (!ttl.isExpired(list[i].timestamp, now)) list[kept++] = list[i];
    list.length = kept;
    return kept === 0;
  }
  if (kind === 'map') {
    const entries = stored as Map<unknown, TtlValue<unknown>>;
    for (const [k, e] of entries) if (ttl.isExpired(e.timestamp, now)) entries.delete(k);
    return entries.size === 0;
  }
  return ttl.isExpired((stored as TtlValue<unknown>).timestamp, now);
}

/**
 * A stored value as plain snapshot data that shares no mutable container with the store: a list
 * is copied, a map becomes an array of `[key, value]` pairs, a TTL wrapper a `{ value, timestamp }`.
 */
export function storedToPlain(kind: StateKind, wrapped: boolean, stored: unknown): unknown {
  const unit = wrapped ? ttlEntryToPlain : asIs;
  switch (kind) {
    case 'list':
      return (stored as unknown[]).map(unit);
    case 'map': {
      const out: Array<[unknown, unknown]> = [];
      for (const [k, v] of stored as Map<unknown, unknown>) out.push([k, unit(v)]);
      return out;
    }
    default:
      return unit(stored);
  }
}

function ttlEntryToPlain(v: unknown): TtlEntrySnapshot {
  const e = v as TtlValue<unknown>;
  return { value: e.value, timestamp: e.timestamp };
}

function asIs(v: unknown): unknown {
  return v;
}

/**
 * The inverse of {@link storedToPlain}, converting between TTL and non-TTL form when the snapshot
 * and the store differ (values that gain a TTL are stamped `now`).
 */
export function plainToStored(
  kind: StateKind,
  plainWrapped: boolean,
  storeWrapped: boolean,
  plain: unknown,
  now: number,
): unknown {
  const unit = plainWrapped
    ? storeWrapped
      ? (v: unknown): unknown => {
          const e = v as TtlEntrySnapshot;
          return new TtlValue(e.value, e.timestamp);
        }
      : (v: unknown): unknown => (v as TtlEntrySnapshot).value
    : storeWrapped
      ? (v: unknown): unknown => new TtlValue(v, now)
      : (v: unknown): unknown => v;
  switch (kind) {
    case 'list':
      return (plain as unknown[]).map(unit);
    case 'map': {
      const out = new Map<unknown, unknown>();
      for (const [k, v] of plain as Array<[unknown, unknown]>) out.set(k, unit(v));
      return out;
    }
    default:
      return unit(plain);
  }
}
