/**
 * Reads a Kafka topic from its beginning to what it holds when the job starts, as a `read_committed`
 * consumer (records of open or aborted transactions are not shown), and prints one line per record:
 * partition, offset, key and value. It is how to look at the walkthrough's output:
 *
 *   npx weir run examples/kafka-read-topic.ts                        # the topic hourly-spend
 *   TOPIC=raw-transactions-dlq npx weir run examples/kafka-read-topic.ts
 *
 * TOPIC (default hourly-spend) and KAFKA_BOOTSTRAP (default 127.0.0.1:9092) choose what to read.
 */
import {
  type KafkaConsumerRecord,
  KafkaSource,
  OffsetsInitializer,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';

const servers = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092';
const topic = process.env.TOPIC ?? 'hourly-spend';

const text = (bytes: Buffer | null) => (bytes === null ? 'null' : bytes.toString('utf8'));

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.setParallelism(1); // one reader: the lines of each partition come in offset order
env
  .fromSource(
    KafkaSource.builder()
      .setBootstrapServers(servers)
      .setTopics(topic)
      .setStartingOffsets(OffsetsInitializer.earliest())
      .setBounded(OffsetsInitializer.latest())
      .setDeserializer(
        (r: KafkaConsumerRecord) => `${r.topic}/${r.partition}@${r.offset} ${text(r.key)} ${text(r.value)}`,
      )
      .build(),
    WatermarkStrategy.noWatermarks(),
    topic,
  )
  .print();
await env.execute(`read ${topic}`);
