import { type AvroSchema, avroType, encodeAvro } from '../formats/avro-format.ts';
import { ConfluentAvroEncoder, type ConfluentAvroEncoderOptions } from '../formats/confluent-avro-encoder.ts';
import type { KafkaValueSerializer } from './kafka-record-serializer.ts';

/**
 * Ready-made value serializers for KafkaSink, the mirror of {@link KafkaDeserializers}. They run on
 * the task's thread, once per element; whatever they throw fails the job with the reason.
 */

/** Options of {@link KafkaSerializers.json}. */
export interface JsonSerializerOptions {
  /** `JSON.stringify`'s replacer, e.g. to write bigints as strings. */
  readonly replacer?: (this: unknown, key: string, value: unknown) => unknown;
}

/** Ready-made value serializers. */
export const KafkaSerializers = {
  /** The text's bytes (UTF-8 by default). */
  string(encoding: BufferEncoding = 'utf8'): KafkaValueSerializer<string> {
    return (value) => Buffer.from(value, encoding);
  },
  /** The bytes as they are (a Uint8Array is wrapped, not copied). */
  bytes(): KafkaValueSerializer<Uint8Array> {
    return (value) =>
      Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  },
  /**
   * The value as UTF-8 JSON. A value JSON cannot represent (undefined, a function) is an error, not
   * a tombstone.
   *
   * @example
   * ```ts
   * KafkaRecordSerializers.builder<Spend>()
   *   .setTopic('hourly-spend')
   *   .setValueSerializer(KafkaSerializers.json<Spend>())
   *   .build();
   * ```
   */
  json<T>(options: JsonSerializerOptions = {}): KafkaValueSerializer<T> {
    const replacer = options.replacer;
    return (value) => {
      const text: string | undefined = JSON.stringify(value, replacer);
      if (text === undefined) throw new Error(`cannot write ${typeof value} as JSON`);
      return Buffer.from(text, 'utf8');
    };
  },
  /**
   * The value as plain Avro binary (no header: readers must know the schema). A value the schema
   * does not accept fails naming the field, e.g. `field "amount": expected "double", got "12"`.
   *
   * @example
   * ```ts
   * const schema = { type: 'record', name: 'Payment', fields: [
   *   { name: 'customer', type: 'string' }, { name: 'amount', type: 'double' }] };
   * KafkaSerializers.avro<Payment>(schema);
   * ```
   */
  avro<T>(schema: AvroSchema): KafkaValueSerializer<T> {
    const type = avroType(schema);
    return (value) => encodeAvro(type, value);
  },
  /**
   * Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary). Its `open`,
   * awaited by the sink before the first element, registers `schema` under `subject` in the schema
   * registry (or finds its id when the subject already holds it); serializing is then synchronous.
   *
   * @example
   * ```ts
   * KafkaSerializers.confluentAvro<Payment>({
   *   registryUrl: 'http://127.0.0.1:8081',
   *   subject: 'payments-value', // Confluent's naming: <topic>-value
   *   schema: paymentSchema,
   * });
   * ```
   */
  confluentAvro<T>(options: ConfluentAvroEncoderOptions): KafkaValueSerializer<T> {
    const encoder = new ConfluentAvroEncoder<T>(options);
    const serialize = (value: T): Buffer => encoder.encode(value);
    return Object.assign(serialize, { open: () => encoder.open() });
  },
} as const;
