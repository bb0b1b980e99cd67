import { WeirError } from '../../core/errors.ts';
import type { KafkaHeader } from './kafka-deserializers.ts';

/**
 * Turning stream elements into Kafka records, for KafkaSink. A record serializer builds the whole
 * record (topic, key, value, headers, partition, timestamp); the builder covers the common shape:
 * a fixed topic (or one per element), a value serializer and an optional key serializer.
 */

/** A record to write. Without `partition`, records with a key go to murmur2(key) mod partitions, others round-robin. */
export interface KafkaProducerRecord {
  readonly topic: string;
  readonly key?: Buffer | null;
  /** Null writes a tombstone. */
  readonly value: Buffer | null;
  readonly headers?: readonly KafkaHeader[];
  readonly partition?: number;
  /** Epoch milliseconds; the element's event time when omitted (if it has one). */
  readonly timestamp?: number;
}

/** Builds a value's bytes (null for a tombstone). */
export type KafkaValueSerializer<T> = ((value: T) => Buffer | null) & {
  /** Asynchronous set-up before the first record (e.g. registering a schema); awaited by the sink's open. */
  open?: () => Promise<void>;
};

/** Builds a whole record from an element; `timestamp` is the element's event time, if it has one. */
export interface KafkaRecordSerializer<T> {
  serialize(element: T, timestamp: number | undefined): KafkaProducerRecord;
  /** Asynchronous set-up before the first record; awaited by the sink's open. */
  open?(): Promise<void>;
  /**
   * The topics every record goes to, when they are known before the first record (a fixed topic):
   * the sink checks at start that they exist. Omitted when the topic is chosen per record.
   */
  readonly topics?: readonly string[];
}

/** The builder's settings: a topic, a value serializer, and optionally key, partition and headers. */
export class KafkaRecordSerializerBuilder<T> {
  private topic: string | ((element: T) => string) | undefined;
  private valueSerializer: KafkaValueSerializer<T> | undefined;
  private keySerializer: ((element: T) => Buffer | null) | undefined;
  private partitioner: ((element: T) => number) | undefined;
  private headers: ((element: T) => readonly KafkaHeader[]) | undefined;

  /** The topic of every record, or a function choosing it per element. */
  setTopic(topic: string | ((element: T) => string)): this {
    this.topic = topic;
    return this;
  }

  setValueSerializer(serializer: KafkaValueSerializer<T>): this {
    this.valueSerializer = serializer;
    return this;
  }

  /** The record key: records with equal keys go to the same partition. */
  setKeySerializer(serializer: (element: T) => Buffer | null): this {
    this.keySerializer = serializer;
    return this;
  }

  /** A fixed partition per element instead of the key hash. */
  setPartitioner(partitioner: (element: T) => number): this {
    this.partitioner = partitioner;
    return this;
  }

  setHeaders(headers: (element: T) => readonly KafkaHeader[]): this {
    this.headers = headers;
    return this;
  }

  build(): KafkaRecordSerializer<T> {
    const topic = this.topic;
    const value = this.valueSerializer;
    if (topic === undefined) {
      throw new WeirError('INVALID_ARGUMENT', 'the Kafka record serializer has no topic: call setTopic');
    }
    if (value === undefined) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'the Kafka record serializer has no value serializer: call setValueSerializer',
      );
    }
    const key = this.keySerializer;
    const partitioner = this.partitioner;
    const headers = this.headers;
    const topicOf = typeof topic === 'string' ? () => topic : topic;
    return {
      serialize: (element, timestamp) => ({
        topic: topicOf(element),
        key: key === undefined ? null : key(element),
        value: value(element),
        headers: headers === undefined ? undefined : headers(element),
        partition: partitioner === undefined ? undefined : partitioner(element),
        timestamp,
      }),
      open: value.open,
      topics: typeof topic === 'string' ? [topic] : undefined,
    };
  }
}

/**
 * Record serializers.
 *
 * @example
 * ```ts
 * const serializer = KafkaRecordSerializers.builder<Spend>()
 *   .setTopic('hourly-spend')
 *   .setKeySerializer((s) => Buffer.from(s.customer))
 *   .setValueSerializer(KafkaSerializers.json<Spend>())
 *   .build();
 * ```
 */
export const KafkaRecordSerializers = {
  builder<T>(): KafkaRecordSerializerBuilder<T> {
    return new KafkaRecordSerializerBuilder<T>();
  },
} as const;
