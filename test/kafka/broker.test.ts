/**
 * The local broker (scripts/kafka.sh) and the client (@platformatic/kafka) work together: records
 * produced to a fresh topic are consumed back with their keys, values, headers and partitions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, uniqueTopic } from './broker.ts';

describe('local Kafka broker', () => {
  it('round-trips records through a fresh topic with 2 partitions', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-smoke');
    await createTopic(topic, 2);

    const producer = new Producer({
      clientId: 'weir-smoke-producer',
      bootstrapBrokers: [KAFKA_BOOTSTRAP],
      serializers: stringSerializers,
      // Retries after a timeout (a broker just started is slow) must not duplicate records.
      idempotent: true,
    });
    const sent = Array.from({ length: 10 }, (_, i) => ({
      topic,
      partition: i % 2,
      key: `k${i}`,
      value: `v${i}`,
      headers: new Map([['n', String(i)]]),
    }));
    try {
      await producer.send({ messages: sent });
    } finally {
      await producer.close();
    }

    const consumer = new Consumer({
      clientId: 'weir-smoke-consumer',
      groupId: `${topic}-group`,
      bootstrapBrokers: [KAFKA_BOOTSTRAP],
      deserializers: stringDeserializers,
      maxWaitTime: 200,
    });
    const received: { key: string; value: string; partition: number; header: string | undefined }[] = [];
    try {
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
      for await (const message of stream) {
        received.push({
          key: message.key,
          value: message.value,
          partition: message.partition,
          header: message.headers.get('n'),
        });
        if (received.length === sent.length) break;
      }
      await stream.close();
    } finally {
      await consumer.close(true);
    }

    received.sort((a, b) => Number(a.key.slice(1)) - Number(b.key.slice(1)));
    assert.deepEqual(
      received,
      sent.map((m, i) => ({ key: m.key, value: m.value, partition: m.partition, header: String(i) })),
    );
  });
});
