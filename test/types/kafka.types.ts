/**
 * Type tests for the Kafka connectors: checked by `npm run typecheck` (tsc), never run. The element
 * type flows from the deserializer into the source and the stream, and a sink only takes the
 * elements its serializer can write.
 */
import {
  type DataStream,
  KafkaDeserializers,
  KafkaRecordSerializers,
  KafkaSerializers,
  KafkaSink,
  KafkaSource,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok: T): void {}

// Without a type argument, the source's type is the deserializer's.
const inferred = KafkaSource.builder()
  .setBootstrapServers('127.0.0.1:9092')
  .setTopics('t')
  .setValueOnlyDeserializer(KafkaDeserializers.json({ user: 'string', amount: 'number' }))
  .build();
expectType<Equal<typeof inferred, KafkaSource<{ user: string; amount: number }>>>(true);

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const stream = env.fromSource(inferred, WatermarkStrategy.noWatermarks(), 'kafka');
expectType<Equal<typeof stream, DataStream<{ user: string; amount: number }>>>(true);

// A record deserializer infers the same way.
const records = KafkaSource.builder()
  .setDeserializer((r) => ({ partition: r.partition, offset: r.offset }))
  .build();
expectType<Equal<typeof records, KafkaSource<{ partition: number; offset: number }>>>(true);

// With a type argument, the builder keeps it (a narrower deserializer is fine)...
const named = KafkaSource.builder<string>()
  .setDeserializer((r) => `${r.topic}:${r.offset}`)
  .build();
expectType<Equal<typeof named, KafkaSource<string>>>(true);
// ...and a deserializer of another type is refused.
// @ts-expect-error: numbers are not strings
KafkaSource.builder<string>().setValueOnlyDeserializer((v) => v?.length ?? 0);

// The sink takes what its serializer writes.
const sink = KafkaSink.builder<{ user: string; amount: number }>()
  .setBootstrapServers('127.0.0.1:9092')
  .setRecordSerializer(
    KafkaRecordSerializers.builder<{ user: string; amount: number }>()
      .setTopic('out')
      .setKeySerializer((r) => Buffer.from(r.user))
      .setValueSerializer(KafkaSerializers.json())
      .build(),
  )
  .build();
stream.sinkTo(sink);
// @ts-expect-error: a sink of numbers cannot take the records
stream.sinkTo(KafkaSink.builder<number>().build());
