/**
 * Formats against the local broker: values written with KafkaSerializers by the Kafka client's
 * Producer are read back by a bounded KafkaSource job with the matching deserializer. The schema
 * registry is an in-test HTTP server (a Confluent registry is a third-party JVM service we cannot
 * run here; see src/connectors/formats/test-schema-registry.ts); the broker is real.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Producer } from '@platformatic/kafka';
import { startTestSchemaRegistry } from '../../src/connectors/formats/test-schema-registry.ts';
import {
  KafkaDeserializers,
  KafkaSerializers,
  KafkaSource,
  type KafkaValueDeserializer,
  type KafkaValueSerializer,
  OffsetsInitializer,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '../../src/index.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, uniqueTopic } from './broker.ts';

interface Payment {
  customer: string;
  amount: number;
  ts: number;
}

const paymentSchema = {
  type: 'record',
  name: 'Payment',
  namespace: 'weir.test',
  fields: [
    { name: 'customer', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'ts', type: 'long' },
  ],
};

function payments(n: number): Payment[] {
  return Array.from({ length: n }, (_, i) => ({
    customer: `c${i % 7}`,
    amount: i / 4,
    ts: 1_700_000_000_000 + i,
  }));
}

/** Serializes `values` with `serializer` (after its `open`) and produces them to 2 partitions. */
async function produce<T>(topic: string, values: T[], serializer: KafkaValueSerializer<T>): Promise<void> {
  await serializer.open?.();
  const producer = new Producer({
    clientId: 'weir-formats-test',
    bootstrapBrokers: [KAFKA_BOOTSTRAP],
    idempotent: true,
  });
  try {
    await producer.send({
      messages: values.map((value, i) => ({
        topic,
        partition: i % 2,
        value: serializer(value) ?? undefined,
      })),
    });
  } finally {
    await producer.close();
  }
}

/** Reads the whole topic with a bounded KafkaSource job; elements as plain objects, in `ts` order. */
async function read<T extends { ts: number }>(
  topic: string,
  deserializer: KafkaValueDeserializer<T>,
): Promise<T[]> {
  const source = KafkaSource.builder<T>()
    .setBootstrapServers(KAFKA_BOOTSTRAP)
    .setTopics(topic)
    .setStartingOffsets(OffsetsInitializer.earliest())
    .setBounded(OffsetsInitializer.latest())
    .setValueOnlyDeserializer(deserializer)
    .build();
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(1);
  const sink = new CollectSink<T>();
  env.fromSource(source, WatermarkStrategy.noWatermarks(), 'kafka').sinkTo(sink);
  await env.execute(`read ${topic}`);
  return sink.values.map((v) => ({ ...v })).sort((a, b) => a.ts - b.ts);
}

describe('Kafka formats', () => {
  it('JSON: written with KafkaSerializers.json, read with a JSON shape', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-formats-json');
    await createTopic(topic, 2);
    const written = payments(200);
    await produce(topic, written, KafkaSerializers.json<Payment>());
    const shape = KafkaDeserializers.json({ customer: 'string', amount: 'number', ts: 'number' });
    assert.deepEqual(await read(topic, shape), written);
  });

  it('Avro: plain binary both ways', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-formats-avro');
    await createTopic(topic, 2);
    const written = payments(200);
    await produce(topic, written, KafkaSerializers.avro<Payment>(paymentSchema));
    assert.deepEqual(await read(topic, KafkaDeserializers.avro<Payment>(paymentSchema)), written);
  });

  it('Confluent Avro: registered on open, read through the registry with an evolved reader schema', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const registry = await startTestSchemaRegistry();
    try {
      const topic = uniqueTopic('weir-formats-confluent');
      await createTopic(topic, 2);
      const written = payments(200);
      const serializer = KafkaSerializers.confluentAvro<Payment>({
        registryUrl: registry.url,
        subject: `${topic}-value`,
        schema: paymentSchema,
      });
      await produce(topic, written, serializer);
      assert.equal(registry.subjects.get(`${topic}-value`)?.length, 1);
      const readerSchema = {
        ...paymentSchema,
        fields: [...paymentSchema.fields, { name: 'currency', type: 'string', default: 'EUR' }],
      };
      const deserializer = KafkaDeserializers.confluentAvro<Payment & { currency: string }>({
        registryUrl: registry.url,
        readerSchema,
      });
      assert.deepEqual(
        await read(topic, deserializer),
        written.map((p) => ({ ...p, currency: 'EUR' })),
      );
      // One registry lookup for the one writer schema, whatever the number of records and batches.
      assert.equal(registry.requests.filter((r) => r.startsWith('GET /schemas/ids/')).length, 1);
    } finally {
      await registry.close();
    }
  });

  it('Confluent Avro: a value in another format fails the job naming the record and the magic byte', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const registry = await startTestSchemaRegistry();
    try {
      const topic = uniqueTopic('weir-formats-magic');
      await createTopic(topic, 1);
      await produce(topic, [{ customer: 'c', amount: 1, ts: 1 }], KafkaSerializers.json<Payment>());
      const deserializer = KafkaDeserializers.confluentAvro<Payment>({ registryUrl: registry.url });
      await assert.rejects(read(topic, deserializer), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'DESERIALIZATION_FAILED');
        assert.match(
          error.message,
          new RegExp(
            `topic "${topic}" partition 0 offset 0: not in the Confluent wire format: the first byte is 0x7b`,
          ),
        );
        return true;
      });
    } finally {
      await registry.close();
    }
  });
});
