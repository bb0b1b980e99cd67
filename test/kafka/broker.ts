/**
 * The local Kafka broker for tests (scripts/kafka.sh, 127.0.0.1:9092). Tests that need it ask
 * `kafkaBroker(t)`: without a broker they are skipped, loudly, unless `CI` is set, where a missing
 * broker is a failure (CI starts one in .ci/run).
 */
import type { TestContext } from 'node:test';
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import { until } from '../faults/support.ts';

export const KAFKA_BOOTSTRAP = '127.0.0.1:9092';

const SKIP_MESSAGE = `no Kafka broker at ${KAFKA_BOOTSTRAP}: run scripts/kafka.sh start`;

let probe: Promise<string | undefined> | undefined;

/**
 * Undefined when a broker answers a metadata request within `timeoutMs`, else why not. Generous:
 * a missing broker refuses the connection at once, and a loaded one must not count as missing.
 */
function probeBroker(timeoutMs = 30_000): Promise<string | undefined> {
  probe ??= (async () => {
    const admin = new Admin({
      clientId: 'weir-test-probe',
      bootstrapBrokers: [KAFKA_BOOTSTRAP],
      timeout: timeoutMs,
      retries: 0,
      connectTimeout: timeoutMs,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      const metadata = await Promise.race([admin.metadata({ topics: [] }), timeout]);
      return metadata.brokers.size > 0 ? undefined : 'the broker lists no brokers';
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timer);
      await admin.close().catch(() => {});
    }
  })();
  return probe;
}

/**
 * True when the broker answers. Otherwise skips `t` (with a warning) and returns false, or, with
 * `CI` set, throws: CI must never skip Kafka tests.
 */
export async function kafkaBroker(t: TestContext): Promise<boolean> {
  const problem = await probeBroker();
  if (problem === undefined) return true;
  if (process.env.CI) {
    throw new Error(`${SKIP_MESSAGE} (CI is set, so this fails instead of skipping): ${problem}`);
  }
  console.warn(`SKIPPED ${t.name}: ${SKIP_MESSAGE}`);
  t.skip(SKIP_MESSAGE);
  return false;
}

/** A topic name unique to this run. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
}

/** Creates `topic` with `partitions` partitions and waits until its leaders are known. */
export async function createTopic(
  topic: string,
  partitions: number,
  servers = KAFKA_BOOTSTRAP,
): Promise<void> {
  const admin = new Admin({ clientId: 'weir-test-admin', bootstrapBrokers: [servers] });
  try {
    await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
    await until(
      async () =>
        (await admin.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic)?.partitionsCount ===
        partitions,
      60_000,
      `the leaders of topic ${topic}`,
    );
  } finally {
    await admin.close();
  }
}

/** A string record to produce; without a partition, the key or round-robin decides. */
export interface TestMessage {
  partition?: number;
  key?: string;
  value: string;
  headers?: Map<string, string>;
}

/** Produces `messages` to `topic` with an idempotent producer, 1,000 per request; returns when all are acknowledged. */
export async function produceMessages(
  topic: string,
  messages: readonly TestMessage[],
  servers = KAFKA_BOOTSTRAP,
): Promise<void> {
  const producer = new Producer({
    clientId: 'weir-test-producer',
    bootstrapBrokers: [servers],
    serializers: stringSerializers,
    idempotent: true,
  });
  try {
    for (let from = 0; from < messages.length; from += 1_000) {
      await producer.send({ messages: messages.slice(from, from + 1_000).map((m) => ({ topic, ...m })) });
    }
  } finally {
    await producer.close();
  }
}

/** Produces `{"id": k}` for k in [from, to), id k to partition k % partitions. */
export function produceIds(topic: string, from: number, to: number, partitions: number): Promise<void> {
  return produceMessages(
    topic,
    Array.from({ length: to - from }, (_, k) => ({
      partition: (from + k) % partitions,
      value: JSON.stringify({ id: from + k }),
    })),
  );
}
