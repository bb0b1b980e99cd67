export {
  type AvroResolver,
  type AvroSchema,
  type AvroType,
  avroResolver,
  avroType,
  decodeAvro,
  encodeAvro,
} from './avro-format.ts';
export { ConfluentAvroDecoder, type ConfluentAvroDecoderOptions } from './confluent-avro-decoder.ts';
export { ConfluentAvroEncoder, type ConfluentAvroEncoderOptions } from './confluent-avro-encoder.ts';
export {
  CONFLUENT_HEADER_BYTES,
  CONFLUENT_MAGIC_BYTE,
  confluentHeader,
  confluentSchemaId,
} from './confluent-wire-format.ts';
export {
  type JsonFieldType,
  type JsonScalarType,
  type JsonShape,
  type JsonShapeType,
  jsonShapeParser,
} from './json-shape.ts';
export {
  type RegisteredSchema,
  SchemaRegistryClient,
  type SchemaRegistryClientOptions,
  SchemaRegistryError,
} from './schema-registry-client.ts';
