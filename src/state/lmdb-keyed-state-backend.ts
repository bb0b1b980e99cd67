/**
 * The LMDB keyed state backend (docs/state.md): keyed state in an embedded LMDB environment, off
 * the V8 heap, for state larger than memory. One environment per backend instance (one operator in
 * one subtask) in its own directory, one LMDB database per state, entries keyed by key group first
 * (lmdb-key-codec.ts) and valued with msgpack (lmdb-value-codec.ts).
 *
 * Access stays synchronous: a read is an LMDB lookup in a memory map, with no I/O wait when the
 * pages are cached. Writes go to a write-back cache in front of each state (lmdb-state-table.ts),
 * written to LMDB in one transaction when `writeBatchSize` entries have gathered, checked when the
 * current key changes (so values handed out for the current key stay valid while it is current),
 * and before snapshots and inspection. Reads check the cache first and so see every write. The
 * environment is working storage, not durability: it is never synced to disk, starts empty, and
 * is deleted on dispose; checkpoints carry the state, as the same plain-data snapshot per key group
 * as the heap backend, so either backend restores the other's snapshots, at any parallelism.
 * A checkpoint reads that snapshot as a stream (`snapshotStream`, lmdb-snapshot-stream.ts): from an
 * LMDB read transaction opened at the barrier, chunk by chunk while the task goes on, so the state
 * is never on the JS heap as a whole.
 */

