import type { KafkaRecord } from '@platformatic/kafka';
import type { Duration } from '../../core/duration.ts';
import { WeirError } from '../../core/errors.ts';
import {
  type Boundedness,
  countRecordsInErrors,
  type Source,
  type SourceReaderContext,
} from '../../core/source.ts';
import { checkKafkaProperty, type KafkaClientConfig } from './kafka-client-config.ts';
import type {
  KafkaConsumerRecord,
  KafkaRecordDeserializer,
  KafkaValueDeserializer,
} from './kafka-deserializers.ts';
import type { KafkaPartitionSplit } from './kafka-partition-split.ts';
import {
  type DecodeRecord,
  KafkaSourceReader,
  type PrepareValues,
  type ResolvedFailurePolicy,
} from './kafka-source-reader.ts';
import { kafkaSplitOwner, planKafkaSplits } from './kafka-split-planner.ts';
import { OffsetsInitializer } from './offsets-initializer.ts';

/**
 * What a Kafka source does with a record its deserializer rejects (throws on):
 * - `'fail'` (the default): the job fails with DESERIALIZATION_FAILED naming topic, partition,
 *   offset and the reason;
 * - `'skip'`: the record is dropped, counted in the `numRecordsInErrors` accumulator and logged
 *   (at most one line per 10 s per subtask, with the number of lines held back);
 * - `{ kind: 'dead-letter', topic }`: the record's key, value and headers are written to `topic`
 *   with `weir.error.topic`, `weir.error.partition`, `weir.error.offset` and `weir.error.message`
 *   headers added, durably before any checkpoint covers a later offset; counted and logged as skipped.
 *
 * @example .setDeserializationFailurePolicy({ kind: 'dead-letter', topic: 'payments-dlq' })
 */
export type KafkaDeserializationFailurePolicy =
  | 'fail'
  | 'skip'
  | { readonly kind: 'fail' }
  | { readonly kind: 'skip' }
  | { readonly kind: 'dead-letter'; readonly topic: string };

/** Partition discovery interval of unbounded sources unless set (Flink's partition.discovery.interval.ms). */
export const DEFAULT_PARTITION_DISCOVERY_INTERVAL_MS = 30_000;

/**
 * A source reading Kafka topics, in Flink's shape: each topic partition is a split, planned once
 * with its starting offset (and, bounded, its stopping offset) resolved against the broker; a
 * split's position is its next offset, stored in checkpoints, so a restore resumes exactly there.
 * Records carry their Kafka timestamp as event time. Each partition belongs to one subtask by
 * {@link kafkaSplitOwner}; an unbounded source looks for new partitions (and, with a pattern, new
 * topics) every 30 s and reads them from their earliest offset. With a group id, the offsets of each
 * completed checkpoint are committed to the group, for lag monitoring.
 *
 * @example
 * ```ts
 * const source = KafkaSource.builder<Payment>()
 *   .setBootstrapServers('127.0.0.1:9092')
 *   .setTopics('payments')
 *   .setGroupId('spend')
 *   .setStartingOffsets(OffsetsInitializer.earliest())
 *   .setValueOnlyDeserializer(KafkaDeserializers.json<Payment>())
 *   .build();
 * env.fromSource(source, WatermarkStrategy.forMonotonousTimestamps(), 'payments');
 * ```
 */
export class KafkaSource<T> implements Source<T, KafkaPartitionSplit> {
  readonly boundedness: Boundedness;
  private readonly client: KafkaClientConfig;
  private readonly subscription: readonly string[] | RegExp;
  private readonly starting: OffsetsInitializer;
  private readonly stopping: OffsetsInitializer | undefined;
  private readonly decode: DecodeRecord<T>;
  private readonly prepare: PrepareValues | undefined;
  private readonly failurePolicy: ResolvedFailurePolicy;
  private readonly discoveryIntervalMs: number;
  private readonly commitOffsetsOnCheckpoint: boolean;

  private constructor(settings: KafkaSourceSettings<T>) {
    this.client = {
      bootstrapServers: settings.bootstrapServers,
      groupId: settings.groupId,
      properties: { ...settings.properties },
    };
    this.subscription = settings.subscription;
    this.starting = settings.starting;
    this.stopping = settings.stopping;
    this.decode = settings.decode;
    this.prepare = settings.prepare;
    this.failurePolicy = settings.failurePolicy;
    this.boundedness = settings.stopping === undefined ? 'unbounded' : 'bounded';
    const interval = settings.properties['partition.discovery.interval.ms'];
    this.discoveryIntervalMs =
      this.boundedness === 'bounded'
        ? 0
        : interval === undefined
          ? DEFAULT_PARTITION_DISCOVERY_INTERVAL_MS
          : Number(interval);
    this.commitOffsetsOnCheckpoint = settings.properties['commit.offsets.on.checkpoint'] !== 'false';
  }

  /** A builder; see the class example. */
  static builder<T>(): KafkaSourceBuilder<T> {
    return new KafkaSourceBuilder<T>();
  }

