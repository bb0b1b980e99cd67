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

// Joins: the result type is inferred through join, coGroup and intervalJoin.
declare const tumbling: import('weir').TumblingEventTimeWindows;
const payments = env.fromElements({ user: 'u1', paid: true });
const joined = records
  .join(payments)
  .where((r) => r.user)
  .equalTo((p) => p.user)
  .window(tumbling)
  .apply((r, p) => ({ user: r.user, amount: r.amount, paid: p.paid }));
expectType<Equal<typeof joined, DataStream<{ user: string; amount: number; paid: boolean }>>>(true);
const flatJoined = records
  .join(payments)
  .where((r) => r.user)
  .equalTo((p) => p.user)
  .window(tumbling)
  .apply((r, _p, out: import('weir').Collector<number>) => out.collect(r.amount));
expectType<Equal<typeof flatJoined, DataStream<number>>>(true);
records
  .join(payments)
  .where((r) => r.user)
  // @ts-expect-error: both key selectors must return the same key type.
  .equalTo((p) => p.paid);
const coGrouped = records
  .coGroup(payments)
  .where((r) => r.user)
  .equalTo((p) => p.user)
  .window(tumbling)
  .apply((rs, ps, out: import('weir').Collector<string>) => out.collect(`${rs.length}/${ps.length}`));
expectType<Equal<typeof coGrouped, DataStream<string>>>(true);
const intervalJoined = records
  .keyBy((r) => r.user)
  .intervalJoin(payments.keyBy((p) => p.user))
  .between(-1000, 1000)
  .process((r, p, ctx, out: import('weir').Collector<{ amount: number; paid: boolean; at: number }>) =>
    out.collect({ amount: r.amount, paid: p.paid, at: ctx.getTimestamp() }),
  );
expectType<Equal<typeof intervalJoined, DataStream<{ amount: number; paid: boolean; at: number }>>>(true);
// @ts-expect-error: an interval join needs the same key type on both sides.
records.keyBy((r) => r.user).intervalJoin(payments.keyBy((p) => p.paid));

// Connect and broadcast state: the result type is inferred through connect().map/flatMap/process.
const views = env.fromElements({ user: 'u1', page: '/home' });
type Rec = { user: string; amount: number };
type View = { user: string; page: string };
const coMapped = records.connect(views).map({ map1: (r) => r.amount, map2: (v) => v.page.length });
expectType<Equal<typeof coMapped, DataStream<number>>>(true);
const coFlat = records.connect(views).flatMap({ flatMap1: (r) => [r.user], flatMap2: (v) => [v.page] });
expectType<Equal<typeof coFlat, DataStream<string>>>(true);
declare const coProcessFn: import('weir').CoProcessFunction<Rec, View, boolean>;
const coProcessed = records.connect(views).process(coProcessFn);
expectType<Equal<typeof coProcessed, DataStream<boolean>>>(true);
const keyedCo = records
  .connect(views)
  .keyBy(
    (r) => r.user,
    (v) => v.user,
  )
  .process({
    processElement1: (r, ctx, out: import('weir').Collector<string>) =>
      out.collect(ctx.getCurrentKey() + r.amount),
    processElement2: (v, _ctx, out) => out.collect(v.page),
  });
expectType<Equal<typeof keyedCo, DataStream<string>>>(true);
const twoKeyed = records.keyBy((r) => r.user).connect(views.keyBy((v) => v.user));
expectType<Equal<typeof twoKeyed, import('weir').KeyedConnectedStreams<Rec, View, string>>>(true);
records.connect(views).keyBy(
  (r) => r.user,
  // @ts-expect-error: both key selectors must return the same key type.
  (v) => v.page.length,
);
declare const pages: import('weir').MapStateDescriptor<string, number>;
const broadcastViews = views.broadcast(pages);
expectType<Equal<typeof broadcastViews, import('weir').BroadcastStream<View>>>(true);
const plainBroadcast = views.broadcast();
expectType<Equal<typeof plainBroadcast, DataStream<View>>>(true);
const keyedBroadcast = records
  .keyBy((r) => r.user)
  .connect(broadcastViews)
  .process({
    processElement(r, ctx, out: import('weir').Collector<number>) {
      const key: string = ctx.getCurrentKey();
      out.collect((ctx.getBroadcastState(pages).get(key) ?? 0) + r.amount);
      // @ts-expect-error: broadcast state is read-only in processElement.
      ctx.getBroadcastState(pages).put(key, 1);
    },
    processBroadcastElement(v, ctx) {
      ctx.getBroadcastState(pages).put(v.page, 1);
      ctx.applyToKeyedState(pages, (key, state) => state.put(`${key}`, 1));
    },
  });
expectType<Equal<typeof keyedBroadcast, DataStream<number>>>(true);
const plainConnected = records.connect(broadcastViews);
expectType<Equal<typeof plainConnected, import('weir').BroadcastConnectedStream<Rec, View>>>(true);
