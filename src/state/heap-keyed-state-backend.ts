/**
 * The heap keyed state backend (docs/state.md): every state is a {@link StateTable} of one Map per
 * owned key group (and, for namespaced values, one per namespace and key group). The runtime sets the current key before each record or timer; the key group is
 * computed once there, so state accesses are an array index and a Map lookup. Values are stored as
 * they are (no copy, no serialization); with a TTL they are wrapped with their timestamp.
 * Snapshots are plain data per key group and restore into any backend whose range overlaps them.
 *
 * Incremental checkpoints (checkpoint/incremental-snapshots.ts) need the key groups changed since
 * the last snapshot: a group is flagged when a key of it becomes the current key (a record or a
 * timer of it is processed), when TTL cleanup removes a value of it, and all at a restore. Flagging
 * on access rather than on write is deliberate: heap values are stored by reference, so a value an
 * operator read and changed in place is changed state without any write call. A flag is one store
 * into a typed array on the record path.
 */

import type { Clock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import { HeapAggregatingState } from './heap-aggregating-state.ts';
import {
  type HeapKeyedStateSnapshot,
  type HeapStateSnapshot,
  type KeyGroupSnapshot,
  voidEntries,
} from './heap-keyed-state-snapshot.ts';
import { HeapListState } from './heap-list-state.ts';
import { HeapMapState } from './heap-map-state.ts';
import { HeapReducingState } from './heap-reducing-state.ts';
import { HeapKeyContext, StateTable } from './heap-state-table.ts';
import {
  forEachTtlValue,
  plainToStored,
  removeExpired,
  storedToPlain,
  unwrapStored,
  wrapStored,
} from './heap-stored-values.ts';
import { HeapValueState } from './heap-value-state.ts';
import { drainFlags } from './incremental-keyed-state-backend.ts';
import { type Namespace, VOID_NAMESPACE } from './internal-kv-state.ts';
import { checkKeyGroupRange, keyGroupNotOwned, keyGroupOf } from './key-groups.ts';
import type { KeyedStateBackend, KeyGroupRange } from './keyed-state-backend.ts';
import type { AggregatingState, ListState, MapState, ReducingState, State, ValueState } from './state.ts';
import type {
  AggregatingStateDescriptor,
  AnyStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateKind,
  ValueStateDescriptor,
} from './state-descriptor.ts';
import { TtlPolicy, type TtlTimeProvider } from './ttl-value.ts';

export interface HeapKeyedStateBackendOptions {
  readonly maxParallelism: number;
  /** The key groups this subtask owns, `[start, end]` inclusive. */
  readonly keyGroupRange: KeyGroupRange;
  /** Processing time for processing-time TTL. */
  readonly clock: Clock;
}

export class HeapKeyedStateBackend implements KeyedStateBackend {
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  private readonly clock: Clock;
  private readonly ctx: HeapKeyContext;
  private readonly tables = new Map<string, StateTable>();
  private readonly groupCount: number;
  private watermark = Number.NEGATIVE_INFINITY;
  private readonly time: TtlTimeProvider;
  /** Per owned key group (`keyGroup - range.start`): 1 when it may have changed since the last drain. */
  private readonly changed: Uint8Array;

  constructor(options: HeapKeyedStateBackendOptions) {
    checkKeyGroupRange(options.keyGroupRange, options.maxParallelism);
    this.maxParallelism = options.maxParallelism;
    this.keyGroupRange = { start: options.keyGroupRange.start, end: options.keyGroupRange.end };
    this.clock = options.clock;
    this.groupCount = this.keyGroupRange.end - this.keyGroupRange.start + 1;
    this.ctx = new HeapKeyContext(this.groupCount);
    this.changed = new Uint8Array(this.groupCount);
    this.time = {
      processingTime: () => this.clock.now(),
      eventTime: () => this.watermark,
    };
  }

  // ---- current key --------------------------------------------------------------------------

  setCurrentKey(key: Key): void {
    this.setCurrentKeyAndGroup(key, keyGroupOf(key, this.maxParallelism));
  }

  setCurrentKeyAndGroup(key: Key, keyGroup: number): void {
    const index = keyGroup - this.keyGroupRange.start;
    if (!(index >= 0 && index < this.groupCount) || (index | 0) !== index) {
      throw keyGroupNotOwned(key, keyGroup, this.keyGroupRange, this.maxParallelism);
    }
    this.changed[index] = 1;
    this.ctx.set(key, keyGroup, index);
  }

  getCurrentKey(): Key {
    if (this.ctx.index < 0) throw new WeirError('STATE_ERROR', 'no current key is set');
    return this.ctx.key;
  }

  getCurrentKeyGroup(): number {
    if (this.ctx.index < 0) throw new WeirError('STATE_ERROR', 'no current key is set');
    return this.ctx.keyGroup;
  }

  /**
   * Advances event time for event-time TTL (never backwards). At the first watermark, values
   * written before any watermark are stamped with it.
   */
  setCurrentWatermark(watermark: number): void {
    if (!(watermark > this.watermark)) return;
    const first = this.watermark === Number.NEGATIVE_INFINITY;
    this.watermark = watermark;
    if (first) for (const table of this.tables.values()) this.stampPendingEventTime(table);
  }

  // ---- state access -------------------------------------------------------------------------

  getState<T, V>(descriptor: ValueStateDescriptor<T, V>): ValueState<T, V> {
    return this.stateFor(descriptor, 'value', (table) => {
      return new HeapValueState<T, V>(table, this.ctx, descriptor.defaultValue, table.ttl);
    }) as ValueState<T, V>;
  }

  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.stateFor(
      descriptor,
      'list',
      (table) => new HeapListState<T>(table, this.ctx, table.ttl),
    ) as ListState<T>;
  }

  getMapState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV> {
    return this.stateFor(
      descriptor,
      'map',
      (table) => new HeapMapState<UK, UV>(table, this.ctx, table.ttl),
    ) as MapState<UK, UV>;
  }

  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.stateFor(
      descriptor,
      'reducing',
      (table) => new HeapReducingState<T>(table, this.ctx, descriptor.reduce, table.ttl),
    ) as ReducingState<T>;
  }

  getAggregatingState<IN, ACC, OUT>(
    descriptor: AggregatingStateDescriptor<IN, ACC, OUT>,
  ): AggregatingState<IN, OUT> {
    return this.stateFor(
      descriptor,
      'aggregating',
      (table) => new HeapAggregatingState<IN, ACC, OUT>(table, this.ctx, descriptor.aggregate, table.ttl),
    ) as AggregatingState<IN, OUT>;
  }

  // ---- inspection ---------------------------------------------------------------------------

  keys(stateName: string): Iterable<Key> {
    return this.keysInNamespace(stateName, VOID_NAMESPACE);
  }

  /** Keys with a value in `namespace` of the named state (Flink's `getKeys(state, namespace)`). */
  keysInNamespace(stateName: string, namespace: Namespace): Iterable<Key> {
    const table = this.tables.get(stateName);
    return table === undefined ? [] : table.keysIn(namespace);
  }

  size(): number {
    let n = 0;
    for (const table of this.tables.values()) n += table.size();
    return n;
  }

  /** Names of the states held, registered or restored. */
  stateNames(): string[] {
    return [...this.tables.keys()];
  }

  /** Removes every expired value (list elements, map entries) of every state with a TTL. */
  cleanupExpired(): void {
    for (const table of this.tables.values()) {
      const ttl = table.ttl;
      if (ttl === undefined || !table.wrapped) continue;
      const now = ttl.now();
      for (let i = 0; i < this.groupCount; i++) {
        table.forEachIn(i, (map, namespace) => {
          for (const [key, stored] of map) {
            // removeExpired trims lists and maps in place: a shorter one changed its group too.
            const units = storedUnits(table.kind, stored);
            if (removeExpired(table.kind, stored, ttl, now)) {
              table.deleteAt(i, namespace, key, undefined);
              this.changed[i] = 1;
            } else if (storedUnits(table.kind, stored) !== units) this.changed[i] = 1;
          }
        });
      }
    }
  }

  /**
   * ORs into `into` (indexed by `keyGroup - range.start`) the key groups that may have changed since
   * the last call, and clears them: what an incremental checkpoint must write again.
   */
  drainChangedKeyGroups(into: Uint8Array): void {
    drainFlags(this.changed, into);
  }

  dispose(): void {
    this.tables.clear();
    this.ctx.unset();
  }

  // ---- snapshots ----------------------------------------------------------------------------

  /**
   * Every state, registered or restored, as plain data per key group (expired values included).
   * It runs on the task thread in the synchronous part of every checkpoint, once per entry, so it
   * allocates no more than the pairs themselves: a value that is its own plain form (value,
   * reducing and aggregating state without TTL) goes in the `[key, value]` array the Map's
   * iterator yields, into an array of the group's size. `only` (indexed by `keyGroup - range.start`)
   * limits it to the flagged groups: an incremental checkpoint's changed ones; every state is listed.
   */
  /** Numbers of `scratch` snapshots: views into it, from `scratchUsed` on (see snapshot). */
  private scratch = new Float64Array(0);
  private scratchUsed = 0;

  /** A view of `length` numbers in the scratch buffer; a larger buffer when it is full (views stay valid). */
  private readonly scratchNumbers = (length: number): Float64Array => {
    if (this.scratchUsed + length > this.scratch.length) {
      this.scratch = new Float64Array(Math.max(length, this.scratch.length * 2, 1 << 16));
      this.scratchUsed = 0;
    }
    const view = this.scratch.subarray(this.scratchUsed, this.scratchUsed + length);
    this.scratchUsed += length;
    return view;
  };

  snapshot(only?: Uint8Array, scratch = false): HeapKeyedStateSnapshot {
    const states: HeapStateSnapshot[] = [];
    this.scratchUsed = 0;
    const numbersFor = scratch ? this.scratchNumbers : freshNumbers;
    for (const table of this.tables.values()) {
      const { kind, wrapped } = table;
      const asIs = !wrapped && kind !== 'list' && kind !== 'map';
      const keyGroups: KeyGroupSnapshot[] = [];
      for (let i = 0; i < this.groupCount; i++) {
        if (only !== undefined && only[i] === 0) continue;
        const map = table.groups[i];
        const numbers = asIs ? numericEntries(map, numbersFor) : undefined;
        let entries: Array<[Key, unknown]> = NO_ENTRIES;
        let n = numbers === undefined ? 0 : numbers.length;
        if (numbers === undefined && map.size > 0) {
          entries = new Array(map.size);
          if (asIs) for (const entry of map) entries[n++] = entry;
          else for (const [key, stored] of map) entries[n++] = [key, storedToPlain(kind, wrapped, stored)];
        }
        const namespaces = table.namespaced[i];
        let namespaced: Array<[Key, Key, unknown]> | undefined;
        if (namespaces !== undefined && namespaces.size > 0) {
          namespaced = [];
          for (const [namespace, values] of namespaces) {
            for (const [key, stored] of values) {
              namespaced.push([key, namespace, asIs ? stored : storedToPlain(kind, wrapped, stored)]);
            }
          }
        }
        if (namespaced?.length === 0) namespaced = undefined;
        if (n === 0 && namespaced === undefined) continue;
        const keyGroup = this.keyGroupRange.start + i;
        const group: {
          keyGroup: number;
          entries: Array<[Key, unknown]>;
          namespaced?: Array<[Key, Key, unknown]>;
          numbers?: Float64Array;
        } = { keyGroup, entries };
        if (namespaced !== undefined) group.namespaced = namespaced;
        if (numbers !== undefined) group.numbers = numbers;
        keyGroups.push(group);
      }
      states.push({ name: table.name, kind, ttl: wrapped, keyGroups });
    }
    return { maxParallelism: this.maxParallelism, keyGroupRange: { ...this.keyGroupRange }, states };
  }

  /**
   * Replaces all state with the key groups of `snapshots` that this backend owns; groups outside
   * its range are skipped, so the snapshots of every old subtask can be given to every new one.
   * States restored before an operator asks for them keep their data until it does.
   */
  restore(snapshots: readonly HeapKeyedStateSnapshot[]): void {
    for (const snapshot of snapshots) {
      if (snapshot.maxParallelism !== this.maxParallelism) {
        throw new WeirError(
          'STATE_ERROR',
          `cannot restore keyed state taken with maxParallelism ${snapshot.maxParallelism} into a backend ` +
            `with maxParallelism ${this.maxParallelism}: the number of key groups must not change`,
        );
      }
    }
    for (const table of this.tables.values()) table.clearAll();
    // Nothing restored is in a file this subtask wrote: the next incremental checkpoint writes all.
    this.changed.fill(1);
    for (const snapshot of snapshots) {
      for (const state of snapshot.states) this.restoreState(state);
    }
    for (const table of this.tables.values()) this.stampPendingEventTime(table);
  }

  private restoreState(state: HeapStateSnapshot): void {
    let table = this.tables.get(state.name);
    if (table === undefined) {
      table = new StateTable(state.name, state.kind, this.groupCount, state.ttl);
      this.tables.set(state.name, table);
    } else if (table.kind !== state.kind) {
      throw kindMismatch(state.name, table.kind, state.kind);
    }
    const now = table.ttl !== undefined ? table.ttl.now() : this.clock.now();
    const { start, end } = this.keyGroupRange;
    for (const group of state.keyGroups) {
      if (group.keyGroup < start || group.keyGroup > end) continue;
      const index = group.keyGroup - start;
      for (const [key, plain] of voidEntries(group)) {
        table.setAt(
          index,
          VOID_NAMESPACE,
          key,
          plainToStored(state.kind, state.ttl, table.wrapped, plain, now),
        );
      }
      for (const [key, namespace, plain] of group.namespaced ?? []) {
        table.setAt(index, namespace, key, plainToStored(state.kind, state.ttl, table.wrapped, plain, now));
      }
    }
  }

  // ---- internals ----------------------------------------------------------------------------

  private stateFor(
    descriptor: AnyStateDescriptor,
    kind: StateKind,
    create: (table: StateTable) => State,
  ): State {
    if (descriptor.kind !== kind) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `state "${descriptor.name}" is described as ${descriptor.kind} state but was asked for as ${kind} state`,
      );
    }
    let table = this.tables.get(descriptor.name);
    if (table === undefined) {
      table = new StateTable(descriptor.name, kind, this.groupCount, descriptor.ttl !== undefined);
      this.tables.set(descriptor.name, table);
    } else if (table.kind !== kind) {
      throw kindMismatch(descriptor.name, table.kind, kind);
    }
    if (table.state === undefined) {
      this.attach(table, descriptor);
      table.state = create(table);
    }
    return table.state;
  }

  /** Gives a table its TTL policy, converting restored values when TTL was enabled or disabled since. */
  private attach(table: StateTable, descriptor: AnyStateDescriptor): void {
    table.ttl =
      descriptor.ttl === undefined ? undefined : new TtlPolicy(descriptor.name, descriptor.ttl, this.time);
    const wrap = table.ttl !== undefined;
    if (table.wrapped !== wrap) {
      const now = table.ttl !== undefined ? table.ttl.now() : 0;
      for (let i = 0; i < this.groupCount; i++) {
        table.forEachIn(i, (map) => {
          const replaced = map as Map<Key, unknown>; // same keys: no tuple index to update
          for (const [key, stored] of replaced) {
            replaced.set(key, wrap ? wrapStored(table.kind, stored, now) : unwrapStored(table.kind, stored));
          }
        });
      }
      table.wrapped = wrap;
    }
    this.stampPendingEventTime(table);
  }

  /** Stamps values written before the first watermark (timestamp -Infinity) with the current watermark. */
  private stampPendingEventTime(table: StateTable): void {
    const watermark = this.watermark;
    if (table.ttl === undefined || !table.ttl.eventTime || watermark === Number.NEGATIVE_INFINITY) return;
    const kind = table.kind;
    for (let i = 0; i < this.groupCount; i++) {
      table.forEachIn(i, (map) => {
        for (const stored of map.values()) {
          forEachTtlValue(kind, stored, (entry) => {
            if (entry.timestamp === Number.NEGATIVE_INFINITY) entry.timestamp = watermark;
          });
        }
      });
    }
  }
}