import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import type { DatabaseOptions, RootDatabase } from 'lmdb';
import type { Clock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import { isProcessAlive } from '../core/process-alive.ts';
import { voidEntries } from './heap-keyed-state-snapshot.ts';
import {
  forEachTtlValue,
  plainToStored,
  removeExpired,
  unwrapStored,
  wrapStored,
} from './heap-stored-values.ts';
import { drainFlags } from './incremental-keyed-state-backend.ts';
import { type Namespace, VOID_NAMESPACE } from './internal-kv-state.ts';
import { checkKeyGroupRange, keyGroupNotOwned, keyGroupOf } from './key-groups.ts';
import type { KeyGroupRange } from './keyed-state-backend.ts';
import type { KeyedStateSnapshot, StateSnapshot } from './keyed-state-snapshot.ts';
import {
  appendKeyedStateChunk,
  type KeyedStateSnapshotStream,
  type StreamingKeyedStateBackend,
} from './keyed-state-snapshot-stream.ts';
import { LmdbAggregatingState } from './lmdb-aggregating-state.ts';
import { type LmdbKey, readLmdbKey, writeLmdbKey } from './lmdb-key-codec.ts';
import { LmdbListState } from './lmdb-list-state.ts';
import { LmdbListStateTable } from './lmdb-list-state-table.ts';
import { LmdbMapState } from './lmdb-map-state.ts';
import { LmdbReducingState } from './lmdb-reducing-state.ts';
import { LmdbSnapshotStream } from './lmdb-snapshot-stream.ts';
import {
  DELETED,
  type LmdbDatabase,
  LmdbKeyContext,
  LmdbMapStateTable,
  type LmdbReadTransaction,
  LmdbStateTable,
  type LmdbTable,
  type LmdbTableContext,
  UNCHANGED,
} from './lmdb-state-table.ts';
import { LmdbValueCodec } from './lmdb-value-codec.ts';
import { LmdbValueState } from './lmdb-value-state.ts';
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

export interface LmdbKeyedStateBackendOptions {
  readonly maxParallelism: number;
  /** The key groups this subtask owns, `[start, end]` inclusive. */
  readonly keyGroupRange: KeyGroupRange;
  /** Processing time for processing-time TTL. */
  readonly clock: Clock;
  /**
   * Directory of the environment, created when missing. It must be empty or hold only an earlier
   * environment of this backend, which is discarded. When absent, a fresh directory under the
   * system's temporary directory. Either way the environment is deleted on dispose.
   */
  readonly path?: string;
  /** Cached entries written to LMDB in one transaction (default {@link DEFAULT_WRITE_BATCH_SIZE}). */
  readonly writeBatchSize?: number;
  /** On dispose, also remove the parent of `path` if that leaves it empty (a job's directory). */
  readonly removeEmptyParent?: boolean;
  /**
   * The largest the environment may grow to, in bytes (LMDB's map size): the file and the address
   * space it is mapped into. Without it the map grows as needed. A write that takes the environment
   * beyond it fails with STATE_ERROR saying so. See docs/state.md on mapped memory.
   */
  readonly mapSize?: number;
}

/**
 * Entries cached before a flush. Random updates of a large state dirty most pages of a
 * transaction, so larger batches write more entries per copied page (with a million keys, 4k
 * entries cost about twice as much each as 64k); but a flush blocks the task, for about 4–10 µs per
 * entry in that case. 32k keeps the pause within a few hundred milliseconds.
 */
export const DEFAULT_WRITE_BATCH_SIZE = 32_768;

const PAGE_SIZE = 16_384;

/** More keyed states than any operator has; LMDB sizes per-transaction tables by it. */
const MAX_STATES = 256;
/**
 * lmdb is loaded when the first LMDB backend is built: jobs on the heap backend neither pay for
 * loading its native binary nor depend on one existing for their platform.
 */
let lmdbModule: typeof import('lmdb') | undefined;
function loadLmdb(): typeof import('lmdb') {
  try {
    lmdbModule ??= createRequire(import.meta.url)('lmdb') as typeof import('lmdb');
    return lmdbModule;
  } catch (error) {
    throw new WeirError(
      'NOT_SUPPORTED',
      `the LMDB state backend cannot load the lmdb package (${process.platform}-${process.arch}): ${message(error)}`,
      { cause: error },
    );
  }
}

/** The files of an LMDB environment: all an environment directory may hold when it is reused. */
const ENVIRONMENT_FILES = new Set(['data.mdb', 'lock.mdb']);

export class LmdbKeyedStateBackend implements StreamingKeyedStateBackend {
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  /** The environment's directory. */
  readonly path: string;
  private readonly temporary: boolean;
  private readonly removeEmptyParent: boolean;
  private readonly clock: Clock;
  private readonly ctx = new LmdbKeyContext();
  private readonly tables = new Map<string, LmdbTable>();
  private readonly groupCount: number;
  private readonly writeBatchSize: number;
  private readonly root: RootDatabase;
  private readonly shared: LmdbTableContext;
  /** LMDB's key size limit, for the key encoder's checks. */
  private readonly maxKeySize: number;
  private watermark = Number.NEGATIVE_INFINITY;
  private readonly time: TtlTimeProvider;
  private disposed = false;
  private readonly mapSize: number | undefined;
  /** Snapshots being read: their read transactions end before the environment closes. */
  private readonly streams = new Set<LmdbSnapshotStream>();
  /**
   * Per owned key group (`keyGroup - range.start`): 1 when it may have changed since the last
   * drain (incremental checkpoints). Flagged when a key of the group becomes the current key, as
   * in the heap backend: a record's reads and writes, its timers, all go through that.
   */
  private readonly changed: Uint8Array;

  constructor(options: LmdbKeyedStateBackendOptions) {
    checkKeyGroupRange(options.keyGroupRange, options.maxParallelism);
    const batch = options.writeBatchSize ?? DEFAULT_WRITE_BATCH_SIZE;
    if (!Number.isInteger(batch) || batch < 1) {
      throw new WeirError('INVALID_ARGUMENT', `writeBatchSize must be a positive integer, got ${batch}`);
    }
    checkMapSize(options.mapSize);
    this.mapSize = options.mapSize;
    this.maxParallelism = options.maxParallelism;
    this.keyGroupRange = { start: options.keyGroupRange.start, end: options.keyGroupRange.end };
    this.clock = options.clock;
    this.groupCount = this.keyGroupRange.end - this.keyGroupRange.start + 1;
    this.changed = new Uint8Array(this.groupCount);
    this.writeBatchSize = batch;
    this.time = {
      processingTime: () => this.clock.now(),
      eventTime: () => this.watermark,
    };
    const lmdb = loadLmdb();
    this.temporary = options.path === undefined;
    this.removeEmptyParent = options.removeEmptyParent === true && !this.temporary;
    this.path = options.path === undefined ? createTemporaryDirectory() : prepareDirectory(options.path);
    if (this.removeEmptyParent) claimJobDirectory(path.dirname(this.path));
    try {
      // Working storage only: never synced (checkpoints carry the state). Pages of 16 KiB: a
      // transaction's cost grows with the number of pages it dirties (LMDB copies each and keeps
      // them in a sorted list), and random updates of a large state cost about half of what they
      // do with 4 KiB pages. Not `useWritemap`, though it avoids the copies: LMDB's freelist code
      // asserts and aborts the process with it (a known upstream bug, hit by this backend's tests).
      this.root = lmdb.open({
        path: this.path,
        maxDbs: MAX_STATES,
        pageSize: PAGE_SIZE,
        noSync: true,
        overlappingSync: false,
        ...(options.mapSize !== undefined && { mapSize: options.mapSize }),
      });
    } catch (error) {
      this.removeFiles();
      throw new WeirError(
        'IO_ERROR',
        `cannot open the LMDB state environment in ${this.path}: ${message(error)}`,
        {
          cause: error,
        },
      );
    }
    const root = this.root;
    this.maxKeySize = (root as unknown as { maxKeySize?: number }).maxKeySize ?? 511;
    this.shared = {
      ctx: this.ctx,
      codec: new LmdbValueCodec(),
      rangeStart: this.keyGroupRange.start,
      groupCount: this.groupCount,
      transact: (action) => {
        const result = root.transactionSync(action);
        this.checkMapFull();
        return result;
      },
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
    if (this.disposed) throw new WeirError('STATE_ERROR', 'the LMDB state backend was disposed');
    // Between keys: no value of the previous key is in use, the cache may be written out.
    if (this.ctx.pending >= this.writeBatchSize) this.flush();
    this.changed[index] = 1;
    const ctx = this.ctx;
    ctx.key = key;
    ctx.keyGroup = keyGroup;
    ctx.index = index;
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
    return this.stateFor(
      descriptor,
      'value',
      (table) => new LmdbValueState<T, V>(table as LmdbStateTable, descriptor.defaultValue, table.ttl),
    ) as ValueState<T, V>;
  }

  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.stateFor(
      descriptor,
      'list',
      (table) => new LmdbListState<T>(table as LmdbListStateTable, table.ttl),
    ) as ListState<T>;
  }

  getMapState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV> {
    return this.stateFor(
      descriptor,
      'map',
      (table) => new LmdbMapState<UK, UV>(table as LmdbMapStateTable, table.ttl),
    ) as MapState<UK, UV>;
  }

  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.stateFor(
      descriptor,
      'reducing',
      (table) => new LmdbReducingState<T>(table as LmdbStateTable, descriptor.reduce, table.ttl),
    ) as ReducingState<T>;
  }

  getAggregatingState<IN, ACC, OUT>(
    descriptor: AggregatingStateDescriptor<IN, ACC, OUT>,
  ): AggregatingState<IN, OUT> {
    return this.stateFor(
      descriptor,
      'aggregating',
      (table) =>
        new LmdbAggregatingState<IN, ACC, OUT>(table as LmdbStateTable, descriptor.aggregate, table.ttl),
    ) as AggregatingState<IN, OUT>;
  }

  // ---- inspection ---------------------------------------------------------------------------

  /** Keys with a value in the named state, in key group and key order (writes out the cache first). */
  keys(stateName: string): Iterable<Key> {
    const table = this.tables.get(stateName);
    if (table === undefined) return [];
    this.flush();
    return table.keys();
  }

  /**
   * Keys with a value in `namespace` of the named state (Flink's `getKeys(state, namespace)`): a scan
   * of the whole state, after writing out the cache.
   */
  keysInNamespace(stateName: string, namespace: Namespace): Iterable<Key> {
    const table = this.tables.get(stateName);
    if (table === undefined) return [];
    this.flush();
    return table.keysIn(namespace);
  }

  /** Number of (state, key) entries (writes out the cache first; counting map state reads its keys). */
  size(): number {
    if (this.disposed) return 0;
    this.flush();
    let n = 0;
    for (const table of this.tables.values()) n += table.count();
    return n;
  }

  /** Names of the states held, registered or restored. */
  stateNames(): string[] {
    return [...this.tables.keys()];
  }

  /** Removes every expired value (list elements, map entries) of every state with a TTL. */
  cleanupExpired(): void {
    this.flush();
    for (const table of this.tables.values()) {
      const ttl = table.ttl;
      if (ttl === undefined || !table.wrapped) continue;
      // Which groups lose values is not tracked here: the next incremental checkpoint writes all.
      this.changed.fill(1);
      const now = ttl.now();
      const unitKind = table.unitKind;
      // A unit is one value, map entry or list element: it expires whole.
      table.transformAll((stored) => (removeExpired(unitKind, stored, ttl, now) ? DELETED : UNCHANGED));
    }
  }

  /** ORs into `into` the key groups that may have changed since the last call, and clears them. */
  drainChangedKeyGroups(into: Uint8Array): void {
    drainFlags(this.changed, into);
  }

  /** Writes every cached entry to LMDB, in one transaction. */
  flush(): void {
    if (this.ctx.pending === 0 || this.disposed) return;
    this.root.transactionSync(() => {
      for (const table of this.tables.values()) table.flush();
    });
    this.ctx.pending = 0;
    this.checkMapFull();
  }

  /**
   * With a `mapSize`: fails once the environment has grown beyond it (lmdb-js would otherwise grow
   * the map on its own). About 6 µs, after each write transaction (a batch of writes).
   */
  private checkMapFull(): void {
    if (this.mapSize === undefined) return;
    const stats = this.root.getStats() as { lastPageNumber: number; pageSize: number };
    const used = (stats.lastPageNumber + 1) * stats.pageSize;
    if (used <= this.mapSize) return;
    throw new WeirError(
      'STATE_ERROR',
      `the LMDB state environment ${this.path} is full: it needs ${megabytes(used)} and its map size is ${megabytes(this.mapSize)}; ` +
        `give the lmdb state backend a larger mapSize (env.setStateBackend({ kind: 'lmdb', mapSize }))`,
    );
  }

  /** Closes the environment and deletes it; state objects must not be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const stream of [...this.streams]) stream.abort();
    this.tables.clear();
    this.ctx.index = -1;
    this.ctx.keyGroup = -1;
    this.ctx.pending = 0;
    // With no asynchronous writes pending, closing is immediate; the promise only reports errors.
    this.root.close().catch(() => {});
    this.removeFiles();
  }

  // ---- snapshots ----------------------------------------------------------------------------

  /**
   * Every state, registered or restored, as plain data per key group (expired values included);
   * with `only` (indexed by `keyGroup - range.start`), the flagged groups only.
   */
  snapshot(only?: Uint8Array): KeyedStateSnapshot {
    const stream = this.snapshotStream(only);
    const snapshot = stream.header;
    for (let chunk = stream.next(); chunk !== undefined; chunk = stream.next()) {
      appendKeyedStateChunk(snapshot, chunk);
    }
    return snapshot;
  }

  /**
   * The snapshot of {@link snapshot}, read chunk by chunk from an LMDB read transaction opened now
   * (after writing out the cache): later writes are not in it, and only the chunk being read is
   * on the JS heap. Disposing of the backend ends it. `only`: as for {@link snapshot}.
   */
  snapshotStream(only?: Uint8Array): KeyedStateSnapshotStream {
    if (this.disposed) throw new WeirError('STATE_ERROR', 'the LMDB state backend was disposed');
    this.flush();
    const tables = [...this.tables.values()];
    const states: StateSnapshot[] = tables.map((table) => ({
      name: table.name,
      kind: table.kind,
      ttl: table.wrapped,
      keyGroups: [],
    }));
    const header = { maxParallelism: this.maxParallelism, keyGroupRange: { ...this.keyGroupRange }, states };
    const transaction = this.root.useReadTransaction() as LmdbReadTransaction;
    const stream = new LmdbSnapshotStream(header, tables, transaction, (s) => this.streams.delete(s), only);
    this.streams.add(stream);
    return stream;
  }

  /**
   * Replaces all state with the key groups of `snapshots` that this backend owns; groups outside
   * its range are skipped, so the snapshots of every old subtask can be given to every new one.
   * States restored before an operator asks for them keep their data until it does.
   */
  restore(snapshots: readonly KeyedStateSnapshot[]): void {
    for (const snapshot of snapshots) {
      if (snapshot.maxParallelism !== this.maxParallelism) {
        throw new WeirError(
          'STATE_ERROR',
          `cannot restore keyed state taken with maxParallelism ${snapshot.maxParallelism} into a backend ` +
            `with maxParallelism ${this.maxParallelism}: the number of key groups must not change`,
        );
      }
    }
    // Tables first: LMDB opens databases outside write transactions.
    for (const snapshot of snapshots) {
      for (const state of snapshot.states) {
        const table = this.tables.get(state.name);
        if (table === undefined) this.createTable(state.name, state.kind, state.ttl);
        else if (table.kind !== state.kind) throw kindMismatch(state.name, table.kind, state.kind);
      }
    }
    for (const table of this.tables.values()) table.dropCache();
    this.ctx.pending = 0;
    // Nothing restored is in a file this subtask wrote: the next incremental checkpoint writes all.
    this.changed.fill(1);
    this.root.transactionSync(() => {
      for (const table of this.tables.values()) table.db.clearSync();
      for (const snapshot of snapshots) {
        for (const state of snapshot.states) this.restoreState(this.tables.get(state.name)!, state);
      }
    });
    this.checkMapFull();
    for (const table of this.tables.values()) this.stampPendingEventTime(table);
  }

  private restoreState(table: LmdbTable, state: StateSnapshot): void {
    const now = table.ttl !== undefined ? table.ttl.now() : this.clock.now();
    const { start, end } = this.keyGroupRange;
    for (const group of state.keyGroups) {
      if (group.keyGroup < start || group.keyGroup > end) continue;
      for (const [key, plain] of voidEntries(group)) {
        table.writeRestored(
          group.keyGroup,
          key,
          VOID_NAMESPACE,
          this.restoredValue(table, state.ttl, plain, now),
        );
      }
      for (const [key, namespace, plain] of group.namespaced ?? []) {
        table.writeRestored(group.keyGroup, key, namespace, this.restoredValue(table, state.ttl, plain, now));
      }
    }
  }

  /** A snapshot's plain value as the table stores it. */
  private restoredValue(table: LmdbTable, plainWrapped: boolean, plain: unknown, now: number): unknown {
    const { kind, unitKind, wrapped } = table;
    return kind === 'map'
      ? (plain as Array<[Key, unknown]>).map(([mapKey, unit]) => [
          mapKey,
          plainToStored(unitKind, plainWrapped, wrapped, unit, now),
        ])
      : plainToStored(kind, plainWrapped, wrapped, plain, now);
  }

  // ---- internals ----------------------------------------------------------------------------

  private stateFor(
    descriptor: AnyStateDescriptor,
    kind: StateKind,
    create: (table: LmdbTable) => State,
  ): State {
    if (descriptor.kind !== kind) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `state "${descriptor.name}" is described as ${descriptor.kind} state but was asked for as ${kind} state`,
      );
    }
    let table = this.tables.get(descriptor.name);
    if (table === undefined) {
      table = this.createTable(descriptor.name, kind, descriptor.ttl !== undefined);
    } else if (table.kind !== kind) {
      throw kindMismatch(descriptor.name, table.kind, kind);
    }
    if (table.state === undefined) {
      this.attach(table, descriptor);
      table.state = create(table);
    }
    return table.state;
  }

  private createTable(name: string, kind: StateKind, wrapped: boolean): LmdbTable {
    if (this.disposed) throw new WeirError('STATE_ERROR', 'the LMDB state backend was disposed');
    const isMap = kind === 'map';
    // A list's entries are its elements, keyed as map entries by sequence number (lmdb-list-state-table.ts).
    const withEntryKey = isMap || kind === 'list';
    const maxKeySize = this.maxKeySize;
    let db: LmdbDatabase;
    try {
      // lmdb's key encoder hook (not in its typings) writes LmdbKeys straight into its key buffer.
      const dbOptions: DatabaseOptions & { name: string; keyEncoder: unknown } = {
        name,
        encoding: 'binary',
        keyEncoder: {
          writeKey: (ref: LmdbKey | Uint8Array, target: Buffer, start: number) =>
            writeLmdbKey(ref, target, start, maxKeySize),
          readKey: (source: Buffer, start: number, end: number) =>
            readLmdbKey(source, start, end, withEntryKey),
        },
      };
      db = this.root.openDB(dbOptions) as unknown as LmdbDatabase;
    } catch (error) {
      throw new WeirError(
        'STATE_ERROR',
        `cannot create state "${name}" in the LMDB environment ${this.path}` +
          `${this.tables.size >= MAX_STATES - 1 ? ` (an operator can have at most ${MAX_STATES - 1} keyed states)` : ''}: ${message(error)}`,
        { cause: error },
      );
    }
    const table = isMap
      ? new LmdbMapStateTable(name, db, wrapped, this.shared)
      : kind === 'list'
        ? new LmdbListStateTable(name, db, wrapped, this.shared)
        : new LmdbStateTable(name, kind, db, wrapped, this.shared);
    this.tables.set(name, table);
    return table;
  }

  /** Gives a table its TTL policy, converting stored values when TTL was enabled or disabled since. */
  private attach(table: LmdbTable, descriptor: AnyStateDescriptor): void {
    table.ttl =
      descriptor.ttl === undefined ? undefined : new TtlPolicy(descriptor.name, descriptor.ttl, this.time);
    const wrap = table.ttl !== undefined;
    if (table.wrapped !== wrap) {
      const now = table.ttl !== undefined ? table.ttl.now() : 0;
      const unitKind = table.unitKind;
      this.flush();
      table.transformAll((stored) =>
        wrap ? wrapStored(unitKind, stored, now) : unwrapStored(unitKind, stored),
      );
      table.wrapped = wrap;
    }
    this.stampPendingEventTime(table);
  }

  /** Stamps values written before the first watermark (timestamp -Infinity) with the current watermark. */
  private stampPendingEventTime(table: LmdbTable): void {
    const watermark = this.watermark;
    if (table.ttl === undefined || !table.ttl.eventTime || watermark === Number.NEGATIVE_INFINITY) return;
    const unitKind = table.unitKind;
    this.flush();
    table.transformAll((stored) => {
      let changed = false;
      forEachTtlValue(unitKind, stored, (entry) => {
        if (entry.timestamp === Number.NEGATIVE_INFINITY) {
          entry.timestamp = watermark;
          changed = true;
        }
      });
      return changed ? stored : UNCHANGED;
    });
  }

  private removeFiles(): void {
    try {
      if (this.temporary) {
        fs.rmSync(this.path, { recursive: true, force: true });
        return;
      }
      for (const file of ENVIRONMENT_FILES) fs.rmSync(path.join(this.path, file), { force: true });
      fs.rmdirSync(this.path);
      if (this.removeEmptyParent) releaseJobDirectory(path.dirname(this.path));
    } catch {
      // A directory that is not empty (the user put files there, other backends work there) stays.
    }
  }
}

