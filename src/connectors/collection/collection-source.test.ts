import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ListOutput, readAll, readerContext, take } from '../test-support.ts';
import { CollectionSource } from './collection-source.ts';

describe('CollectionSource', () => {
  it('emits the elements in order from a single split, whatever the parallelism', async () => {
    const source = new CollectionSource(['a', 'b', 'c']);
    assert.equal(source.boundedness, 'bounded');
    assert.equal(source.maxParallelism, 1);
    assert.deepEqual(source.createSplits(4), [{ splitId: 'collection', next: 0, end: 3 }]);
    const { values } = await readAll(source, { parallelism: 4, readers: 2 });
    assert.deepEqual(values, [['a', 'b', 'c'], []]);
  });

  it('copies the array, so later changes to it do not leak into the job', async () => {
    const elements = [1, 2];
    const source = new CollectionSource(elements);
    elements.push(3);
    assert.deepEqual((await readAll(source)).values, [[1, 2]]);
  });

  it('emits at most maxRecords per poll and ends right after the last element', () => {
    const reader = new CollectionSource([1, 2, 3, 4, 5]).createReader(readerContext(0, 1));
    reader.addSplits([{ splitId: 'collection', next: 0, end: 5 }]);
    reader.noMoreSplits();
    const out = new ListOutput<number>();
    assert.equal(reader.pollNext(out, 2), 'more');
    assert.deepEqual(out.values, [1, 2]);
    assert.equal(reader.pollNext(out, 3), 'end');
    assert.deepEqual(out.values, [1, 2, 3, 4, 5]);
  });

  it('ends at once for an empty collection', async () => {
    assert.deepEqual((await readAll(new CollectionSource([]))).values, [[]]);
  });

  it('waits for splits until noMoreSplits, and wakes up on addSplits', async () => {
    const reader = new CollectionSource(['x']).createReader(readerContext(0, 1));
    const out = new ListOutput<string>();
    assert.equal(reader.pollNext(out, 10), 'nothing-available');
    const available = reader.isAvailable();
    reader.addSplits([{ splitId: 'collection', next: 0, end: 1 }]);
    await available;
    assert.equal(reader.pollNext(out, 10), 'more');
    assert.equal(reader.pollNext(out, 10), 'nothing-available');
    reader.noMoreSplits();
    await reader.isAvailable();
    assert.equal(reader.pollNext(out, 10), 'end');
    assert.deepEqual(out.values, ['x']);
  });

  it('snapshots the index of the next element, and a new reader resumes from it', async () => {
    const source = new CollectionSource(['a', 'b', 'c', 'd', 'e']);
    const first = source.createReader(readerContext(0, 1));
    first.addSplits(source.createSplits(1));
    const out = new ListOutput<string>();
    await take(first, out, 2);
    const state = first.snapshotState(1);
    assert.deepEqual(state, [{ splitId: 'collection', next: 2, end: 5 }]);

    const second = source.createReader(readerContext(0, 1));
    second.addSplits(state);
    second.noMoreSplits();
    await take(second, out, 5);
    assert.deepEqual(out.values, ['a', 'b', 'c', 'd', 'e']);
  });

  it('names the element being emitted in currentPosition', () => {
    const reader = new CollectionSource(['a', 'b', 'c']).createReader(readerContext(0, 1));
    reader.addSplits([{ splitId: 'collection', next: 0, end: 3 }]);
    assert.equal(reader.currentPosition(), undefined);
    const seen: (string | undefined)[] = [];
    reader.pollNext({ collect: () => seen.push(reader.currentPosition()) }, 10);
    assert.deepEqual(seen, ['collection element 0', 'collection element 1', 'collection element 2']);
  });
});
