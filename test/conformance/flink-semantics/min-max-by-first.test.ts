/**
 * Flink conformance: `minBy(field, first)` and `maxBy(field, first)` on a keyed stream. A new record
 * replaces the key's current one when its field is strictly more extreme; on a tie it replaces it
 * only when `first` is false (keep the last of equal records). `first` defaults to true.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type KeyedStream, StreamExecutionEnvironment } from 'weir';
import { CollectSink } from 'weir/testing';

interface Row {
  k: string;
  a: number;
  tag: string;
}

const rows: Row[] = [
  { k: 'x', a: 5, tag: 'x1' },
  { k: 'x', a: 2, tag: 'x2' },
  { k: 'x', a: 2, tag: 'x3' }, // ties the minimum
  { k: 'x', a: 9, tag: 'x4' },
  { k: 'x', a: 9, tag: 'x5' }, // ties the maximum
  { k: 'x', a: 2, tag: 'x6' }, // ties the minimum again
];

/** The tag of the record emitted after each input record. */
async function rolling(fn: (s: KeyedStream<Row, string>) => { sinkTo(s: CollectSink<Row>): unknown }) {
  const env = StreamExecutionEnvironment.createLocalEnvironment(1);
  const sink = new CollectSink<Row>();
  fn(env.fromCollection(rows).keyBy((r) => r.k)).sinkTo(sink);
  await env.execute();
  return sink.values.map((r) => r.tag);
}

describe('Flink semantics: minBy and maxBy take the first flag', () => {
  it('minBy(field, false) keeps the last of equal records', async () => {
    assert.deepEqual(await rolling((s) => s.minBy('a', false)), ['x1', 'x2', 'x3', 'x3', 'x3', 'x6']);
  });

  it('maxBy(field, false) keeps the last of equal records', async () => {
    assert.deepEqual(await rolling((s) => s.maxBy('a', false)), ['x1', 'x1', 'x1', 'x4', 'x5', 'x5']);
  });

  it('minBy(field) and minBy(field, true) keep the first of equal records', async () => {
    const first = ['x1', 'x2', 'x2', 'x2', 'x2', 'x2'];
    assert.deepEqual(await rolling((s) => s.minBy('a')), first);
    assert.deepEqual(await rolling((s) => s.minBy('a', true)), first);
  });

  it('maxBy(field) and maxBy(field, true) keep the first of equal records', async () => {
    const first = ['x1', 'x1', 'x1', 'x4', 'x4', 'x4'];
    assert.deepEqual(await rolling((s) => s.maxBy('a')), first);
    assert.deepEqual(await rolling((s) => s.maxBy('a', true)), first);
  });

  it('a stream of numbers takes the flag alone', async () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    const sink = new CollectSink<number>();
    env
      .fromElements(3, 1, 4)
      .keyBy(() => 'all')
      .minBy(false)
      .sinkTo(sink);
    await env.execute();
    assert.deepEqual(sink.values, [3, 1, 1]);
  });
});
