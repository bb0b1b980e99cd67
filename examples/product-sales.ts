/**
 * Product sales per minute: the revenue of each product in 1-minute tumbling event-time windows,
 * aggregated incrementally and emitted with the window's end (the article's windowed sales).
 * Run it with `npx weir run examples/product-sales.ts`.
 */
import {
  type Collector,
  DataGeneratorSource,
  type ProcessWindowContext,
  StreamExecutionEnvironment,
  Time,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from 'weir';
import { SALES, type Sale, sale } from './data/card-events.ts';

export interface ProductSales {
  productId: string;
  windowEnd: string;
  revenue: number;
}

const revenue = {
  createAccumulator: () => 0,
  add: (s: Sale, total: number) => total + s.quantity * s.price,
  getResult: (total: number) => total,
  merge: (a: number, b: number) => a + b,
};

const env = StreamExecutionEnvironment.getExecutionEnvironment();

env
  .fromSource(
    new DataGeneratorSource(sale, SALES),
    WatermarkStrategy.forMonotonousTimestamps<Sale>().withTimestampAssigner((s) => s.timestamp),
    'sales',
  )
  .keyBy((s) => s.productId)
  .window(TumblingEventTimeWindows.of(Time.minutes(1)))
  .aggregate(
    revenue,
    (
      productId: string,
      ctx: ProcessWindowContext<TimeWindow>,
      totals: Iterable<number>,
      out: Collector<ProductSales>,
    ) => {
      for (const total of totals) {
        out.collect({ productId, windowEnd: new Date(ctx.window().getEnd()).toISOString(), revenue: total });
      }
    },
  )
  .name('sales-per-minute')
  .print();

await env.execute('product-sales');
