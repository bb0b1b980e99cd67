/**
 * PeerMessages (remote-channel.ts) as binary frames between TaskManagers. Each frame carries its
 * route — job, attempt, sending slot, receiving slot — and one message. A record batch's bytes
 * (msgpackr Uint8Array or raw Float64Array values, Float64Array timestamps) travel as they are: the
 * encoder writes a small header and hands the typed arrays to the socket without copying them, the
 * decoder makes views of the frame when it owns its buffer and copies each array once otherwise.
 * The work is per batch, never per record; no JSON.
 *
 * Body layout (little-endian; offsets in bytes from the start of the body):
 *
 *   0 u8 tag (d w i e x b c l)   1 u8 flags   2 u16 jobId bytes (L)
 *   4 u32 attempt   8 u32 from   12 u32 to   16 f64 channel key
 *   24 f64 time | id | credits   32 u32 values bytes | location or vertex bytes
 *   36 u32 timestamps bytes | a latency marker's subtask
 *   40 jobId (UTF-8)   then: a barrier's location or a latency marker's source vertex (UTF-8), or a
 *   batch's values and timestamps,
 *   each starting at a multiple of 8 so that a Float64Array can view them in place.
 */
import { WeirError } from '../../core/errors.ts';
import type { PeerMessage } from './remote-channel.ts';

/** The frame type of a PeerMessage on a frame socket. */
export const PEER_MESSAGE_FRAME = 32;

/** Where a message goes: slot `from` of a job attempt sends it to slot `to`. */
export interface WireRoute {
  jobId: string;
  attempt: number;
  from: number;
  to: number;
}

/** A route with its jobId already in UTF-8: encode it once per route, not per message. */
export interface EncodedRoute extends WireRoute {
  jobIdBytes: Uint8Array;
}

export interface DecodedPeerMessage {
  route: WireRoute;
  message: PeerMessage;
  /** The buffers of the message's typed arrays, each once: transfer them on postMessage. */
  transfer: ArrayBuffer[];
}

const FIXED = 40;
const TAGS = ['d', 'w', 'i', 'e', 'x', 'b', 'c', 'l'] as const;
const TAG_OF: Record<PeerMessage['t'], number> = { d: 1, w: 2, i: 3, e: 4, x: 5, b: 6, c: 7, l: 8 };
const F_FLOAT64 = 1;
const F_TIMESTAMPS = 2;
const F_BOOL = 1;
/** A barrier's flag: the synchronous savepoint of a stop-with-savepoint. */
const F_SYNC = 2;
const ZEROS = new Uint8Array(8);

function align8(n: number): number {
  return (n + 7) & ~7;
}

export function encodeRoute(route: WireRoute): EncodedRoute {
  const jobIdBytes = Buffer.from(route.jobId, 'utf8');
  if (jobIdBytes.length > 0xffff) {
    throw new WeirError('INVALID_ARGUMENT', `job id of ${jobIdBytes.length} bytes: at most 65535`);
  }
  for (const n of [route.attempt, route.from, route.to]) {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `route ${JSON.stringify(route)}: attempt and slots are integers 0..2^32-1`,
      );
    }
  }
  return { jobId: route.jobId, attempt: route.attempt, from: route.from, to: route.to, jobIdBytes };
}

