import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import type { ReaderOutput, SourceReaderContext } from '../../core/source.ts';
import type { NexmarkConfig } from './config.ts';
import { eventDateTime, type NexmarkEvent } from './model.ts';
import { NexmarkSource } from './nexmark-source.ts';
import type { NexmarkSourceReader } from './nexmark-source-reader.ts';

interface Emitted {
  event: NexmarkEvent;
  timestamp: number | undefined;
}

class ListOutput implements ReaderOutput<NexmarkEvent> {
  readonly emitted: Emitted[] = [];
  collect(event: NexmarkEvent, timestamp?: number): void {
    this.emitted.push({ event, timestamp });
  }
}

function context(subtaskIndex: number, parallelism: number): SourceReaderContext {
  return { subtaskIndex, parallelism, now: () => 0, sourceName: 'nexmark' };
}

/** Every event of every split, split after split, each read by its own subtask's reader. */
function readAll(config: Partial<NexmarkConfig>, parallelism: number): Emitted[] {
  const source = new NexmarkSource(config);
  const all: Emitted[] = [];
  source.createSplits(parallelism).forEach((split, i) => {
    const reader = source.createReader(context(i, parallelism));
    reader.addSplits([split]);
    reader.noMoreSplits();
    const output = new ListOutput();
    while (reader.pollNext(output, 97) !== 'end') {}
    all.push(...output.emitted);
  });
  return all;
}

describe('NexmarkSource', () => {
  it('is bounded by a number of events, unbounded by default', () => {
    assert.equal(new NexmarkSource({ events: 10 }).boundedness, 'bounded');
    assert.equal(new NexmarkSource().boundedness, 'unbounded');
  });

  it('splits the ids into one contiguous block per subtask, the last taking the remainder', () => {
    assert.deepEqual(new NexmarkSource({ events: 10 }).createSplits(3), [
      { splitId: 'nexmark-0', nextEventId: 1, endEventId: 4 },
      { splitId: 'nexmark-1', nextEventId: 4, endEventId: 7 },
      { splitId: 'nexmark-2', nextEventId: 7, endEventId: 11 },
    ]);
    assert.deepEqual(
      new NexmarkSource({ events: 2, firstEventId: 100 })
        .createSplits(3)
        .map((s) => [s.nextEventId, s.endEventId]),
      [
        [100, 100],
        [100, 100],
        [100, 102],
      ],
    );
    assert.throws(
      () => new NexmarkSource().createSplits(0),
      (e) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
  });

  it('makes unbounded splits of finite ids, which a checkpoint can store as JSON', () => {
    const splits = new NexmarkSource().createSplits(4);
    assert.deepEqual(JSON.parse(JSON.stringify(splits)), splits);
    assert.ok(
      splits.every((s) => Number.isSafeInteger(s.endEventId) && s.endEventId - s.nextEventId > 2 ** 40),
    );
  });

  it('emits the same events at any parallelism: the union of the splits is the single-split sequence', () => {
    for (const config of [{ events: 2000 }, { events: 2000, numberOfGenerators: 4, rate: 1000 }]) {
      const single = readAll(config, 1);
      assert.equal(single.length, 2000);
      for (const parallelism of [2, 3, 4, 7]) {
        assert.deepEqual(readAll(config, parallelism), single, `parallelism ${parallelism}`);
      }
    }
  });

  it('emits at most maxRecords events per poll, each with its dateTime as timestamp, then ends', () => {
    const source = new NexmarkSource({ events: 250 });
    const reader = source.createReader(context(0, 1));
    reader.addSplits(source.createSplits(1));
    reader.noMoreSplits();
    const output = new ListOutput();
    assert.equal(reader.pollNext(output, 100), 'more');
    assert.equal(output.emitted.length, 100);
    assert.equal(reader.pollNext(output, 100), 'more');
    assert.equal(reader.pollNext(output, 100), 'end');
    assert.equal(output.emitted.length, 250);
    for (const { event, timestamp } of output.emitted) assert.equal(timestamp, eventDateTime(event));
    assert.equal(reader.currentPosition(), 'nexmark event 250');
  });

  it('waits for splits, wakes up when they come, and ends only after noMoreSplits', async () => {
    const source = new NexmarkSource({ events: 20 });
    const reader = source.createReader(context(0, 1));
    const output = new ListOutput();
    assert.equal(reader.currentPosition(), undefined);
    assert.equal(reader.pollNext(output, 10), 'nothing-available');
    const available = reader.isAvailable();
    reader.addSplits(source.createSplits(2));
    await available;
    assert.equal(reader.pollNext(output, 15), 'more');
    assert.equal(reader.pollNext(output, 15), 'nothing-available');
    assert.equal(output.emitted.length, 20);
    const ended = reader.isAvailable();
    reader.noMoreSplits();
    await ended;
    assert.equal(reader.pollNext(output, 15), 'end');
  });

  it('snapshots each split at its next event, and a reader restored from it continues the same sequence', () => {
    const config = { events: 1000 };
    const expected = readAll(config, 1).map((e) => e.event);
    const source = new NexmarkSource(config);
    const first = source.createReader(context(0, 1));
    first.addSplits(source.createSplits(3));
    const before = new ListOutput();
    first.pollNext(before, 400);
    const snapshot = first.snapshotState(1);
    assert.deepEqual(snapshot, [
      { splitId: 'nexmark-1', nextEventId: 401, endEventId: 667 },
      { splitId: 'nexmark-2', nextEventId: 667, endEventId: 1001 },
    ]);
    const restored: NexmarkSourceReader = source.createReader(context(0, 1));
    restored.addSplits(snapshot);
    restored.noMoreSplits();
    const after = new ListOutput();
    while (restored.pollNext(after, 128) !== 'end') {}
    assert.deepEqual(
      [...before.emitted, ...after.emitted].map((e) => e.event),
      expected,
    );
  });

  it("emits each split's events through its split output, looked up once per poll and split, and releases finished splits", () => {
    const source = new NexmarkSource({ events: 100 });
    const reader = source.createReader(context(0, 1));
    reader.addSplits(source.createSplits(2));
    reader.noMoreSplits();
    const seen: string[] = [];
    const released: string[] = [];
    let lookups = 0;
    const output: ReaderOutput<NexmarkEvent> = {
      collect: () => seen.push('main'),
      createOutputForSplit(splitId) {
        lookups++;
        return { collect: () => seen.push(splitId) };
      },
      releaseOutputForSplit: (splitId) => released.push(splitId),
    };
    assert.equal(reader.pollNext(output, 60), 'more');
    assert.deepEqual(released, ['nexmark-0']);
    assert.equal(reader.pollNext(output, 60), 'end');
    assert.deepEqual(seen, [...Array(50).fill('nexmark-0'), ...Array(50).fill('nexmark-1')]);
    assert.deepEqual(released, ['nexmark-0', 'nexmark-1']);
    assert.equal(lookups, 3);
  });

  it('keeps the position of an event whose emission failed', () => {
    const source = new NexmarkSource({ events: 10 });
    const reader = source.createReader(context(0, 1));
    reader.addSplits(source.createSplits(1));
    let calls = 0;
    const failing: ReaderOutput<NexmarkEvent> = {
      collect() {
        if (++calls === 4) throw new Error('downstream failed');
      },
    };
    assert.throws(() => reader.pollNext(failing, 10), /downstream failed/);
    assert.equal(reader.currentPosition(), 'nexmark event 4');
    assert.deepEqual(reader.snapshotState(1), [{ splitId: 'nexmark-0', nextEventId: 4, endEventId: 11 }]);
  });
});
