/**
 * KafkaSink against the local broker: every delivery guarantee delivers all records; EXACTLY_ONCE
 * keeps them invisible until the checkpoint completes and delivers each once across a failure; a
 * restored subtask commits the transactions its checkpoint pre-committed (by producer id and epoch)
 * and aborts the prefix's other open ones; a transaction timeout below the checkpoint interval is
 * refused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Producer } from '@platformatic/kafka';
import { setExecutionContext } from '../../src/api/executor.ts';
import {
  DataGeneratorSource,
  type DeliveryGuarantee,
  KafkaRecordSerializers,
  KafkaSink,
  KafkaTransactionAdmin,
  RestartStrategies,
  type SinkContext,
  type Source,
  type SourceSplit,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '../../src/index.ts';
import { until } from '../faults/support.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, uniqueTopic } from './broker.ts';
import { HoldAtSource } from './hold-source.ts';
import { readCommitted } from './read-committed.ts';

/** Bounds a failure that must come instead of a hang: generous, since it ends with the failure. */
const HANG = 90_000;

function sink(topic: string, guarantee: DeliveryGuarantee, prefix?: string): KafkaSink<number> {
  const builder = KafkaSink.builder<number>()
    .setBootstrapServers(KAFKA_BOOTSTRAP)
    .setRecordSerializer(
      KafkaRecordSerializers.builder<number>()
        .setTopic(topic)
        .setKeySerializer((n) => Buffer.from(String(n % 10)))
        .setValueSerializer((n) => Buffer.from(String(n)))
        .build(),
    )
    .setDeliveryGuarantee(guarantee);
  if (prefix !== undefined) builder.setTransactionalIdPrefix(prefix);
  return builder.build();
}

function values(records: Array<{ value: string | null }>): number[] {
  return records.map((r) => Number(r.value)).sort((a, b) => a - b);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}

