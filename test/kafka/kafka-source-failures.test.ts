/**
 * KafkaSource deserialization failure policies against the local broker: 'skip' drops the bad
 * records, counts them in `numRecordsInErrors` and logs at most one line per 10 s; 'dead-letter'
 * writes their key, value and headers to the dead-letter topic with the error headers added, and
 * counts them; a value deserializer's `prepare` hook is awaited for each fetched batch before the
 * batch is deserialized.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type KafkaDeserializationFailurePolicy,
  KafkaDeserializers,
  KafkaSource,
  type KafkaValueDeserializer,
  OffsetsInitializer,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '../../src/index.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, produceMessages, uniqueTopic } from './broker.ts';

interface Item {
  id: number;
}

interface Message {
  partition: number;
  key: string;
  value: string;
  headers?: Map<string, string>;
}

/** `count` records over `partitions` partitions; the ids in `bad` are not JSON. */
function messages(count: number, partitions: number, bad: readonly number[]): Message[] {
  return Array.from({ length: count }, (_, id) => ({
    partition: id % partitions,
    key: `k${id}`,
    value: bad.includes(id) ? `{"id": ${id}` : JSON.stringify({ id }),
    headers: new Map([['origin', `o${id}`]]),
  }));
}

async function read<T>(
  source: KafkaSource<T>,
  parallelism = 1,
): Promise<{ values: T[]; errors: number | undefined }> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(parallelism);
  const sink = new CollectSink<T>();
  env.fromSource(source, WatermarkStrategy.noWatermarks(), 'kafka').sinkTo(sink);
  const result = await env.execute('read kafka');
  return { values: [...sink.values], errors: result.getAccumulatorResult<number>('numRecordsInErrors') };
}

function itemSource(topic: string, policy: KafkaDeserializationFailurePolicy): KafkaSource<Item> {
  return KafkaSource.builder<Item>()
    .setBootstrapServers(KAFKA_BOOTSTRAP)
    .setTopics(topic)
    .setBounded(OffsetsInitializer.latest())
    .setValueOnlyDeserializer(KafkaDeserializers.json<Item>())
    .setDeserializationFailurePolicy(policy)
    .build();
}

function ids(values: Item[]): number[] {
  return values.map((v) => v.id).sort((a, b) => a - b);
}

function range(from: number, to: number, except: readonly number[] = []): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k).filter((id) => !except.includes(id));
}

/** Runs `fn` with console.warn captured. */
async function capturingWarnings<R>(fn: () => Promise<R>): Promise<{ result: R; warnings: string[] }> {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  };
  try {
    return { result: await fn(), warnings };
  } finally {
    console.warn = original;
  }
}

