/**
 * Deterministic sales for the Kafka walkthrough (examples/kafka-hourly-spend.ts): sale i depends
 * only on i, so the tests can compute the expected hourly spend. Amounts are in cents, so sums are
 * exact whatever order they are added in.
 */
export interface Sale {
  transactionId: string;
  customerId: string;
  amountCents: number;
  /** Event time, ms since the epoch; up to 3 s out of order. */
  eventTime: number;
}

export const SALES = 2_000;
export const CUSTOMERS = 8;
export const SALES_START = Date.UTC(2026, 10, 25, 9);
/** 2,000 sales over three hours. */
const SPACING_MS = 5_400;

export function sale(i: number): Sale {
  const h = Math.imul(i + 1, 0x9e3779b1) >>> 0;
  const customer = h % CUSTOMERS;
  const jitter = ((h >>> 4) % 3_000) - 1_500;
  return {
    transactionId: `tx-${i}`,
    customerId: `customer-${customer}`,
    amountCents: 100 + ((h >>> 12) % 20_000),
    eventTime: SALES_START + i * SPACING_MS + jitter,
  };
}
