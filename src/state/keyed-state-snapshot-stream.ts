/**
 * A keyed state snapshot read piece by piece: a backend whose state is not on the V8 heap (LMDB)
 * hands a checkpoint its snapshot as a header (every state, with no key groups) and then chunks of
 * key groups, read from a consistent view of its state (an LMDB read transaction) while the task
 * goes on processing. The checkpoint writes each chunk as it is read, so the whole state never
 * exists as JS objects at once. Putting the chunks back into the header's states
 * ({@link appendKeyedStateChunk}) gives the plain {@link KeyedStateSnapshot} that `snapshot()`
 * returns: restore knows only that form.
 */
import type {
  KeyedStateSnapshot,
  KeyGroupSnapshot,
  SnapshottableKeyedStateBackend,
} from './keyed-state-snapshot.ts';

/** Part of one key group of one state: whole keys (a key's value or map is never split). */
export interface KeyedStateChunk {
  /** Index of the state in the header's `states`. */
  readonly state: number;
  readonly group: KeyGroupSnapshot;
}

export interface KeyedStateSnapshotStream {
  /** The snapshot's states, each with no key groups: chunks fill them. */
  readonly header: KeyedStateSnapshot;
  /**
   * The next chunk, in state, key group and key order, or undefined at the end (which releases
   * the view). Throws STATE_ERROR once the backend is disposed.
   */
  next(): KeyedStateChunk | undefined;
  /** Releases the view before the end (a checkpoint that failed or was aborted). Idempotent. */
  close(): void;
}

/** A backend that can snapshot as a stream (`snapshot()` stays: it is the stream, collected). */
export interface StreamingKeyedStateBackend extends SnapshottableKeyedStateBackend {
  /**
   * Takes a snapshot as of now (synchronously: later writes are not in it) to be read chunk by
   * chunk, at any later time, while the backend is used. `only` (indexed by `keyGroup -
   * range.start`) limits it to the flagged key groups (incremental-keyed-state-backend.ts).
   */
  snapshotStream(only?: Uint8Array): KeyedStateSnapshotStream;
}

export function isStreamingKeyedStateBackend(
  backend: SnapshottableKeyedStateBackend,
): backend is StreamingKeyedStateBackend {
  return typeof (backend as Partial<StreamingKeyedStateBackend>).snapshotStream === 'function';
}

/**
 * Adds a chunk to its state in `snapshot` (a stream's header): a chunk of the key group the state
 * ended with continues it.
 */
export function appendKeyedStateChunk(snapshot: KeyedStateSnapshot, chunk: KeyedStateChunk): void {
  const groups = snapshot.states[chunk.state].keyGroups;
  const last = groups[groups.length - 1];
  if (last === undefined || last.keyGroup !== chunk.group.keyGroup) {
    groups.push(chunk.group);
    return;
  }
  for (const entry of chunk.group.entries) last.entries.push(entry);
  if (chunk.group.namespaced !== undefined) {
    const namespaced = ((last as { namespaced?: Array<[unknown, unknown, unknown]> }).namespaced ??= []);
    for (const entry of chunk.group.namespaced) namespaced.push(entry);
  }
}
