import { DEFAULT_EXPONENTIAL_DELAY, type RestartStrategySpec } from '../core/checkpointing.ts';
import type { Duration } from '../core/duration.ts';
import { WeirError } from '../core/errors.ts';

/**
 * Factories for restart strategies, with Flink's names.
 *
 * @example
 * env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, seconds(10)));
 */
export const RestartStrategies = {
  noRestart(): RestartStrategySpec {
    return { kind: 'none' };
  },
  fixedDelayRestart(attempts: number, delay: Duration): RestartStrategySpec {
    check(
      Number.isInteger(attempts) && attempts >= 0,
      `restart attempts must be an integer >= 0, got ${attempts}`,
    );
    check(delay >= 0, `restart delay must be >= 0, got ${delay}`);
    return { kind: 'fixed-delay', attempts, delay };
  },
  failureRateRestart(maxFailures: number, interval: Duration, delay: Duration): RestartStrategySpec {
    check(
      Number.isInteger(maxFailures) && maxFailures >= 1,
      `max failures must be a positive integer, got ${maxFailures}`,
    );
    check(interval > 0 && delay >= 0, 'failure rate interval must be positive and delay >= 0');
    return { kind: 'failure-rate', maxFailures, interval, delay };
  },
  exponentialDelayRestart(
    options: Partial<Omit<Extract<RestartStrategySpec, { kind: 'exponential-delay' }>, 'kind'>> = {},
  ): RestartStrategySpec {
    const spec = { ...DEFAULT_EXPONENTIAL_DELAY, ...options };
    check(
      spec.initialBackoff >= 0 && spec.maxBackoff >= spec.initialBackoff,
      'backoffs must satisfy 0 <= initial <= max',
    );
    check(spec.multiplier >= 1, `backoff multiplier must be >= 1, got ${spec.multiplier}`);
    check(spec.jitter >= 0 && spec.jitter <= 1, `jitter must be in [0, 1], got ${spec.jitter}`);
    return spec;
  },
} as const;

function check(ok: boolean, message: string): void {
  if (!ok) throw new WeirError('INVALID_ARGUMENT', message);
}
