import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { ListOutput, readAll, readerContext, take } from '../test-support.ts';
import { DataGeneratorSource } from './data-generator-source.ts';

const order = (i: number) => ({ id: i, user: `u${i % 3}` });

describe('DataGeneratorSource', () => {
  it('generates count records from their index, in contiguous ranges per split', async () => {
    const source = new DataGeneratorSource(order, 10);
    assert.equal(source.boundedness, 'bounded');
    assert.equal(source.createSplits(3).length, 3);
    const { values } = await readAll(source, { parallelism: 3, maxRecords: 3 });
    assert.deepEqual(
      values.map((records) => records.map((r) => r.id)),
      [
        [0, 1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ],
    );
    assert.deepEqual(values[0][1], { id: 1, user: 'u1' });
  });

  it('is deterministic: the same parallelism yields the same records per reader', async () => {
    const run = async () =>
      (await readAll(new DataGeneratorSource((i) => i * i, 50), { parallelism: 4 })).values;
    assert.deepEqual(await run(), await run());
  });

  it('emits the timestamp the options compute from value and index', async () => {
    const source = new DataGeneratorSource(order, 3, { timestamp: (o, i) => 1_000 + o.id * 10 + i });
    const { timestamps } = await readAll(source);
    assert.deepEqual(timestamps, [[1_000, 1_011, 1_022]]);
  });

  it('emits no timestamp without the option, and nothing at all for count 0', async () => {
    assert.deepEqual((await readAll(new DataGeneratorSource(order, 2))).timestamps, [[undefined, undefined]]);
    assert.deepEqual((await readAll(new DataGeneratorSource(order, 0), { parallelism: 2 })).values, [[], []]);
  });

  it('is unbounded with count Infinity and keeps emitting', async () => {
    const source = new DataGeneratorSource((i) => i, Number.POSITIVE_INFINITY);
    assert.equal(source.boundedness, 'unbounded');
    const splits = source.createSplits(2);
    assert.deepEqual(
      splits.map((s) => s.next),
      [0, Math.ceil(Number.MAX_SAFE_INTEGER / 2)],
    );
    const reader = source.createReader(readerContext(1, 2));
    reader.addSplits([splits[1]]);
    reader.noMoreSplits();
    const out = new ListOutput<number>();
    for (let i = 0; i < 5; i++) assert.equal(reader.pollNext(out, 1000), 'more');
    assert.equal(out.values.length, 5000);
    assert.equal(out.values[4999], splits[1].next + 4999);
  });

  it('resumes from the snapshot index', async () => {
    const source = new DataGeneratorSource((i) => `r${i}`, 6);
    const reader = source.createReader(readerContext(0, 1));
    reader.addSplits(source.createSplits(1));
    const out = new ListOutput<string>();
    await take(reader, out, 4);
    const state = reader.snapshotState(1);
    assert.deepEqual(state, [{ splitId: 'generator-0', next: 4, end: 6 }]);
    const restored = source.createReader(readerContext(0, 1));
    restored.addSplits(state);
    restored.noMoreSplits();
    await take(restored, out, 6);
    assert.deepEqual(out.values, ['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('names the index being generated in currentPosition', () => {
    const reader = new DataGeneratorSource(order, 100).createReader(readerContext(0, 1));
    reader.addSplits([{ splitId: 'generator-0', next: 42, end: 43 }]);
    let position: string | undefined;
    reader.pollNext({ collect: () => (position = reader.currentPosition()) }, 10);
    assert.equal(position, 'generator index 42');
  });

  it('rejects a negative or fractional count and a non-positive rate', () => {
    for (const make of [
      () => new DataGeneratorSource(order, -1),
      () => new DataGeneratorSource(order, 2.5),
      () => new DataGeneratorSource(order, Number.NaN),
      () => new DataGeneratorSource(order, 10, { rateLimit: 0 }),
      () => new DataGeneratorSource(order, 10, { rateLimit: Number.POSITIVE_INFINITY }),
    ]) {
      assert.throws(make, (e) => isWeirError(e, 'INVALID_ARGUMENT'));
    }
  });
});

describe('DataGeneratorSource rate limit', () => {
  it("emits a reader's share of the rate per second of the context's clock", () => {
    let now = 1_000_000;
    // 200 records/s over 2 subtasks: 100/s, one every 10 ms, per reader.
    const source = new DataGeneratorSource((i) => i, 1_000, { rateLimit: 200 });
    const reader = source.createReader(readerContext(0, 2, () => now));
    reader.addSplits(source.createSplits(2).slice(0, 1));
    reader.noMoreSplits();
    const out = new ListOutput<number>();

    assert.equal(reader.pollNext(out, 100), 'more'); // the first record goes at once
    assert.equal(out.values.length, 1);
    assert.equal(reader.pollNext(out, 100), 'nothing-available');
    now += 5;
    assert.equal(reader.pollNext(out, 100), 'nothing-available');
    now += 5;
    assert.equal(reader.pollNext(out, 100), 'more');
    assert.equal(out.values.length, 2);
    now += 50;
    reader.pollNext(out, 100);
    assert.equal(out.values.length, 7);
    now += 50;
    reader.pollNext(out, 3); // maxRecords still caps a poll; the rest stays available
    assert.equal(out.values.length, 10);
    reader.pollNext(out, 100);
    assert.equal(out.values.length, 12);
    reader.close();
  });

  it('catches up by at most 100 ms worth of records after a pause', () => {
    let now = 0;
    const reader = new DataGeneratorSource((i) => i, 100_000, { rateLimit: 1_000 }).createReader(
      readerContext(0, 1, () => now),
    );
    reader.addSplits([{ splitId: 'generator-0', next: 0, end: 100_000 }]);
    const out = new ListOutput<number>();
    reader.pollNext(out, 10_000);
    now += 60_000;
    reader.pollNext(out, 10_000);
    assert.equal(out.values.length, 101);
    reader.close();
  });

  it('resolves isAvailable by a timer when the reader may emit again', async () => {
    const started = Date.now();
    const source = new DataGeneratorSource((i) => i, 20, { rateLimit: 200 });
    const { values } = await readAll(source, { parallelism: 2 });
    const elapsed = Date.now() - started;
    assert.deepEqual(values, [
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    ]);
    // 10 records per reader at 100/s: the first at once, the other 9 over about 90 ms.
    assert.ok(elapsed >= 80, `took ${elapsed} ms`);
    assert.ok(elapsed < 1_000, `took ${elapsed} ms`);
  });
});