function bytesOf(a: Uint8Array | Float64Array): Uint8Array {
  return a instanceof Uint8Array ? a : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * The frame body of one message: `header` (route and fields) followed by `payloads`, to be written
 * in this order (FrameSocket.sendBinary(PEER_MESSAGE_FRAME, header, ...payloads)).
 */
export function encodePeerMessage(
  route: EncodedRoute,
  m: PeerMessage,
): { header: Uint8Array; payloads: Uint8Array[] } {
  const L = route.jobIdBytes.length;
  let flags = 0;
  let a = 0;
  let n1 = 0;
  let n2 = 0;
  let extra: Uint8Array | null = null;
  let payloads: Uint8Array[] = [];
  let headerLength = FIXED + L;
  switch (m.t) {
    case 'd': {
      const values = bytesOf(m.v);
      n1 = values.length;
      if (m.v instanceof Float64Array) flags |= F_FLOAT64;
      headerLength = align8(FIXED + L);
      payloads = [values];
      if (m.ts !== null) {
        flags |= F_TIMESTAMPS;
        n2 = m.ts.byteLength;
        const pad = align8(headerLength + n1) - (headerLength + n1);
        if (pad > 0) payloads.push(ZEROS.subarray(0, pad));
        payloads.push(bytesOf(m.ts));
      }
      break;
    }
    case 'w':
      a = m.time;
      break;
    case 'i':
      if (m.idle) flags |= F_BOOL;
      break;
    case 'b':
      a = m.id;
      if (m.savepoint) flags |= F_BOOL;
      if (m.sync) flags |= F_SYNC;
      extra = Buffer.from(m.loc, 'utf8');
      n1 = extra.length;
      headerLength += n1;
      break;
    case 'c':
      a = m.n;
      break;
    case 'l':
      a = m.time;
      n2 = m.subtask;
      extra = Buffer.from(m.vertex, 'utf8');
      n1 = extra.length;
      headerLength += n1;
      break;
    case 'e':
    case 'x':
      break;
  }
  const header = Buffer.allocUnsafe(headerLength);
  header[0] = TAG_OF[m.t];
  header[1] = flags;
  header.writeUInt16LE(L, 2);
  header.writeUInt32LE(route.attempt, 4);
  header.writeUInt32LE(route.from, 8);
  header.writeUInt32LE(route.to, 12);
  header.writeDoubleLE(m.k, 16);
  header.writeDoubleLE(a, 24);
  header.writeUInt32LE(n1, 32);
  header.writeUInt32LE(n2, 36);
  header.set(route.jobIdBytes, FIXED);
  if (extra !== null) header.set(extra, FIXED + L);
  else header.fill(0, FIXED + L);
  return { header, payloads };
}

function malformed(why: string): WeirError {
  return new WeirError('DESERIALIZATION_FAILED', `malformed data-plane frame: ${why}`);
}

/**
 * Decodes a frame body. `owned`: the body is the whole of a buffer that belongs to this frame
 * alone, so the message's arrays view it (and it is transferred); otherwise each array is copied
 * into a buffer of its own, which is what must be transferred to another thread anyway.
 */
export function decodePeerMessage(body: Uint8Array, owned: boolean): DecodedPeerMessage {
  if (body.length < FIXED) throw malformed(`${body.length} bytes, less than the ${FIXED}-byte header`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const tag = TAGS[view.getUint8(0) - 1];
  if (tag === undefined) throw malformed(`unknown message tag ${view.getUint8(0)}`);
  const flags = view.getUint8(1);
  const L = view.getUint16(2, true);
  const attempt = view.getUint32(4, true);
  const from = view.getUint32(8, true);
  const to = view.getUint32(12, true);
  const k = view.getFloat64(16, true);
  const a = view.getFloat64(24, true);
  const n1 = view.getUint32(32, true);
  const n2 = view.getUint32(36, true);
  if (FIXED + L > body.length) throw malformed(`job id of ${L} bytes beyond the frame's ${body.length}`);
  const jobId = Buffer.from(body.buffer, body.byteOffset + FIXED, L).toString('utf8');
  const route: WireRoute = { jobId, attempt, from, to };
  const transfer: ArrayBuffer[] = [];
  let message: PeerMessage;
  switch (tag) {
    case 'd': {
      const vAt = align8(FIXED + L);
      const tsAt = align8(vAt + n1);
      const hasTs = (flags & F_TIMESTAMPS) !== 0;
      if ((hasTs ? tsAt + n2 : vAt + n1) > body.length)
        throw malformed(`batch of ${n1} + ${n2} bytes beyond the frame`);
      const float = (flags & F_FLOAT64) !== 0;
      if ((float && n1 % 8 !== 0) || n2 % 8 !== 0) throw malformed(`Float64Array of ${n1} or ${n2} bytes`);
      const inPlace = owned && body.byteOffset % 8 === 0;
      let v: Uint8Array | Float64Array;
      let ts: Float64Array | null = null;
      if (inPlace) {
        v = float
          ? new Float64Array(body.buffer, body.byteOffset + vAt, n1 / 8)
          : body.subarray(vAt, vAt + n1);
        if (hasTs) ts = new Float64Array(body.buffer, body.byteOffset + tsAt, n2 / 8);
        transfer.push(body.buffer as ArrayBuffer);
      } else {
        // A copy, not Buffer#slice (a view): the copy's buffer is the message's alone.
        const vCopy = new Uint8Array(body.subarray(vAt, vAt + n1));
        v = float ? new Float64Array(vCopy.buffer, 0, n1 / 8) : vCopy;
        transfer.push(vCopy.buffer);
        if (hasTs) {
          ts = new Float64Array(new Uint8Array(body.subarray(tsAt, tsAt + n2)).buffer);
          transfer.push(ts.buffer as ArrayBuffer);
        }
      }
      message = { t: 'd', k, v, ts };
      break;
    }
    case 'w':
      message = { t: 'w', k, time: a };
      break;
    case 'i':
      message = { t: 'i', k, idle: (flags & F_BOOL) !== 0 };
      break;
    case 'e':
      message = { t: 'e', k };
      break;
    case 'x':
      message = { t: 'x', k };
      break;
    case 'b': {
      if (FIXED + L + n1 > body.length) throw malformed(`barrier location beyond the frame`);
      const loc = Buffer.from(body.buffer, body.byteOffset + FIXED + L, n1).toString('utf8');
      const savepoint = (flags & F_BOOL) !== 0;
      message =
        (flags & F_SYNC) !== 0
          ? { t: 'b', k, id: a, savepoint, loc, sync: true }
          : { t: 'b', k, id: a, savepoint, loc };
      break;
    }
    case 'c':
      message = { t: 'c', k, n: a };
      break;
    case 'l': {
      if (FIXED + L + n1 > body.length) throw malformed(`latency marker's vertex beyond the frame`);
      const vertex = Buffer.from(body.buffer, body.byteOffset + FIXED + L, n1).toString('utf8');
      message = { t: 'l', k, time: a, vertex, subtask: n2 };
      break;
    }
  }
  return { route, message, transfer };
}
