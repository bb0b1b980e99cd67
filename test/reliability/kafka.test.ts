/**
 * Kafka, as a user meets it through `weir run` and scripts/kafka.sh:
 * - a KafkaSink to a topic that does not exist fails the job once, with KAFKA_TOPIC_NOT_FOUND naming
 *   the topic and the brokers, and exit 1 (before: the job restarted forever, "Unknown topic" after
 *   "Unknown topic"); the same for a topic chosen per record;
 * - the broker scripts/kafka.sh starts in the background keeps none of the caller's descriptors
 *   (before: it kept them all, so whoever read a pipe of the caller waited until the broker exited),
 *   and names its log in KAFKA_DIR.
 *
 * Needs the local broker (scripts/kafka.sh start); without one the cases are skipped, unless CI is set.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { until } from '../faults/support.ts';
import { KAFKA_BOOTSTRAP, kafkaBroker, uniqueTopic } from '../kafka/broker.ts';
import { lineMatching, repo, Workspace } from './support.ts';

/** A checkpointed job writing a slow, long stream to a KafkaSink; TOPIC is fixed or `per-record`. */
const SINK_JOB = `
import { DataGeneratorSource, KafkaRecordSerializers, KafkaSerializers, KafkaSink, StreamExecutionEnvironment,
  WatermarkStrategy } from 'weir';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(500);
const topic = process.env.TOPIC;
env.fromSource(new DataGeneratorSource((i) => ({ n: i }), 1_000_000, { rateLimit: 100 }),
    WatermarkStrategy.noWatermarks(), 'numbers')
  .sinkTo(KafkaSink.builder()
    .setBootstrapServers(process.env.SERVERS)
    .setRecordSerializer(KafkaRecordSerializers.builder()
      .setTopic(process.env.PER_RECORD ? (r) => topic + '-' + (r.n % 2) : topic)
      .setValueSerializer(KafkaSerializers.json())
      .build())
    .setDeliveryGuarantee('AT_LEAST_ONCE')
    .build())
  .name('to-kafka');
await env.execute('missing-topic');
`;

const DEADLINE = 180_000;

async function topicExists(topic: string): Promise<boolean> {
  const admin = new Admin({ clientId: 'weir-reliability', bootstrapBrokers: [KAFKA_BOOTSTRAP] });
  try {
    return (await admin.listTopics()).some((t) => t.startsWith(topic));
  } finally {
    await admin.close();
  }
}

describe('reliability: Kafka', () => {
  for (const parallelism of ['1', '2']) {
    it(`a KafkaSink to a topic that does not exist fails once, naming topic and brokers (-p ${parallelism})`, {
      timeout: DEADLINE,
    }, async (t) => {
      if (!(await kafkaBroker(t))) return;
      const ws = new Workspace('kafka-missing-topic');
      t.after(() => ws.dispose());
      const topic = uniqueTopic('weir-reliability-missing');
      const job = ws.job('job.ts', SINK_JOB);

      const { code, stderr } = await ws.run(['run', job, '-p', parallelism], {
        TOPIC: topic,
        SERVERS: KAFKA_BOOTSTRAP,
      });

      assert.equal(code, 1, stderr);
      const error = lineMatching(stderr, /^error: /);
      assert.equal(
        error,
        `error: KAFKA_TOPIC_NOT_FOUND: KafkaSink "to-kafka" cannot write to Kafka topic "${topic}": it does not exist at ${KAFKA_BOOTSTRAP} (KafkaSink does not create topics: create it first, e.g. with kafka-topics.sh --create)`,
      );
      assert.doesNotMatch(stderr, /restarts in/, `the job was not restarted: ${stderr}`);
      assert.equal(await topicExists(topic), false, 'the sink did not create the topic');
      ws.assertNothingLeftInTmp();
    });
  }

  it('a topic chosen per record that does not exist fails the job once with KAFKA_TOPIC_NOT_FOUND', {
    timeout: DEADLINE,
  }, async (t) => {
    if (!(await kafkaBroker(t))) return;
    const ws = new Workspace('kafka-missing-record-topic');
    t.after(() => ws.dispose());
    const topic = uniqueTopic('weir-reliability-per-record');
    const { code, stderr } = await ws.run(['run', ws.job('job.ts', SINK_JOB)], {
      TOPIC: topic,
      SERVERS: KAFKA_BOOTSTRAP,
      PER_RECORD: '1',
    });
    assert.equal(code, 1, stderr);
    assert.match(
      stderr,
      new RegExp(
        `KAFKA_TOPIC_NOT_FOUND: KafkaSink cannot write to Kafka topic "${topic}-[01]": it does not exist at ${KAFKA_BOOTSTRAP}`,
      ),
      stderr,
    );
    assert.doesNotMatch(stderr, /restarts in/, `the job was not restarted: ${stderr}`);
    assert.equal(await topicExists(topic), false, 'the sink did not create the topics');
    ws.assertNothingLeftInTmp();
  });

  it("scripts/kafka.sh start: the background broker keeps none of the caller's descriptors", {
    timeout: 300_000,
  }, async (t) => {
    // A broker of its own (KAFKA_DIR, other ports), so the shared one on 9092 is never stopped.
    if (!(await kafkaBroker(t))) return;
    const ws = new Workspace('kafka-sh');
    const env = {
      ...process.env,
      KAFKA_DIR: ws.path('kafka'),
      KAFKA_PORT: '9096',
      KAFKA_CONTROLLER_PORT: '9097',
      KAFKA_HEAP_OPTS: '-Xmx256m -Xms128m',
      KAFKA_START_TIMEOUT: '240',
    };
    const script = (command: string, stdio: Array<'ignore' | 'pipe'>) =>
      spawn('bash', [`${repo}/scripts/kafka.sh`, command], { cwd: ws.dir, env, stdio });
    t.after(async () => {
      const stop = script('stop', ['ignore', 'ignore', 'ignore']);
      await new Promise((resolve) => stop.once('exit', resolve));
      await ws.dispose();
    });

    // The caller holds a pipe on descriptor 3, as a test's execFile or CI's log capture would.
    const start = script('start', ['ignore', 'pipe', 'pipe', 'pipe']);
    let output = '';
    start.stdout!.on('data', (d) => (output += d));
    start.stderr!.on('data', (d) => (output += d));
    let extraEof = false;
    const extra = start.stdio[3] as Readable;
    extra.on('data', () => {});
    extra.once('end', () => (extraEof = true));
    const code = await new Promise<number | null>((resolve) => start.once('exit', resolve));
    assert.equal(code, 0, output);
    assert.match(output, /kafka: ready on 127\.0\.0\.1:9096/);
    assert.ok(
      output.includes(`(log: ${ws.path('kafka', 'kafka.log')})`),
      `the log path is KAFKA_DIR's: ${output}`,
    );

    // The broker runs on, and the caller's pipe still reaches its end: nothing else holds it.
    await until(() => extraEof, 30_000, "the end of the caller's pipe on descriptor 3");
    const status = script('status', ['ignore', 'pipe', 'ignore']);
    let statusOutput = '';
    status.stdout!.on('data', (d) => (statusOutput += d));
    assert.equal(await new Promise((resolve) => status.once('exit', resolve)), 0, 'the broker still runs');
    assert.match(statusOutput, /running \(pid \d+\), answering on 127\.0\.0\.1:9096/);
  });
});
