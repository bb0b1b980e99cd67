import type { Packr } from 'msgpackr';
import { WeirError } from '../core/errors.ts';
import { msgpackr, strictPackrOptions } from '../core/msgpack.ts';
import { findUnserializable } from '../core/serializable.ts';
import type { HeapKeyedStateSnapshot } from '../state/heap-keyed-state-snapshot.ts';
import type { OperatorStateSnapshot } from '../state/operator-state-store.ts';
import type { TimerServiceSnapshot } from '../time/internal-timer-service.ts';
import { decodeStreamedTaskState, isStreamedTaskState } from './streamed-task-state.ts';
// Registers the window classes' msgpack encoding.
import '../time/windows/window.ts';

/**
 * What one subtask contributes to a checkpoint: per operator of its chain (by uid), its keyed
 * state per key group, its timers per key group and its operator (list) state. Everything is
 * backend-independent plain data, so the same snapshot restores into any state backend and, key
 * group by key group, at any parallelism. Sources keep their split positions and sinks their
 * pending transactions in operator state.
 */
export interface OperatorSubtaskState {
  keyed?: HeapKeyedStateSnapshot;
  timers?: TimerServiceSnapshot;
  operator?: OperatorStateSnapshot;
}

export interface TaskStateSnapshot {
  /** Vertex (chain head uid) and subtask that took the snapshot. */
  vertex: string;
  subtask: number;
  parallelism: number;
  operators: Record<string, OperatorSubtaskState>;
}

/**
 * State files are msgpack configured as the packers of exchanges and LMDB values
 * ({@link strictPackrOptions}: Maps, Sets, Dates, typed arrays keep their type): values must be
 * plain data or instances of registered types; a function, a cycle or an unregistered class fails
 * the checkpoint with STATE_ERROR, as for records (docs/types.md). They are written without
 * msgpackr's structured clone: its tracking of every object (for cycles and shared references)
 * made encoding 5 to 20 times slower, which was most of the cost of a checkpoint. They are read
 * with it, so files written before (which may hold references) still restore.
 * The codecs are built on first use (see core/msgpack.ts).
 */
let packr: Packr | undefined;
function taskStatePackr(): Packr {
  if (packr !== undefined) return packr;
  const { Packr } = msgpackr();
  packr = new Packr(strictPackrOptions({ structuredClone: true }));
  return packr;
}

let encoder: Packr | undefined;
/** The packer that writes state files (and the frames of the streamed form): no structured clone. */
export function taskStateEncoder(): Packr {
  if (encoder !== undefined) return encoder;
  const { Packr } = msgpackr();
  encoder = new Packr(strictPackrOptions());
  return encoder;
}

/** A state file encoded into a reused buffer ({@link encodeTaskStateReusing}). */
export interface EncodedTaskState {
  readonly bytes: Uint8Array;
  /** Hands the buffer back for a later checkpoint, once `bytes` are written (idempotent). */
  release(): void;
}

let fileEncoder: Packr | undefined;
/** Buffers of written checkpoints, for the next ones (a few: the subtasks of a thread each take one). */
const spareBuffers: Buffer[] = [];
const MAX_SPARE_BUFFERS = 4;

/** The smallest spare buffer with room for `bytes` and a quarter more, else a new one twice that. */
function bufferFor(bytes: number): Buffer {
  const wanted = Math.ceil(bytes * 1.25);
  let best = -1;
  for (let i = 0; i < spareBuffers.length; i++) {
    const length = spareBuffers[i].length;
    if (length >= wanted && (best < 0 || length < spareBuffers[best].length)) best = i;
  }
  if (best >= 0) return spareBuffers.splice(best, 1)[0];
  return Buffer.allocUnsafeSlow(Math.max(1 << 16, wanted * 2));
}

/**
 * Encodes a subtask's state into a buffer that later checkpoints of this thread reuse. Memory the
 * process has not written yet costs a page fault per 4 KiB on its first write: on the benchmark's
 * virtual machine, encoding a 6 MB snapshot into fresh memory took 24 ms, and into a reused buffer
 * under 1 ms. `sizeHint` (the size of the subtask's last state file) picks a buffer that fits. The
 * bytes are valid until `release()`.
 */
export function encodeTaskStateReusing(state: TaskStateSnapshot, sizeHint = 0): EncodedTaskState {
  if (fileEncoder === undefined) {
    const { Packr } = msgpackr();
    fileEncoder = new Packr(strictPackrOptions());
  }
  const buffer = bufferFor(sizeHint);
  fileEncoder.useBuffer(buffer);
  let bytes: Uint8Array;
  try {
    bytes = fileEncoder.pack(state);
  } catch (error) {
    spareBuffers.push(buffer);
    throw unserializableState(state, error);
  }
  // A state larger than the buffer made the encoder move to a bigger one: that one is kept instead.
  const used =
    bytes.buffer === buffer.buffer ? buffer : Buffer.from(bytes.buffer, 0, bytes.buffer.byteLength);
  let released = false;
  return {
    bytes,
    release: () => {
      if (released) return;
      released = true;
      if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(used);
    },
  };
}

export function encodeTaskState(state: TaskStateSnapshot): Uint8Array {
  try {
    return taskStateEncoder().pack(state);
  } catch (error) {
    throw unserializableState(state, error);
  }
}

/** Which state value a snapshot could not be written for, and why (only once encoding failed). */
function unserializableState(state: TaskStateSnapshot, cause: unknown): unknown {
  for (const [uid, operator] of Object.entries(state.operators)) {
    for (const s of operator.keyed?.states ?? []) {
      for (const group of s.keyGroups) {
        for (const [key, stored] of group.entries) {
          const found = findUnserializable(stored, 'value');
          if (found === undefined) continue;
          return new WeirError(
            'STATE_ERROR',
            `cannot write state "${s.name}" of operator uid "${uid}" for key ${JSON.stringify(String(key))} to a checkpoint: ${found.path} is ${found.found}` +
              ' (state values must be plain data: objects, arrays, Maps, Sets, Dates, primitives, or registered types)',
            { cause: new WeirError('UNSERIALIZABLE_RECORD', `${found.path} is ${found.found}`) },
          );
        }
      }
    }
    const found = findUnserializable(operator.operator, 'operator state');
    if (found !== undefined) {
      return new WeirError(
        'STATE_ERROR',
        `cannot write the operator state of operator uid "${uid}" to a checkpoint: ${found.path} is ${found.found}`,
        { cause: new WeirError('UNSERIALIZABLE_RECORD', `${found.path} is ${found.found}`) },
      );
    }
  }
  return cause;
}

/** Decodes a state file, in the plain form or the streamed one (streamed-task-state.ts). */
export function decodeTaskState(bytes: Uint8Array): TaskStateSnapshot {
  if (isStreamedTaskState(bytes)) return decodeStreamedTaskState(bytes);
  return taskStatePackr().unpack(bytes) as TaskStateSnapshot;
}
