import { WeirError } from '../../core/errors.ts';
import { kafkaClientModule } from './kafka-client-module.ts';

/**
 * KafkaSink's check at start: every topic it is configured to write to exists. Each topic is asked
 * for in its own Metadata request with topic auto-creation off (the sink never creates topics), so
 * a missing topic is named, not just "unknown". A missing topic fails with KAFKA_TOPIC_NOT_FOUND,
 * which no restart can fix (see `isRecoverable`): the job fails once instead of restarting forever.
 * A broker that does not answer is KAFKA_UNAVAILABLE, which the restart strategy may retry.
 *
 * @example
 * ```ts
 * await checkKafkaTopics(['127.0.0.1:9092'], ['orders-out'], { clientId: 'weir-kafka-sink-0', requestTimeout: 30_000, operatorName: 'Sink: orders' });
 * // KAFKA_TOPIC_NOT_FOUND: KafkaSink "Sink: orders" cannot write to Kafka topic "orders-out": it does not
 * //   exist at 127.0.0.1:9092 (KafkaSink does not create topics: create it first, e.g. with kafka-topics.sh --create)
 * ```
 */
export async function checkKafkaTopics(
  servers: readonly string[],
  topics: readonly string[],
  options: { clientId: string; requestTimeout: number; operatorName: string },
): Promise<void> {
  if (topics.length === 0) return;
  const admin = new (kafkaClientModule().Admin)({
    clientId: options.clientId,
    bootstrapBrokers: [...servers],
    connectTimeout: Math.min(options.requestTimeout, 10_000),
    requestTimeout: options.requestTimeout,
    retries: 2,
  });
  try {
    const missing: string[] = [];
    for (const topic of new Set(topics)) {
      try {
        await admin.metadata({ topics: [topic], autocreateTopics: false });
      } catch (error) {
        if (isUnknownTopic(error)) {
          missing.push(topic);
          continue;
        }
        throw new WeirError(
          'KAFKA_UNAVAILABLE',
          `KafkaSink "${options.operatorName}" cannot read the metadata of Kafka topic "${topic}" at ${servers.join(', ')}: ${describe(error)}`,
          { cause: error },
        );
      }
    }
    if (missing.length > 0) throw topicNotFound(missing, servers, options.operatorName);
  } finally {
    await admin.close().catch(() => {});
  }
}

/** KAFKA_TOPIC_NOT_FOUND for `topics`, naming the brokers and what to do. */
export function topicNotFound(
  topics: readonly string[],
  servers: readonly string[],
  operatorName: string | undefined,
  cause?: unknown,
): WeirError {
  const names = topics.map((t) => `"${t}"`).join(', ');
  const what =
    topics.length === 1 ? `Kafka topic ${names}: it does not` : `Kafka topics ${names}: they do not`;
  return new WeirError(
    'KAFKA_TOPIC_NOT_FOUND',
    `KafkaSink${operatorName === undefined ? '' : ` "${operatorName}"`} cannot write to ${what} exist at ${servers.join(', ')} (KafkaSink does not create topics: create ${topics.length === 1 ? 'it' : 'them'} first, e.g. with kafka-topics.sh --create)`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The client's error for a topic the broker does not know: "Unknown topic <name>." from its
 * metadata lookup, or the broker's UNKNOWN_TOPIC_OR_PARTITION (error code 3) in a nested error.
 */
export function isUnknownTopic(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (/^Unknown topic /.test(error.message) || (error as { apiCode?: number }).apiCode === 3) return true;
  const nested = (error as { errors?: unknown[] }).errors;
  if (Array.isArray(nested) && nested.some(isUnknownTopic)) return true;
  return error.cause !== undefined && isUnknownTopic(error.cause);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
