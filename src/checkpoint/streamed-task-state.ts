/**
 * The streamed form of a subtask's state file, for keyed state backends that snapshot as a stream
 * (keyed-state-snapshot-stream.ts; the LMDB backend): the file is written chunk by chunk as the
 * backend reads its state, while the task goes on processing, so the state is never all on the JS
 * heap at once. Layout: {@link STREAMED_MAGIC}, then frames `[u32 BE length][msgpack]`: first the
 * {@link TaskStateSnapshot} in which each streamed operator's keyed state has its states but no key
 * groups, then one frame per chunk, `[operator uid, state index, key group snapshot]`.
 * {@link decodeTaskState} reads both this and the plain form (one msgpack value, which never starts
 * with the magic's first byte, a positive fixint), and returns the same plain snapshot either way.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Packr } from 'msgpackr';
import { WeirError } from '../core/errors.ts';
import { msgpackr, strictPackrOptions } from '../core/msgpack.ts';
import { findUnserializable } from '../core/serializable.ts';
import {
  appendKeyedStateChunk,
  type KeyedStateChunk,
  type KeyedStateSnapshotStream,
} from '../state/keyed-state-snapshot-stream.ts';
import type { StateHandle } from './checkpoint-metadata.ts';
import type { CheckpointStorage } from './checkpoint-storage.ts';
import { type TaskStateSnapshot, taskStateEncoder } from './task-state.ts';

/** The first 8 bytes of a streamed state file: `WEIRSTR` and the format version. */
export const STREAMED_MAGIC = Buffer.from('WEIRSTR1', 'latin1');

/**
 * The reader of frames, configured as the plain form's (task-state.ts): each frame decodes on its
 * own. Frames are written by the plain form's encoder (no structured clone, see there).
 */
let packr: Packr | undefined;
function framePackr(): Packr {
  if (packr !== undefined) return packr;
  const { Packr } = msgpackr();
  packr = new Packr(strictPackrOptions({ structuredClone: true }));
  return packr;
}

/** Whether `bytes` is a state file in the streamed form. */
export function isStreamedTaskState(bytes: Uint8Array): boolean {
  if (bytes.byteLength < STREAMED_MAGIC.length) return false;
  for (let i = 0; i < STREAMED_MAGIC.length; i++) if (bytes[i] !== STREAMED_MAGIC[i]) return false;
  return true;
}

/**
 * Writes a subtask's state file in the streamed form: `snapshot` holds each streamed operator's
 * header (from its stream), `streams` the streams by operator uid. The streams are read one chunk
 * per turn of the event loop, and closed at the end, also when writing fails.
 */
export function writeStreamedTaskState(
  storage: CheckpointStorage,
  location: string,
  name: string,
  snapshot: TaskStateSnapshot,
  streams: ReadonlyMap<string, KeyedStateSnapshotStream>,
): Promise<StateHandle> {
  const frames = streamedFrames(snapshot, streams);
  if (storage.writeStateStream !== undefined) return storage.writeStateStream(location, name, frames);
  return collect(frames).then((bytes) => storage.writeState(location, name, bytes));
}

async function* streamedFrames(
  snapshot: TaskStateSnapshot,
  streams: ReadonlyMap<string, KeyedStateSnapshotStream>,
): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    const first = frame(snapshot, snapshot, undefined);
    const head = Buffer.allocUnsafe(STREAMED_MAGIC.length + first.byteLength);
    STREAMED_MAGIC.copy(head, 0);
    head.set(first, STREAMED_MAGIC.length);
    yield head;
    for (const [uid, stream] of streams) {
      for (;;) {
        // One chunk per turn: the task's records and mails run in between.
        await nextTurn();
        const next = chunkFrame(uid, stream, snapshot);
        if (next === undefined) break;
        yield next;
      }
    }
  } finally {
    for (const stream of streams.values()) stream.close();
  }
}

/**
 * The frame of a stream's next chunk, or undefined at its end. The chunk is garbage once this
 * returns: it is not held while the frame is written, so it dies young.
 */
function chunkFrame(
  uid: string,
  stream: KeyedStateSnapshotStream,
  snapshot: TaskStateSnapshot,
): Buffer | undefined {
  const chunk = stream.next();
  if (chunk === undefined) return undefined;
  return frame([uid, chunk.state, chunk.group], snapshot, { uid, chunk });
}

/** One frame: the length, then the msgpack of `value` (copied: the packer reuses its buffer). */
function frame(
  value: unknown,
  snapshot: TaskStateSnapshot,
  at: { uid: string; chunk: KeyedStateChunk } | undefined,
): Buffer {
  let body: Uint8Array;
  try {
    body = taskStateEncoder().pack(value);
  } catch (error) {
    throw unserializable(snapshot, at, error);
  }
  const out = Buffer.allocUnsafe(4 + body.byteLength);
  out.writeUInt32BE(body.byteLength, 0);
  out.set(body, 4);
  return out;
}

function unserializable(
  snapshot: TaskStateSnapshot,
  at: { uid: string; chunk: KeyedStateChunk } | undefined,
  cause: unknown,
): unknown {
  if (at === undefined) return cause;
  const state = snapshot.operators[at.uid]?.keyed?.states[at.chunk.state]?.name;
  const found = findUnserializable(at.chunk.group, 'key group');
  if (found === undefined) return cause;
  return new WeirError(
    'STATE_ERROR',
    `cannot write state "${state}" of operator uid "${at.uid}" to a checkpoint: ${found.path} is ${found.found}` +
      ' (state values must be plain data: objects, arrays, Maps, Sets, Dates, primitives, or registered types)',
    { cause: new WeirError('UNSERIALIZABLE_RECORD', `${found.path} is ${found.found}`) },
  );
}

async function collect(frames: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of frames) parts.push(part);
  return Buffer.concat(parts);
}

/** Reads a streamed state file back into the plain snapshot (chunks put back into their states). */
export function decodeStreamedTaskState(bytes: Uint8Array): TaskStateSnapshot {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = STREAMED_MAGIC.length;
  const next = (): unknown => {
    if (pos + 4 > buffer.length) throw corrupt(`a frame header is cut off at byte ${pos}`);
    const length = buffer.readUInt32BE(pos);
    const end = pos + 4 + length;
    if (end > buffer.length) throw corrupt(`a frame of ${length} bytes at byte ${pos} is cut off`);
    const value = framePackr().unpack(buffer.subarray(pos + 4, end));
    pos = end;
    return value;
  };
  const snapshot = next() as TaskStateSnapshot;
  while (pos < buffer.length) {
    const [uid, state, group] = next() as [string, number, KeyedStateChunk['group']];
    const keyed = snapshot.operators[uid]?.keyed;
    if (keyed?.states[state] === undefined) {
      throw corrupt(`a chunk names state ${state} of operator uid "${uid}", which the header does not have`);
    }
    appendKeyedStateChunk(keyed, { state, group });
  }
  return snapshot;
}

function corrupt(what: string): WeirError {
  return new WeirError('CHECKPOINT_CORRUPT', `streamed state file: ${what}`);
}
