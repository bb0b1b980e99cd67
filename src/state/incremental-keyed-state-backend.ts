import type { KeyedStateSnapshot, SnapshottableKeyedStateBackend } from './keyed-state-snapshot.ts';

/**
 * A keyed state backend that incremental checkpoints can snapshot key group by key group
 * (checkpoint/incremental-snapshots.ts): it flags the key groups that may have changed, and
 * snapshots only the flagged ones. Flags are indexed by `keyGroup - keyGroupRange.start`.
 */
export interface IncrementalKeyedStateBackend extends SnapshottableKeyedStateBackend {
  /**
   * ORs into `into` the key groups that may have changed since the last call (writes, clears,
   * expiry, timers of their keys, a restore), and clears them.
   */
  drainChangedKeyGroups(into: Uint8Array): void;
  /** `snapshot()` limited to the key groups flagged in `only`; every state is listed. */
  snapshot(only?: Uint8Array, scratch?: boolean): KeyedStateSnapshot;
}

export function isIncrementalKeyedStateBackend(
  backend: SnapshottableKeyedStateBackend,
): backend is IncrementalKeyedStateBackend {
  return typeof (backend as Partial<IncrementalKeyedStateBackend>).drainChangedKeyGroups === 'function';
}

/** ORs the flags of `changed` into `into` and clears them (a backend's drainChangedKeyGroups). */
export function drainFlags(changed: Uint8Array, into: Uint8Array): void {
  for (let i = 0; i < changed.length; i++) {
    if (changed[i] !== 0) {
      into[i] = 1;
      changed[i] = 0;
    }
  }
}
