/**
 * KafkaSource commits the offsets of each completed checkpoint to its group id (for lag
 * monitoring), outside group membership, so that a job reading from
 * `OffsetsInitializer.committedOffsets()` starts where the last one's checkpoint was; the switch
 * `setCommitOffsetsOnCheckpoint(false)` turns it off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Admin } from '@platformatic/kafka';
import {
  KafkaDeserializers,
  KafkaSource,
  OffsetsInitializer,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '../../src/index.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, produceIds, uniqueTopic } from './broker.ts';

interface Item {
  id: number;
}

/** The group's committed offset per partition of `topic` (-1 for none). */
async function committedOffsets(group: string, topic: string, partitions: number): Promise<number[]> {
  const admin = new Admin({
    clientId: 'weir-kafka-source-commits-test',
    bootstrapBrokers: [KAFKA_BOOTSTRAP],
  });
  try {
    const [result] = await admin.listConsumerGroupOffsets({
      groups: [{ groupId: group, topics: [{ name: topic, partitionIndexes: range(0, partitions) }] }],
    });
    const byPartition = new Map(
      (result?.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => [
        p.partitionIndex,
        Number(p.committedOffset),
      ]),
    );
    return range(0, partitions).map((p) => byPartition.get(p) ?? -1);
  } finally {
    await admin.close();
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

async function readIds(
  topic: string,
  group: string,
  starting: OffsetsInitializer,
  commit = true,
): Promise<number[]> {
  const source = KafkaSource.builder<Item>()
    .setBootstrapServers(KAFKA_BOOTSTRAP)
    .setTopics(topic)
    .setGroupId(group)
    .setStartingOffsets(starting)
    .setBounded(OffsetsInitializer.latest())
    .setValueOnlyDeserializer(KafkaDeserializers.json<Item>())
    .setCommitOffsetsOnCheckpoint(commit)
    .build();
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(2);
  env.enableCheckpointing(50);
  const sink = new CollectSink<number>();
  env
    .fromSource(source, WatermarkStrategy.noWatermarks(), 'kafka')
    .map((item) => item.id)
    .sinkTo(sink);
  await env.execute('read and commit');
  return [...sink.values].sort((a, b) => a - b);
}

describe('KafkaSource offset commits', () => {
  it('commits the checkpointed offsets to the group; committedOffsets() then starts there', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-commit');
    const group = `${topic}-group`;
    await createTopic(topic, 3);
    await produceIds(topic, 0, 300, 3);
    assert.deepEqual(await readIds(topic, group, OffsetsInitializer.earliest()), range(0, 300));
    // The final checkpoint covers every record: the ends of the partitions.
    assert.deepEqual(await committedOffsets(group, topic, 3), [100, 100, 100]);

    await produceIds(topic, 300, 330, 3);
    assert.deepEqual(await readIds(topic, group, OffsetsInitializer.committedOffsets()), range(300, 330));
    assert.deepEqual(await committedOffsets(group, topic, 3), [110, 110, 110]);
  });

  it('commits nothing with setCommitOffsetsOnCheckpoint(false)', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-no-commit');
    const group = `${topic}-group`;
    await createTopic(topic, 2);
    await produceIds(topic, 0, 40, 2);
    assert.deepEqual(await readIds(topic, group, OffsetsInitializer.earliest(), false), range(0, 40));
    assert.deepEqual(await committedOffsets(group, topic, 2), [-1, -1]);
  });
});
