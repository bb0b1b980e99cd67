import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import { BatchCodec } from './batch-codec.ts';
import { decodePeerMessage, encodePeerMessage, encodeRoute } from './peer-message-codec.ts';
import type { PeerMessage } from './remote-channel.ts';

const route = encodeRoute({ jobId: 'job-ü-1', attempt: 3, from: 5, to: 70_000 });

/** The frame body as the socket would send it: header then payloads. */
function body(m: PeerMessage): Uint8Array {
  const { header, payloads } = encodePeerMessage(route, m);
  return Buffer.concat([header, ...payloads]);
}

/** `bytes` placed at `offset` inside a larger buffer shared with other bytes (a TCP chunk). */
function inChunk(bytes: Uint8Array, offset: number): Uint8Array {
  const chunk = new Uint8Array(offset + bytes.length + 11);
  chunk.set(bytes, offset);
  return chunk.subarray(offset, offset + bytes.length);
}

/** `bytes` in a buffer of their own (a frame the parser assembled). */
function owned(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

const control: PeerMessage[] = [
  { t: 'w', k: 2 ** 40 + 3, time: 1_700_000_000_123 },
  { t: 'w', k: 0, time: Number.NEGATIVE_INFINITY },
  { t: 'i', k: 1, idle: true },
  { t: 'i', k: 1, idle: false },
  { t: 'e', k: 9 },
  { t: 'x', k: 9 },
  { t: 'b', k: 4, id: 17, savepoint: true, loc: 'file:///tmp/savepoints/sp-ü-17' },
  { t: 'b', k: 4, id: 18, savepoint: false, loc: '' },
  // The barrier of a stop-with-savepoint (a synchronous savepoint).
  { t: 'b', k: 4, id: 19, savepoint: true, loc: '/sp/savepoint-19', sync: true },
  { t: 'c', k: 12, n: 1 },
];

describe('peer message codec', () => {
  it('round-trips every control message with its route', () => {
    for (const m of control) {
      for (const b of [owned(body(m)), inChunk(body(m), 3)]) {
        const d = decodePeerMessage(b, b.byteOffset === 0);
        assert.deepEqual(d.message, m);
        assert.deepEqual(d.route, { jobId: 'job-ü-1', attempt: 3, from: 5, to: 70_000 });
        assert.deepEqual(d.transfer, []);
      }
    }
  });

  it('round-trips batches of numbers (Float64Array) and objects (msgpackr bytes), with and without timestamps', () => {
    const out = new BatchCodec();
    const back = new BatchCodec();
    const batches = [
      { values: [1, 2.5, -3, Number.MAX_SAFE_INTEGER], timestamps: [10, 11, 12, 13] },
      { values: [7, 8, 9], timestamps: [NO_TIMESTAMP, NO_TIMESTAMP, NO_TIMESTAMP] },
      { values: [{ id: 1, name: 'a' }, { id: 2, name: 'bé' }, 'x'], timestamps: [5, NO_TIMESTAMP, 6] },
      { values: [{ id: 3, name: 'c' }], timestamps: null },
    ];
    // Offsets 0..9 inside a shared chunk: both aligned and misaligned Float64Arrays.
    for (let offset = 0; offset < 10; offset++) {
      for (const batch of batches) {
        const e = out.encode({ kind: 'records', ...batch });
        const m: PeerMessage = { t: 'd', k: 77, v: e.values, ts: e.timestamps };
        for (const [b, isOwned] of [
          [inChunk(body(m), offset), false],
          [owned(body(m)), true],
        ] as const) {
          const d = decodePeerMessage(b, isOwned);
          assert.equal(d.message.t, 'd');
          if (d.message.t !== 'd') continue;
          assert.equal(d.message.k, 77);
          assert.equal(d.message.v.constructor, e.values.constructor, 'same typed array kind');
          assert.deepEqual([...d.message.v], [...e.values]);
          assert.deepEqual(d.message.ts && [...d.message.ts], e.timestamps && [...e.timestamps]);
          if (isOwned) {
            assert.equal(d.message.v.buffer, b.buffer, 'an owned frame is viewed in place, not copied');
            assert.deepEqual(d.transfer, [b.buffer]);
          } else {
            assert.notEqual(d.message.v.buffer, b.buffer, 'a view into a shared chunk is copied once');
            assert.equal(d.message.v.byteLength, d.message.v.buffer.byteLength, 'into a buffer of its own');
            assert.equal(d.transfer.length, d.message.ts ? 2 : 1);
          }
          // What the receiving slot does with it.
          const decoded = back.decode({ values: d.message.v, timestamps: d.message.ts });
          assert.deepEqual(decoded.values, batch.values);
        }
      }
    }
  });

  it('places a batch so that a Float64Array views it in place when the frame has its own buffer', () => {
    const v = new Float64Array([1, 2, 3]);
    const m: PeerMessage = { t: 'd', k: 1, v, ts: new Float64Array([4, 5, 6]) };
    const { header, payloads } = encodePeerMessage(route, m);
    assert.equal(header.length % 8, 0);
    assert.equal(payloads[0].buffer, v.buffer, 'the values are handed to the socket, not copied');
    const d = decodePeerMessage(owned(body(m)), true);
    assert.ok(
      d.message.t === 'd' && d.message.v instanceof Float64Array && d.message.ts instanceof Float64Array,
    );
  });

  it('refuses malformed frames with a clear error', () => {
    assert.throws(() => decodePeerMessage(new Uint8Array(10), false), /malformed data-plane frame: 10 bytes/);
    const b = owned(body({ t: 'c', k: 1, n: 1 }));
    b[0] = 99;
    assert.throws(() => decodePeerMessage(b, true), /unknown message tag 99/);
    const d = owned(body({ t: 'd', k: 1, v: new Float64Array([1, 2]), ts: null }));
    assert.throws(() => decodePeerMessage(d.subarray(0, d.length - 8), false), /beyond the frame/);
  });
});
