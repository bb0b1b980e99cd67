import type { RestartStrategySpec } from '../../core/checkpointing.ts';
import { isRecoverable, WeirError } from '../../core/errors.ts';

/**
 * Decides, failure by failure, whether to restart and after how long. `now` is processing time in
 * ms. Deterministic apart from the jitter, which takes its randomness from `random`.
 */
export class RestartBackoff {
  private readonly spec: RestartStrategySpec;
  private readonly random: () => number;
  private restarts = 0;
  private readonly failureTimes: number[] = [];
  private backoff = 0;
  private lastFailure = Number.NEGATIVE_INFINITY;

  constructor(spec: RestartStrategySpec, random: () => number = Math.random) {
    this.spec = spec;
    this.random = random;
  }

  /**
   * The delay before restarting after a failure at `now`, or undefined when the job must fail: the
   * strategy is exhausted, or `error` is one no restart can fix (see `isRecoverable`).
   */
  onFailure(now: number, error?: unknown): number | undefined {
    if (error !== undefined && !isRecoverable(error)) return undefined;
    const spec = this.spec;
    switch (spec.kind) {
      case 'none':
        return undefined;
      case 'fixed-delay':
        if (this.restarts >= spec.attempts) return undefined;
        this.restarts++;
        return spec.delay;
      case 'failure-rate': {
        this.failureTimes.push(now);
        while (this.failureTimes.length > 0 && this.failureTimes[0] <= now - spec.interval)
          this.failureTimes.shift();
        if (this.failureTimes.length > spec.maxFailures) return undefined;
        return spec.delay;
      }
      case 'exponential-delay': {
        if (this.restarts >= spec.attempts) return undefined;
        this.restarts++;
        if (now - this.lastFailure >= spec.resetBackoffThreshold) this.backoff = 0;
        this.lastFailure = now;
        this.backoff =
          this.backoff === 0
            ? spec.initialBackoff
            : Math.min(spec.maxBackoff, this.backoff * spec.multiplier);
        const jitter = this.backoff * spec.jitter * (this.random() * 2 - 1);
        return Math.max(0, Math.round(this.backoff + jitter));
      }
    }
  }

  /** The job's final error once no restart is left: the failure, and how many restarts came before. */
  exhausted(error: WeirError, restarts: number): WeirError {
    if (restarts === 0 || !isRecoverable(error)) return error;
    return new WeirError(
      error.code,
      `${error.message} (after ${restarts} restarts, ${this.describe()} exhausted)`,
      {
        cause: error.cause ?? error,
      },
    );
  }

  /** Human-readable summary, for the error when restarts are exhausted. */
  describe(): string {
    const spec = this.spec;
    switch (spec.kind) {
      case 'none':
        return 'no restart strategy';
      case 'fixed-delay':
        return `fixed-delay restart strategy (${spec.attempts} attempts)`;
      case 'failure-rate':
        return `failure-rate restart strategy (${spec.maxFailures} failures per ${spec.interval} ms)`;
      case 'exponential-delay':
        return `exponential-delay restart strategy (${spec.attempts} attempts)`;
    }
  }
}
