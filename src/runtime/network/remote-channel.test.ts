import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { NO_TIMESTAMP, type StreamElement } from '../../core/stream-element.ts';
import { BatchCodec } from './batch-codec.ts';
import { PeerLink, RemoteInputChannel, RemoteOutputChannel } from './remote-channel.ts';
import { Wakeup } from './wakeup.ts';

describe('batch codec', () => {
  it('round-trips objects, strings, nested values and timestamps', () => {
    const a = new BatchCodec();
    const b = new BatchCodec();
    for (let k = 0; k < 3; k++) {
      const values = [
        { id: k, name: `n${k}`, tags: ['x', 'y'], nested: { ok: true, n: null } },
        { id: k + 1, name: 'ü€', tags: [], nested: { ok: false, n: 1.5 } },
        'plain',
        42,
      ];
      const encoded = a.encode({ kind: 'records', values, timestamps: [1, NO_TIMESTAMP, 3, 4] });
      const decoded = b.decode(encoded);
      assert.deepEqual(decoded.values, values);
      assert.deepEqual(decoded.timestamps, [1, NO_TIMESTAMP, 3, 4]);
    }
  });

  it('sends batches of numbers as a Float64Array and no timestamps when none is set', () => {
    const codec = new BatchCodec();
    const encoded = codec.encode({
      kind: 'records',
      values: [1, 2.5, -3],
      timestamps: [NO_TIMESTAMP, NO_TIMESTAMP, NO_TIMESTAMP],
    });
    assert.ok(encoded.values instanceof Float64Array);
    assert.equal(encoded.timestamps, null);
    const decoded = new BatchCodec().decode(encoded);
    assert.deepEqual(decoded.values, [1, 2.5, -3]);
    assert.equal(decoded.timestamps, null, 'no timestamps: none are materialized on the other side');
  });
});

describe('remote channels', () => {
  it('deliver elements in order and stop the producer when its credit is spent, until the consumer takes batches', async () => {
    const { port1, port2 } = new MessageChannel();
    const producerWakeup = new Wakeup();
    const consumerWakeup = new Wakeup();
    const out = new RemoteOutputChannel(7, 2, new PeerLink(port1), new BatchCodec(), producerWakeup);
    const input = new RemoteInputChannel(7, new PeerLink(port2), new BatchCodec(), consumerWakeup);
    const batch = (n: number): StreamElement => ({ kind: 'records', values: [n], timestamps: [n] });
    out.push(batch(1));
    out.push({ kind: 'watermark', time: 1 });
    assert.equal(out.hasCapacity(), true, 'control elements cost no credit');
    out.push({ kind: 'barrier', checkpointId: 3, savepoint: false, location: '/tmp/chk-3' });
    // A stop-with-savepoint's barrier keeps its flag across threads.
    out.push({ kind: 'barrier', checkpointId: 4, savepoint: true, location: '/tmp/sp-4', synchronous: true });
    out.push(batch(2));
    assert.equal(out.hasCapacity(), false, 'two batches spent both credits');
    await consumerWakeup.wait();
    while (input.queued() < 5) await new Promise((r) => setImmediate(r));
    const got: StreamElement[] = [];
    for (let e = input.poll(); e; e = input.poll()) got.push(e);
    assert.deepEqual(got, [
      batch(1),
      { kind: 'watermark', time: 1 },
      { kind: 'barrier', checkpointId: 3, savepoint: false, location: '/tmp/chk-3' },
      { kind: 'barrier', checkpointId: 4, savepoint: true, location: '/tmp/sp-4', synchronous: true },
      batch(2),
    ]);
    await producerWakeup.wait();
    while (!out.hasCapacity()) await new Promise((r) => setImmediate(r));
    assert.equal(out.hasCapacity(), true, 'credit came back');
    port1.close();
    port2.close();
  });
});