/**
 * Under a configured path, a job's directory (`<path>/job-<jobId>`) holds the environments of its
 * subtasks and `.owner`, the pid and host of the process running them. The first backend of a process under
 * a path removes the job directories there whose owner is gone (a run killed with `kill -9`); the
 * last backend of a job to go removes its directory.
 */
const OWNER_MARK = '.owner';
const sweptRoots = new Set<string>();

function claimJobDirectory(jobDir: string): void {
  try {
    fs.writeFileSync(path.join(jobDir, OWNER_MARK), `${process.pid} ${os.hostname()}`);
  } catch {
    // Without the mark the directory is not swept after a crash; the job runs all the same.
  }
  const root = path.dirname(jobDir);
  if (sweptRoots.has(root)) return;
  sweptRoots.add(root);
  let entries: string[];
  try {
    entries = fs.readdirSync(root);
  } catch {
    return;
  }
  for (const name of entries) {
    const dir = path.join(root, name);
    if (!name.startsWith('job-') || dir === jobDir) continue;
    let mark: string[];
    try {
      mark = fs.readFileSync(path.join(dir, OWNER_MARK), 'utf8').split(' ');
    } catch {
      continue; // no mark: not ours to judge
    }
    // Only a process of this host can be judged (the path may be shared storage).
    const pid = Number(mark[0]);
    if (mark[1] !== os.hostname() || !Number.isInteger(pid) || pid <= 0) continue;
    if (pid === process.pid || isProcessAlive(pid)) continue;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Removes a job's directory once no environment is left in it (only its owner mark). */
function releaseJobDirectory(jobDir: string): void {
  const entries = fs.readdirSync(jobDir);
  if (entries.some((name) => name !== OWNER_MARK)) return;
  fs.rmSync(path.join(jobDir, OWNER_MARK), { force: true });
  fs.rmdirSync(jobDir);
}

/** Prefix of the temporary environment directories: `weir-lmdb-<pid>-<random>`. */
const TEMPORARY_PREFIX = 'weir-lmdb-';
let swept = false;

function createTemporaryDirectory(): string {
  if (!swept) {
    swept = true;
    removeStaleTemporaryDirectories(os.tmpdir());
  }
  try {
    return fs.mkdtempSync(path.join(os.tmpdir(), `${TEMPORARY_PREFIX}${process.pid}-`));
  } catch (error) {
    throw new WeirError('IO_ERROR', `cannot create a temporary directory for LMDB state: ${message(error)}`, {
      cause: error,
    });
  }
}

/**
 * Removes the temporary environment directories (`weir-lmdb-<pid>-*`) in `tmp` whose process is no
 * longer alive: those of a run that crashed or was killed (a normal end removes its own). Runs once
 * per process, when its first temporary environment is created. Returns the directories removed.
 *
 * @example
 * removeStaleTemporaryDirectories(os.tmpdir()); // ['/tmp/weir-lmdb-4242-Xb3k9Q']
 */
export function removeStaleTemporaryDirectories(tmp: string): string[] {
  return removeTemporaryDirectories(tmp, (pid) => pid !== process.pid && !isProcessAlive(pid));
}

/**
 * At its exit, a process removes its own temporary environments: those of slot threads that were
 * terminated (after a failure) without disposing of their backends. Registered on the main thread
 * when this module loads; it costs one listing of the temporary directory at exit.
 */
if (isMainThread) {
  process.once('exit', () => removeTemporaryDirectories(os.tmpdir(), (pid) => pid === process.pid));
}

function removeTemporaryDirectories(tmp: string, remove: (pid: number) => boolean): string[] {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(tmp);
  } catch {
    return removed;
  }
  for (const name of entries) {
    const match = /^weir-lmdb-(\d+)-[^/]+$/.exec(name);
    if (!match || !remove(Number(match[1]))) continue;
    const dir = path.join(tmp, name);
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // Another user's directory, or removed meanwhile: left alone.
    }
  }
  return removed;
}

