/**
 * KafkaSource under isolation.level=read_committed against the local broker: records of aborted
 * transactions are dropped as the Java consumer drops them (per producer id, from the aborted
 * transaction's first offset to its abort marker), also when two producers' transactions interleave,
 * when a producer aborts several transactions within one fetch, and when an aborted transaction spans
 * several fetch responses; read_uncommitted sees everything.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Producer, stringSerializers } from '@platformatic/kafka';
import {
  KafkaDeserializers,
  KafkaSource,
  OffsetsInitializer,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '../../src/index.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, uniqueTopic } from './broker.ts';

interface Item {
  id: number;
}

function transactionalProducer(name: string): Producer<string, string, string, string> {
  return new Producer({
    clientId: 'weir-kafka-source-tx-test',
    bootstrapBrokers: [KAFKA_BOOTSTRAP],
    serializers: stringSerializers,
    idempotent: true,
    transactionalId: `${name}-${process.pid}-${Date.now()}`,
  });
}

async function readIds(
  topic: string,
  isolation: 'read_committed' | 'read_uncommitted',
  parallelism: number,
  properties: Record<string, number> = {},
): Promise<number[]> {
  const builder = KafkaSource.builder<Item>()
    .setBootstrapServers(KAFKA_BOOTSTRAP)
    .setTopics(topic)
    .setBounded(OffsetsInitializer.latest())
    .setValueOnlyDeserializer(KafkaDeserializers.json<Item>())
    .setProperty('isolation.level', isolation);
  for (const [key, value] of Object.entries(properties)) builder.setProperty(key, value);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(parallelism);
  const sink = new CollectSink<number>();
  env
    .fromSource(builder.build(), WatermarkStrategy.noWatermarks(), 'kafka')
    .map((item) => item.id)
    .sinkTo(sink);
  await env.execute(`read ${isolation}`);
  return [...sink.values].sort((a, b) => a - b);
}

function sorted(ids: Iterable<number>): number[] {
  return [...ids].sort((a, b) => a - b);
}

describe('KafkaSource read_committed', () => {
  it('reads exactly the committed transactions of interleaved producers; read_uncommitted reads all', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-tx');
    const partitions = 3;
    await createTopic(topic, partitions);
    const a = transactionalProducer('weir-tx-a');
    const b = transactionalProducer('weir-tx-b');
    const committed = new Set<number>();
    const all = new Set<number>();
    let next = 0;
    /** Records for every partition, `perPartition` each, as one send. */
    const batch = (perPartition: number) => {
      const messages = [];
      for (let k = 0; k < perPartition * partitions; k++) {
        const id = next++;
        messages.push({ topic, partition: k % partitions, value: JSON.stringify({ id }) });
      }
      return messages;
    };
    const ids = (messages: Array<{ value: string }>) => messages.map((m) => (JSON.parse(m.value) as Item).id);
    try {
      for (let round = 0; round < 8; round++) {
        // Both producers' transactions are open at once, so their batches interleave in each partition.
        const ta = await a.beginTransaction();
        const tb = await b.beginTransaction();
        const sentA = [batch(3), batch(2)];
        const sentB = [batch(2), batch(3)];
        await ta.send({ messages: sentA[0] });
        await tb.send({ messages: sentB[0] });
        await ta.send({ messages: sentA[1] });
        await tb.send({ messages: sentB[1] });
        // A aborts rounds 1, 2, 4 and 7 (so two aborts in a row, several per fetch); B aborts every other one.
        const abortA = [1, 2, 4, 7].includes(round);
        const abortB = round % 2 === 0;
        for (const m of sentA.flat()) all.add((JSON.parse(m.value) as Item).id);
        for (const m of sentB.flat()) all.add((JSON.parse(m.value) as Item).id);
        if (abortA) await ta.abort();
        else {
          await ta.commit();
          for (const id of ids(sentA.flat())) committed.add(id);
        }
        if (abortB) await tb.abort();
        else {
          await tb.commit();
          for (const id of ids(sentB.flat())) committed.add(id);
        }
      }
      // One large aborted transaction, read below with fetches too small to hold it in one response.
      const big = await a.beginTransaction();
      for (let k = 0; k < 4; k++) {
        const messages = batch(25);
        for (const id of ids(messages)) all.add(id);
        await big.send({ messages });
      }
      await big.abort();
      const last = await b.beginTransaction();
      const tail = batch(2);
      await last.send({ messages: tail });
      await last.commit();
      for (const id of ids(tail)) {
        all.add(id);
        committed.add(id);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    assert.ok(committed.size > 0 && committed.size < all.size);

    assert.deepEqual(await readIds(topic, 'read_committed', 1), sorted(committed));
    assert.deepEqual(await readIds(topic, 'read_committed', 2), sorted(committed));
    // About one batch per fetch: aborted ranges end in a later response than they start.
    assert.deepEqual(
      await readIds(topic, 'read_committed', 1, { 'max.partition.fetch.bytes': 256, 'fetch.max.bytes': 256 }),
      sorted(committed),
    );
    assert.deepEqual(await readIds(topic, 'read_uncommitted', 2), sorted(all));
  });
});
