import { isTransient } from './jdbc-errors.ts';

/** How often and how patiently transient failures are retried. */
export interface JdbcRetryOptions {
  /** Retries after the first attempt (default 3). */
  readonly maxRetries?: number;
  /** Wait before the first retry, doubled each time (default 100 ms). */
  readonly initialBackoffMs?: number;
  /** Longest wait between attempts (default 5 s). */
  readonly maxBackoffMs?: number;
}

/** A failure after `attempts` attempts: the last error, and how many were made. */
export class RetriesExhausted extends Error {
  readonly lastError: unknown;
  readonly attempts: number;

  constructor(lastError: unknown, attempts: number) {
    super(`failed after ${attempts} attempts`, { cause: lastError });
    this.lastError = lastError;
    this.attempts = attempts;
  }
}

/**
 * Runs `attempt` until it succeeds, retrying transient failures ({@link isTransient}) with
 * exponential backoff and jitter. A non-transient failure, or the last transient one, rejects with
 * {@link RetriesExhausted}, which says how many attempts were made. `attempt` must be safe to repeat
 * (a whole transaction, or an idempotent statement).
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: JdbcRetryOptions = {},
  onRetry?: (error: unknown, attemptNumber: number) => void,
): Promise<T> {
  const maxRetries = options.maxRetries ?? 3;
  let backoff = options.initialBackoffMs ?? 100;
  const maxBackoff = options.maxBackoffMs ?? 5_000;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n > maxRetries || !isTransient(error)) throw new RetriesExhausted(error, n);
      onRetry?.(error, n);
      const wait = Math.min(backoff, maxBackoff) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, wait));
      backoff *= 2;
    }
  }
}
