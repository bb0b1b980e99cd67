import type { Duration } from '../core/duration.ts';
import { WeirError } from '../core/errors.ts';

/**
 * When the Async I/O operator retries a request, as Flink's `AsyncRetryPredicate`: a result
 * predicate (retry when the results match, e.g. empty) and an exception predicate (retry when the
 * failure matches). A missing predicate never matches.
 */
export interface AsyncRetryPredicate<OUT> {
  readonly resultPredicate?: (results: readonly OUT[]) => boolean;
  readonly exceptionPredicate?: (error: unknown) => boolean;
}

/**
 * How the Async I/O operator retries a request, as Flink's `AsyncRetryStrategy`. `currentAttempts`
 * is the number of attempts made so far (1 after the first): a retry is made when
 * `canRetry(currentAttempts)` holds, after `getBackoffTimeMillis(currentAttempts)` ms. The element's
 * timeout covers all its attempts.
 */
export interface AsyncRetryStrategy<OUT> {
  canRetry(currentAttempts: number): boolean;
  getBackoffTimeMillis(currentAttempts: number): number;
  getRetryPredicate(): AsyncRetryPredicate<OUT>;
  /** What the plan shows (JSON). */
  describe?(): Record<string, unknown>;
}

/** Ready-made predicates, as Flink's `AsyncRetryPredicates`. */
export const AsyncRetryPredicates = {
  /** Retries when a request completed with no results. */
  EMPTY_RESULT_PREDICATE: (results: readonly unknown[]): boolean => results.length === 0,
  /** Retries on any failure. */
  HAS_EXCEPTION_PREDICATE: (_error: unknown): boolean => true,
} as const;

class FixedDelayRetryStrategy<OUT> implements AsyncRetryStrategy<OUT> {
  private readonly maxAttempts: number;
  private readonly delay: number;
  private readonly predicate: AsyncRetryPredicate<OUT>;

  constructor(maxAttempts: number, delay: number, predicate: AsyncRetryPredicate<OUT>) {
    this.maxAttempts = maxAttempts;
    this.delay = delay;
    this.predicate = predicate;
  }
  canRetry(currentAttempts: number): boolean {
    return currentAttempts <= this.maxAttempts;
  }
  getBackoffTimeMillis(): number {
    return this.delay;
  }
  getRetryPredicate(): AsyncRetryPredicate<OUT> {
    return this.predicate;
  }
  describe(): Record<string, unknown> {
    return { kind: 'fixed-delay', maxAttempts: this.maxAttempts, delay: this.delay };
  }
}

class ExponentialBackoffDelayRetryStrategy<OUT> implements AsyncRetryStrategy<OUT> {
  private readonly maxAttempts: number;
  private readonly initialDelay: number;
  private readonly maxRetryDelay: number;
  private readonly multiplier: number;
  private readonly predicate: AsyncRetryPredicate<OUT>;

  constructor(
    maxAttempts: number,
    initialDelay: number,
    maxRetryDelay: number,
    multiplier: number,
    predicate: AsyncRetryPredicate<OUT>,
  ) {
    this.maxAttempts = maxAttempts;
    this.initialDelay = initialDelay;
    this.maxRetryDelay = maxRetryDelay;
    this.multiplier = multiplier;
    this.predicate = predicate;
  }
  canRetry(currentAttempts: number): boolean {
    return currentAttempts <= this.maxAttempts;
  }
  /** initialDelay × multiplier^(attempts − 1), at most maxRetryDelay (a pure function of the count). */
  getBackoffTimeMillis(currentAttempts: number): number {
    const delay = this.initialDelay * this.multiplier ** Math.max(0, currentAttempts - 1);
    return Math.min(delay, this.maxRetryDelay);
  }
  getRetryPredicate(): AsyncRetryPredicate<OUT> {
    return this.predicate;
  }
  describe(): Record<string, unknown> {
    return {
      kind: 'exponential-backoff',
      maxAttempts: this.maxAttempts,
      initialDelay: this.initialDelay,
      maxRetryDelay: this.maxRetryDelay,
      multiplier: this.multiplier,
    };
  }
}

function checkAttempts(maxAttempts: number): void {
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new WeirError('INVALID_ARGUMENT', `maxAttempts must be a positive integer, got ${maxAttempts}`);
  }
}

function checkDelay(name: string, delay: number): void {
  if (!(delay >= 0) || !Number.isFinite(delay)) {
    throw new WeirError('INVALID_ARGUMENT', `${name} must be a finite number of ms >= 0, got ${delay}`);
  }
}

/** Shared part of the builders: the predicates. */
abstract class RetryStrategyBuilder<OUT> {
  protected resultPredicate: ((results: readonly OUT[]) => boolean) | undefined;
  protected exceptionPredicate: ((error: unknown) => boolean) | undefined;

