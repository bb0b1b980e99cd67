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

describe('remote channels and shared memory', () => {
  it('keep every batch intact while the producer overdraws its credit and reuses memory once credit returns', async () => {
    const { port1, port2 } = new MessageChannel();
    const producerWakeup = new Wakeup();
    const consumerWakeup = new Wakeup();
    const out = new RemoteOutputChannel(3, 2, new PeerLink(port1), new BatchCodec(), producerWakeup, 4);
    const input = new RemoteInputChannel(3, new PeerLink(port2), new BatchCodec(), consumerWakeup);
    // The credit messages the producer's side receives.
    const credits: number[] = [];
    const total = () => credits.reduce((a, b) => a + b, 0);
    let allCredited!: () => void;
    const nineCredited = new Promise<void>((resolve) => (allCredited = resolve));
    port1.on('message', (m: { t: string; n?: number }) => {
      if (m.t !== 'c') return;
      credits.push(m.n!);
      if (total() >= 9) allCredited();
    });
    const batch = (n: number): StreamElement => ({
      kind: 'records',
      values: [n, n + 0.5, -n],
      timestamps: [n * 10, NO_TIMESTAMP, n * 10 + 1],
    });
    const received: StreamElement[] = [];
    const drain = async (count: number) => {
      while (received.length < count) {
        const e = input.poll();
        if (e === undefined) await consumerWakeup.wait();
        else received.push(e);
      }
    };
    // Three batches on two credits (a unit of work may overdraw): none may share memory in flight.
    for (let n = 1; n <= 3; n++) out.push(batch(n));
    assert.equal(out.hasCapacity(), false);
    await drain(3);
    // Then each batch reuses the memory of one taken before, which must not change what arrived.
    for (let n = 4; n <= 9; n++) {
      while (!out.hasCapacity()) await producerWakeup.wait();
      out.push(batch(n));
      await drain(n);
    }
    assert.deepEqual(
      received,
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map(batch),
      'each batch arrives as sent, though later ones reuse the memory of earlier ones',
    );
    await nineCredited;
    assert.equal(total(), 9, 'one credit per batch taken, no more');
    port1.close();
    port2.close();
  });
});
