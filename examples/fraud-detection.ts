/**
 * Fraud detection: a per-user running total of transaction amounts in keyed ValueState, with an
 * alert when a user's total crosses the threshold. Run it with `npx weir run examples/fraud-detection.ts`.
 * With FRAUD_RATE=<n> in its environment the transactions never end, n per second: a job to watch
 * and cancel on a cluster (`npx weir submit -d examples/fraud-detection.ts --env FRAUD_RATE=200`).
 */
import {
  type Collector,
  DataGeneratorSource,
  type KeyedProcessContext,
  KeyedProcessFunction,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { type Transaction, transaction } from './data/transactions.ts';

export const FRAUD_THRESHOLD = 50_000;
export const TRANSACTIONS = 2_000;

export interface Alert {
  userId: string;
  total: number;
  transactionId: number;
}

/** The article's SumFunction: keeps the total per user and alerts when it crosses the threshold. */
export class SumFunction extends KeyedProcessFunction<string, Transaction, Alert> {
  private sumState!: ValueState<number, number>;

  override open(): void {
    this.sumState = this.getRuntimeContext().getState(new ValueStateDescriptor('totalSum', 0));
  }

  processElement(tx: Transaction, ctx: KeyedProcessContext<string>, out: Collector<Alert>): void {
    const previous = this.sumState.value();
    const current = previous + tx.amount;
    this.sumState.update(current);
    if (previous <= FRAUD_THRESHOLD && current > FRAUD_THRESHOLD) {
      out.collect({ userId: ctx.getCurrentKey(), total: current, transactionId: tx.id });
    }
  }
}

const rate = process.env.FRAUD_RATE ? Number(process.env.FRAUD_RATE) : undefined;
const env = StreamExecutionEnvironment.getExecutionEnvironment();

env
  .fromSource(
    rate === undefined
      ? new DataGeneratorSource(transaction, TRANSACTIONS)
      : new DataGeneratorSource(transaction, Number.POSITIVE_INFINITY, { rateLimit: rate }),
    WatermarkStrategy.noWatermarks(),
    'transactions',
  )
  // One ordered stream of transactions (as one Kafka partition would be): each user's totals then
  // grow in the same order at any parallelism of the detector.
  .setParallelism(1)
  .keyBy((tx) => tx.userId)
  .process(new SumFunction())
  .name('fraud-detector')
  .map((alert) => `ALERT ${alert.userId}: total ${alert.total} after transaction ${alert.transactionId}`)
  .print();

await env.execute('fraud-detection');
