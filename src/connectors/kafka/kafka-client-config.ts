import type { Admin, Consumer, Producer } from '@platformatic/kafka';
import { WeirError } from '../../core/errors.ts';
import { kafkaClientModule } from './kafka-client-module.ts';

/**
 * The Kafka client settings of a source: bootstrap servers, group id and the Kafka consumer
 * properties Weir understands (`setProperty`). An unknown property is an error, not ignored.
 */
export interface KafkaClientConfig {
  readonly bootstrapServers: readonly string[];
  readonly groupId: string | undefined;
  readonly properties: Readonly<Record<string, string>>;
}

/** The consumer properties `setProperty` accepts, with what they mean. */
export const KAFKA_SOURCE_PROPERTIES: Readonly<Record<string, string>> = {
  'client.id': 'client id sent to the broker (default weir-kafka-source)',
  'isolation.level': 'read_uncommitted (default) or read_committed',
  'fetch.max.wait.ms': 'longest a fetch waits for fetch.min.bytes (default 500)',
  'fetch.min.bytes': 'bytes a fetch waits for (default 1)',
  'fetch.max.bytes': 'most bytes per fetch response (default 52428800)',
  'max.partition.fetch.bytes': 'most bytes per partition per fetch (default 1048576)',
  'request.timeout.ms': 'timeout of one request (default 30000)',
  'socket.connection.setup.timeout.ms': 'timeout of a connection attempt (default 10000)',
  retries: 'retries of a failed request (default 3)',
  'partition.discovery.interval.ms':
    'how often new partitions are looked for; 0 disables (default 30000 unbounded, disabled bounded)',
  'commit.offsets.on.checkpoint':
    'true (default with a group id) or false: commit checkpointed offsets to the group, for lag monitoring',
};

/** Throws INVALID_ARGUMENT for a property Weir does not understand or a malformed value. */
export function checkKafkaProperty(key: string, value: string): void {
  if (!(key in KAFKA_SOURCE_PROPERTIES)) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `unknown Kafka source property "${key}": expected one of ${Object.keys(KAFKA_SOURCE_PROPERTIES).join(', ')}`,
    );
  }
  if (key === 'isolation.level') {
    if (value !== 'read_uncommitted' && value !== 'read_committed') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `Kafka property isolation.level is "${value}": expected read_uncommitted or read_committed`,
      );
    }
  } else if (key === 'commit.offsets.on.checkpoint') {
    if (value !== 'true' && value !== 'false') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `Kafka property commit.offsets.on.checkpoint is "${value}": expected true or false`,
      );
    }
  } else if (key !== 'client.id' && !(Number.isInteger(Number(value)) && Number(value) >= 0)) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `Kafka property ${key} is "${value}": expected a non-negative integer`,
    );
  }
}

export function numberProperty(config: KafkaClientConfig, key: string, fallback: number): number {
  const value = config.properties[key];
  return value === undefined ? fallback : Number(value);
}

/** The fetch settings of the reader's fetch requests. */
export interface FetchSettings {
  readonly maxWaitTime: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly partitionMaxBytes: number;
  readonly isolationLevel: number;
}

export function fetchSettings(config: KafkaClientConfig): FetchSettings {
  return {
    maxWaitTime: numberProperty(config, 'fetch.max.wait.ms', 500),
    minBytes: numberProperty(config, 'fetch.min.bytes', 1),
    maxBytes: numberProperty(config, 'fetch.max.bytes', 52_428_800),
    partitionMaxBytes: numberProperty(config, 'max.partition.fetch.bytes', 1_048_576),
    isolationLevel:
      config.properties['isolation.level'] === 'read_committed'
        ? kafkaClientModule().FetchIsolationLevels.READ_COMMITTED
        : kafkaClientModule().FetchIsolationLevels.READ_UNCOMMITTED,
  };
}

/**
 * A consumer client used without joining its group: for metadata, offset look-ups and fetches
 * from partition leaders. The group id only names whose committed offsets to read.
 */
export function createKafkaConsumer(config: KafkaClientConfig): Consumer<Buffer, Buffer, Buffer, Buffer> {
  return new (kafkaClientModule().Consumer)({
    ...clientOptions(config),
    groupId: config.groupId ?? 'weir-kafka-source',
    autocreateTopics: false,
  });
}

function clientOptions(config: KafkaClientConfig) {
  return {
    clientId: config.properties['client.id'] ?? 'weir-kafka-source',
    bootstrapBrokers: [...config.bootstrapServers],
    timeout: numberProperty(config, 'request.timeout.ms', 30_000),
    connectTimeout: numberProperty(config, 'socket.connection.setup.timeout.ms', 10_000),
    retries: numberProperty(config, 'retries', 3),
  };
}

/** An admin client: topic listing (patterns) and offset commits without group membership. */
export function createKafkaAdmin(config: KafkaClientConfig): Admin {
  return new (kafkaClientModule().Admin)(clientOptions(config));
}

/** An idempotent producer acknowledged by all in-sync replicas (dead-letter records). */
export function createKafkaProducer(config: KafkaClientConfig): Producer {
  return new (kafkaClientModule().Producer)({
    ...clientOptions(config),
    idempotent: true,
    acks: kafkaClientModule().ProduceAcks.ALL,
    autocreateTopics: false,
  });
}

/** `host:port,...` of the bootstrap servers, for error messages. */
export function describeServers(config: KafkaClientConfig): string {
  return config.bootstrapServers.join(',');
}
