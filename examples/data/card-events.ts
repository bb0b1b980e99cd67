/**
 * Deterministic card transactions with bursts, for the window examples: transaction i depends only
 * on i, and transactions come in event-time order. Normal traffic is one transaction every 2 s spread over 30 users; users 7 and 19 make
 * bursts of 8 transactions 3 s apart at fixed times.
 */
export interface CardTransaction {
  id: number;
  userId: string;
  amount: number;
  /** Event time, ms since the epoch. */
  timestamp: number;
}

export const START = Date.UTC(2026, 0, 1);
export const NORMAL = 600;
const BURSTS = [
  { user: 7, at: 120_000 },
  { user: 19, at: 400_000 },
  { user: 7, at: 900_000 },
];
export const BURST_SIZE = 8;
export const CARD_TRANSACTIONS = NORMAL + BURSTS.length * BURST_SIZE;

function generated(i: number): Omit<CardTransaction, 'id'> {
  if (i < NORMAL) {
    const h = Math.imul(i + 1, 0x9e3779b1) >>> 0;
    return { userId: `user-${h % 30}`, amount: 5 + ((h >>> 10) % 300), timestamp: START + i * 2_000 };
  }
  const b = Math.floor((i - NORMAL) / BURST_SIZE);
  const n = (i - NORMAL) % BURST_SIZE;
  const burst = BURSTS[b];
  return { userId: `user-${burst.user}`, amount: 20 + n, timestamp: START + burst.at + n * 3_000 };
}

/** All transactions in event-time order (ties by generation order), numbered in that order. */
const ORDERED: CardTransaction[] = Array.from({ length: CARD_TRANSACTIONS }, (_, i) => ({
  i,
  ...generated(i),
}))
  .sort((a, b) => a.timestamp - b.timestamp || a.i - b.i)
  .map(({ i: _i, ...tx }, id) => ({ id, ...tx }));

/** Transaction number `i`, in event-time order. */
export function cardTransaction(i: number): CardTransaction {
  return ORDERED[i];
}

/** Products sold: sale i, one every 5 s, over 4 products. */
export interface Sale {
  productId: string;
  quantity: number;
  price: number;
  timestamp: number;
}

export const SALES = 120;

export function sale(i: number): Sale {
  const h = Math.imul(i + 7, 0x85ebca6b) >>> 0;
  return {
    productId: ['apple', 'pear', 'plum', 'fig'][h % 4],
    quantity: 1 + ((h >>> 8) % 5),
    price: 100 + ((h >>> 12) % 50),
    timestamp: START + i * 5_000,
  };
}