  /** Retries when the results match (e.g. `AsyncRetryPredicates.EMPTY_RESULT_PREDICATE`). */
  ifResult(predicate: (results: readonly OUT[]) => boolean): this {
    this.resultPredicate = predicate;
    return this;
  }

  /** Retries when the request failed with a matching error (e.g. `AsyncRetryPredicates.HAS_EXCEPTION_PREDICATE`). */
  ifException(predicate: (error: unknown) => boolean): this {
    this.exceptionPredicate = predicate;
    return this;
  }

  protected predicate(): AsyncRetryPredicate<OUT> {
    return { resultPredicate: this.resultPredicate, exceptionPredicate: this.exceptionPredicate };
  }

  abstract build(): AsyncRetryStrategy<OUT>;
}

/**
 * Retries `maxAttempts` times at most (after the first attempt, as Flink counts), `delay` ms apart.
 * @example
 * new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder<Profile>(3, 100)
 *   .ifResult(AsyncRetryPredicates.EMPTY_RESULT_PREDICATE)
 *   .ifException(AsyncRetryPredicates.HAS_EXCEPTION_PREDICATE)
 *   .build();
 */
class FixedDelayRetryStrategyBuilder<OUT> extends RetryStrategyBuilder<OUT> {
  private readonly maxAttempts: number;
  private readonly delay: number;

  constructor(maxAttempts: number, delay: Duration) {
    super();
    checkAttempts(maxAttempts);
    checkDelay('delay', delay);
    this.maxAttempts = maxAttempts;
    this.delay = delay;
  }

  build(): AsyncRetryStrategy<OUT> {
    return new FixedDelayRetryStrategy<OUT>(this.maxAttempts, this.delay, this.predicate());
  }
}

/**
 * Retries `maxAttempts` times at most, after `initialDelay` ms, then each delay `multiplier` times
 * the previous one, never more than `maxRetryDelay`.
 * @example
 * new AsyncRetryStrategies.ExponentialBackoffDelayRetryStrategyBuilder<Row>(5, 10, 1_000, 2)
 *   .ifException((e) => e instanceof TransientError)
 *   .build(); // retries after 10, 20, 40, 80, 160 ms
 */
class ExponentialBackoffDelayRetryStrategyBuilder<OUT> extends RetryStrategyBuilder<OUT> {
  private readonly maxAttempts: number;
  private readonly initialDelay: number;
  private readonly maxRetryDelay: number;
  private readonly multiplier: number;

  constructor(maxAttempts: number, initialDelay: Duration, maxRetryDelay: Duration, multiplier: number) {
    super();
    checkAttempts(maxAttempts);
    checkDelay('initialDelay', initialDelay);
    checkDelay('maxRetryDelay', maxRetryDelay);
    if (!(multiplier >= 1) || !Number.isFinite(multiplier)) {
      throw new WeirError('INVALID_ARGUMENT', `multiplier must be a finite number >= 1, got ${multiplier}`);
    }
    this.maxAttempts = maxAttempts;
    this.initialDelay = initialDelay;
    this.maxRetryDelay = maxRetryDelay;
    this.multiplier = multiplier;
  }

  build(): AsyncRetryStrategy<OUT> {
    return new ExponentialBackoffDelayRetryStrategy<OUT>(
      this.maxAttempts,
      this.initialDelay,
      this.maxRetryDelay,
      this.multiplier,
      this.predicate(),
    );
  }
}

const NO_RETRY: AsyncRetryStrategy<never> = {
  canRetry: () => false,
  getBackoffTimeMillis: () => -1,
  getRetryPredicate: () => ({}),
  describe: () => ({ kind: 'no-retry' }),
};

/**
 * Retry strategies for `AsyncDataStream.orderedWaitWithRetry` / `unorderedWaitWithRetry`, as Flink's
 * `AsyncRetryStrategies`: the builders by their Flink names, and `fixedDelay(...)` /
 * `exponentialBackoff(...)` as shorter spellings of the same builders.
 */
export const AsyncRetryStrategies = {
  /** Never retries. */
  NO_RETRY_STRATEGY: NO_RETRY,
  FixedDelayRetryStrategyBuilder,
  ExponentialBackoffDelayRetryStrategyBuilder,
  fixedDelay<OUT>(maxAttempts: number, delay: Duration): FixedDelayRetryStrategyBuilder<OUT> {
    return new FixedDelayRetryStrategyBuilder<OUT>(maxAttempts, delay);
  },
  exponentialBackoff<OUT>(
    maxAttempts: number,
    initialDelay: Duration,
    maxRetryDelay: Duration,
    multiplier: number,
  ): ExponentialBackoffDelayRetryStrategyBuilder<OUT> {
    return new ExponentialBackoffDelayRetryStrategyBuilder<OUT>(
      maxAttempts,
      initialDelay,
      maxRetryDelay,
      multiplier,
    );
  },
};

export type { ExponentialBackoffDelayRetryStrategyBuilder, FixedDelayRetryStrategyBuilder };
