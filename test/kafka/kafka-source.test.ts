/**
 * KafkaSource against the local broker: bounded reads see every record exactly once at any
 * parallelism, starting offsets are honoured, a restore resumes at the checkpointed offsets, and a
 * record that cannot be deserialized fails the job naming topic, partition and offset.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Producer, stringSerializers } from '@platformatic/kafka';
import { taskFailureOf } from '../../src/core/task-failure.ts';
import {
  type Collector,
  KafkaDeserializers,
  KafkaSource,
  type KeyedProcessContext,
  KeyedProcessFunction,
  OffsetsInitializer,
  RestartStrategies,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../src/index.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, produceMessages, uniqueTopic } from './broker.ts';

/** Produces `values[i]` to partition `i % partitions`. */
function produce(topic: string, values: string[], partitions: number): Promise<void> {
  return produceMessages(
    topic,
    values.map((value, i) => ({ partition: i % partitions, value })),
  );
}

interface Item {
  id: number;
}

function items(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, k) => JSON.stringify({ id: from + k }));
}

function source(topic: string, starting = OffsetsInitializer.earliest()): KafkaSource<Item> {
  return KafkaSource.builder<Item>()
    .setBootstrapServers(KAFKA_BOOTSTRAP)
    .setTopics(topic)
    .setGroupId(`${topic}-group`)
    .setStartingOffsets(starting)
    .setBounded(OffsetsInitializer.latest())
    .setValueOnlyDeserializer(KafkaDeserializers.json<Item>())
    .build();
}

async function readIds(kafka: KafkaSource<Item>, parallelism: number): Promise<number[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(parallelism);
  const sink = new CollectSink<number>();
  env
    .fromSource(kafka, WatermarkStrategy.noWatermarks(), 'kafka')
    .map((item) => item.id)
    .sinkTo(sink);
  await env.execute('read kafka');
  return [...sink.values].sort((a, b) => a - b);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

class RunningCount extends KeyedProcessFunction<number, number, [number, number]> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
  }
  processElement(_id: number, ctx: KeyedProcessContext<number>, out: Collector<[number, number]>): void {
    const n = this.count.value() + 1;
    this.count.update(n);
    out.collect([ctx.getCurrentKey(), n]);
  }
}

describe('KafkaSource', () => {
  it('reads a bounded 3-partition topic exactly once at parallelism 1 and 3', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-bounded');
    await createTopic(topic, 3);
    await produce(topic, items(0, 3_000), 3);
    const splits = await source(topic).createSplits(1);
    assert.deepEqual(
      splits.map((s) => [s.splitId, s.nextOffset, s.stopOffset]),
      [0, 1, 2].map((p) => [`${topic}-${p}`, 0, 1_000]),
    );
    assert.deepEqual(await readIds(source(topic), 1), range(0, 3_000));
    assert.deepEqual(await readIds(source(topic), 3), range(0, 3_000));
  });

  it('starts at the earliest, the latest or specific offsets', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-offsets');
    await createTopic(topic, 3);
    await produce(topic, items(0, 300), 3);
    assert.equal((await readIds(source(topic, OffsetsInitializer.earliest()), 1)).length, 300);
    assert.deepEqual(await readIds(source(topic, OffsetsInitializer.latest()), 1), []);
    // Partition p holds ids p, p + 3, ...: from offset 90 of partition 1 on, only ids 271 ... 298.
    const specific = OffsetsInitializer.offsets([{ topic, partition: 1, offset: 90 }], 'latest');
    assert.deepEqual(
      await readIds(source(topic, specific), 1),
      range(90, 100).map((o) => o * 3 + 1),
    );
  });

  it('restores the checkpointed offsets after a failure: exact keyed counts', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-restore');
    await createTopic(topic, 3);
    const total = 3_000;
    await produce(topic, items(0, total), 3);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    env.enableCheckpointing(50);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 10));
    const sink = new CollectSink<[number, number]>();
    let seen = 0;
    let failed = false;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    env
      .fromSource(source(topic), WatermarkStrategy.noWatermarks(), 'kafka')
      .uid('kafka')
      .map((item) => {
        // Slow enough (about 0.6 s in all) for checkpoints to complete before the failure.
        if (++seen % 10 === 0) Atomics.wait(pause, 0, 0, 2);
        if (seen === 2_000 && !failed) {
          failed = true;
          throw new Error('injected');
        }
        return item.id;
      })
      .keyBy((id) => id % 5)
      .process(new RunningCount())
      .sinkTo(sink);
    const client = await env.executeAsync('kafka restore');
    await client.getJobExecutionResult();
    const statistics = client.getCheckpointStatistics!();
    assert.equal(statistics.restarts, 1);
    assert.ok(statistics.completed >= 1, `completed checkpoints: ${statistics.completed}`);
    const finals = new Map<number, number>();
    for (const [k, n] of sink.values) finals.set(k, Math.max(finals.get(k) ?? 0, n));
    assert.deepEqual(
      [...finals].sort((a, b) => a[0] - b[0]),
      range(0, 5).map((k) => [k, total / 5]),
    );
  });

  it('fails the job on a record that is not JSON, naming topic, partition and offset', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-poison');
    await createTopic(topic, 2);
    const values = items(0, 20);
    values[11] = '{"id": 11'; // partition 1, offset 5
    await produce(topic, values, 2);
    await assert.rejects(readIds(source(topic), 1), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'DESERIALIZATION_FAILED');
      assert.match(error.message, new RegExp(`topic "${topic}" partition 1 offset 5: .*JSON`));
      // The same as data, for the REST API's exception history: the raw record and where it is.
      const context = taskFailureOf(error);
      assert.equal(context?.record, '{"id": 11');
      assert.equal(context?.position, `topic "${topic}" partition 1 offset 5`);
      assert.equal(context?.taskName !== undefined && context.subtask !== undefined, true);
      return true;
    });
  });

  it('gives a record deserializer key, value, headers, topic, partition, offset and timestamp', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('weir-source-record');
    await createTopic(topic, 1);
    const producer = new Producer({
      clientId: 'weir-kafka-source-test',
      bootstrapBrokers: [KAFKA_BOOTSTRAP],
      serializers: stringSerializers,
      idempotent: true,
    });
    try {
      await producer.send({
        messages: [{ topic, key: 'k', value: 'v', headers: new Map([['h', 'x']]), timestamp: 1_234n }],
      });
    } finally {
      await producer.close();
    }
    const kafka = KafkaSource.builder<string>()
      .setBootstrapServers(KAFKA_BOOTSTRAP)
      .setTopics(topic)
      .setBounded(OffsetsInitializer.latest())
      .setDeserializer(
        (r) =>
          `${r.topic === topic}|${r.partition}|${r.offset}|${r.timestamp}|${r.key}|${r.value}|${r.headers.map((h) => `${h.key}=${h.value}`)}`,
      )
      .build();
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const sink = new CollectSink<string>();
    env.fromSource(kafka, WatermarkStrategy.noWatermarks(), 'kafka').sinkTo(sink);
    await env.execute('record deserializer');
    assert.deepEqual(sink.values, ['true|0|0|1234|k|v|h=x']);
  });
});
