export {
  checkKafkaProperty,
  KAFKA_SOURCE_PROPERTIES,
  type KafkaClientConfig,
} from './kafka-client-config.ts';
export {
  type KafkaConsumerRecord,
  KafkaDeserializers,
  type KafkaHeader,
  type KafkaRecordDeserializer,
  type KafkaValueDeserializer,
} from './kafka-deserializers.ts';
export { type KafkaPartitionSplit, kafkaSplitId } from './kafka-partition-split.ts';
export { KafkaSource, KafkaSourceBuilder } from './kafka-source.ts';
export { KafkaSourceReader } from './kafka-source-reader.ts';
export { type KafkaPartitionOffset, OffsetsInitializer } from './offsets-initializer.ts';