  /** @internal by the builder */
  static fromSettings<T>(settings: KafkaSourceSettings<T>): KafkaSource<T> {
    return new KafkaSource(settings);
  }

  /** One split per partition of every topic, with offsets resolved against the broker. */
  createSplits(_parallelism: number): Promise<KafkaPartitionSplit[]> {
    const policy = this.failurePolicy;
    return planKafkaSplits(
      this.client,
      this.subscription,
      this.starting,
      this.stopping,
      policy.kind === 'dead-letter' ? policy.topic : undefined,
    );
  }

  /** Each partition belongs to one subtask, planned, restored or discovered alike. */
  assignSplit(split: KafkaPartitionSplit, parallelism: number): number {
    return kafkaSplitOwner(split.topic, split.partition, parallelism);
  }

  createReader(context: SourceReaderContext): KafkaSourceReader<T> {
    const policy = this.failurePolicy;
    const errors =
      policy.kind === 'fail'
        ? undefined
        : countRecordsInErrors(
            context,
            policy.kind === 'skip' ? 'failure policy: skip' : `sent to dead-letter topic "${policy.topic}"`,
          );
    return new KafkaSourceReader(
      {
        config: this.client,
        decode: this.decode,
        prepare: this.prepare,
        failurePolicy: this.failurePolicy,
        commitOffsetsOnCheckpoint: this.commitOffsetsOnCheckpoint,
        discovery:
          this.discoveryIntervalMs > 0
            ? { topics: this.subscription, intervalMs: this.discoveryIntervalMs }
            : undefined,
      },
      context,
      errors,
    );
  }
}

interface KafkaSourceSettings<T> {
  readonly bootstrapServers: readonly string[];
  readonly subscription: readonly string[] | RegExp;
  readonly groupId: string | undefined;
  readonly starting: OffsetsInitializer;
  readonly stopping: OffsetsInitializer | undefined;
  readonly decode: DecodeRecord<T>;
  readonly prepare: PrepareValues | undefined;
  readonly failurePolicy: ResolvedFailurePolicy;
  readonly properties: Readonly<Record<string, string>>;
}

/** Collects a {@link KafkaSource}'s settings; `build()` checks them. */
export class KafkaSourceBuilder<T> {
  private bootstrapServers: string[] = [];
  private topics: string[] = [];
  private pattern: RegExp | undefined;
  private groupId: string | undefined;
  private starting: OffsetsInitializer = OffsetsInitializer.earliest();
  private stopping: OffsetsInitializer | undefined;
  private decode: DecodeRecord<T> | undefined;
  private prepare: PrepareValues | undefined;
  private failurePolicy: ResolvedFailurePolicy = { kind: 'fail' };
  private readonly properties: Record<string, string> = {};

  /** `host:port` of one or more brokers, as a list or comma-separated. */
  setBootstrapServers(...servers: string[]): this {
    this.bootstrapServers = servers
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    return this;
  }

  /** The topics to read; replaces a pattern set before. */
  setTopics(...topics: string[]): this {
    this.topics = [...topics];
    this.pattern = undefined;
    return this;
  }

  /**
   * Reads every topic whose name `pattern` matches (JavaScript `test`: anchor it with `^...$` to
   * match whole names), internal topics left out; topics created later that match are found by
   * partition discovery. Replaces topics set before.
   *
   * @example .setTopicPattern(/^orders-.+$/)
   */
  setTopicPattern(pattern: RegExp): this {
    // A global or sticky regex keeps state between tests; the source must not.
    this.pattern = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    this.topics = [];
    return this;
  }

  /**
   * How often an unbounded source looks for new partitions of its topics (and new topics matching
   * its pattern), in ms; 0 disables. Default 30 s; a bounded source reads only what it planned.
   * The same as `setProperty('partition.discovery.interval.ms', ms)`.
   */
  setPartitionDiscoveryInterval(ms: Duration): this {
    return this.setProperty('partition.discovery.interval.ms', ms);
  }

  /**
   * Whether the offsets of each completed checkpoint are committed to the group id, for lag
   * monitoring (never used by Weir to resume; checkpoints are). Default true when a group id is set.
   * The same as `setProperty('commit.offsets.on.checkpoint', commit)`.
   */
  setCommitOffsetsOnCheckpoint(commit: boolean): this {
    return this.setProperty('commit.offsets.on.checkpoint', String(commit));
  }

  /**
   * The consumer group whose committed offsets `OffsetsInitializer.committedOffsets()` reads, and to
   * which checkpointed offsets are committed.
   */
  setGroupId(groupId: string): this {
    this.groupId = groupId;
    return this;
  }

  /** Where each partition starts; default {@link OffsetsInitializer.earliest}. */
  setStartingOffsets(initializer: OffsetsInitializer): this {
    this.starting = initializer;
    return this;
  }

