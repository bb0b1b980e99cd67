/**
 * The broadcast state of one broadcast operator instance: a plain Map per registered
 * MapStateDescriptor, kept per subtask. Each subtask applies every broadcast element to its own
 * copy, so all copies are equal; a snapshot of any subtask therefore restores every subtask, at any
 * parallelism. Snapshots are plain data (entry lists per state name).
 */
import { WeirError } from '../core/errors.ts';
import type { BroadcastState, ReadOnlyBroadcastState } from './broadcast-state.ts';
import type { MapStateDescriptor } from './state-descriptor.ts';

export interface BroadcastStateSnapshot {
  readonly states: readonly BroadcastMapSnapshot[];
}

export interface BroadcastMapSnapshot {
  readonly name: string;
  readonly entries: ReadonlyArray<readonly [unknown, unknown]>;
}

class BroadcastMapState<K, V> implements BroadcastState<K, V> {
  readonly name: string;
  readonly map = new Map<K, V>();
  /** The view `processElement` gets: same map, writes refused. */
  readonly readOnly: ReadOnlyBroadcastState<K, V>;

  constructor(name: string) {
    this.name = name;
    this.readOnly = new ReadOnlyBroadcastMapState(this);
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }
  contains(key: K): boolean {
    return this.map.has(key);
  }
  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
  immutableEntries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
  keys(): IterableIterator<K> {
    return this.map.keys();
  }
  values(): IterableIterator<V> {
    return this.map.values();
  }
  size(): number {
    return this.map.size;
  }
  isEmpty(): boolean {
    return this.map.size === 0;
  }
  put(key: K, value: V): void {
    this.map.set(key, value);
  }
  putAll(entries: Iterable<readonly [K, V]> | Map<K, V>): void {
    for (const [key, value] of entries) this.map.set(key, value);
  }
  remove(key: K): void {
    this.map.delete(key);
  }
  clear(): void {
    this.map.clear();
  }
}

/**
 * Reads go to the state; writes throw. The write methods exist (though the type has none) so that
 * a cast or plain JavaScript gets a clear error instead of silently diverging subtasks.
 */
class ReadOnlyBroadcastMapState<K, V> implements ReadOnlyBroadcastState<K, V> {
  private readonly state: BroadcastMapState<K, V>;

  constructor(state: BroadcastMapState<K, V>) {
    this.state = state;
  }

  get(key: K): V | undefined {
    return this.state.map.get(key);
  }
  contains(key: K): boolean {
    return this.state.map.has(key);
  }
  entries(): IterableIterator<[K, V]> {
    return this.state.map.entries();
  }
  immutableEntries(): IterableIterator<[K, V]> {
    return this.state.map.entries();
  }
  keys(): IterableIterator<K> {
    return this.state.map.keys();
  }
  values(): IterableIterator<V> {
    return this.state.map.values();
  }
  size(): number {
    return this.state.map.size;
  }
  isEmpty(): boolean {
    return this.state.map.size === 0;
  }
  put(): never {
    throw readOnly(this.state.name, 'put');
  }
  putAll(): never {
    throw readOnly(this.state.name, 'putAll');
  }
  remove(): never {
    throw readOnly(this.state.name, 'remove');
  }
  clear(): never {
    throw readOnly(this.state.name, 'clear');
  }
}

export class BroadcastStateStore {
  private readonly states = new Map<string, BroadcastMapState<unknown, unknown>>();

  constructor(descriptors: Iterable<MapStateDescriptor<unknown, unknown>> = []) {
    for (const descriptor of descriptors) this.register(descriptor);
  }

  /** Declares a broadcast state (idempotent); only declared states can be used. */
  register(descriptor: MapStateDescriptor<unknown, unknown>): void {
    checkDescriptor(descriptor);
    if (!this.states.has(descriptor.name)) {
      this.states.set(descriptor.name, new BroadcastMapState(descriptor.name));
    }
  }

  /** The writable state (broadcast side). */
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    return this.lookup(descriptor) as BroadcastState<K, V>;
  }

  /** The read-only view (non-broadcast side). */
  getReadOnlyBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V> {
    return this.lookup(descriptor).readOnly as ReadOnlyBroadcastState<K, V>;
  }

  /** Names of the states, registered or restored. */
  stateNames(): string[] {
    return [...this.states.keys()];
  }

  /** Every state as plain data (copies: later writes do not change the snapshot). */
  snapshot(): BroadcastStateSnapshot {
    const states: BroadcastMapSnapshot[] = [];
    for (const state of this.states.values()) states.push({ name: state.name, entries: [...state.map] });
    return { states };
  }

  /**
   * Replaces all state with a snapshot (of any subtask: they are equal). States of the snapshot
   * that are not registered yet are kept, registered, until the operator uses them.
   */
  restore(snapshot: BroadcastStateSnapshot): void {
    for (const state of this.states.values()) state.map.clear();
    for (const saved of snapshot.states) {
      let state = this.states.get(saved.name);
      if (state === undefined) {
        state = new BroadcastMapState(saved.name);
        this.states.set(saved.name, state);
      }
      for (const [key, value] of saved.entries) state.map.set(key, value);
    }
  }

  private lookup(descriptor: MapStateDescriptor<unknown, unknown>): BroadcastMapState<unknown, unknown> {
    const state = descriptor == null ? undefined : this.states.get(descriptor.name);
    if (state === undefined) {
      checkDescriptor(descriptor);
      const known = this.stateNames();
      throw new WeirError(
        'STATE_ERROR',
        `broadcast state "${descriptor.name}" is not registered: pass its MapStateDescriptor to ` +
          `broadcast(...) (registered: ${known.length === 0 ? 'none' : known.map((n) => `"${n}"`).join(', ')})`,
      );
    }
    return state;
  }
}

function checkDescriptor(descriptor: MapStateDescriptor<unknown, unknown>): void {
  if (descriptor == null || (descriptor as { kind?: unknown }).kind !== 'map') {
    const kind = (descriptor as { kind?: unknown } | null | undefined)?.kind;
    throw new WeirError(
      'INVALID_ARGUMENT',
      `broadcast state is described by a MapStateDescriptor, got ${kind === undefined ? String(descriptor) : `${String(kind)} state`}`,
    );
  }
  if (descriptor.ttl !== undefined) {
    throw new WeirError(
      'NOT_SUPPORTED',
      `broadcast state "${descriptor.name}" has a time to live: TTL applies to keyed state only`,
    );
  }
}

function readOnly(name: string, method: string): WeirError {
  return new WeirError(
    'STATE_ERROR',
    `broadcast state "${name}" is read-only in processElement (${method}() refused): only ` +
      'processBroadcastElement may change it, so that every subtask keeps the same broadcast state',
  );
}
