import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RestartStrategies } from '../../api/restart-strategies.ts';
import { DEFAULT_EXPONENTIAL_DELAY } from '../../core/checkpointing.ts';
import { WeirError } from '../../core/errors.ts';
import { RestartBackoff } from './restart-backoff.ts';

describe('RestartBackoff', () => {
  it('none: never restarts', () => {
    assert.equal(new RestartBackoff(RestartStrategies.noRestart()).onFailure(0), undefined);
  });

  it('a non-recoverable failure (KAFKA_TOPIC_NOT_FOUND, also as a cause) is never restarted', () => {
    const b = new RestartBackoff(RestartStrategies.fixedDelayRestart(5, 500));
    const missing = new WeirError('KAFKA_TOPIC_NOT_FOUND', 'Kafka topic "out" does not exist');
    const wrapped = new WeirError('CHECKPOINT_FAILED', 'the pre-commit failed', { cause: missing });
    assert.equal(b.onFailure(0, wrapped), undefined);
    assert.equal(b.exhausted(wrapped, 2), wrapped, 'the error as it is: no "strategy exhausted"');
    assert.equal(b.onFailure(1, new WeirError('SINK_FAILED', 'broker down')), 500, 'others still restart');
  });

  it('fixed delay: the delay, a fixed number of times', () => {
    const b = new RestartBackoff(RestartStrategies.fixedDelayRestart(2, 500));
    assert.deepEqual([b.onFailure(0), b.onFailure(1), b.onFailure(2)], [500, 500, undefined]);
  });

  it('failure rate: fails when more than maxFailures happen within the interval', () => {
    const b = new RestartBackoff(RestartStrategies.failureRateRestart(2, 1_000, 10));
    assert.equal(b.onFailure(0), 10);
    assert.equal(b.onFailure(500), 10);
    assert.equal(b.onFailure(1_200), 10, 'the failure at 0 left the interval');
    assert.equal(b.onFailure(1_300), undefined, 'three failures within 1 s');
  });

  it('exponential delay: grows by the multiplier up to the maximum, resets after a quiet period', () => {
    const b = new RestartBackoff(
      RestartStrategies.exponentialDelayRestart({
        initialBackoff: 100,
        maxBackoff: 1_000,
        multiplier: 2,
        jitter: 0,
        resetBackoffThreshold: 10_000,
      }),
    );
    const delays = [0, 1, 2, 3, 4, 5].map((t) => b.onFailure(t));
    assert.deepEqual(delays, [100, 200, 400, 800, 1_000, 1_000]);
    assert.equal(b.onFailure(20_000), 100, 'reset after 10 s without failures');
  });

  it('exponential delay jitter stays within the configured fraction; the default is Flink’s', () => {
    const b = new RestartBackoff(DEFAULT_EXPONENTIAL_DELAY, () => 1);
    assert.equal(b.onFailure(0), 1_100, 'initial 1 s + 10 % jitter at the top of the range');
    assert.throws(() => RestartStrategies.exponentialDelayRestart({ jitter: 2 }), /jitter/);
  });
  it('names the restarts and the strategy in the final error once restarts are exhausted', () => {
    const b = new RestartBackoff(RestartStrategies.fixedDelayRestart(2, 500));
    const error = new WeirError('USER_FUNCTION_FAILED', 'map failed', { cause: new Error('boom') });
    assert.equal(b.exhausted(error, 0), error, 'without restarts the failure is the error');
    const final = b.exhausted(error, 2);
    assert.equal(final.code, 'USER_FUNCTION_FAILED');
    assert.equal(
      final.message,
      'map failed (after 2 restarts, fixed-delay restart strategy (2 attempts) exhausted)',
    );
    assert.equal((final.cause as Error).message, 'boom');
  });
});
