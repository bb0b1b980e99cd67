import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MessageToProduce } from '@platformatic/kafka';
import { KafkaSendQueue } from './kafka-send-queue.ts';
import { parseTransactionalId } from './kafka-sink.ts';

const message = (n: number): MessageToProduce => ({ topic: 't', value: Buffer.from(String(n)) });
const numbers = (batch: MessageToProduce[]) => batch.map((m) => Number(m.value?.toString()));

/** A fake produce call: records what it was given, and completes when the test says so. */
function fakeSend() {
  const requests: number[][] = [];
  const pending: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const send = (batch: MessageToProduce[]) => {
    requests.push(numbers(batch));
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    return new Promise<void>((resolve, reject) => {
      pending.push({
        resolve: () => {
          inFlight--;
          resolve();
        },
        reject: (e) => {
          inFlight--;
          reject(e);
        },
      });
    });
  };
  return { send, requests, pending, maxInFlight: () => maxInFlight };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('KafkaSendQueue', () => {
  it('sends one request at a time, in order, batching what gathered while one was out', async () => {
    const fake = fakeSend();
    const queue = new KafkaSendQueue(fake.send, 3, 100);
    for (let n = 0; n < 2; n++) queue.push(message(n));
    await tick();
    assert.deepEqual(fake.requests, [[0, 1]]);
    for (let n = 2; n < 7; n++) queue.push(message(n));
    await tick();
    assert.equal(fake.requests.length, 1, 'no second request while the first is out');
    fake.pending.shift()!.resolve();
    await tick();
    assert.deepEqual(fake.requests[1], [2, 3, 4], 'at most maxBatch records per request');
    fake.pending.shift()!.resolve();
    await tick();
    assert.deepEqual(fake.requests[2], [5, 6]);
    const flushed = queue.flush();
    fake.pending.shift()!.resolve();
    await flushed;
    assert.equal(queue.sent, 7);
    assert.equal(fake.maxInFlight(), 1);
  });

  it('flush resolves only when everything pushed before it is acknowledged', async () => {
    const fake = fakeSend();
    const queue = new KafkaSendQueue(fake.send, 10, 100);
    queue.push(message(1));
    let flushed = false;
    const done = queue.flush().then(() => (flushed = true));
    await tick();
    assert.equal(flushed, false);
    fake.pending.shift()!.resolve();
    await done;
    assert.equal(flushed, true);
    assert.equal(await queue.flush(), undefined, 'an idle queue flushes at once');
  });

  it('is blocked above maxBuffered records and unblocked when a request takes them', async () => {
    const fake = fakeSend();
    const queue = new KafkaSendQueue(fake.send, 2, 3);
    queue.push(message(0));
    await tick(); // [0] is out
    for (let n = 1; n <= 3; n++) queue.push(message(n));
    const blocked = queue.blocked();
    assert.ok(blocked, 'three buffered records reach the limit');
    let released = false;
    void blocked.then(() => (released = true));
    await tick();
    assert.equal(released, false);
    fake.pending.shift()!.resolve();
    await tick();
    await tick();
    assert.equal(released, true, 'the next request took two records off the buffer');
    assert.equal(queue.blocked(), undefined);
  });

  it('a failed request fails the flush, every later push and unblocks waiters', async () => {
    const fake = fakeSend();
    const queue = new KafkaSendQueue(fake.send, 10, 1);
    queue.push(message(0));
    await tick();
    queue.push(message(1));
    const blocked = queue.blocked();
    assert.ok(blocked);
    const flushed = queue.flush();
    fake.pending.shift()!.reject(new Error('broker said no'));
    await assert.rejects(flushed, /broker said no/);
    await blocked;
    assert.throws(() => queue.push(message(2)), /broker said no/);
    await assert.rejects(queue.flush(), /broker said no/);
  });
});

describe('parseTransactionalId', () => {
  it('reads <prefix>-<subtask>-<counter>, also when the prefix has dashes', () => {
    assert.deepEqual(parseTransactionalId('job-a', 'job-a-3-17'), { subtask: 3, counter: 17 });
    assert.equal(parseTransactionalId('job-a', 'job-b-3-17'), undefined);
    assert.equal(parseTransactionalId('job', 'job-a-3-17'), undefined, 'another prefix that starts the same');
    assert.equal(parseTransactionalId('job', 'job-3'), undefined);
  });
});
