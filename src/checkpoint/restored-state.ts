import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WeirError } from '../core/errors.ts';
import type { JobGraph } from '../graph/job-graph.ts';
import type { HeapKeyedStateSnapshot } from '../state/heap-keyed-state-snapshot.ts';
import { type OperatorStateSnapshot, redistributeOperatorState } from '../state/operator-state-store.ts';
import type { TimerServiceSnapshot } from '../time/internal-timer-service.ts';
import {
  type CheckpointMetadata,
  type StateHandle,
  type StateReference,
  sha256,
} from './checkpoint-metadata.ts';
import { decodeTaskState, type OperatorSubtaskState, type TaskStateSnapshot } from './task-state.ts';

/** What one new subtask of an operator restores. */
export interface SubtaskRestore {
  /** Keyed state of every old subtask: the backend keeps the key groups it owns. */
  keyed: HeapKeyedStateSnapshot[];
  timers: TimerServiceSnapshot[];
  /** This subtask's share of the operator state (split lists divided, union lists whole). */
  operator: OperatorStateSnapshot | undefined;
}

/**
 * The state of a job from one checkpoint or savepoint, by operator uid and old subtask, ready to be
 * handed out at any new parallelism: keyed state and timers by key group, operator state
 * redistributed. Plain data: it crosses to worker threads as is.
 */
export interface RestoredJobState {
  checkpointId: number;
  kind: 'checkpoint' | 'savepoint';
  /** Where it came from, for messages. */
  source: string;
  operators: Record<string, OperatorSubtaskState[]>;
}

export function subtaskRestore(
  restored: RestoredJobState,
  uid: string,
  subtask: number,
  parallelism: number,
): SubtaskRestore | undefined {
  const old = restored.operators[uid];
  if (old === undefined) return undefined;
  const keyed: HeapKeyedStateSnapshot[] = [];
  const timers: TimerServiceSnapshot[] = [];
  const operator: OperatorStateSnapshot[] = [];
  for (const s of old) {
    if (s === undefined) continue;
    if (s.keyed) keyed.push(s.keyed);
    if (s.timers) timers.push(s.timers);
    if (s.operator) operator.push(s.operator);
  }
  return {
    keyed,
    timers,
    operator: operator.length > 0 ? redistributeOperatorState(operator, parallelism)[subtask] : undefined,
  };
}

/** Reads every subtask's state of a checkpoint (verifying checksums) into a RestoredJobState. */
export async function loadCheckpointState(
  directory: string,
  metadata: CheckpointMetadata,
): Promise<RestoredJobState> {
  const operators: Record<string, OperatorSubtaskState[]> = {};
  // Files of earlier checkpoints an incremental one references, read once however many use them.
  const referenced = new Map<string, Promise<TaskStateSnapshot>>();
  for (const task of metadata.tasks) {
    if (task.handle.kind === 'finished') {
      // Present but empty: a source restores no splits instead of reading its input again.
      for (const uid of task.operators) {
        const list = operators[uid] ?? [];
        list[task.subtask] = {};
        operators[uid] = list;
      }
      continue;
    }
    const bytes =
      task.handle.kind === 'inline'
        ? task.handle.data
        : await readStateFile(directory, task.handle, metadata.checkpointId);
    const state = decodeTaskState(bytes);
    for (const ref of task.references ?? []) {
      const file = ref.handle.kind === 'file' ? join(directory, ref.handle.file) : undefined;
      let read = file === undefined ? undefined : referenced.get(file);
      if (read === undefined) {
        read = readReferenced(directory, ref, metadata.checkpointId);
        if (file !== undefined) referenced.set(file, read);
      }
      addReferencedKeyGroups(state, ref, await read);
    }
    for (const [uid, s] of Object.entries(state.operators)) {
      const list = operators[uid] ?? [];
      list[task.subtask] = s;
      operators[uid] = list;
    }
  }
  return { checkpointId: metadata.checkpointId, kind: metadata.kind, source: directory, operators };
}

/**
 * Checks every state file of a checkpoint against its handle (size, then SHA-256) without decoding
 * it: what a restart verifies before it hands the checkpoint to worker threads. Throws
 * CHECKPOINT_CORRUPT naming the first file that is missing, truncated or altered.
 *
 * @example
 * await verifyCheckpointState(checkpoint.location, checkpoint.metadata);
 */
export async function verifyCheckpointState(directory: string, metadata: CheckpointMetadata): Promise<void> {
  const verified = new Set<string>();
  for (const task of metadata.tasks) {
    if (task.handle.kind === 'file') await readStateFile(directory, task.handle, metadata.checkpointId);
    for (const ref of task.references ?? []) {
      if (ref.handle.kind !== 'file' || verified.has(ref.handle.file)) continue;
      verified.add(ref.handle.file);
      await readStateFile(directory, ref.handle, metadata.checkpointId);
    }
  }
}

