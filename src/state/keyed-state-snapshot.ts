/**
 * The canonical, backend-independent snapshot of keyed state: plain data per state and key group,
 * as the heap backend has always produced it. Every backend snapshots to this format and restores
 * from it, so a snapshot taken by one backend restores into another, at any parallelism (each
 * backend keeps the key groups of its range). The types are those of the heap backend's snapshot,
 * under backend-neutral names.
 */
import type {
  HeapKeyedStateSnapshot,
  KeyGroupSnapshot as HeapKeyGroupSnapshot,
  HeapStateSnapshot,
} from './heap-keyed-state-snapshot.ts';
import type { KeyedStateBackend } from './keyed-state-backend.ts';

export type KeyedStateSnapshot = HeapKeyedStateSnapshot;
export type StateSnapshot = HeapStateSnapshot;
export type KeyGroupSnapshot = HeapKeyGroupSnapshot;
export type { TtlEntrySnapshot } from './heap-stored-values.ts';

/** A keyed state backend that checkpoints can snapshot and restore (every backend Weir has). */
export interface SnapshottableKeyedStateBackend extends KeyedStateBackend {
  /**
   * Every state, registered or restored, as plain data per key group. With `scratch`, a backend may
   * put numbers in buffers that its next `scratch` snapshot overwrites: for a caller that encodes
   * the snapshot before anything else happens (a checkpoint), so that it does not pay for fresh
   * memory each time.
   */
  snapshot(only?: Uint8Array, scratch?: boolean): KeyedStateSnapshot;
  /** Replaces all state with the key groups of `snapshots` in this backend's range. */
  restore(snapshots: readonly KeyedStateSnapshot[]): void;
  /** Removes every expired value of every state with a time to live. */
  cleanupExpired(): void;
}
