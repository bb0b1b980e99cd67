import { type AvroSchema, avroResolver, avroType, decodeAvro } from '../formats/avro-format.ts';
import { ConfluentAvroDecoder, type ConfluentAvroDecoderOptions } from '../formats/confluent-avro-decoder.ts';
import { type JsonShape, type JsonShapeType, jsonShapeParser } from '../formats/json-shape.ts';

/**
 * Turning Kafka records into stream elements. A value-only deserializer sees the value bytes; a
 * record deserializer sees the whole {@link KafkaConsumerRecord}. Both run on the task's thread, in
 * the source reader's fetch loop, a fetched batch at a time; what they throw is handled by the
 * source's failure policy (by default the job fails with DESERIALIZATION_FAILED naming topic,
 * partition, offset and the reason).
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
export type KafkaValueDeserializer<T> = ((value: Buffer | null) => T) & {
  /**
   * Asynchronous work a batch needs before it is deserialized (e.g. fetching unknown schemas from a
   * registry), called by the source's fetch loop with the batch's values; undefined when there is none.
   */
  prepare?: (values: ReadonlyArray<Buffer | null>) => Promise<void> | undefined;
};

/** Builds an element from a whole record. */
export type KafkaRecordDeserializer<T> = (record: KafkaConsumerRecord) => T;

function present(value: Buffer | null): Buffer {
  if (value === null) throw new Error('the record has no value (a tombstone)');
  return value;
}

function json<T = unknown>(parse?: (raw: unknown) => T): KafkaValueDeserializer<T>;
function json<const S extends JsonShape>(shape: S): KafkaValueDeserializer<JsonShapeType<S>>;
function json(parseOrShape?: ((raw: unknown) => unknown) | JsonShape): KafkaValueDeserializer<unknown> {
  const parse = typeof parseOrShape === 'object' ? jsonShapeParser(parseOrShape) : parseOrShape;
  return (value) => {
    const raw: unknown = JSON.parse(present(value).toString('utf8'));
    return parse === undefined ? raw : parse(raw);
  };
}

/** Options of {@link KafkaDeserializers.avro}. */
export interface AvroDeserializerOptions {
  /** Read values written with the schema given first as this schema (added fields need defaults). */
  readonly readerSchema?: AvroSchema;
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
   * The value parsed as UTF-8 JSON, then checked against a {@link JsonShape} (the element type is
   * inferred from it) or shaped by a `parse` function (throw to reject; a zod schema's `parse` fits).
   * Without either, `T` is what you promise the values hold.
   *
   * @example
   * ```ts
   * KafkaDeserializers.json({ customer: 'string', amount: 'number', ts: 'number', note: 'string?' });
   * // KafkaValueDeserializer<{ customer: string; amount: number; ts: number; note?: string | null }>
   * // a value {"customer":"c1","amount":"12"} fails: field "amount": expected a number, got "12"
   * KafkaDeserializers.json<Payment>((raw) => assertPayment(raw));
   * ```
   */
  json,
  /**
   * The value as plain Avro binary (no header) written with `schema`; with `readerSchema`, resolved
   * into that schema. Records come out as objects with the schema's fields.
   *
   * @example
   * ```ts
   * const schema = { type: 'record', name: 'Payment', fields: [
   *   { name: 'customer', type: 'string' }, { name: 'amount', type: 'double' }] };
   * KafkaDeserializers.avro<Payment>(schema);
   * ```
   */
  avro<T = unknown>(schema: AvroSchema, options: AvroDeserializerOptions = {}): KafkaValueDeserializer<T> {
    const writer = avroType(schema);
    const reader = options.readerSchema === undefined ? writer : avroType(options.readerSchema);
    const resolver = reader === writer ? undefined : avroResolver(reader, writer);
    return (value) => decodeAvro<T>(reader, present(value), 0, resolver);
  },
  /**
   * Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary): each value's
   * writer schema is fetched from the schema registry by id, once, in `prepare` (which the source
   * calls for each fetched batch), so deserializing stays synchronous. With `readerSchema`, every
   * value is resolved into that schema (schema evolution).
   *
   * @example
   * ```ts
   * KafkaSource.builder<Payment>()
   *   .setValueOnlyDeserializer(
   *     KafkaDeserializers.confluentAvro<Payment>({ registryUrl: 'http://127.0.0.1:8081', readerSchema: paymentV2 }),
   *   )
   * ```
   */
  confluentAvro<T = unknown>(options: ConfluentAvroDecoderOptions): KafkaValueDeserializer<T> {
    const decoder = new ConfluentAvroDecoder<T>(options);
    const deserialize = (value: Buffer | null): T => decoder.decode(present(value));
    return Object.assign(deserialize, {
      prepare: (values: ReadonlyArray<Buffer | null>) => decoder.prepare(values),
    });
  },
} as const;