/** The state file an incremental checkpoint references, verified and decoded. */
async function readReferenced(
  directory: string,
  ref: StateReference,
  checkpointId: number,
): Promise<TaskStateSnapshot> {
  const bytes =
    ref.handle.kind === 'inline' ? ref.handle.data : await readStateFile(directory, ref.handle, checkpointId);
  return decodeTaskState(bytes);
}

/**
 * Adds to a subtask's state (from its own file) the key groups `ref` names from the file of an
 * earlier checkpoint: per operator, its keyed state's and its timers' groups in those ranges. The
 * states of the earlier file are added as they were written (their TTL flag may differ); a
 * backend's restore takes several snapshots of the same state, as it does when rescaling.
 */
function addReferencedKeyGroups(
  state: TaskStateSnapshot,
  ref: StateReference,
  from: TaskStateSnapshot,
): void {
  for (const [uid, ranges] of Object.entries(ref.keyGroups)) {
    const old = from.operators[uid];
    if (old === undefined) continue;
    const inRanges = (group: number): boolean =>
      ranges.some(([first, last]) => group >= first && group <= last);
    const target = (state.operators[uid] ??= {});
    if (old.keyed !== undefined) {
      const states = old.keyed.states.map((s) => ({
        ...s,
        keyGroups: s.keyGroups.filter((g) => inRanges(g.keyGroup)),
      }));
      target.keyed =
        target.keyed === undefined
          ? { ...old.keyed, states }
          : { ...target.keyed, states: [...target.keyed.states, ...states] };
    }
    if (old.timers !== undefined) {
      const groups = old.timers.keyGroups.filter((g) => inRanges(g.keyGroup));
      target.timers = { keyGroups: [...(target.timers?.keyGroups ?? []), ...groups] };
    }
  }
}

/** A state file's bytes, verified against its handle; CHECKPOINT_CORRUPT says which file and why. */
async function readStateFile(
  directory: string,
  handle: Extract<StateHandle, { kind: 'file' }>,
  checkpointId: number,
): Promise<Uint8Array> {
  const file = join(directory, handle.file);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException)?.code === 'ENOENT' ? 'is missing' : 'cannot be read';
    throw new WeirError('CHECKPOINT_CORRUPT', `state file ${file} of checkpoint ${checkpointId} ${reason}`, {
      cause: error,
    });
  }
  if (bytes.byteLength !== handle.bytes) {
    const how = bytes.byteLength < handle.bytes ? 'truncated' : 'corrupted';
    throw new WeirError(
      'CHECKPOINT_CORRUPT',
      `state file ${file} of checkpoint ${checkpointId} is ${how}: ${bytes.byteLength} bytes, the metadata says ${handle.bytes}`,
    );
  }
  const actual = sha256(bytes);
  if (actual !== handle.sha256) {
    throw new WeirError(
      'CHECKPOINT_CORRUPT',
      `state file ${file} of checkpoint ${checkpointId} is corrupted: its SHA-256 ${actual.slice(0, 12)}… differs from the metadata's ${handle.sha256.slice(0, 12)}…`,
    );
  }
  return bytes;
}

/**
 * Checks that every operator with state in `restored` exists in the new graph (matched by uid),
 * unless `allowNonRestoredState`; and that key groups are unchanged.
 */
export function checkRestorable(
  restored: RestoredJobState,
  graph: JobGraph,
  allowNonRestoredState: boolean,
): void {
  const uids = new Map<string, number>();
  for (const v of graph.vertices) for (const op of v.operators) uids.set(op.uid, v.maxParallelism);
  for (const [uid, subtasks] of Object.entries(restored.operators)) {
    const hasState = subtasks.some(
      (s) =>
        s !== undefined &&
        ((s.keyed?.states.some((st) => st.keyGroups.length > 0) ?? false) ||
          (s.timers?.keyGroups.length ?? 0) > 0 ||
          (s.operator?.states.some((st) => st.elements.length > 0) ?? false)),
    );
    const maxParallelism = uids.get(uid);
    if (maxParallelism === undefined) {
      if (!hasState || allowNonRestoredState) continue;
      throw new WeirError(
        'STATE_NOT_RESTORABLE',
        `${restored.kind} ${restored.source} has state for operator uid "${uid}", which the job does not have: ` +
          'give the operator the same uid(), or pass --allow-non-restored-state to drop that state',
      );
    }
    for (const s of subtasks) {
      if (s?.keyed && s.keyed.maxParallelism !== maxParallelism) {
        throw new WeirError(
          'STATE_NOT_RESTORABLE',
          `operator uid "${uid}": the ${restored.kind} has keyed state for maxParallelism ${s.keyed.maxParallelism}, ` +
            `the job uses ${maxParallelism}; the number of key groups cannot change`,
        );
      }
    }
  }
}
