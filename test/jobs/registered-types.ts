/**
 * Test job: records holding a registered class (Money), a Map, a Date and bigints of 2^70 go through
 * a keyBy into a keyed process function that keeps a running total as a ValueState<Money> in the
 * backend named by WEIR_TEST_BACKEND (heap by default), and are collected with their totals.
 */
import {
  type Collector,
  type KeyedProcessContext,
  KeyedProcessFunction,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
} from 'weir';
import { CollectSink } from 'weir/testing';

export class Money {
  cents: bigint;
  currency: string;
  constructor(cents: bigint, currency: string) {
    this.cents = cents;
    this.currency = currency;
  }
  plus(other: Money): Money {
    return new Money(this.cents + other.cents, this.currency);
  }
}

export interface Payment {
  id: number;
  account: string;
  amount: Money;
  at: Date;
  tags: Map<string, bigint>;
}

export interface Balance {
  payment: Payment;
  total: Money;
}

export const PAYMENTS = 200;
export const payment = (i: number): Payment => ({
  id: i,
  account: `a${i % 7}`,
  amount: new Money(2n ** 70n + BigInt(i), 'EUR'),
  at: new Date(Date.UTC(2026, 0, 1) + i * 1000),
  tags: new Map([['id', BigInt(-i)]]),
});

export const balances = new CollectSink<Balance>();

class RunningTotal extends KeyedProcessFunction<string, Payment, Balance> {
  private total!: ValueState<Money>;
  override open(): void {
    this.total = this.getRuntimeContext().getState(new ValueStateDescriptor<Money>('total'));
  }
  processElement(p: Payment, _ctx: KeyedProcessContext<string>, out: Collector<Balance>): void {
    const before = this.total.value();
    const total = before === undefined ? p.amount : before.plus(p.amount);
    this.total.update(total);
    out.collect({ payment: p, total });
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.registerType(Money, {
  encode: (m) => new TextEncoder().encode(`${m.cents} ${m.currency}`),
  decode: (bytes) => {
    const [cents, currency] = new TextDecoder().decode(bytes).split(' ');
    return new Money(BigInt(cents), currency);
  },
});
if (process.env.WEIR_TEST_BACKEND === 'lmdb') env.setStateBackend('lmdb');
env
  .fromCollection(Array.from({ length: PAYMENTS }, (_, i) => payment(i)))
  .keyBy((p) => p.account)
  .process(new RunningTotal())
  .sinkTo(balances);
await env.execute('registered-types');
