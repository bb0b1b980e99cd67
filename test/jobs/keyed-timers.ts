/**
 * Test job: per-key counts and sums with keyed state, an event-time timer per key that reports the
 * key's totals at the end, and a side output for large amounts. Deterministic at any parallelism.
 */
import {
  type Collector,
  DataGeneratorSource,
  Duration,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type OnTimerContext,
  OutputTag,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { CollectSink } from 'weir/testing';

export interface Order {
  id: number;
  customer: string;
  amount: number;
  ts: number;
}

export const ORDERS = 5_000;
export const order = (i: number): Order => ({
  id: i,
  customer: `c${(i * 7) % 13}`,
  amount: (i * 31) % 97,
  ts: 1_000_000 + i * 10,
});

export const totals = new CollectSink<string>();
export const large = new CollectSink<number>();
const largeTag = new OutputTag<number>('large');

class Totals extends KeyedProcessFunction<string, Order, string> {
  private count!: ValueState<number, number>;
  private sum!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
    this.sum = this.getRuntimeContext().getState(new ValueStateDescriptor('sum', 0));
  }
  processElement(o: Order, ctx: KeyedProcessContext<string>, _out: Collector<string>): void {
    this.count.update(this.count.value() + 1);
    this.sum.update(this.sum.value() + o.amount);
    if (o.amount > 90) ctx.output(largeTag, o.id);
    ctx.timerService().registerEventTimeTimer(2_000_000_000);
  }
  override onTimer(time: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
    out.collect(`${ctx.getCurrentKey()} count=${this.count.value()} sum=${this.sum.value()} at=${time}`);
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const processed = env
  .fromSource(
    new DataGeneratorSource(order, ORDERS),
    WatermarkStrategy.forBoundedOutOfOrderness<Order>(Duration.ofMillis(100)).withTimestampAssigner(
      (o) => o.ts,
    ),
    'orders',
  )
  .keyBy((o) => o.customer)
  .process(new Totals())
  .name('totals');
processed.sinkTo(totals);
processed.getSideOutput(largeTag).sinkTo(large);
await env.execute('keyed-timers');
