/**
 * The Async I/O operator (docs/async-io.md), alone in a harness with a real mailbox and a manual
 * clock: completions reach the operator only as mails; order, watermarks, capacity, timeouts,
 * retries, failures and checkpoints each follow one documented rule.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AsyncRetryPredicates, AsyncRetryStrategies, type ResultFuture, WeirError } from '../../src/index.ts';
import { AsyncHarness, type Deferred, deferred } from './async-io-support.ts';

/** A lookup whose requests the test completes by hand, by input. */
function manualLookup<IN>() {
  const requests: Array<{ input: IN; future: ResultFuture<unknown> }> = [];
  const fn = (input: IN, future: ResultFuture<unknown>) => {
    requests.push({ input, future });
  };
  const find = (input: IN, nth = 0) => requests.filter((r) => r.input === input)[nth]!.future;
  return { requests, fn, find };
}

describe('Async I/O operator', () => {
  it('ordered: emits in input order, whatever the completion order, with the input timestamps', async () => {
    const lookup = manualLookup<number>();
    const h = await new AsyncHarness({ fn: lookup.fn, mode: 'ordered' }).open();
    h.element(1, 100);
    h.element(2, 200);
    h.element(3);
    lookup.find(3).complete(['c']);
    lookup.find(2).complete(['b1', 'b2']);
    h.runMails();
    assert.deepEqual(h.events, [], 'nothing before the head completes');
    lookup.find(1).complete([]);
    h.runMails();
    assert.deepEqual(h.events, [
      { kind: 'record', value: 'b1', timestamp: 200 },
      { kind: 'record', value: 'b2', timestamp: 200 },
      { kind: 'record', value: 'c' },
    ]);
  });

  it('completions are mails: complete() inside asyncInvoke or a promise callback emits nothing until the task runs its mails', async () => {
    const h = await new AsyncHarness<number, number>({
      fn: (n, future) => {
        if (n === 1) future.complete([10]);
        else return Promise.resolve([n * 10]);
      },
    }).open();
    h.element(1);
    h.element(2);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(h.events, []);
    assert.equal(h.pendingMails(), 1, 'both completions share one mail');
    h.runMails();
    assert.deepEqual(h.records(), [10, 20]);
  });

  it('ordered: a watermark leaves after the records before it, and before the records after it', async () => {
    const lookup = manualLookup<string>();
    const h = await new AsyncHarness({ fn: lookup.fn, mode: 'ordered' }).open();
    h.watermark(5);
    assert.deepEqual(h.events, [{ kind: 'watermark', time: 5 }], 'an empty queue forwards it at once');
    h.element('a', 10);
    h.watermark(10);
    h.watermark(11);
    h.element('b', 12);
    lookup.find('b').complete(['B']);
    h.runMails();
    assert.equal(h.events.length, 1);
    lookup.find('a').complete(['A']);
    h.runMails();
    assert.deepEqual(h.events.slice(1), [
      { kind: 'record', value: 'A', timestamp: 10 },
      { kind: 'watermark', time: 11 },
      { kind: 'record', value: 'B', timestamp: 12 },
    ]);
  });

  it('unordered: records leave as they complete, but never across a watermark', async () => {
    const lookup = manualLookup<string>();
    const h = await new AsyncHarness({ fn: lookup.fn, mode: 'unordered' }).open();
    h.element('a', 1);
    h.element('b', 2);
    h.watermark(2);
    h.element('c', 3);
    h.element('d', 4);
    h.watermark(4);
    h.element('e', 5);
    lookup.find('d').complete(['D']);
    lookup.find('e').complete(['E']);
    h.runMails();
    assert.deepEqual(h.records(), [], 'd and e are behind watermark 2');
    lookup.find('b').complete(['B']);
    h.runMails();
    assert.deepEqual(h.records(), ['B'], 'b overtakes a: same segment');
    lookup.find('a').complete(['A']);
    h.runMails();
    assert.deepEqual(h.events.slice(1), [
      { kind: 'record', value: 'A', timestamp: 1 },
      { kind: 'watermark', time: 2 },
      { kind: 'record', value: 'D', timestamp: 4 },
    ]);
    lookup.find('c').complete(['C']);
    h.runMails();
    assert.deepEqual(h.events.slice(4), [
      { kind: 'record', value: 'C', timestamp: 3 },
      { kind: 'watermark', time: 4 },
      { kind: 'record', value: 'E', timestamp: 5 },
    ]);
  });

  it('capacity: never more than `capacity` requests in flight; the operator blocks its input while full', async () => {
    const lookup = manualLookup<number>();
    const h = await new AsyncHarness({ fn: lookup.fn, mode: 'unordered', capacity: 3 }).open();
    assert.equal(h.operator.blocked!(), undefined);
    // One input batch of 8 records: 3 start, 5 wait.
    for (let i = 0; i < 8; i++) h.element(i);
    assert.equal(lookup.requests.length, 3);
    const blocked = h.operator.blocked!();
    assert.ok(blocked instanceof Promise, 'full: the task must stop reading input');
    let unblocked = false;
    void blocked.then(() => {
      unblocked = true;
    });
    let maxInFlight = 0;
    let completed = 0;
    while (completed < 8) {
      const open = lookup.requests.length - completed;
      maxInFlight = Math.max(maxInFlight, open);
      lookup.requests[completed++].future.complete([completed]);
      h.runMails();
    }
    assert.equal(maxInFlight, 3);
    assert.equal(lookup.requests.length, 8);
    assert.deepEqual(h.records(), [1, 2, 3, 4, 5, 6, 7, 8]);
    await Promise.resolve();
    assert.ok(unblocked, 'room again: the task is woken');
    assert.equal(h.operator.blocked!(), undefined);
  });

  it('capacity: a watermark that arrives while records wait for room stays behind them', async () => {
    const lookup = manualLookup<number>();
    const h = await new AsyncHarness({ fn: lookup.fn, mode: 'ordered', capacity: 1 }).open();
    h.element(1);
    h.element(2);
    h.watermark(7);
    lookup.find(1).complete(['one']);
    h.runMails();
    assert.deepEqual(h.events, [{ kind: 'record', value: 'one' }]);
    lookup.find(2).complete(['two']);
    h.runMails();
    assert.deepEqual(h.events.slice(1), [
      { kind: 'record', value: 'two' },
      { kind: 'watermark', time: 7 },
    ]);
  });

  it('timeout: by default the job fails with an error naming the operator, the record and the timeout', async () => {
    const lookup = manualLookup<{ user: string }>();
    const h = await new AsyncHarness({ fn: lookup.fn, timeout: 50 }).open();
    h.element({ user: 'u1' });
    h.advance(30);
    h.element({ user: 'u2' });
    h.advance(19);
    assert.equal(h.failure, undefined, 'not before its deadline');
    h.advance(1);
    const failure: unknown = h.failure;
    assert.ok(failure instanceof WeirError);
    assert.equal(failure.code, 'USER_FUNCTION_FAILED');
    assert.match(failure.message, /Async I\/O operator "lookup" \(uid lookup-uid\)/);
    assert.match(failure.message, /record \{"user":"u1"\} timed out after 50 ms/);
  });

  it('timeout: an AsyncFunction with timeout() decides; a completion that comes later is ignored', async () => {
    const late: Array<ResultFuture<string>> = [];
    const h = await new AsyncHarness<string, string>({
      fn: {
        asyncInvoke(input, future) {
          if (input === 'fast') future.complete(['fast!']);
          else late.push(future);
        },
        timeout(input, future) {
          future.complete([`${input}: fallback`]);
        },
      },
      timeout: 100,
    }).open();
    h.element('slow', 1);
    h.element('fast', 2);
    h.advance(99);
    assert.deepEqual(h.records(), []);
    h.advance(1);
    assert.deepEqual(h.records(), ['slow: fallback', 'fast!']);
    late[0].complete(['too late']);
    h.runMails();
    assert.deepEqual(h.records(), ['slow: fallback', 'fast!']);
    assert.equal(h.failure, undefined);
  });

  it('retries: fixed delay while the result predicate matches, then emits', async () => {
    const calls: number[] = [];
    const h = await new AsyncHarness<string, string>({
      fn: (input, future) => {
        calls.push(h.clock.now());
        future.complete(calls.length < 3 ? [] : [`${input} found`]);
      },
      retryStrategy: new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder<string>(5, 20)
        .ifResult(AsyncRetryPredicates.EMPTY_RESULT_PREDICATE)
        .build(),
    }).open();
    h.element('k');
    h.runMails();
    h.advance(20);
    h.advance(20);
    assert.deepEqual(calls, [0, 20, 40]);
    assert.deepEqual(h.records(), ['k found']);
  });

  it('retries: exponential backoff on matching errors, capped at the maximum delay', async () => {
    const calls: number[] = [];
    const h = await new AsyncHarness<string, string>({
      fn: (input) => {
        calls.push(h.clock.now());
        return calls.length < 5 ? Promise.reject(new Error('busy')) : Promise.resolve([input]);
      },
      retryStrategy: AsyncRetryStrategies.exponentialBackoff<string>(10, 10, 50, 2)
        .ifException((e) => e instanceof Error && e.message === 'busy')
        .build(),
    }).open();
    h.element('x');
    for (let t = 0; t < 200 && h.records().length === 0; t++) {
      await h.settle();
      h.advance(1);
    }
    // Delays 10, 20, 40, then 80 capped at 50.
    assert.deepEqual(calls, [0, 10, 30, 70, 120]);
    assert.deepEqual(h.records(), ['x']);
  });

  it('retries: gives up after maxAttempts retries and fails naming the record and the attempts', async () => {
    let calls = 0;
    const h = await new AsyncHarness<string, string>({
      fn: () => {
        calls++;
        return Promise.reject(new Error('connection refused'));
      },
      retryStrategy: AsyncRetryStrategies.fixedDelay<string>(2, 5)
        .ifException(AsyncRetryPredicates.HAS_EXCEPTION_PREDICATE)
        .build(),
    }).open();
    h.element('order-7');
    for (let t = 0; t < 20 && h.failure === undefined; t++) {
      await h.settle();
      h.advance(5);
    }
    assert.equal(calls, 3, 'the first attempt and 2 retries');
    assert.ok(h.failure instanceof WeirError);
    assert.match(h.failure.message, /failed on record "order-7" after 3 attempts: connection refused/);
  });

  it('retries: an error the exception predicate does not match fails at once', async () => {
    let calls = 0;
    const h = await new AsyncHarness<string, string>({
      fn: () => {
        calls++;
        throw new TypeError('bad key');
      },
      retryStrategy: AsyncRetryStrategies.fixedDelay<string>(3, 5)
        .ifException((e) => !(e instanceof TypeError))
        .build(),
    }).open();
    h.element('k');
    h.runMails();
    assert.equal(calls, 1);
    assert.match(String((h.failure as Error).message), /failed on record "k": bad key/);
  });

  it('retries: a timeout while waiting to retry ends the element with the last result', async () => {
    const h = await new AsyncHarness<string, string>({
      fn: (_input, future) => future.complete([]),
      timeout: 30,
      retryStrategy: AsyncRetryStrategies.fixedDelay<string>(10, 20)
        .ifResult(AsyncRetryPredicates.EMPTY_RESULT_PREDICATE)
        .build(),
    }).open();
    h.element('a');
    h.element('b');
    h.runMails();
    h.advance(20); // second attempts, empty again
    h.advance(10); // deadline while waiting for the third
    assert.equal(h.failure, undefined);
    assert.deepEqual(h.records(), []);
    h.watermark(9);
    assert.deepEqual(h.events, [{ kind: 'watermark', time: 9 }], 'both elements ended, with no results');
  });

  it('failures: a throwing asyncInvoke, a rejected promise and completeExceptionally fail the job naming the record', async () => {
    const cases: Array<(n: number, f: ResultFuture<number>) => void | Promise<Iterable<number>>> = [
      () => {
        throw new Error('boom');
      },
      () => Promise.reject(new Error('boom')),
      (_n, f) => f.completeExceptionally(new Error('boom')),
    ];
    for (const fn of cases) {
      const h = await new AsyncHarness({ fn }).open();
      h.element(42);
      await h.settle();
      assert.ok(h.failure instanceof WeirError);
      assert.equal(h.failure.code, 'USER_FUNCTION_FAILED');
      assert.match(h.failure.message, /Async I\/O operator "lookup" .* failed on record 42: boom/);
    }
  });

  it('results that are not an iterable fail with an explanation', async () => {
    const h = await new AsyncHarness<number, number>({
      fn: (n) => Promise.resolve((n * 2) as unknown as number[]),
    }).open();
    h.element(1);
    await h.settle();
    assert.match(String((h.failure as Error).message), /completed with number, not an iterable of results/);
  });

  it('checkpoints: records in flight, completed behind the head, or waiting for room are in the snapshot, and are requested again after a restore', async () => {
    const first = manualLookup<number>();
    const h = await new AsyncHarness({ fn: first.fn, mode: 'ordered', capacity: 3 }).open();
    for (let i = 1; i <= 5; i++) h.element(i, i * 10);
    first.find(1).complete(['r1']);
    first.find(3).complete(['r3']);
    h.runMails();
    assert.deepEqual(h.records(), ['r1']);
    // 2 in flight, 3 complete behind it, 4 in flight, 5 waiting for room.
    const snapshot = h.snapshot();
    assert.deepEqual(snapshot.states[0].elements, [
      { value: 2, timestamp: 20 },
      { value: 3, timestamp: 30 },
      { value: 4, timestamp: 40 },
      { value: 5, timestamp: 50 },
    ]);

    const requested: number[] = [];
    const restored = await new AsyncHarness<number, string>({
      fn: (n) => {
        requested.push(n);
        return Promise.resolve([`r${n}`]);
      },
      capacity: 3,
      restore: snapshot,
    }).open();
    await restored.settle();
    await restored.settle();
    assert.deepEqual(requested, [2, 3, 4, 5]);
    assert.deepEqual(restored.events, [
      { kind: 'record', value: 'r2', timestamp: 20 },
      { kind: 'record', value: 'r3', timestamp: 30 },
      { kind: 'record', value: 'r4', timestamp: 40 },
      { kind: 'record', value: 'r5', timestamp: 50 },
    ]);
  });

  it('checkpoints (unordered): the snapshot has every record not yet emitted, none that was', async () => {
    const lookup = manualLookup<number>();
    const h = await new AsyncHarness({ fn: lookup.fn, mode: 'unordered' }).open();
    h.element(1);
    h.watermark(1);
    h.element(2);
    h.element(3);
    lookup.find(3).complete(['three']); // behind the watermark: waits
    lookup.find(2).complete(['two']);
    h.runMails();
    assert.deepEqual(h.records(), []);
    const values = h.snapshot().states[0].elements.map((e) => (e as { value: number }).value);
    assert.deepEqual(values.sort(), [1, 2, 3]);
    lookup.find(1).complete(['one']);
    h.runMails();
    assert.deepEqual(h.records(), ['one', 'three', 'two']);
    assert.deepEqual(h.snapshot().states[0].elements, []);
  });

  it('finish() waits for every record received, then resolves', async () => {
    const pending: Array<Deferred<string[]>> = [];
    const h = await new AsyncHarness<string, string>({
      fn: () => {
        const d = deferred<string[]>();
        pending.push(d);
        return d.promise;
      },
      capacity: 1,
    }).open();
    h.element('a');
    h.element('b');
    let finished = false;
    void Promise.resolve(h.operator.finish()).then(() => {
      finished = true;
    });
    pending[0].resolve(['A']);
    await h.settle();
    assert.equal(finished, false);
    pending[1].resolve(['B']);
    await h.settle();
    await Promise.resolve();
    assert.equal(finished, true);
    assert.deepEqual(h.records(), ['A', 'B']);
  });
});
