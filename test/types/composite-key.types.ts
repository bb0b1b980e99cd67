/**
 * Type tests of composite (tuple) keys: checked by `npm run typecheck` (tsc), never run. A tuple
 * selector keys a stream by the tuple, and KeyedProcessFunction contexts see that tuple type.
 */
import {
  type Collector,
  type CompositeKey,
  type DataStream,
  type Key,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type KeyedStream,
  StreamExecutionEnvironment,
} from 'weir';

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok: T): void {}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const sales = env.fromElements({ region: 'eu', day: 3, shop: null as string | null, amount: 5 });
type Sale = { region: string; day: number; shop: string | null; amount: number };

// `as const`: the key is the readonly tuple of the fields' types.
const byRegionDay = sales.keyBy((s) => [s.region, s.day] as const);
expectType<Equal<typeof byRegionDay, KeyedStream<Sale, readonly [string, number]>>>(true);

const totals = byRegionDay.process<string>((s, ctx, out) => {
  const key = ctx.getCurrentKey();
  expectType<Equal<typeof key, readonly [string, number]>>(true);
  const [region, day] = key;
  out.collect(`${region}/${day}: ${s.amount}`);
});
expectType<Equal<typeof totals, DataStream<string>>>(true);

// SQL NULL fields are allowed.
const withNull = sales.keyBy((s) => [s.region, s.shop] as const);
expectType<Equal<typeof withNull, KeyedStream<Sale, readonly [string, string | null]>>>(true);

// Without `as const` the key is an array of the fields' union: still a composite key.
const loose = sales.keyBy((s) => [s.region, s.day]);
expectType<Equal<typeof loose, KeyedStream<Sale, (string | number)[]>>>(true);

// A class function names its tuple key type once, and keys a stream by it.
type RegionDay = readonly [string, number];
class Total extends KeyedProcessFunction<RegionDay, Sale, number> {
  processElement(s: Sale, ctx: KeyedProcessContext<RegionDay>, out: Collector<number>): void {
    const [, day] = ctx.getCurrentKey();
    expectType<Equal<typeof day, number>>(true);
    out.collect(s.amount);
  }
}
const totalled = byRegionDay.process(new Total());
expectType<Equal<typeof totalled, DataStream<number>>>(true);

// Tuples and primitives are both keys; objects and nested tuples are not.
const tuple: CompositeKey = ['a', 1, 2n, true, null];
const key: Key = tuple;
void key;
// @ts-expect-error: a tuple field cannot be an object.
sales.keyBy((s) => [s.region, { day: s.day }] as const);
// @ts-expect-error: a tuple field cannot be a tuple.
sales.keyBy((s) => [s.region, [s.day]] as const);