function kindMismatch(name: string, registered: StateKind, requested: StateKind): WeirError {
  return new WeirError(
    'STATE_ERROR',
    `state "${name}" is ${registered} state and cannot be used as ${requested} state: ` +
      'a state name must keep its kind (rename the state to change it)',
  );
}

const NO_ENTRIES: Array<[Key, unknown]> = [];

/** The number of TTL units of a stored value: a list's elements, a map's entries, else 1. */
function storedUnits(kind: StateKind, stored: unknown): number {
  if (kind === 'list') return (stored as unknown[]).length;
  if (kind === 'map') return (stored as Map<unknown, unknown>).size;
  return 1;
}

/**
 * A key group's entries as `[key, value, key, value, …]` when every key and value is a number, else
 * undefined. A snapshot runs on the task thread in every checkpoint: for a group of numbers this is
 * one typed array (written as its bytes) instead of a pair array per key.
 */
function freshNumbers(length: number): Float64Array {
  return new Float64Array(length);
}

function numericEntries(
  map: Map<Key, unknown>,
  numbersFor: (length: number) => Float64Array,
): Float64Array | undefined {
  if (map.size === 0) return undefined;
  const numbers = numbersFor(map.size * 2);
  let n = 0;
  let all = true;
  map.forEach((value, key) => {
    if (!all) return;
    if (typeof key !== 'number' || typeof value !== 'number') {
      all = false;
      return;
    }
    numbers[n++] = key;
    numbers[n++] = value;
  });
  return all ? numbers : undefined;
}
