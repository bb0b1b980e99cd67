import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import type { ReaderOutput } from '../../core/source.ts';
import { ListOutput, readAll, readerContext, take } from '../test-support.ts';
import { splitRange } from './index-range-split.ts';
import { NumberSequenceSource } from './sequence-source.ts';

describe('NumberSequenceSource', () => {
  it('emits from..to inclusive, split into one contiguous range per subtask', async () => {
    const source = new NumberSequenceSource(1, 10);
    assert.deepEqual(source.createSplits(3), [
      { splitId: 'sequence-0', next: 1, end: 5 },
      { splitId: 'sequence-1', next: 5, end: 8 },
      { splitId: 'sequence-2', next: 8, end: 11 },
    ]);
    const { values } = await readAll(source, { parallelism: 3, maxRecords: 2 });
    assert.deepEqual(values, [
      [1, 2, 3, 4],
      [5, 6, 7],
      [8, 9, 10],
    ]);
  });

  it('creates fewer splits than subtasks when the range is shorter than the parallelism', async () => {
    const source = new NumberSequenceSource(7, 8);
    assert.equal(source.createSplits(4).length, 2);
    assert.deepEqual((await readAll(source, { parallelism: 4 })).values, [[7], [8], [], []]);
    assert.deepEqual((await readAll(new NumberSequenceSource(-3, -3))).values, [[-3]]);
  });

  it('gives a reader several splits in turn when there are more splits than readers', async () => {
    const { values } = await readAll(new NumberSequenceSource(0, 9), { parallelism: 4, readers: 2 });
    assert.deepEqual(values, [
      [0, 1, 2, 6, 7],
      [3, 4, 5, 8, 9],
    ]);
  });

  it('handles bounds at the edge of the safe integers', async () => {
    const max = Number.MAX_SAFE_INTEGER;
    const { values } = await readAll(new NumberSequenceSource(max - 2, max), { parallelism: 2 });
    assert.deepEqual(values, [[max - 2, max - 1], [max]]);
  });

  it('rejects bounds that are not safe integers, reversed, or too far apart', () => {
    for (const [from, to] of [
      [1.5, 3],
      [0, Number.POSITIVE_INFINITY],
      [5, 4],
      [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ]) {
      assert.throws(
        () => new NumberSequenceSource(from, to),
        (e) => isWeirError(e, 'INVALID_ARGUMENT'),
      );
    }
  });

  it('resumes each split from its snapshot position', async () => {
    const source = new NumberSequenceSource(1, 20);
    const reader = source.createReader(readerContext(0, 1));
    reader.addSplits(source.createSplits(2));
    const out = new ListOutput<number>();
    await take(reader, out, 13, 4);
    const state = reader.snapshotState(7);
    assert.deepEqual(state, [{ splitId: 'sequence-1', next: 14, end: 21 }]);
    const restored = source.createReader(readerContext(0, 1));
    restored.addSplits(state);
    restored.noMoreSplits();
    await take(restored, out, 20);
    assert.deepEqual(
      out.values,
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('names the value being emitted in currentPosition', () => {
    const reader = new NumberSequenceSource(40, 50).createReader(readerContext(0, 1));
    reader.addSplits([{ splitId: 'sequence-0', next: 42, end: 43 }]);
    let position: string | undefined;
    reader.pollNext({ collect: () => (position = reader.currentPosition()) }, 10);
    assert.equal(position, 'sequence value 42');
  });
});

/** Keeps each value with the split output it went through, the look-ups and the releases. */
class SplitOutputs implements ReaderOutput<number> {
  readonly records: Array<[string, number]> = [];
  readonly released: string[] = [];
  lookups = 0;
  private readonly outputs = new Map<string, ReaderOutput<number>>();

  collect(value: number): void {
    this.records.push(['main', value]);
  }

  createOutputForSplit(splitId: string): ReaderOutput<number> {
    this.lookups++;
    let output = this.outputs.get(splitId);
    if (output === undefined) {
      output = { collect: (value) => this.records.push([splitId, value]) };
      this.outputs.set(splitId, output);
    }
    return output;
  }

  releaseOutputForSplit(splitId: string): void {
    this.released.push(splitId);
  }
}

describe('IndexRangeReader: split outputs', () => {
  it("emits each split's records through its split output, looked up once per poll and split, and releases finished splits", () => {
    const source = new NumberSequenceSource(0, 9);
    const reader = source.createReader(readerContext(0, 1));
    const [first, second] = source.createSplits(2);
    // A split restored at its end is released when the reader reaches it, with nothing emitted.
    reader.addSplits([first, { splitId: 'restored-done', next: 3, end: 3 }, second]);
    reader.noMoreSplits();
    const out = new SplitOutputs();
    let polls = 0;
    while (reader.pollNext(out, 3) !== 'end') polls++;
    polls++;
    assert.deepEqual(
      out.records.map(([split]) => split),
      [...Array(5).fill('sequence-0'), ...Array(5).fill('sequence-1')],
    );
    assert.deepEqual(
      out.records.map(([, value]) => value),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(out.released, ['sequence-0', 'restored-done', 'sequence-1']);
    assert.equal(polls, 4);
    assert.equal(out.lookups, 5, 'polls 1 and 3 and 4 once, poll 2 for both splits');
  });
});

describe('splitRange', () => {
  it('cuts a range into near-equal contiguous parts, the first ones taking the remainder', () => {
    const sizes = splitRange('r', 0, 10, 4).map((s) => s.end - s.next);
    assert.deepEqual(sizes, [3, 3, 2, 2]);
    assert.deepEqual(splitRange('r', 5, 5, 3), []);
    assert.throws(
      () => splitRange('r', 0, 10, 0),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
  });
});
