/**
 * Deterministic card transactions for the examples: transaction i depends only on i, so a run at
 * any parallelism sees the same data and the tests can compute the expected results.
 */
export interface Transaction {
  id: number;
  userId: string;
  amount: number;
  /** Event time, ms since the epoch. */
  timestamp: number;
}

export const USERS = 20;
export const START = Date.UTC(2026, 0, 1);

/** Transaction number `i`: user and amount from a multiplicative hash of `i`. */
export function transaction(i: number): Transaction {
  const h = Math.imul(i + 1, 0x9e3779b1) >>> 0;
  const user = h % USERS;
  // Most amounts are small; users 3 and 11 spend big.
  const base = (h >>> 8) % 200;
  const amount = user === 3 || user === 11 ? base * 8 + 100 : base;
  return { id: i, userId: `user-${String(user).padStart(2, '0')}`, amount, timestamp: START + i * 1000 };
}
