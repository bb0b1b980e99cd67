/**
 * KafkaSource partition discovery against the local broker: partitions added while a job runs
 * (Admin.createPartitions), and topics created later that match a topic pattern, are read from
 * their earliest offset by exactly one subtask, at parallelism 1 and 2, and after a restore from a
 * savepoint at another parallelism no partition is read twice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { type JobClient, setExecutionContext } from '../../src/api/executor.ts';
import {
  KafkaDeserializers,
  KafkaSource,
  kafkaSplitOwner,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '../../src/index.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, produceIds, uniqueTopic } from './broker.ts';

interface Item {
  id: number;
}

/** Grows `topic` to `count` partitions and waits until the metadata shows them. */
async function addPartitions(topic: string, count: number): Promise<void> {
  const admin = new Admin({ clientId: 'weir-test-admin', bootstrapBrokers: [KAFKA_BOOTSTRAP] });
  try {
    await admin.createPartitions({ topics: [{ name: topic, count }] });
    for (let attempt = 0; attempt < 50; attempt++) {
      const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
      if (metadata.topics.get(topic)?.partitionsCount === count) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`topic ${topic} does not show ${count} partitions after 5 s`);
  } finally {
    await admin.close();
  }
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Lets duplicates, if any, arrive, then cancels the job. */
async function settleAndCancel(client: JobClient): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 700));
  await client.cancel();
  await client.getJobExecutionResult().catch(() => {});
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

function sortedIds(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function unboundedSource(
  configure: (b: ReturnType<typeof KafkaSource.builder<Item>>) => void,
): KafkaSource<Item> {
  const builder = KafkaSource.builder<Item>()
    .setBootstrapServers(KAFKA_BOOTSTRAP)
    .setValueOnlyDeserializer(KafkaDeserializers.json<Item>())
    .setPartitionDiscoveryInterval(200);
  configure(builder);
  return builder.build();
}

async function start(
  source: KafkaSource<Item>,
  parallelism: number,
  sink: CollectSink<number>,
  checkpointing = false,
): Promise<JobClient> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(parallelism);
  if (checkpointing) env.enableCheckpointing(100);
  env
    .fromSource(source, WatermarkStrategy.noWatermarks(), 'kafka')
    .uid('kafka')
    .map((item) => item.id)
    .uid('ids')
    .sinkTo(sink);
  return env.executeAsync('kafka discovery');
}

describe('KafkaSource partition discovery', () => {
  it('assigns partitions as Flink does', () => {
    // Java: ("orders".hashCode() * 31 & 0x7fffffff) % 4 = 3 ("orders".hashCode() = -1008770331).
    assert.equal(kafkaSplitOwner('orders', 0, 4), 3);
    assert.deepEqual(
      range(0, 6).map((p) => kafkaSplitOwner('orders', p, 4)),
      [3, 0, 1, 2, 3, 0],
    );
  });

  for (const parallelism of [1, 2]) {
    it(`reads partitions added while the job runs exactly once (parallelism ${parallelism})`, async (t) => {
      if (!(await kafkaBroker(t))) return;
      const topic = uniqueTopic('weir-source-discover');
      await createTopic(topic, 2);
      await produceIds(topic, 0, 100, 2);
      const sink = new CollectSink<number>();
      const client = await start(
        unboundedSource((b) => b.setTopics(topic)),
        parallelism,
        sink,
      );
      try {
        await waitFor('the first 100 records', () => sink.values.length >= 100);
        await addPartitions(topic, 4);
        await produceIds(topic, 100, 200, 4);
        await waitFor('records of the new partitions', () => sink.values.length >= 200);
      } finally {
        await settleAndCancel(client);
      }
      assert.deepEqual(sortedIds(sink.values), range(0, 200));
    });
  }

  it('reads topics created later that match the pattern', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const prefix = uniqueTopic('weir-source-pattern');
    await createTopic(`${prefix}-a`, 2);
    await createTopic(`${prefix}-other`, 1); // does not match
    await produceIds(`${prefix}-a`, 0, 50, 2);
    await produceIds(`${prefix}-other`, 1_000, 1_010, 1);
    const sink = new CollectSink<number>();
    const pattern = new RegExp(`^${prefix}-[ab]$`);
    const client = await start(
      unboundedSource((b) => b.setTopicPattern(pattern)),
      2,
      sink,
    );
    try {
      await waitFor('the records of the first topic', () => sink.values.length >= 50);
      await createTopic(`${prefix}-b`, 3);
      await produceIds(`${prefix}-b`, 50, 110, 3);
      await waitFor('the records of the new topic', () => sink.values.length >= 110);
    } finally {
      await settleAndCancel(client);
    }
    assert.deepEqual(sortedIds(sink.values), range(0, 110));
  });

  it('after a restore at another parallelism, reads each partition once, new ones from the start', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-discover-restore');
    await createTopic(topic, 2);
    await produceIds(topic, 0, 100, 2);
    const dir = mkdtempSync(join(tmpdir(), 'weir-kafka-discovery-'));
    const first = new CollectSink<number>();
    const second = new CollectSink<number>();
    try {
      const client = await start(
        unboundedSource((b) => b.setTopics(topic)),
        2,
        first,
        true,
      );
      try {
        await waitFor('the first 100 records', () => first.values.length >= 100);
        await addPartitions(topic, 3);
        await produceIds(topic, 100, 160, 3);
        await waitFor('records of partition 2', () => first.values.length >= 160);
        // Nothing more to read: the savepoint holds the ends of partitions 0, 1 and 2.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await client.stopWithSavepoint!(dir).then((path) =>
          setExecutionContext({ restore: { path, kind: 'savepoint', allowNonRestoredState: false } }),
        );
      } finally {
        await client.getJobExecutionResult().catch(() => {});
      }
      assert.deepEqual(sortedIds(first.values), range(0, 160));

      await addPartitions(topic, 5);
      await produceIds(topic, 160, 260, 5);
      const restored = await start(
        unboundedSource((b) => b.setTopics(topic)),
        3,
        second,
        true,
      );
      setExecutionContext(undefined);
      try {
        await waitFor('the records after the savepoint', () => second.values.length >= 100);
      } finally {
        await settleAndCancel(restored);
      }
      assert.deepEqual(sortedIds(second.values), range(160, 260));
    } finally {
      setExecutionContext(undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
