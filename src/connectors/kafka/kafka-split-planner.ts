import type { Admin, Consumer } from '@platformatic/kafka';
import { WeirError } from '../../core/errors.ts';
import {
  createKafkaAdmin,
  createKafkaConsumer,
  describeServers,
  fetchSettings,
  type KafkaClientConfig,
} from './kafka-client-config.ts';
import { type KafkaPartitionSplit, kafkaSplitId } from './kafka-partition-split.ts';
import type { OffsetsInitializer } from './offsets-initializer.ts';

const EARLIEST = -2n;
const LATEST = -1n;

interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * The subtask (of `parallelism`) that reads `topic`'s partition `partition`: Flink's rule
 * (KafkaSourceEnumerator.getSplitOwner), with Java's String.hashCode, so a topic's partitions go
 * round-robin from a start that depends on the topic. Planned, restored and discovered partitions
 * all follow it, so every reader can tell which partitions are its own without asking anyone.
 */
export function kafkaSplitOwner(topic: string, partition: number, parallelism: number): number {
  let hash = 0;
  for (let i = 0; i < topic.length; i++) hash = (Math.imul(hash, 31) + topic.charCodeAt(i)) | 0;
  const start = (Math.imul(hash, 31) & 0x7fffffff) % parallelism;
  return (start + partition) % parallelism;
}

/** The topics whose names `pattern` matches (`pattern.test`), sorted, internal topics left out. */
export async function listTopicsMatching(admin: Admin, pattern: RegExp): Promise<string[]> {
  const all = await admin.listTopics({ includeInternals: false });
  return all.filter((topic) => {
    pattern.lastIndex = 0;
    return pattern.test(topic);
  });
}

/**
 * Plans a Kafka source's splits: one per partition of each topic (the named ones, or those matching
 * the pattern now), sorted by topic and partition, with the starting offset (and, bounded, the
 * stopping offset) resolved to numbers against the broker, once, so that every subtask reads the
 * same plan. The dead-letter topic, if any, must exist.
 */
export async function planKafkaSplits(
  config: KafkaClientConfig,
  subscription: readonly string[] | RegExp,
  starting: OffsetsInitializer,
  stopping: OffsetsInitializer | undefined,
  deadLetterTopic?: string,
): Promise<KafkaPartitionSplit[]> {
  const consumer = createKafkaConsumer(config);
  let admin: Admin | undefined;
  const described = Array.isArray(subscription)
    ? `topics ${subscription.join(', ')}`
    : `topics matching ${String(subscription)}`;
  try {
    let topics: readonly string[];
    if (Array.isArray(subscription)) topics = subscription;
    else {
      admin = createKafkaAdmin(config);
      topics = await listTopicsMatching(admin, subscription as RegExp);
    }
    if (deadLetterTopic !== undefined) {
      await listPartitions(consumer, [deadLetterTopic]).catch((error: unknown) => {
        throw new WeirError(
          'SOURCE_FAILED',
          `the dead-letter topic "${deadLetterTopic}" cannot be used: ${describeKafkaError(error)}`,
          { cause: error },
        );
      });
    }
    if (topics.length === 0) return [];
    const partitions = await listPartitions(consumer, topics);
    const isolationLevel = fetchSettings(config).isolationLevel;
    const earliest = await listOffsets(consumer, topics, EARLIEST, isolationLevel);
    const latest = await listOffsets(consumer, topics, LATEST, isolationLevel);
    const bounds = { earliest, latest };
    const start = await resolveOffsets(consumer, config, starting, partitions, bounds, isolationLevel);
    const stop =
      stopping === undefined
        ? undefined
        : await resolveOffsets(consumer, config, stopping, partitions, bounds, isolationLevel);
    return partitions.map((tp, i) => ({
      splitId: kafkaSplitId(tp.topic, tp.partition),
      topic: tp.topic,
      partition: tp.partition,
      nextOffset: start[i],
      stopOffset: stop === undefined ? null : stop[i],
    }));
  } catch (error) {
    if (error instanceof WeirError) throw error;
    throw new WeirError(
      'SOURCE_FAILED',
      `cannot plan Kafka ${described} at ${describeServers(config)}: ${describeKafkaError(error)}`,
      { cause: error },
    );
  } finally {
    await Promise.all([consumer.close().catch(() => {}), admin?.close().catch(() => {})]);
  }
}

