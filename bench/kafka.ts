/**
 * Kafka → keyed count → Kafka throughput against the local broker (scripts/kafka.sh start):
 *   npm run bench:kafka -- --records 1000000 [--guarantee EXACTLY_ONCE|AT_LEAST_ONCE|NONE]
 *                          [--partitions 4] [--keys 1000] [--checkpoint 1000] [--runs 3]
 * Fills a fresh input topic once (not timed), then per run: a bounded KafkaSource reads it all, a
 * keyed running count emits `<key>:<count>` per record, and a KafkaSink writes them to a fresh
 * output topic with the chosen guarantee, checkpointing every --checkpoint ms. The job's wall time
 * includes the final checkpoint and the last commit. Ends with one line:
 *   kafka <guarantee>: <N> records in <S> s = <R> records/s
 * taken from the median run.
 */
import { parseArgs } from 'node:util';
import { Admin, ListOffsetTimestamps, Producer } from '@platformatic/kafka';
import {
  type DeliveryGuarantee,
  KafkaRecordSerializers,
  KafkaSink,
  KafkaSource,
  OffsetsInitializer,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    records: { type: 'string', default: '1000000' },
    guarantee: { type: 'string', default: 'EXACTLY_ONCE' },
    partitions: { type: 'string', default: '4' },
    keys: { type: 'string', default: '1000' },
    checkpoint: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
    servers: { type: 'string', default: '127.0.0.1:9092' },
  },
});
const records = Number(values.records);
const guarantee = values.guarantee as DeliveryGuarantee;
const partitions = Number(values.partitions);
const keys = Number(values.keys);
const servers = values.servers;
const tag = `${process.pid}-${Date.now().toString(36)}`;

async function createTopic(topic: string): Promise<void> {
  const admin = new Admin({ clientId: 'weir-bench', bootstrapBrokers: [servers] });
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  } finally {
    await admin.close();
  }
}

async function fill(topic: string): Promise<number> {
  const producer = new Producer({ clientId: 'weir-bench', bootstrapBrokers: [servers], idempotent: true });
  const t0 = performance.now();
  try {
    const pending: Promise<unknown>[] = [];
    for (let from = 0; from < records; from += 10_000) {
      const messages = [];
      for (let n = from; n < Math.min(records, from + 10_000); n++) {
        messages.push({ topic, partition: n % partitions, value: Buffer.from(String(n)) });
      }
      pending.push(producer.send({ messages }));
      if (pending.length >= 4) await pending.shift();
    }
    await Promise.all(pending);
  } finally {
    await producer.close();
  }
  return (performance.now() - t0) / 1000;
}

async function endOffsets(topic: string): Promise<number> {
  const admin = new Admin({ clientId: 'weir-bench', bootstrapBrokers: [servers] });
  try {
    const offsets = await admin.listOffsets({
      topics: [
        {
          name: topic,
          partitions: Array.from({ length: partitions }, (_, p) => ({
            partitionIndex: p,
            timestamp: ListOffsetTimestamps.LATEST,
          })),
        },
      ],
    });
    let sum = 0;
    for (const t of offsets) for (const p of t.partitions) sum += Number(p.offset);
    return sum;
  } catch {
    return Number.NaN;
  } finally {
    await admin.close();
  }
}

async function runOnce(input: string, run: number): Promise<number> {
  const output = `bench-out-${tag}-${run}`;
  await createTopic(output);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  if (guarantee !== 'NONE') env.enableCheckpointing(Number(values.checkpoint));
  const counts = new Map<number, number>();
  env
    .fromSource(
      KafkaSource.builder()
        .setBootstrapServers(servers)
        .setTopics(input)
        .setBounded(OffsetsInitializer.latest())
        .setValueOnlyDeserializer((v) => Number(v?.toString()))
        .build(),
      WatermarkStrategy.noWatermarks(),
      'input',
    )
    .keyBy((n) => n % keys)
    .map((n) => {
      // A keyed running count; plain Map state keeps the measurement on Kafka, not on state.
      const key = n % keys;
      const c = (counts.get(key) ?? 0) + 1;
      counts.set(key, c);
      return `${key}:${c}`;
    })
    .sinkTo(
      KafkaSink.builder<string>()
        .setBootstrapServers(servers)
        .setRecordSerializer(
          KafkaRecordSerializers.builder<string>()
            .setTopic(output)
            .setValueSerializer((s) => Buffer.from(s))
            .build(),
        )
        .setDeliveryGuarantee(guarantee)
        .setTransactionalIdPrefix(output)
        .build(),
    );
  const t0 = performance.now();
  await env.execute(`kafka bench ${guarantee}`);
  const seconds = (performance.now() - t0) / 1000;
  const written = await endOffsets(output);
  console.log(
    `  run ${run + 1}: ${seconds.toFixed(2)} s, ${Math.round(records / seconds).toLocaleString('en-US')} records/s (output log end offsets ${written})`,
  );
  return seconds;
}

const input = `bench-in-${tag}`;
await createTopic(input);
const fillSeconds = await fill(input);
console.log(
  `filled ${input}: ${records} records in ${fillSeconds.toFixed(2)} s (${Math.round(records / fillSeconds).toLocaleString('en-US')} records/s, idempotent producer)`,
);
const times: number[] = [];
for (let run = 0; run < Number(values.runs); run++) times.push(await runOnce(input, run));
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(
  `kafka ${guarantee}: ${records} records in ${median.toFixed(2)} s = ${Math.round(records / median).toLocaleString('en-US')} records/s`,
);
