/**
 * Fraud rule on a sliding window: alert when a user makes more than 5 transactions within one
 * minute, checked every 10 seconds (the article's sliding-window example, in event time so that a
 * replay gives the same alerts). Run it with `npx weir run examples/fraud-sliding-window.ts`.
 */
import {
  type Collector,
  DataGeneratorSource,
  Duration,
  type ProcessWindowContext,
  ProcessWindowFunction,
  SlidingEventTimeWindows,
  StreamExecutionEnvironment,
  Time,
  type TimeWindow,
  WatermarkStrategy,
} from 'weir';
import { CARD_TRANSACTIONS, type CardTransaction, cardTransaction } from './data/card-events.ts';

export const MAX_PER_WINDOW = 5;

/** Emits an alert for each window where the user made more than MAX_PER_WINDOW transactions. */
export class RapidTransactions extends ProcessWindowFunction<CardTransaction, string, string, TimeWindow> {
  process(
    userId: string,
    context: ProcessWindowContext<TimeWindow>,
    transactions: Iterable<CardTransaction>,
    out: Collector<string>,
  ): void {
    const count = [...transactions].length;
    if (count > MAX_PER_WINDOW) {
      const w = context.window();
      out.collect(
        `ALERT ${userId}: ${count} transactions in [${new Date(w.getStart()).toISOString()}, ${new Date(w.getEnd()).toISOString()})`,
      );
    }
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();

env
  .fromSource(
    new DataGeneratorSource(cardTransaction, CARD_TRANSACTIONS),
    WatermarkStrategy.forBoundedOutOfOrderness<CardTransaction>(Duration.ofSeconds(5)).withTimestampAssigner(
      (tx) => tx.timestamp,
    ),
    'transactions',
  )
  .keyBy((tx) => tx.userId)
  .window(SlidingEventTimeWindows.of(Time.minutes(1), Time.seconds(10)))
  .process(new RapidTransactions())
  .name('rapid-transactions')
  .print();

await env.execute('fraud-sliding-window');
