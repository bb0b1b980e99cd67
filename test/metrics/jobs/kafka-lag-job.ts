/**
 * The Kafka job of the metrics tests: reads WEIR_METRICS_TOPIC (JSON numbers) from the earliest
 * offset without end, skipping records that are not JSON (counted in numRecordsInErrors), and prints
 * nothing, so that its reader reports the consumer lag of each partition.
 */
import {
  KafkaDeserializers,
  KafkaSource,
  OffsetsInitializer,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';

const topic = process.env.WEIR_METRICS_TOPIC;
if (!topic) throw new Error('WEIR_METRICS_TOPIC is not set');
const source = KafkaSource.builder<number>()
  .setBootstrapServers(process.env.WEIR_METRICS_BOOTSTRAP ?? '127.0.0.1:9092')
  .setTopics(topic)
  .setGroupId(`${topic}-metrics`)
  .setStartingOffsets(OffsetsInitializer.earliest())
  .setValueOnlyDeserializer(KafkaDeserializers.json<number>())
  .setDeserializationFailurePolicy('skip')
  .build();
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSource(source, WatermarkStrategy.noWatermarks(), 'kafka')
  .uid('kafka')
  .filter((value) => value < 0)
  .print();
await env.execute('metrics-kafka-lag');
