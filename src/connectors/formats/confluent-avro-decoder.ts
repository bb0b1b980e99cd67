import {
  type AvroResolver,
  type AvroSchema,
  type AvroType,
  avroResolver,
  avroType,
  decodeAvro,
} from './avro-format.ts';
import { CONFLUENT_HEADER_BYTES, CONFLUENT_MAGIC_BYTE, confluentSchemaId } from './confluent-wire-format.ts';
import { SchemaRegistryClient, SchemaRegistryError } from './schema-registry-client.ts';

export interface ConfluentAvroDecoderOptions {
  /** The registry's base URL, or a client shared with other encoders and decoders. */
  readonly registryUrl: string | SchemaRegistryClient;
  /**
   * The schema to read every value as, whatever schema it was written with (schema evolution:
   * fields added with defaults, removed fields, promoted numbers, aliases). Without it, values come
   * out as their writer's schema says.
   */
  readonly readerSchema?: AvroSchema;
}

interface WriterSchema {
  readonly type: AvroType;
  readonly resolver: AvroResolver | undefined;
}

/**
 * Reads values in the Confluent wire format with Avro payloads. `decode` is synchronous, so the
 * writer schemas must be known before: `prepare(values)` fetches the ids a batch uses that have not
 * been seen yet (one registry request per new id, then cached), and returns undefined when there
 * are none, which is the steady state.
 */
export class ConfluentAvroDecoder<T> {
  readonly registry: SchemaRegistryClient;
  private readonly reader: AvroType | undefined;
  private readonly writers = new Map<number, WriterSchema>();
  /** Why an id could not be used (not in the registry, not Avro, incompatible with the reader). */
  private readonly unusable = new Map<number, string>();

  constructor(options: ConfluentAvroDecoderOptions) {
    this.registry =
      typeof options.registryUrl === 'string'
        ? new SchemaRegistryClient(options.registryUrl)
        : options.registryUrl;
    this.reader = options.readerSchema === undefined ? undefined : avroType(options.readerSchema);
  }

  decode(bytes: Buffer): T {
    const id = confluentSchemaId(bytes);
    const writer = this.writers.get(id);
    if (writer === undefined) {
      throw new Error(
        this.unusable.get(id) ??
          `schema id ${id} has not been fetched from the schema registry at ${this.registry.url}: prepare() must see the value before decode()`,
      );
    }
    return decodeAvro<T>(this.reader ?? writer.type, bytes, CONFLUENT_HEADER_BYTES, writer.resolver);
  }

  /**
   * Fetches the writer schemas of `values` not known yet; undefined when every id is known. Values
   * that are not in the wire format are left for `decode` to reject with their position. Rejects
   * when the registry cannot be reached; an id the registry does not know fails `decode` instead,
   * so the error names the record.
   */
  prepare(values: ReadonlyArray<Buffer | null>): Promise<void> | undefined {
    let missing: number[] | undefined;
    for (let i = 0; i < values.length; i++) {
      const bytes = values[i];
      if (bytes === null || bytes.length < CONFLUENT_HEADER_BYTES || bytes[0] !== CONFLUENT_MAGIC_BYTE)
        continue;
      const id = bytes.readInt32BE(1);
      if (this.writers.has(id) || missing?.includes(id)) continue;
      (missing ??= []).push(id);
    }
    if (missing === undefined) return undefined;
    return Promise.all(missing.map((id) => this.fetch(id))).then(() => {});
  }

  private async fetch(id: number): Promise<void> {
    let registered: { schemaType: string; schema: string };
    try {
      registered = await this.registry.schemaById(id);
    } catch (error) {
      if (error instanceof SchemaRegistryError && error.status === 404) {
        this.unusable.set(id, `unknown schema id ${id}: ${error.message}`);
        return;
      }
      throw new Error(`cannot fetch the Avro schema with id ${id}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      if (registered.schemaType !== 'AVRO') {
        throw new Error(`it is a ${registered.schemaType} schema, not Avro`);
      }
      const type = avroType(registered.schema);
      const resolver = this.reader === undefined ? undefined : avroResolver(this.reader, type);
      this.writers.set(id, { type, resolver });
      this.unusable.delete(id);
    } catch (error) {
      this.unusable.set(id, `cannot read values with schema id ${id}: ${(error as Error).message}`);
    }
  }
}