describe('KafkaSink', () => {
  for (const guarantee of ['NONE', 'AT_LEAST_ONCE'] as const) {
    it(`${guarantee} writes every record of a bounded job (parallelism 2)`, async (t) => {
      if (!(await kafkaBroker(t))) return;
      const topic = uniqueTopic(`sink-${guarantee.toLowerCase()}`);
      await createTopic(topic, 3);
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.setParallelism(2);
      if (guarantee === 'AT_LEAST_ONCE') env.enableCheckpointing(50);
      env.fromSequence(0, 4_999).sinkTo(sink(topic, guarantee));
      await env.execute(`kafka sink ${guarantee}`);
      const records = await readCommitted(topic);
      assert.deepEqual(values(records), range(0, 5_000));
      // The key decides the partition: all records with one key are in one partition.
      const partitionOfKey = new Map<string | null, number>();
      for (const r of records) {
        const seen = partitionOfKey.get(r.key);
        if (seen !== undefined) assert.equal(r.partition, seen, `key ${r.key} in two partitions`);
        partitionOfKey.set(r.key, r.partition);
      }
    });
  }

  it('EXACTLY_ONCE delivers every record once across an injected failure and restart', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('sink-eos');
    await createTopic(topic, 2);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    env.enableCheckpointing(100);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 50));
    let failed = false;
    env
      .fromSource(
        new DataGeneratorSource((i) => i, 6_000, { rateLimit: 10_000 }),
        WatermarkStrategy.noWatermarks(),
        'numbers',
      )
      .map((n) => {
        // One failure in the middle: records after the last checkpoint are written again, into
        // transactions that replace the aborted ones.
        if (n === 3_500 && !failed) {
          failed = true;
          throw new Error('injected failure');
        }
        return n;
      })
      .sinkTo(sink(topic, 'EXACTLY_ONCE', topic));
    await env.execute('kafka sink exactly-once');
    assert.equal(failed, true, 'the failure was injected');
    const records = await readCommitted(topic);
    assert.deepEqual(values(records), range(0, 6_000));
  });

  it('EXACTLY_ONCE refuses a transaction timeout not above the checkpoint interval', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('sink-timeout');
    await createTopic(topic, 1);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.enableCheckpointing(5_000);
    env.setRestartStrategy(RestartStrategies.noRestart());
    const s = KafkaSink.builder<number>()
      .setBootstrapServers(KAFKA_BOOTSTRAP)
      .setRecordSerializer(
        KafkaRecordSerializers.builder<number>()
          .setTopic(topic)
          .setValueSerializer((n) => Buffer.from(String(n)))
          .build(),
      )
      .setDeliveryGuarantee('EXACTLY_ONCE')
      .setTransactionalIdPrefix(topic)
      .setProperty('transaction.timeout.ms', '1000')
      .build();
    env.fromSequence(0, 9).sinkTo(s);
    await assert.rejects(
      env.execute('too short a timeout'),
      /transaction\.timeout\.ms is 1000 but checkpoints are 5000 ms apart/,
    );
  });

  it('a record larger than the broker accepts fails the job with the reason and the record size', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('sink-large');
    await createTopic(topic, 1);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setRestartStrategy(RestartStrategies.noRestart());
    const s = KafkaSink.builder<number>()
      .setBootstrapServers(KAFKA_BOOTSTRAP)
      .setRecordSerializer(
        KafkaRecordSerializers.builder<number>()
          .setTopic(topic)
          .setValueSerializer((n) => Buffer.alloc(n === 3 ? 3 * 1024 * 1024 : 10, 120))
          .build(),
      )
      .setDeliveryGuarantee('AT_LEAST_ONCE')
      .build();
    env.fromSequence(0, 5).sinkTo(s);
    const started = Date.now();
    await assert.rejects(env.execute('oversized record'), (error: Error) => {
      assert.match(error.message, /KafkaSink cannot write \d+ records to sink-large/);
      assert.match(error.message, /largest record is 3145728 bytes/);
      return true;
    });
    assert.ok(Date.now() - started < HANG, 'it fails instead of hanging');
  });

  for (const guarantee of ['NONE', 'EXACTLY_ONCE'] as const) {
    it(`${guarantee}: an unreachable broker fails the job with a clear error, not a hang`, async () => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.setRestartStrategy(RestartStrategies.noRestart());
      if (guarantee === 'EXACTLY_ONCE') env.enableCheckpointing(100);
      const s = KafkaSink.builder<number>()
        .setBootstrapServers('127.0.0.1:1')
        .setRecordSerializer(
          KafkaRecordSerializers.builder<number>()
            .setTopic('nowhere')
            .setValueSerializer((n) => Buffer.from(String(n)))
            .build(),
        )
        .setDeliveryGuarantee(guarantee)
        .setTransactionalIdPrefix('nowhere')
        .setProperty('retries', '1')
        .build();
      env.fromSequence(0, 9).sinkTo(s);
      const started = Date.now();
      await assert.rejects(env.execute('no broker'), /127\.0\.0\.1:1/);
      assert.ok(Date.now() - started < HANG, 'it fails instead of hanging');
    });
  }

  it('stop-with-savepoint commits what the savepoint covers, and a restore from it finishes exactly once', async (t) => {
    const HOLD = 8_000;
    const numbers = () => new DataGeneratorSource((i) => i, 20_000, { rateLimit: 10_000 });
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('sink-savepoint');
    await createTopic(topic, 2);
    const dir = mkdtempSync(join(tmpdir(), 'weir-kafka-savepoint-'));
    const admin = new KafkaTransactionAdmin([KAFKA_BOOTSTRAP], 'weir-test-admin');
    const job = (source: Source<number, SourceSplit>) => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      // Checkpoints are rare: what the savepoint covers is mostly in its own transaction.
      env.enableCheckpointing(3_000);
      env
        .fromSource(source, WatermarkStrategy.noWatermarks(), 'numbers')
        .uid('numbers')
        .sinkTo(sink(topic, 'EXACTLY_ONCE', topic))
        .uid('kafka');
      return env;
    };
    try {
      // The first run cannot end on its own: it stops, with a savepoint, once its reader holds at
      // HOLD, so the savepoint covers exactly the numbers below it.
      const held = new HoldAtSource(numbers(), HOLD);
      const client = await job(held).executeAsync('until the savepoint');
      await until(() => held.held === 1, 120_000, `the reader to hold at ${HOLD}`);
      const path = await client.stopWithSavepoint!(dir);
      await client.getJobExecutionResult();
      // Nothing is left open: the savepoint's transaction was committed when the job stopped.
      assert.deepEqual(await admin.listOpen(topic), []);
      assert.deepEqual(values(await readCommitted(topic)), range(0, HOLD), 'committed at the stop');

      setExecutionContext({ restore: { path, kind: 'savepoint', allowNonRestoredState: false } });
      try {
        await job(numbers()).execute('from the savepoint');
      } finally {
        setExecutionContext(undefined);
      }
      assert.deepEqual(values(await readCommitted(topic)), range(0, 20_000));
    } finally {
      await admin.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('recovery commits the pre-committed transaction by producer id and epoch and aborts the other open ones of the prefix', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const topic = uniqueTopic('sink-recover');
    await createTopic(topic, 2);
    const prefix = `${topic}-tx`;
    // Three transactions left open by a "crashed" job: 0-3 was pre-committed by the checkpoint,
    // 0-4 and 1-2 were written after it.
    const open = async (id: string, from: number) => {
      const producer = new Producer({
        clientId: 'weir-test-crashed',
        bootstrapBrokers: [KAFKA_BOOTSTRAP],
        idempotent: true,
        transactionalId: id,
        timeout: 60_000,
      });
      const txn = await producer.beginTransaction();
      await txn.send({
        messages: range(from, from + 100).map((n) => ({ topic, value: Buffer.from(String(n)) })),
      });
      return {
        producer,
        handle: {
          transactionalId: id,
          producerId: String(producer.producerId),
          producerEpoch: producer.producerEpoch as number,
        },
      };
    };
    const preCommitted = await open(`${prefix}-0-3`, 0);
    const after = await open(`${prefix}-0-4`, 100);
    const other = await open(`${prefix}-1-2`, 200);
    const admin = new KafkaTransactionAdmin([KAFKA_BOOTSTRAP], 'weir-test-admin');
    try {
      assert.deepEqual(await admin.listOpen(prefix), [`${prefix}-0-3`, `${prefix}-0-4`, `${prefix}-1-2`]);
      const s = sink(topic, 'EXACTLY_ONCE', prefix);
      const context: SinkContext = {
        subtaskIndex: 0,
        parallelism: 1,
        operatorName: 'kafka',
        now: () => Date.now(),
        addAccumulator: () => {},
        checkpointing: true,
        checkpointInterval: 100,
        attemptTag: 'test-1',
      };
      await s.initializeState([{ kind: 'pending', checkpointId: 7, txn: preCommitted.handle }], context);
      await s.open(context);
      await s.close();
      assert.deepEqual(await admin.listOpen(prefix), []);
      assert.deepEqual(values(await readCommitted(topic)), range(0, 100));
      // Committing again (a second recovery) succeeds and changes nothing; the aborted one cannot
      // be committed any more.
      await admin.commit(preCommitted.handle);
      assert.deepEqual(values(await readCommitted(topic)), range(0, 100));
      await assert.rejects(admin.commit(after.handle), /aborted it, so its records are lost/);
    } finally {
      await admin.close();
      for (const p of [preCommitted, after, other]) await p.producer.close().catch(() => {});
    }
  });
});