describe('KafkaSource deserialization failure policies', () => {
  it("'skip' drops bad records, counts them and logs one line per 10 s", async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-skip');
    await createTopic(topic, 2);
    const bad = [3, 8, 11, 40, 41];
    await produceMessages(topic, messages(60, 2, bad));
    const { result, warnings } = await capturingWarnings(() => read(itemSource(topic, 'skip')));
    assert.deepEqual(ids(result.values), range(0, 60, bad));
    assert.equal(result.errors, bad.length);
    const skipped = warnings.filter((w) => w.includes('skipped a record'));
    assert.equal(skipped.length, 1, warnings.join('\n'));
    assert.match(
      skipped[0],
      new RegExp(
        `source "kafka" subtask 0 skipped a record: cannot deserialize the Kafka record at topic "${topic}" partition \\d offset \\d+: .*JSON`,
      ),
    );
    // At parallelism 2 the count is merged over the subtasks.
    assert.equal((await read(itemSource(topic, { kind: 'skip' }), 2)).errors, bad.length);
    // The source tasks' metrics carry the count too, while the job runs.
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    env
      .fromSource(itemSource(topic, 'skip'), WatermarkStrategy.noWatermarks(), 'kafka')
      .sinkTo(new CollectSink<Item>());
    const { result: client } = await capturingWarnings(async () => {
      const c = await env.executeAsync('metrics');
      await c.getJobExecutionResult();
      return c;
    });
    const sources = client.getMetrics().filter((m) => m.recordsInErrors !== undefined);
    assert.equal(sources.length, 2, 'both source subtasks report the count');
    assert.equal(
      sources.reduce((sum, m) => sum + (m.recordsInErrors ?? 0), 0),
      bad.length,
    );
  });

  it("'dead-letter' writes key, value and headers with the error headers, and counts them", async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-dlq-in');
    const dlq = uniqueTopic('weir-source-dlq');
    await createTopic(topic, 2);
    await createTopic(dlq, 1);
    const bad = [1, 6, 7];
    await produceMessages(topic, messages(30, 2, bad));
    const { result } = await capturingWarnings(() =>
      read(itemSource(topic, { kind: 'dead-letter', topic: dlq })),
    );
    assert.deepEqual(ids(result.values), range(0, 30, bad));
    assert.equal(result.errors, bad.length);

    const letters = KafkaSource.builder<string>()
      .setBootstrapServers(KAFKA_BOOTSTRAP)
      .setTopics(dlq)
      .setBounded(OffsetsInitializer.latest())
      .setDeserializer((r) => {
        const headers = Object.fromEntries(r.headers.map((h) => [h.key, h.value?.toString()]));
        return JSON.stringify({ key: r.key?.toString(), value: r.value?.toString(), headers });
      })
      .build();
    const written = (await read(letters)).values.map((s) => JSON.parse(s));
    written.sort((a, b) => a.key.localeCompare(b.key));
    // Record id lives in partition id % 2 at offset floor(id / 2).
    assert.deepEqual(
      written,
      bad
        .map((id) => ({
          key: `k${id}`,
          value: `{"id": ${id}`,
          headers: {
            origin: `o${id}`,
            'weir.error.topic': topic,
            'weir.error.partition': String(id % 2),
            'weir.error.offset': String(Math.floor(id / 2)),
            'weir.error.message': written.find((w) => w.key === `k${id}`)?.headers['weir.error.message'],
          },
        }))
        .sort((a, b) => a.key.localeCompare(b.key)),
    );
    for (const w of written) assert.match(w.headers['weir.error.message'], /JSON/);
  });

  it('fails at planning when the dead-letter topic does not exist', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-dlq-missing');
    await createTopic(topic, 1);
    const missing = uniqueTopic('weir-source-no-such-dlq');
    await assert.rejects(
      read(itemSource(topic, { kind: 'dead-letter', topic: missing })),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'SOURCE_FAILED');
        assert.match(error.message, new RegExp(`dead-letter topic "${missing}" cannot be used`));
        return true;
      },
    );
  });

  it("awaits a value deserializer's prepare hook for each fetched batch before deserializing it", async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-prepare');
    await createTopic(topic, 2);
    await produceMessages(topic, messages(200, 2, []));
    // Like a schema-registry deserializer: values can only be read once prepare has seen them.
    const known = new Set<string>();
    let batches = 0;
    const deserializer: KafkaValueDeserializer<Item> = Object.assign(
      (value: Buffer | null): Item => {
        const text = value!.toString();
        if (!known.has(text)) throw new Error(`not prepared: ${text}`);
        return JSON.parse(text) as Item;
      },
      {
        prepare: (values: ReadonlyArray<Buffer | null>) => {
          batches++;
          const texts = values.map((v) => v!.toString());
          return new Promise<void>((resolve) =>
            setTimeout(() => {
              for (const text of texts) known.add(text);
              resolve();
            }, 5),
          );
        },
      },
    );
    const source = KafkaSource.builder<Item>()
      .setBootstrapServers(KAFKA_BOOTSTRAP)
      .setTopics(topic)
      .setBounded(OffsetsInitializer.latest())
      .setValueOnlyDeserializer(deserializer)
      .build();
    assert.deepEqual(ids((await read(source)).values), range(0, 200));
    assert.ok(batches >= 1);
  });

  it('rejects a malformed policy', () => {
    const builder = KafkaSource.builder<Item>();
    assert.throws(
      () => builder.setDeserializationFailurePolicy({ kind: 'dead-letter', topic: '' }),
      /dead-letter policy needs a topic/,
    );
    assert.throws(
      () => builder.setDeserializationFailurePolicy('drop' as 'skip'),
      /unknown deserialization failure policy "drop"/,
    );
  });
});
