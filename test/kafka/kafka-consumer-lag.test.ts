/**
 * The consumer lag of a KafkaSource in its task's metrics (`consumerLag`, Kafka's records-lag):
 * per partition, the partition's end minus the position of the next record to emit. The end comes
 * with each fetch response, and from a ListOffsets look-up every few seconds while the reader does
 * not fetch (its buffer is full). First the arithmetic, then a job against the local broker whose
 * sink stops taking records, so that the lag is all the test produced minus what was emitted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consumerLagOf } from '../../src/connectors/kafka/kafka-source-reader.ts';
import {
  KafkaDeserializers,
  KafkaSource,
  OffsetsInitializer,
  type Sink,
  StreamExecutionEnvironment,
  type TaskMetrics,
  WatermarkStrategy,
} from '../../src/index.ts';
import { waitFor } from '../runtime/helpers.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, produceIds, uniqueTopic } from './broker.ts';

describe('KafkaSource consumer lag', () => {
  it('is the end of the partition minus the next offset to emit, bounded by the stop offset', () => {
    assert.equal(consumerLagOf(0, 100, null), 100);
    assert.equal(consumerLagOf(40, 100, null), 60);
    assert.equal(consumerLagOf(100, 100, null), 0);
    assert.equal(
      consumerLagOf(120, 100, null),
      0,
      'an end seen before the last records read: never negative',
    );
    assert.equal(consumerLagOf(40, 100, 70), 30, 'a bounded split ends at its stop offset');
    assert.equal(consumerLagOf(40, 50, 70), 10);
  });

  it('shows in the source task’s metrics per partition, and grows with what is produced', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-consumer-lag');
    await createTopic(topic, 2);
    await produceIds(topic, 0, 5_000, 2);
    const source = KafkaSource.builder<{ id: number }>()
      .setBootstrapServers(KAFKA_BOOTSTRAP)
      .setTopics(topic)
      .setStartingOffsets(OffsetsInitializer.earliest())
      .setValueOnlyDeserializer(KafkaDeserializers.json<{ id: number }>())
      .build();
    // Never completes a write: the source stops emitting once the sink's queue is full (one batch).
    const stuck: Sink<{ id: number }> = {
      maxInFlight: 1,
      invoke: () => new Promise<void>(() => {}),
    };
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    env.fromSource(source, WatermarkStrategy.noWatermarks(), 'kafka').sinkTo(stuck);
    const client = await env.executeAsync('consumer lag');
    try {
      const metrics = (): TaskMetrics => client.getMetrics().find((m) => m.vertex.startsWith('kafka'))!;
      const lag = () => (metrics().consumerLag ?? []).reduce((a, p) => a + p.lag, 0);
      /** Records behind: all produced minus those the source emitted (it is stuck, so this holds still). */
      const behind = (produced: number) => {
        const m = metrics();
        return m.consumerLag?.length === 2 && lag() === produced - m.recordsIn;
      };
      await waitFor(() => metrics()?.recordsIn > 0 && behind(5_000), 'the lag of the first 5000', 60_000);
      assert.ok(lag() > 0, 'the source is stuck before the end');
      assert.deepEqual(
        metrics()
          .consumerLag?.map((p) => p.partition)
          .sort(),
        [`${topic}-0`, `${topic}-1`],
      );
      await produceIds(topic, 5_000, 5_100, 2);
      await waitFor(() => behind(5_100), 'the lag after 100 more', 60_000);
    } finally {
      await client.cancel();
    }
  });
});
