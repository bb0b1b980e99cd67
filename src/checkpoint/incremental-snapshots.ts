/**
 * Incremental checkpoints, the subtask's side (docs/checkpoints.md). With
 * `CheckpointConfig.enableIncrementalCheckpointing()` a checkpoint writes, per keyed operator, only
 * the key groups (keyed state and timers) that changed since the last checkpoint this subtask knows
 * COMPLETED, and references the others: for each, the state file of the completed checkpoint that
 * last wrote it. Operator state is small and always written whole. Savepoints are always full and
 * change nothing here: later checkpoints never reference a savepoint's files.
 *
 * "Changed since the last completed checkpoint", not since the last snapshot: a checkpoint may be
 * aborted, and the changes it wrote must then go into the next one. So each snapshot keeps the
 * groups that changed since the previous snapshot (its delta), and writes the union of the deltas
 * of every snapshot since the last completed one; a completion moves the base and drops the deltas
 * it covered. The first checkpoint of a subtask (also after a restore) has no base and writes all.
 *
 * Files that checkpoints may share go to one directory of the job ({@link sharedStateFile}, Flink's
 * `shared/`); the coordinator counts the references of the retained checkpoints to them
 * (shared-state-registry.ts) and deletes a file once none is left.
 */
import type { IncrementalKeyedStateBackend } from '../state/incremental-keyed-state-backend.ts';
import type { KeyedStateSnapshot } from '../state/keyed-state-snapshot.ts';
import type { KeyedStateSnapshotStream } from '../state/keyed-state-snapshot-stream.ts';
import type { TimerServiceSnapshot } from '../time/internal-timer-service.ts';
import type { StateHandle, StateReference } from './checkpoint-metadata.ts';

/** Where a subtask writes the state file of an incremental checkpoint, relative to the checkpoint's location. */
export function sharedStateFile(checkpointId: number, name: string): string {
  return `../${SHARED_STATE_DIRECTORY}/chk-${checkpointId}-${name}`;
}

/** The directory of a job's shared state files, beside its `chk-<n>` directories. */
export const SHARED_STATE_DIRECTORY = 'shared';

type ReferencedHandle = StateReference['handle'];

/** One keyed operator of the chain. */
interface Part {
  readonly groupCount: number;
  readonly start: number;
  /** Per group, the checkpoint whose file holds it as of the base (0: none, the group is empty). */
  readonly writer: Float64Array;
  /** Whether a checkpoint with this part completed (there is a base). */
  hasBase: boolean;
  /** The groups changed between each snapshot since the base and the snapshot before it. */
  deltas: Array<{ id: number; delta: Uint8Array }>;
}

/** A snapshot taken and not yet completed or aborted. */
interface Pending {
  /** Per operator uid, the groups the snapshot wrote. */
  readonly written: Map<string, Uint8Array>;
  /**
   * Per operator uid, the written groups that hold data ({@link IncrementalSnapshots.holds}): an
   * empty group is referenced by no later checkpoint, so it does not keep a file alive.
   */
  readonly filled: Map<string, Uint8Array>;
  readonly references: Map<number, StateReference>;
  handle: ReferencedHandle | undefined;
}

export class IncrementalSnapshots {
  private readonly parts = new Map<string, Part>();
  private readonly pending = new Map<number, Pending>();
  /** The files of completed checkpoints that hold groups of the base, by checkpoint id. */
  private readonly files = new Map<number, ReferencedHandle>();