  /**
   * Makes the source bounded: each partition ends before the offset `initializer` resolves to when
   * the job plans its splits, e.g. `OffsetsInitializer.latest()`: what the topic held at the start.
   */
  setBounded(initializer: OffsetsInitializer): this {
    this.stopping = initializer;
    return this;
  }

  /**
   * Elements built from the record values alone. With `KafkaSource.builder()` (no type argument)
   * the element type is the deserializer's; with `builder<T>()` the deserializer must produce a T.
   * A deserializer's `prepare` hook, if it has one, is
   * awaited for each fetched batch before the batch is deserialized.
   */
  setValueOnlyDeserializer<U extends T>(
    deserializer: KafkaValueDeserializer<U>,
  ): KafkaSourceBuilder<unknown extends T ? U : T> {
    const self = this as unknown as KafkaSourceBuilder<U>;
    self.decode = (record) => deserializer(record.value);
    self.prepare = deserializer.prepare?.bind(deserializer);
    return self as KafkaSourceBuilder<unknown extends T ? U : T>;
  }

  /** Elements built from whole records: key, value, headers, topic, partition, offset, timestamp. */
  setDeserializer<U extends T>(
    deserializer: KafkaRecordDeserializer<U>,
  ): KafkaSourceBuilder<unknown extends T ? U : T> {
    const self = this as unknown as KafkaSourceBuilder<U>;
    self.decode = (record, offset, timestamp, topic, partition) =>
      deserializer(consumerRecord(record, offset, timestamp, topic, partition));
    self.prepare = undefined;
    return self as KafkaSourceBuilder<unknown extends T ? U : T>;
  }

  /**
   * What to do with a record the deserializer rejects: `'fail'` (default), `'skip'` or
   * `{ kind: 'dead-letter', topic }`; see {@link KafkaDeserializationFailurePolicy}.
   *
   * @example .setDeserializationFailurePolicy('skip')
   */
  setDeserializationFailurePolicy(policy: KafkaDeserializationFailurePolicy): this {
    const resolved: ResolvedFailurePolicy = typeof policy === 'string' ? { kind: policy } : policy;
    if (
      resolved.kind === 'dead-letter' &&
      !(typeof resolved.topic === 'string' && resolved.topic.length > 0)
    ) {
      throw new WeirError('INVALID_ARGUMENT', 'a dead-letter policy needs a topic name');
    }
    if (resolved.kind !== 'fail' && resolved.kind !== 'skip' && resolved.kind !== 'dead-letter') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `unknown deserialization failure policy ${JSON.stringify(policy)}: expected 'fail', 'skip' or { kind: 'dead-letter', topic }`,
      );
    }
    this.failurePolicy = { ...resolved };
    return this;
  }

  /** A Kafka consumer property (see `KAFKA_SOURCE_PROPERTIES`); unknown ones are rejected. */
  setProperty(key: string, value: string | number | boolean): this {
    checkKafkaProperty(key, String(value));
    this.properties[key] = String(value);
    return this;
  }

  build(): KafkaSource<T> {
    if (this.bootstrapServers.length === 0) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'KafkaSource needs bootstrap servers: call setBootstrapServers',
      );
    }
    if (this.pattern === undefined && (this.topics.length === 0 || this.topics.some((t) => t.length === 0))) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'KafkaSource needs topic names or a pattern: call setTopics or setTopicPattern',
      );
    }
    if (this.decode === undefined) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'KafkaSource needs a deserializer: call setValueOnlyDeserializer or setDeserializer',
      );
    }
    if (this.starting.kind === 'committed' && this.groupId === undefined) {
      throw new WeirError('INVALID_ARGUMENT', 'committed starting offsets need a group id: call setGroupId');
    }
    const discovery = this.properties['partition.discovery.interval.ms'];
    if (this.stopping !== undefined && discovery !== undefined && Number(discovery) > 0) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'a bounded KafkaSource reads the partitions it planned: partition discovery applies to unbounded sources only',
      );
    }
    const policy = this.failurePolicy;
    if (
      policy.kind === 'dead-letter' &&
      (this.topics.includes(policy.topic) || this.pattern?.test(policy.topic))
    ) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `the dead-letter topic "${policy.topic}" is one the source reads`,
      );
    }
    return KafkaSource.fromSettings<T>({
      bootstrapServers: [...this.bootstrapServers],
      subscription: this.pattern ?? [...this.topics],
      groupId: this.groupId,
      starting: this.starting,
      stopping: this.stopping,
      decode: this.decode,
      prepare: this.prepare,
      failurePolicy: this.failurePolicy,
      properties: { ...this.properties },
    });
  }
}

function consumerRecord(
  record: KafkaRecord,
  offset: number,
  timestamp: number,
  topic: string,
  partition: number,
): KafkaConsumerRecord {
  return {
    topic,
    partition,
    offset,
    timestamp,
    key: record.key,
    value: record.value,
    headers: record.headers.map(([key, value]) => ({ key: key?.toString('utf8') ?? '', value })),
  };
}
