import { WeirError } from '../../core/errors.ts';
import type { Boundedness, Source, SourceReaderContext } from '../../core/source.ts';
import { checkKafkaProperty, type KafkaClientConfig } from './kafka-client-config.ts';
import type {
  KafkaConsumerRecord,
  KafkaRecordDeserializer,
  KafkaValueDeserializer,
} from './kafka-deserializers.ts';
import type { KafkaPartitionSplit } from './kafka-partition-split.ts';
import { type DecodeRecord, type FetchedRecord, KafkaSourceReader } from './kafka-source-reader.ts';
import { planKafkaSplits } from './kafka-split-planner.ts';
import { OffsetsInitializer } from './offsets-initializer.ts';

/**
 * A source reading Kafka topics, in Flink's shape: each topic partition is a split, planned once
 * with its starting offset (and, bounded, its stopping offset) resolved against the broker; a
 * split's position is its next offset, stored in checkpoints, so a restore resumes exactly there.
 * Records carry their Kafka timestamp as event time.
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
  private readonly topics: readonly string[];
  private readonly starting: OffsetsInitializer;
  private readonly stopping: OffsetsInitializer | undefined;
  private readonly decode: DecodeRecord<T>;

  private constructor(settings: KafkaSourceSettings<T>) {
    this.client = {
      bootstrapServers: settings.bootstrapServers,
      groupId: settings.groupId,
      properties: { ...settings.properties },
    };
    this.topics = settings.topics;
    this.starting = settings.starting;
    this.stopping = settings.stopping;
    this.decode = settings.decode;
    this.boundedness = settings.stopping === undefined ? 'unbounded' : 'bounded';
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
    return planKafkaSplits(this.client, this.topics, this.starting, this.stopping);
  }

  createReader(_context: SourceReaderContext): KafkaSourceReader<T> {
    return new KafkaSourceReader(this.client, this.decode);
  }
}

interface KafkaSourceSettings<T> {
  readonly bootstrapServers: readonly string[];
  readonly topics: readonly string[];
  readonly groupId: string | undefined;
  readonly starting: OffsetsInitializer;
  readonly stopping: OffsetsInitializer | undefined;
  readonly decode: DecodeRecord<T>;
  readonly properties: Readonly<Record<string, string>>;
}

/** Collects a {@link KafkaSource}'s settings; `build()` checks them. */
export class KafkaSourceBuilder<T> {
  private bootstrapServers: string[] = [];
  private topics: string[] = [];
  private groupId: string | undefined;
  private starting: OffsetsInitializer = OffsetsInitializer.earliest();
  private stopping: OffsetsInitializer | undefined;
  private decode: DecodeRecord<T> | undefined;
  private readonly properties: Record<string, string> = {};

  /** `host:port` of one or more brokers, as a list or comma-separated. */
  setBootstrapServers(...servers: string[]): this {
    this.bootstrapServers = servers
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    return this;
  }

  setTopics(...topics: string[]): this {
    this.topics = [...topics];
    return this;
  }

  /** The consumer group whose committed offsets `OffsetsInitializer.committedOffsets()` reads. */
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

  /** Elements built from the record values alone. */
  setValueOnlyDeserializer(deserializer: KafkaValueDeserializer<T>): this {
    this.decode = (record) => deserializer(record.value);
    return this;
  }

  /** Elements built from whole records: key, value, headers, topic, partition, offset, timestamp. */
  setDeserializer(deserializer: KafkaRecordDeserializer<T>): this {
    this.decode = (record, topic, partition) => deserializer(consumerRecord(record, topic, partition));
    return this;
  }

  /** A Kafka consumer property (see `KAFKA_SOURCE_PROPERTIES`); unknown ones are rejected. */
  setProperty(key: string, value: string | number): this {
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
    if (this.topics.length === 0 || this.topics.some((t) => t.length === 0)) {
      throw new WeirError('INVALID_ARGUMENT', 'KafkaSource needs topic names: call setTopics');
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
    return KafkaSource.fromSettings<T>({
      bootstrapServers: [...this.bootstrapServers],
      topics: [...this.topics],
      groupId: this.groupId,
      starting: this.starting,
      stopping: this.stopping,
      decode: this.decode,
      properties: { ...this.properties },
    });
  }
}

function consumerRecord(record: FetchedRecord, topic: string, partition: number): KafkaConsumerRecord {
  return {
    topic,
    partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key,
    value: record.value,
    headers: record.headers.map(([key, value]) => ({ key: key?.toString('utf8') ?? '', value })),
  };
}
