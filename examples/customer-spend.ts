/**
 * Customer spend: a running total per customer, kept in keyed ValueState by a rich flatMap, read
 * from a CSV file. Run it with `npx weir run examples/customer-spend.ts`.
 */
import { fileURLToPath } from 'node:url';
import {
  type Collector,
  CsvSource,
  RichFlatMapFunction,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';

export interface Purchase {
  customerId: string;
  amount: number;
  timestamp: number;
}

/** The article's CustomerSpendMapper: the state starts empty, so the first value is undefined. */
export class CustomerSpendMapper extends RichFlatMapFunction<Purchase, [string, number]> {
  private totalSpendState!: ValueState<number>;

  override open(): void {
    this.totalSpendState = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('totalSpend'));
  }

  flatMap(purchase: Purchase, out: Collector<[string, number]>): void {
    const currentTotal = (this.totalSpendState.value() ?? 0) + purchase.amount;
    this.totalSpendState.update(currentTotal);
    out.collect([purchase.customerId, Math.round(currentTotal * 100) / 100]);
  }
}

export const DATA = fileURLToPath(new URL('./data/transactions.csv', import.meta.url));

const env = StreamExecutionEnvironment.getExecutionEnvironment();

env
  .fromSource(
    new CsvSource<Purchase>(DATA, { types: { amount: 'number', timestamp: 'number' } }),
    WatermarkStrategy.noWatermarks(),
    'purchases.csv',
  )
  .keyBy((p) => p.customerId)
  .flatMap(new CustomerSpendMapper())
  .name('customer-spend')
  .map(([customer, total]) => `${customer} has spent ${total.toFixed(2)}`)
  .print();

await env.execute('customer-spend');
