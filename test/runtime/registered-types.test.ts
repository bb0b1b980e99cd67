/**
 * Registered types at every boundary of a real job: records of a registered class, Maps, Dates and
 * bigints of 2^70 cross a keyBy (in one thread at parallelism 1, across threads at 2), live in a
 * ValueState on the heap and LMDB backends, and reach the client through executeAndCollect's path —
 * and arrive as instances of their class, the same at every parallelism.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError, runJob, StreamExecutionEnvironment } from 'weir';

const job = new URL('../jobs/registered-types.ts', import.meta.url);
type Job = typeof import('../jobs/registered-types.ts');

describe('registered types in a job', () => {
  for (const backend of ['heap', 'lmdb']) {
    it(`keep their class through exchanges, ${backend} state and collection, at parallelism 1 and 2`, async () => {
      process.env.WEIR_TEST_BACKEND = backend;
      try {
        const seen: string[][] = [];
        for (const parallelism of [1, 2]) {
          const { module } = await runJob<Job>(job, { parallelism, taskSlots: 2 });
          const { Money, PAYMENTS, payment } = module;
          const out = module.balances.values;
          assert.equal(out.length, PAYMENTS);
          const totals = new Map<string, bigint>();
          for (const b of [...out].sort((x, y) => x.payment.id - y.payment.id)) {
            assert.ok(b.payment.amount instanceof Money, 'a record field of a registered class');
            assert.ok(b.total instanceof Money, 'a ValueState<Money> value');
            assert.ok(b.payment.at instanceof Date && b.payment.tags instanceof Map);
            assert.deepEqual(b.payment, payment(b.payment.id));
          }
          // Each account's totals, in its order: sums of 2^70 + id, exactly.
          for (const b of out) {
            const sum = (totals.get(b.payment.account) ?? 0n) + b.payment.amount.cents;
            totals.set(b.payment.account, sum);
          }
          const last = new Map(out.map((b) => [b.payment.account, b.total.cents]));
          assert.deepEqual(last, totals);
          seen.push(out.map((b) => `${b.payment.id}:${b.total.cents}`).sort());
        }
        assert.deepEqual(seen[0], seen[1], 'the same output at parallelism 1 and 2');
      } finally {
        delete process.env.WEIR_TEST_BACKEND;
      }
    });
  }

  it('registerType refuses two classes under one name, a non-class and a codec without its methods', () => {
    const env = StreamExecutionEnvironment.createLocalEnvironment();
    class Point {
      x = 0;
    }
    const codec = { encode: () => new Uint8Array(0), decode: () => new Point() };
    env.registerType(Point, codec).registerType(Point, codec);
    const invalid = (pattern: RegExp) => (e: unknown) =>
      isWeirError(e, 'INVALID_ARGUMENT') && pattern.test(e.message);
    {
      class Point {
        y = 0;
      }
      assert.throws(
        () => env.registerType(Point, { encode: () => new Uint8Array(0), decode: () => new Point() }),
        invalid(/two classes are registered under the name "Point"/),
      );
      env.registerType(Point, { encode: () => new Uint8Array(0), decode: () => new Point() }, 'OtherPoint');
    }
    assert.throws(() => env.registerType((() => 1) as never, codec as never), invalid(/expects a class/));
    assert.throws(
      () => env.registerType(Point, { encode: () => new Uint8Array(0) } as never),
      invalid(/encode\(value\) and decode\(bytes\)/),
    );
    env.fromElements(1).print();
    assert.deepEqual(env.getJobGraph().config.types, ['Point', 'OtherPoint']);
  });
});
