/**
 * Type tests: checked by `npm run typecheck` (tsc), never run. Each line fails to compile if the
 * inference it names regresses.
 */
import {
  type DataStream,
  type KeyedStream,
  OutputTag,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
} from 'weir';

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok: T): void {}

const env = StreamExecutionEnvironment.getExecutionEnvironment();

// The foundation issue's example: no annotation anywhere.
const keyed = env
  .fromElements({ a: 1, b: 'x' })
  .map((r) => r.b)
  .keyBy((s) => s.length);
expectType<Equal<typeof keyed, KeyedStream<string, number>>>(true);

const records = env.fromElements({ user: 'u1', amount: 5 });
expectType<Equal<typeof records, DataStream<{ user: string; amount: number }>>>(true);

// With the collector form, TypeScript cannot see what the body collects: name the type once.
const flat = records.flatMap<number>((r, out) => {
  out.collect(r.amount);
});
expectType<Equal<typeof flat, DataStream<number>>>(true);

const returned = records.flatMap((r) => [r.user, r.user]);
expectType<Equal<typeof returned, DataStream<string>>>(true);

const filtered = records.filter((r) => r.amount > 1);
expectType<Equal<typeof filtered, DataStream<{ user: string; amount: number }>>>(true);

const seq = env.fromSequence(1, 10).map((n) => n * 2);
expectType<Equal<typeof seq, DataStream<number>>>(true);

const summed = records.keyBy((r) => r.user).sum('amount');
expectType<Equal<typeof summed, DataStream<{ user: string; amount: number }>>>(true);

const numbers = env
  .fromElements(1, 2, 3)
  .keyBy((n) => n % 2)
  .sum();
expectType<Equal<typeof numbers, DataStream<number>>>(true);

// @ts-expect-error: "user" is not a numeric field.
records.keyBy((r) => r.user).sum('user');

// @ts-expect-error: keys are primitives, not objects.
records.keyBy((r) => ({ u: r.user }));

const tag = new OutputTag<string>('late');
const side = records.process<number>((r, ctx, out) => {
  if (r.amount > 3) ctx.output(tag, r.user);
  else out.collect(r.amount);
});
expectType<Equal<typeof side, DataStream<number>>>(true);
expectType<Equal<ReturnType<typeof side.getSideOutput<string>>, DataStream<string>>>(true);

const processed = records
  .keyBy((r) => r.user)
  .process<string>((r, ctx, out) => {
    const key: string = ctx.getCurrentKey();
    out.collect(`${key}:${r.amount}`);
  });
expectType<Equal<typeof processed, DataStream<string>>>(true);

// State descriptors: a default makes value() non-optional.
declare const withDefault: ValueState<number, number>;
declare const withoutDefault: ValueState<number>;
expectType<Equal<ReturnType<typeof withDefault.value>, number>>(true);
expectType<Equal<ReturnType<typeof withoutDefault.value>, number | undefined>>(true);
const d1 = new ValueStateDescriptor('total', 0);
const d2 = new ValueStateDescriptor<string>('last');
expectType<Equal<typeof d1, ValueStateDescriptor<number, number>>>(true);
expectType<Equal<typeof d2, ValueStateDescriptor<string, string | undefined>>>(true);
