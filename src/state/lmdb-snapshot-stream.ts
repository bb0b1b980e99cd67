/**
 * A snapshot of the LMDB backend read from one LMDB read transaction: LMDB's MVCC gives that
 * transaction the state as it was when the snapshot was taken, while the task goes on writing
 * (write transactions never change what an open read transaction sees). Chunks are read lazily,
 * at most {@link CHUNK_UNITS} values each, so only the chunk being written is on the JS heap.
 * Holding the transaction keeps the pages of that view from being reused: the environment may
 * grow by what is rewritten while the snapshot is read.
 */
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import { storedToPlain } from './heap-stored-values.ts';
import { type Namespace, VOID_NAMESPACE } from './internal-kv-state.ts';
import type { KeyedStateSnapshot, KeyGroupSnapshot } from './keyed-state-snapshot.ts';
import type { KeyedStateChunk, KeyedStateSnapshotStream } from './keyed-state-snapshot-stream.ts';
import type { LmdbReadTransaction, LmdbStoredEntry, LmdbTable } from './lmdb-state-table.ts';

/**
 * Values (a value, a list, a map entry) per chunk: a few milliseconds of reading and encoding, so
 * the task is never held up long between two chunks; a key's map is never split.
 */
export const CHUNK_UNITS = 1024;

export class LmdbSnapshotStream implements KeyedStateSnapshotStream {
  readonly header: KeyedStateSnapshot;
  private readonly tables: LmdbTable[];
  private transaction: LmdbReadTransaction | undefined;
  private readonly onClose: (stream: LmdbSnapshotStream) => void;
  private disposed = false;
  /** Index of the table being read, and its entries (undefined until its first chunk). */
  private table = 0;
  private entries: Generator<LmdbStoredEntry, void, undefined> | undefined;
  /** An entry read past the end of the last chunk (the next key group's first), converted. */
  private held: { keyGroup: number; key: Key; namespace: Namespace; plain: unknown } | undefined;
  /** The key groups to read (`keyGroup - start`), for an incremental checkpoint; all when undefined. */
  private readonly only: Uint8Array | undefined;
  private readonly start: number;

  constructor(
    header: KeyedStateSnapshot,
    tables: LmdbTable[],
    transaction: LmdbReadTransaction,
    onClose: (stream: LmdbSnapshotStream) => void,
    only?: Uint8Array,
  ) {
    this.only = only;
    this.start = header.keyGroupRange.start;
    this.header = header;
    this.tables = tables;
    this.transaction = transaction;
    this.onClose = onClose;
  }

  next(): KeyedStateChunk | undefined {
    if (this.disposed)
      throw new WeirError('STATE_ERROR', 'the LMDB state backend was disposed during a snapshot');
    while (this.transaction !== undefined && this.table < this.tables.length) {
      const chunk = this.readChunk(this.tables[this.table]);
      if (chunk !== undefined) return chunk;
      this.table++;
      this.entries = undefined;
    }
    this.close();
    return undefined;
  }

  /** The next chunk of `table`'s entries, or undefined when it has no more. */
  private readChunk(table: LmdbTable): KeyedStateChunk | undefined {
    this.entries ??= table.storedEntries(this.transaction);
    let group: { keyGroup: number; entries: Array<[Key, unknown]>; namespaced?: Array<[Key, Key, unknown]> };
    let units = 0;
    const held = this.held;
    if (held !== undefined) {
      this.held = undefined;
      group = { keyGroup: held.keyGroup, entries: [] };
      units += add(group, held.key, held.namespace, held.plain);
    } else {
      let first = this.entries.next();
      while (first.done !== true && this.skipped(first.value.keyGroup)) first = this.entries.next();
      if (first.done === true) return undefined;
      const e = first.value;
      group = { keyGroup: e.keyGroup, entries: [] };
      units += add(group, e.key, e.namespace, toPlain(table, e.stored));
    }
    while (units < CHUNK_UNITS) {
      const next = this.entries.next();
      if (next.done === true) break;
      const e = next.value;
      if (this.skipped(e.keyGroup)) continue;
      const plain = toPlain(table, e.stored);
      if (e.keyGroup !== group.keyGroup) {
        this.held = { keyGroup: e.keyGroup, key: e.key, namespace: e.namespace, plain };
        break;
      }
      units += add(group, e.key, e.namespace, plain);
    }
    return { state: this.table, group: group as KeyGroupSnapshot };
  }

  /** Whether `keyGroup` is left out (an incremental checkpoint's unchanged group). */
  private skipped(keyGroup: number): boolean {
    return this.only !== undefined && this.only[keyGroup - this.start] === 0;
  }

  close(): void {
    const transaction = this.transaction;
    if (transaction === undefined) return;
    this.transaction = undefined;
    this.held = undefined;
    // Ends the cursor before the transaction it reads.
    this.entries?.return(undefined);
    this.entries = undefined;
    transaction.done();
    this.onClose(this);
  }

  /** The backend is being disposed: the view ends, and reading on is an error. */
  abort(): void {
    this.disposed = true;
    this.close();
  }
}

/** Adds a (key, namespace)'s plain value to a chunk's group; returns the values it counts for. */
function add(
  group: { entries: Array<[Key, unknown]>; namespaced?: Array<[Key, Key, unknown]> },
  key: Key,
  namespace: Namespace,
  plain: unknown,
): number {
  if (namespace === VOID_NAMESPACE) group.entries.push([key, plain]);
  else (group.namespaced ??= []).push([key, namespace, plain]);
  return Array.isArray(plain) ? Math.max(1, plain.length) : 1;
}

/** A table's stored value in snapshot form (TTL wrappers as plain objects; a map as its pairs). */
function toPlain(table: LmdbTable, stored: unknown): unknown {
  const { kind, unitKind, wrapped } = table;
  if (kind !== 'map') return storedToPlain(kind, wrapped, stored);
  const pairs = stored as Array<[Key, unknown]>;
  for (const pair of pairs) pair[1] = storedToPlain(unitKind, wrapped, pair[1]);
  return pairs;
}
