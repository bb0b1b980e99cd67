/**
 * Turning Kafka records into stream elements. A value-only deserializer sees the value bytes; a
 * record deserializer sees the whole {@link KafkaConsumerRecord}. Both run on the task's thread,
 * inside `pollNext`; whatever they throw fails the job with DESERIALIZATION_FAILED naming topic,
 * partition, offset and the reason.
 */

export interface KafkaHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

/** A record as read from Kafka. */
export interface KafkaConsumerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Epoch milliseconds: create time, or log append time if the topic says so. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  /** Null for a tombstone. */
  readonly value: Buffer | null;
  /** In the order they were written; a key may repeat. */
  readonly headers: readonly KafkaHeader[];
}

/** Builds an element from a record's value bytes (null for a tombstone). */
export type KafkaValueDeserializer<T> = (value: Buffer | null) => T;

/** Builds an element from a whole record. */
export type KafkaRecordDeserializer<T> = (record: KafkaConsumerRecord) => T;

function present(value: Buffer | null): Buffer {
  if (value === null) throw new Error('the record has no value (a tombstone)');
  return value;
}

/** Ready-made value deserializers. */
export const KafkaDeserializers = {
  /** The value as text (UTF-8 by default). */
  string(encoding: BufferEncoding = 'utf8'): KafkaValueDeserializer<string> {
    return (value) => present(value).toString(encoding);
  },
  /** The value bytes as they are. */
  bytes(): KafkaValueDeserializer<Buffer> {
    return present;
  },
  /**
   * The value parsed as UTF-8 JSON, then checked or shaped by `parse` if given (throw to reject).
   *
   * @example KafkaDeserializers.json<Payment>((raw) => assertPayment(raw))
   */
  json<T = unknown>(parse?: (raw: unknown) => T): KafkaValueDeserializer<T> {
    return (value) => {
      const raw: unknown = JSON.parse(present(value).toString('utf8'));
      return parse === undefined ? (raw as T) : parse(raw);
    };
  },
} as const;
