/**
 * KafkaSource partition discovery against the local broker: partitions added while a job runs
 * (Admin.createPartitions), and topics created later that match a topic pattern, are read from
 * their earliest offset by exactly one subtask, at parallelism 1 and 2, and after a restore from a
 * savepoint at another parallelism no partition is read twice.
 *
 * "Nothing more arrives" is decided by events, not by waiting: after the data, the test writes a
 * marker record at the end of every partition and waits until each marker has arrived. A reader
 * emits a partition in order, so its marker comes after all of that partition's records; every
 * marker must come once, from the subtask that owns its partition ({@link kafkaSplitOwner}), so no
 * second reader read it. Each record is tagged with the subtask that emitted it.
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
  RichMapFunction,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '../../src/index.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { until } from '../faults/support.ts';
import {
  createTopic,
  KAFKA_BOOTSTRAP,
  kafkaBroker,
  produceIds,
  produceMessages,
  uniqueTopic,
} from './broker.ts';

interface Item {
  id: number;
  /** Set on marker records: the partition the marker was written to. */
  marker?: { topic: string; partition: number };
}

/** A record as the job saw it: its id (or marker) and the subtask that emitted it. */
interface Seen extends Item {
  subtask: number;
}

/** Deadline of each wait: generous, since a wait ends as soon as its event happens. */
const DEADLINE = 120_000;

class TagWithSubtask extends RichMapFunction<Item, Seen> {
  map(item: Item): Seen {
    return { ...item, subtask: this.getRuntimeContext().getIndexOfThisSubtask() };
  }
}

/** Grows `topic` to `count` partitions and waits until the metadata shows them. */
async function addPartitions(topic: string, count: number): Promise<void> {
  const admin = new Admin({ clientId: 'weir-test-admin', bootstrapBrokers: [KAFKA_BOOTSTRAP] });
  try {
    await admin.createPartitions({ topics: [{ name: topic, count }] });
    await until(
      async () =>
        (await admin.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic)?.partitionsCount ===
        count,
      DEADLINE,
      `topic ${topic} to show ${count} partitions`,
    );
  } finally {
    await admin.close();
  }
}

function waitFor(what: string, condition: () => boolean): Promise<void> {
  return until(condition, DEADLINE, what);
}

/**
 * Writes a marker at the end of each partition of `topics` ([name, partitions]) and waits until
 * every marker has arrived; then asserts each came once, from the subtask owning its partition.
 */
async function drain(
  sink: CollectSink<Seen>,
  topics: ReadonlyArray<readonly [string, number]>,
  parallelism: number,
): Promise<void> {
  const wanted: string[] = [];
  for (const [topic, partitions] of topics) {
    await produceMessages(
      topic,
      range(0, partitions).map((partition) => ({
        partition,
        value: JSON.stringify({ id: -1, marker: { topic, partition } }),
      })),
    );
    for (const partition of range(0, partitions)) {
      wanted.push(`${topic}/${partition} from ${kafkaSplitOwner(topic, partition, parallelism)}`);
    }
  }
  const markers = () =>
    sink.values
      .filter((v) => v.marker)
      .map((v) => `${v.marker!.topic}/${v.marker!.partition} from ${v.subtask}`);
  await waitFor(`the markers of ${wanted.length} partitions`, () => markers().length >= wanted.length);
  assert.deepEqual(markers().sort(), wanted.sort(), 'each marker once, from the owner of its partition');
}

async function cancel(client: JobClient): Promise<void> {
  await client.cancel();
  await client.getJobExecutionResult().catch(() => {});
}

/** The ids of the data records (markers left out), sorted. */
function ids(sink: CollectSink<Seen>): number[] {
  return sink.values
    .filter((v) => !v.marker)
    .map((v) => v.id)
    .sort((a, b) => a - b);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
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
  sink: CollectSink<Seen>,
  checkpointing = false,
): Promise<JobClient> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(parallelism);
  if (checkpointing) env.enableCheckpointing(100);
  env
    .fromSource(source, WatermarkStrategy.noWatermarks(), 'kafka')
    .uid('kafka')
    .map(new TagWithSubtask())
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
      const sink = new CollectSink<Seen>();
      const client = await start(
        unboundedSource((b) => b.setTopics(topic)),
        parallelism,
        sink,
      );
      try {
        await waitFor('the first 100 records', () => ids(sink).length >= 100);
        await addPartitions(topic, 4);
        await produceIds(topic, 100, 200, 4);
        await waitFor('records of the new partitions', () => ids(sink).length >= 200);
        await drain(sink, [[topic, 4]], parallelism);
      } finally {
        await cancel(client);
      }
      assert.deepEqual(ids(sink), range(0, 200));
    });
  }

  it('reads topics created later that match the pattern', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const prefix = uniqueTopic('weir-source-pattern');
    await createTopic(`${prefix}-a`, 2);
    await createTopic(`${prefix}-other`, 1); // does not match
    await produceIds(`${prefix}-a`, 0, 50, 2);
    await produceIds(`${prefix}-other`, 1_000, 1_010, 1);
    const sink = new CollectSink<Seen>();
    const pattern = new RegExp(`^${prefix}-[ab]$`);
    const client = await start(
      unboundedSource((b) => b.setTopicPattern(pattern)),
      2,
      sink,
    );
    try {
      await waitFor('the records of the first topic', () => ids(sink).length >= 50);
      await createTopic(`${prefix}-b`, 3);
      await produceIds(`${prefix}-b`, 50, 110, 3);
      await waitFor('the records of the new topic', () => ids(sink).length >= 110);
      await drain(
        sink,
        [
          [`${prefix}-a`, 2],
          [`${prefix}-b`, 3],
        ],
        2,
      );
    } finally {
      await cancel(client);
    }
    assert.deepEqual(ids(sink), range(0, 110));
  });

  it('after a restore at another parallelism, reads each partition once, new ones from the start', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-discover-restore');
    await createTopic(topic, 2);
    await produceIds(topic, 0, 100, 2);
    const dir = mkdtempSync(join(tmpdir(), 'weir-kafka-discovery-'));
    const first = new CollectSink<Seen>();
    const second = new CollectSink<Seen>();
    try {
      const client = await start(
        unboundedSource((b) => b.setTopics(topic)),
        2,
        first,
        true,
      );
      try {
        await waitFor('the first 100 records', () => ids(first).length >= 100);
        await addPartitions(topic, 3);
        await produceIds(topic, 100, 160, 3);
        await waitFor('records of partition 2', () => ids(first).length >= 160);
        // Nothing more to read: the savepoint holds the ends of partitions 0, 1 and 2 (markers included).
        await drain(first, [[topic, 3]], 2);
        await client.stopWithSavepoint!(dir).then((path) =>
          setExecutionContext({ restore: { path, kind: 'savepoint', allowNonRestoredState: false } }),
        );
      } finally {
        await client.getJobExecutionResult().catch(() => {});
      }
      assert.deepEqual(ids(first), range(0, 160));

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
        await waitFor('the records after the savepoint', () => ids(second).length >= 100);
        // Only the new markers: the first run's were covered by the savepoint.
        await drain(second, [[topic, 5]], 3);
      } finally {
        await cancel(restored);
      }
      assert.deepEqual(ids(second), range(160, 260));
    } finally {
      setExecutionContext(undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
