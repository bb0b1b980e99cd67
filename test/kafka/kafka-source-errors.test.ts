/**
 * KafkaSource failure modes: an unreachable broker fails the job (at planning) or the reader (while
 * fetching) with SOURCE_FAILED naming the bootstrap servers, within the configured retries and
 * timeouts, never a hang; a record larger than the fetch size limits is still read (the broker
 * returns a partition's first batch whole).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Producer, stringSerializers } from '@platformatic/kafka';
import {
  KafkaDeserializers,
  KafkaSource,
  OffsetsInitializer,
  type ReaderOutput,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '../../src/index.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, uniqueTopic } from './broker.ts';

const NOWHERE = '127.0.0.1:1';
/** Bounds a failure that must come instead of a hang: generous, since it ends with the failure. */
const HANG = 90_000;

function unreachable(): KafkaSource<string> {
  return KafkaSource.builder<string>()
    .setBootstrapServers(NOWHERE)
    .setTopics('payments')
    .setValueOnlyDeserializer(KafkaDeserializers.string())
    .setProperty('retries', 1)
    .setProperty('socket.connection.setup.timeout.ms', 1_000)
    .setProperty('request.timeout.ms', 2_000)
    .build();
}

function isSourceFailure(error: Error & { code?: string }): boolean {
  assert.equal(error.code, 'SOURCE_FAILED');
  assert.match(error.message, /at 127\.0\.0\.1:1\b/);
  return true;
}

describe('KafkaSource failures', () => {
  it('fails a job whose broker cannot be reached, naming the bootstrap servers', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromSource(unreachable(), WatermarkStrategy.noWatermarks(), 'kafka').sinkTo(new CollectSink());
    const started = Date.now();
    await assert.rejects(env.execute('unreachable'), isSourceFailure);
    assert.ok(Date.now() - started < HANG, `took ${Date.now() - started} ms`);
  });

  it('fails a reader whose broker cannot be reached while fetching', async () => {
    const reader = unreachable().createReader({
      subtaskIndex: 0,
      parallelism: 1,
      now: () => Date.now(),
      sourceName: 'kafka',
    });
    const output: ReaderOutput<string> = { collect: () => {} };
    reader.addSplits([
      { splitId: 'payments-0', topic: 'payments', partition: 0, nextOffset: 0, stopOffset: null },
    ]);
    reader.noMoreSplits();
    const started = Date.now();
    try {
      await assert.rejects(
        (async () => {
          while (Date.now() - started < HANG) {
            if (reader.pollNext(output, 100) === 'nothing-available') await reader.isAvailable();
          }
          throw new Error(`the reader neither failed nor ended within ${HANG} ms`);
        })(),
        isSourceFailure,
      );
    } finally {
      await reader.close();
    }
  });

  it('reads a record larger than max.partition.fetch.bytes and fetch.max.bytes', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-large');
    await createTopic(topic, 1);
    const large = 'x'.repeat(300_000);
    const producer = new Producer({
      clientId: 'weir-kafka-source-errors-test',
      bootstrapBrokers: [KAFKA_BOOTSTRAP],
      serializers: stringSerializers,
      idempotent: true,
    });
    try {
      await producer.send({ messages: ['small', large, 'after'].map((value) => ({ topic, value })) });
    } finally {
      await producer.close();
    }
    const source = KafkaSource.builder<string>()
      .setBootstrapServers(KAFKA_BOOTSTRAP)
      .setTopics(topic)
      .setBounded(OffsetsInitializer.latest())
      .setValueOnlyDeserializer(KafkaDeserializers.string())
      .setProperty('max.partition.fetch.bytes', 1_024)
      .setProperty('fetch.max.bytes', 1_024)
      .build();
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const sink = new CollectSink<string>();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), 'kafka').sinkTo(sink);
    await env.execute('large record');
    assert.deepEqual(
      sink.values.map((v) => v.length),
      [5, 300_000, 5],
    );
  });
});
