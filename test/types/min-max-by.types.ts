/**
 * Type tests of `minBy` / `maxBy` and their optional `first` flag: checked by `npm run typecheck`
 * (tsc), never run.
 */
import { type DataStream, StreamExecutionEnvironment } from 'weir';

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok: T): void {}

const env = StreamExecutionEnvironment.createLocalEnvironment();
const keyed = env.fromElements({ user: 'a', amount: 1 }).keyBy((r) => r.user);

// The flag is optional.
const byMin = keyed.minBy('amount');
expectType<Equal<typeof byMin, DataStream<{ user: string; amount: number }>>>(true);
const byMinLast = keyed.minBy('amount', false);
expectType<Equal<typeof byMinLast, DataStream<{ user: string; amount: number }>>>(true);
const byMaxFirst = keyed.maxBy('amount', true);
expectType<Equal<typeof byMaxFirst, DataStream<{ user: string; amount: number }>>>(true);

// A stream of numbers has no field: the flag alone, or nothing.
const numbers = env.fromElements(1, 2).keyBy((n) => n % 2);
expectType<Equal<typeof numbers.maxBy, typeof numbers.minBy>>(true);
numbers.minBy();
numbers.maxBy(false);

// @ts-expect-error: the flag is a boolean.
keyed.minBy('amount', 'last');
// @ts-expect-error: "user" is not a numeric field.
keyed.maxBy('user', false);
// @ts-expect-error: an object stream needs the field.
keyed.minBy(false);
