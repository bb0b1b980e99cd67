import './kafka-table-connector.ts';
import './upsert-kafka-table-connector.ts';

// Formats (JSON shapes, Avro, Confluent schema registry), shared with other connectors.
export * from '../formats/index.ts';
export {
  checkKafkaProperty,
  KAFKA_SOURCE_PROPERTIES,
  type KafkaClientConfig,
} from './kafka-client-config.ts';
export {
  type AvroDeserializerOptions,
  type KafkaConsumerRecord,
  KafkaDeserializers,
  type KafkaHeader,
  type KafkaRecordDeserializer,
  type KafkaValueDeserializer,
} from './kafka-deserializers.ts';
export { type KafkaPartitionSplit, kafkaSplitId } from './kafka-partition-split.ts';
export {
  type KafkaProducerRecord,
  type KafkaRecordSerializer,
  KafkaRecordSerializerBuilder,
  KafkaRecordSerializers,
  type KafkaValueSerializer,
} from './kafka-record-serializer.ts';
export { type JsonSerializerOptions, KafkaSerializers } from './kafka-serializers.ts';
export {
  type DeliveryGuarantee,
  KAFKA_SINK_PROPERTIES,
  KafkaSink,
  KafkaSinkBuilder,
  type KafkaSinkState,
} from './kafka-sink.ts';
export {
  DEFAULT_PARTITION_DISCOVERY_INTERVAL_MS,
  type KafkaDeserializationFailurePolicy,
  KafkaSource,
  KafkaSourceBuilder,
} from './kafka-source.ts';
export { KafkaSourceReader, RECORDS_IN_ERRORS } from './kafka-source-reader.ts';
export { kafkaSplitOwner } from './kafka-split-planner.ts';
export { KafkaTransactionAdmin, type KafkaTransactionHandle } from './kafka-transaction-admin.ts';
export { type KafkaPartitionOffset, OffsetsInitializer } from './offsets-initializer.ts';
