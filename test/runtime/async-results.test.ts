/**
 * A user function that returns a Promise where the record path needs a value fails the job with an
 * error that says so and points to Async I/O, instead of emitting the Promise (`{}` after a
 * serialization) or letting every record through a filter (a Promise is truthy).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DataStream, StreamExecutionEnvironment, WeirError } from 'weir';

async function failure(build: (numbers: DataStream<number>) => DataStream<unknown>): Promise<WeirError> {
  const env = StreamExecutionEnvironment.createLocalEnvironment(1);
  const error = await build(env.fromElements(1, 2, 3))
    .executeAndCollect()
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  assert.ok(error instanceof WeirError, `the job failed with a WeirError, got ${String(error)}`);
  return error;
}

describe('a Promise where a value is expected', () => {
  for (const [method, build] of [
    ['map', (s: DataStream<number>) => s.map(async (n) => n * 2)],
    // The types refuse an async filter or flatMap; JavaScript jobs are not checked.
    // @ts-expect-error: a filter returns a boolean, not a Promise
    ['filter', (s: DataStream<number>) => s.filter(async (n) => n > 1)],
    // @ts-expect-error: a flatMap returns an iterable, not a Promise
    ['flatMap', (s: DataStream<number>) => s.flatMap(async (n: number) => [n, n])],
  ] as const) {
    it(`an async ${method} fails the job naming ${method}() and Async I/O`, async () => {
      const error = await failure(build as (s: DataStream<number>) => DataStream<unknown>);
      const text = error.describe();
      assert.match(text, new RegExp(`${method}\\(\\) returned a Promise`));
      assert.match(text, /Async I\/O \(AsyncDataStream/);
      assert.match(text, /on record 1\b/, text);
    });
  }
});