  /**
   * The groups of `uid` that checkpoint `id` writes (indexed by `keyGroup - range.start`); the
   * others are referenced (see {@link references}). Call once per keyed operator, in the
   * synchronous part of the checkpoint.
   */
  prepare(id: number, uid: string, backend: IncrementalKeyedStateBackend): Uint8Array {
    const { start, end } = backend.keyGroupRange;
    let part = this.parts.get(uid);
    if (part === undefined || part.start !== start || part.groupCount !== end - start + 1) {
      const groupCount = end - start + 1;
      part = { groupCount, start, writer: new Float64Array(groupCount), hasBase: false, deltas: [] };
      this.parts.set(uid, part);
    }
    const delta = new Uint8Array(part.groupCount);
    backend.drainChangedKeyGroups(delta);
    part.deltas.push({ id, delta });
    const write = new Uint8Array(part.groupCount);
    if (!part.hasBase) write.fill(1);
    else for (const d of part.deltas) for (let i = 0; i < write.length; i++) write[i] |= d.delta[i];
    let pending = this.pending.get(id);
    if (pending === undefined) {
      pending = { written: new Map(), filled: new Map(), references: new Map(), handle: undefined };
      this.pending.set(id, pending);
    }
    pending.written.set(uid, write);
    pending.filled.set(uid, new Uint8Array(part.groupCount));
    for (let i = 0; i < write.length; i++) {
      const writer = part.writer[i];
      if (write[i] === 1 || writer === 0) continue;
      let ref = pending.references.get(writer);
      if (ref === undefined) {
        ref = { checkpointId: writer, handle: this.files.get(writer)!, keyGroups: {} };
        pending.references.set(writer, ref);
      }
      addToRanges((ref.keyGroups[uid] ??= []), start + i);
    }
    return write;
  }

  /** Key group `keyGroup` of `uid` has keyed state or timers in the file of checkpoint `id`. */
  holds(id: number, uid: string, keyGroup: number): void {
    const filled = this.pending.get(id)?.filled.get(uid);
    const part = this.parts.get(uid);
    if (filled !== undefined && part !== undefined) filled[keyGroup - part.start] = 1;
  }

  /** {@link holds} for every key group of `uid`'s keyed state and timers in checkpoint `id`'s file. */
  holdsAll(
    id: number,
    uid: string,
    keyed: KeyedStateSnapshot | undefined,
    timers: TimerServiceSnapshot | undefined,
  ): void {
    for (const state of keyed?.states ?? [])
      for (const group of state.keyGroups) this.holds(id, uid, group.keyGroup);
    for (const group of timers?.keyGroups ?? []) this.holds(id, uid, group.keyGroup);
  }

  /** `stream`, telling {@link holds} the key group of each chunk as it is read (streamed snapshots). */
  watch(id: number, uid: string, stream: KeyedStateSnapshotStream): KeyedStateSnapshotStream {
    return {
      header: stream.header,
      next: () => {
        const chunk = stream.next();
        if (chunk !== undefined) this.holds(id, uid, chunk.group.keyGroup);
        return chunk;
      },
      close: () => stream.close(),
    };
  }

  /** The references of checkpoint `id`, once every part is prepared (undefined: none). */
  references(id: number): StateReference[] | undefined {
    const pending = this.pending.get(id);
    if (pending === undefined || pending.references.size === 0) return undefined;
    return [...pending.references.values()];
  }

  /** The state file of checkpoint `id` is written. */
  written(id: number, handle: StateHandle): void {
    const pending = this.pending.get(id);
    if (pending !== undefined && handle.kind !== 'finished') pending.handle = handle;
  }

  /** Checkpoint `id` completed: it is the new base. */
  completed(id: number): void {
    const done = this.pending.get(id);
    if (done === undefined || done.handle === undefined) return;
    for (const [uid, write] of done.written) {
      const part = this.parts.get(uid);
      const filled = done.filled.get(uid)!;
      if (part === undefined) continue;
      for (let i = 0; i < write.length; i++) if (write[i] === 1) part.writer[i] = filled[i] === 1 ? id : 0;
      part.hasBase = true;
      part.deltas = part.deltas.filter((d) => d.id > id);
    }
    this.files.set(id, done.handle);
    for (const pendingId of [...this.pending.keys()]) if (pendingId <= id) this.pending.delete(pendingId);
    // Files no group of the base lives in any more are not referenced again.
    const used = new Set<number>();
    for (const part of this.parts.values()) for (const writer of part.writer) used.add(writer);
    for (const fileId of [...this.files.keys()]) if (!used.has(fileId)) this.files.delete(fileId);
  }

  /** Checkpoint `id` was aborted: its changes stay in the deltas, for the next one to write. */
  aborted(id: number): void {
    this.pending.delete(id);
  }
}

/** Adds `group` (ascending calls) to `[first, last]` ranges. */
function addToRanges(ranges: Array<[number, number]>, group: number): void {
  const last = ranges[ranges.length - 1];
  if (last !== undefined && last[1] === group - 1) last[1] = group;
  else ranges.push([group, group]);
}