function checkMapSize(mapSize: number | undefined): void {
  if (mapSize === undefined) return;
  if (!Number.isSafeInteger(mapSize) || mapSize < 1 << 20) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `the LMDB mapSize must be a whole number of bytes of at least 1 MiB, got ${mapSize}`,
    );
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

/** Creates `dir`, or empties it of an earlier environment; anything else in it is an error (never deleted). */
function prepareDirectory(dir: string): string {
  const resolved = path.resolve(dir);
  let entries: string[];
  try {
    fs.mkdirSync(resolved, { recursive: true });
    entries = fs.readdirSync(resolved);
  } catch (error) {
    throw new WeirError('IO_ERROR', `cannot create the LMDB state directory ${resolved}: ${message(error)}`, {
      cause: error,
    });
  }
  const foreign = entries.filter((name) => !ENVIRONMENT_FILES.has(name));
  if (foreign.length > 0) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `the LMDB state directory ${resolved} holds other files (${foreign.slice(0, 3).join(', ')}` +
        `${foreign.length > 3 ? ', ...' : ''}): give each backend an empty directory of its own`,
    );
  }
  // An environment left by an earlier run is stale: state comes from checkpoints, not from here.
  for (const name of entries) fs.rmSync(path.join(resolved, name), { force: true });
  return resolved;
}

function kindMismatch(name: string, registered: StateKind, requested: StateKind): WeirError {
  return new WeirError(
    'STATE_ERROR',
    `state "${name}" is ${registered} state and cannot be used as ${requested} state: ` +
      'a state name must keep its kind (rename the state to change it)',
  );
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
