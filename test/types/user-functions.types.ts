/**
 * Type tests of user table and aggregate functions: checked by `npm run typecheck`, never run.
 * A table function's arguments and row type come from its `eval`; an aggregate function's
 * accumulator from `createAccumulator`, its arguments from `accumulate`, its result from `getValue`.
 */
import {
  type AggregateFunctionDefinition,
  aggregateFunction,
  type TableFunctionDefinition,
  tableFunction,
} from 'weir';

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok: T): void {}

const split = tableFunction({
  returns: 'ROW<word STRING, length INT>',
  *eval(s: string | null) {
    for (const word of (s ?? '').split(' ')) yield [word, word.length] as const;
  },
});
expectType<Equal<typeof split, TableFunctionDefinition<[s: string | null], readonly [string, number]>>>(true);
// @ts-expect-error: the argument is a string
split.eval(1);

const objects = tableFunction({
  returns: 'ROW<word STRING, length INT>',
  eval: (s: string) => s.split(' ').map((word) => ({ word, length: word.length })),
});
expectType<Equal<typeof objects, TableFunctionDefinition<[s: string], { word: string; length: number }>>>(
  true,
);

// @ts-expect-error: eval must return an iterable of rows
tableFunction({ returns: 'INT', eval: (n: number) => n });

const weightedAvg = aggregateFunction({
  returns: 'BIGINT',
  createAccumulator: () => ({ sum: 0, count: 0 }),
  accumulate(acc, value: number | null, weight: number | null) {
    expectType<Equal<typeof acc, { sum: number; count: number }>>(true);
    if (value !== null && weight !== null) {
      acc.sum += value * weight;
      acc.count += weight;
    }
  },
  merge(acc, others) {
    for (const o of others) acc.sum += o.sum;
  },
  getValue: (acc) => (acc.count === 0 ? null : acc.sum / acc.count),
});
expectType<
  Equal<
    typeof weightedAvg,
    AggregateFunctionDefinition<
      { sum: number; count: number },
      [value: number | null, weight: number | null],
      number | null
    >
  >
>(true);

aggregateFunction({
  returns: 'BIGINT',
  createAccumulator: () => ({ n: 0 }),
  accumulate(acc) {
    acc.n++;
  },
  // @ts-expect-error: the accumulator has no field "count"
  getValue: (acc) => acc.count,
});
