import { type AvroSchema, type AvroType, avroType, encodeAvro } from './avro-format.ts';
import { confluentHeader } from './confluent-wire-format.ts';
import { SchemaRegistryClient } from './schema-registry-client.ts';

export interface ConfluentAvroEncoderOptions {
  /** The registry's base URL, or a client shared with other encoders and decoders. */
  readonly registryUrl: string | SchemaRegistryClient;
  /** The subject the schema is registered under; Confluent's default for a topic's values is `<topic>-value`. */
  readonly subject: string;
  readonly schema: AvroSchema;
}

/**
 * Writes values in the Confluent wire format with Avro payloads. `open()` registers the schema under
 * the subject (or finds its id if it is there already) once; `encode` is then synchronous.
 */
export class ConfluentAvroEncoder<T> {
  readonly registry: SchemaRegistryClient;
  readonly subject: string;
  readonly type: AvroType;
  private header: Buffer | undefined;

  constructor(options: ConfluentAvroEncoderOptions) {
    this.registry =
      typeof options.registryUrl === 'string'
        ? new SchemaRegistryClient(options.registryUrl)
        : options.registryUrl;
    this.subject = options.subject;
    this.type = avroType(options.schema);
  }

  /** The registry id of the schema; known after `open()`. */
  get schemaId(): number | undefined {
    return this.header?.readInt32BE(1);
  }

  async open(): Promise<void> {
    if (this.header !== undefined) return;
    const schema = JSON.stringify(this.type.schema({ exportAttrs: true }));
    let id: number;
    try {
      id = await this.registry.register(this.subject, schema);
    } catch (error) {
      throw new Error(
        `cannot register the Avro schema under subject "${this.subject}": ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.header = confluentHeader(id);
  }

  encode(value: T): Buffer {
    const header = this.header;
    if (header === undefined) {
      throw new Error(
        `the schema id of subject "${this.subject}" is not known yet: open() must complete before the first value`,
      );
    }
    return encodeAvro(this.type, value, header);
  }
}
