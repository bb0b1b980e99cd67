/**
 * A failure no restart can fix (a code in NON_RECOVERABLE_CODES, e.g. KAFKA_TOPIC_NOT_FOUND) fails
 * the job at once, whatever the restart strategy, also when it comes from a sink's pre-commit, where
 * it both fails the subtask and aborts the checkpoint: the aborted checkpoint must not count as a
 * checkpoint failure, which would fail the job with a restartable CHECKPOINT_FAILED first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DataGeneratorSource,
  isRecoverable,
  RestartStrategies,
  type Sink,
  StreamExecutionEnvironment,
  WatermarkStrategy,
  WeirError,
} from 'weir';

/** A sink whose every pre-commit fails as a KafkaSink writing to a topic that does not exist. */
class MissingTopicSink implements Sink<{ n: number }> {
  invoke(): void {}
  snapshotState(): unknown[] {
    return [];
  }
  snapshotStateAsync(): Promise<void> {
    return Promise.reject(new WeirError('KAFKA_TOPIC_NOT_FOUND', 'Kafka topic "out" does not exist'));
  }
}

describe('non-recoverable failures', () => {
  it('a pre-commit failing with KAFKA_TOPIC_NOT_FOUND fails the job once, without a restart', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.enableCheckpointing(50);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 10));
    env
      .fromSource(
        new DataGeneratorSource((n) => ({ n }), 1_000_000, { rateLimit: 1_000 }),
        WatermarkStrategy.noWatermarks(),
        'numbers',
      )
      .sinkTo(new MissingTopicSink());
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.join(' '));
    try {
      const client = await env.executeAsync('missing-topic');
      await assert.rejects(client.getJobExecutionResult(), (e) => !isRecoverable(e));
      assert.equal(client.getCheckpointStatistics?.().restarts, 0);
    } finally {
      console.warn = warn;
    }
    assert.deepEqual(
      warnings.filter((w) => w.includes('restarts in')),
      [],
      'no restart was attempted',
    );
  });
});