/** The message of a client error, with its nested errors (the client wraps the broker's). */
export function describeKafkaError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const nested = (error as { errors?: unknown[] }).errors;
  const inner = Array.isArray(nested) && nested.length > 0 ? describeKafkaError(nested[0]) : undefined;
  return inner === undefined || inner === error.message ? error.message : `${error.message} (${inner})`;
}

async function listPartitions(consumer: Consumer, topics: readonly string[]): Promise<TopicPartition[]> {
  const metadata = await consumer.metadata({ topics: [...topics], autocreateTopics: false });
  const result: TopicPartition[] = [];
  for (const topic of [...new Set(topics)].sort()) {
    const info = metadata.topics.get(topic);
    if (info === undefined) {
      throw new WeirError('SOURCE_FAILED', `Kafka topic "${topic}" does not exist`);
    }
    for (let partition = 0; partition < info.partitionsCount; partition++) {
      result.push({ topic, partition });
    }
  }
  return result;
}

type OffsetTable = Map<string, bigint[]>;

async function listOffsets(
  consumer: Consumer,
  topics: readonly string[],
  timestamp: bigint,
  isolationLevel: number,
): Promise<OffsetTable> {
  return consumer.listOffsets({ topics: [...new Set(topics)], timestamp, isolationLevel });
}

function offsetIn(table: OffsetTable, tp: TopicPartition): number {
  const offset = table.get(tp.topic)?.[tp.partition];
  if (offset === undefined) {
    throw new WeirError(
      'SOURCE_FAILED',
      `Kafka returned no offset for topic "${tp.topic}" partition ${tp.partition}`,
    );
  }
  return Number(offset);
}

async function resolveOffsets(
  consumer: Consumer,
  config: KafkaClientConfig,
  initializer: OffsetsInitializer,
  partitions: readonly TopicPartition[],
  bounds: { earliest: OffsetTable; latest: OffsetTable },
  isolationLevel: number,
): Promise<number[]> {
  const earliest = (tp: TopicPartition) => offsetIn(bounds.earliest, tp);
  const latest = (tp: TopicPartition) => offsetIn(bounds.latest, tp);
  switch (initializer.kind) {
    case 'earliest':
      return partitions.map(earliest);
    case 'latest':
      return partitions.map(latest);
    case 'timestamp': {
      const topics = [...new Set(partitions.map((tp) => tp.topic))];
      const found = await listOffsets(consumer, topics, BigInt(initializer.timestamp), isolationLevel);
      return partitions.map((tp) => {
        const offset = Number(found.get(tp.topic)?.[tp.partition] ?? -1n);
        return offset < 0 ? latest(tp) : offset;
      });
    }
    case 'offsets': {
      const wanted = new Map(initializer.offsets.map((o) => [kafkaSplitId(o.topic, o.partition), o.offset]));
      return partitions.map((tp) => {
        const offset = wanted.get(kafkaSplitId(tp.topic, tp.partition));
        if (offset === undefined) return initializer.fallback === 'earliest' ? earliest(tp) : latest(tp);
        return Math.min(Math.max(offset, earliest(tp)), latest(tp));
      });
    }
    case 'committed': {
      const topics = [...new Set(partitions.map((tp) => tp.topic))].map((topic) => ({
        topic,
        partitions: partitions.filter((tp) => tp.topic === topic).map((tp) => tp.partition),
      }));
      const committed = await consumer.listCommittedOffsets({ topics });
      return partitions.map((tp) => {
        const offset = Number(committed.get(tp.topic)?.[tp.partition] ?? -1n);
        if (offset >= 0) return Math.min(Math.max(offset, earliest(tp)), latest(tp));
        if (initializer.fallback === 'earliest') return earliest(tp);
        if (initializer.fallback === 'latest') return latest(tp);
        throw new WeirError(
          'SOURCE_FAILED',
          `group "${config.groupId ?? 'weir-kafka-source'}" has no committed offset for topic "${tp.topic}" partition ${tp.partition} (use OffsetsInitializer.committedOffsets('earliest') for a fallback)`,
        );
      });
    }
  }
}
