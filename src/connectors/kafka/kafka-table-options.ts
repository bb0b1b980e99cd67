/**
 * What the SQL connectors `kafka` and `upsert-kafka` share (Flink's Kafka SQL connector options):
 * the readable metadata columns, `scan.bounded.mode`, and the sink's `sink.delivery-guarantee` and
 * `sink.transactional-id-prefix`.
 */
import { WeirError } from '../../core/errors.ts';
import type { Row } from '../../core/row.ts';
import type { TableConnectorContext } from '../../core/table-connectors.ts';
import type { KafkaConsumerRecord } from './kafka-deserializers.ts';
import type { KafkaRecordSerializer } from './kafka-record-serializer.ts';
import { type DeliveryGuarantee, KafkaSink } from './kafka-sink.ts';
import type { KafkaSourceBuilder } from './kafka-source.ts';
import { OffsetsInitializer } from './offsets-initializer.ts';

/** The metadata columns a Kafka table reads (`METADATA FROM 'offset'`, ...). */
export const KAFKA_METADATA: ReadonlySet<string> = new Set(['timestamp', 'partition', 'offset', 'topic']);

/**
 * The value of a metadata column (one of {@link KAFKA_METADATA}) of a record.
 *
 * @example
 * recordMetadata(record, 'partition'); // record.partition
 */
export function recordMetadata(record: KafkaConsumerRecord, metadata: string): unknown {
  return metadata === 'timestamp'
    ? record.timestamp
    : metadata === 'partition'
      ? record.partition
      : metadata === 'offset'
        ? record.offset
        : record.topic;
}

function fail(context: TableConnectorContext, message: string): never {
  throw new WeirError('INVALID_ARGUMENT', `table "${context.table}": ${message}`);
}

/**
 * Applies `scan.bounded.mode` to a source: `latest-offset` ends it at the offsets it finds when it
 * starts, `unbounded` (the default) never ends it.
 *
 * @example
 * applyBoundedMode(KafkaSource.builder<Row>(), context); // 'scan.bounded.mode' = 'latest-offset'
 */
export function applyBoundedMode(builder: KafkaSourceBuilder<Row>, context: TableConnectorContext): void {
  const bounded = context.options['scan.bounded.mode'];
  if (bounded === 'latest-offset') builder.setBounded(OffsetsInitializer.latest());
  else if (bounded !== undefined && bounded !== 'unbounded') {
    fail(context, `'scan.bounded.mode' must be 'latest-offset' or 'unbounded', got '${bounded}'`);
  }
}

const GUARANTEES: Readonly<Record<string, DeliveryGuarantee>> = {
  none: 'NONE',
  'at-least-once': 'AT_LEAST_ONCE',
  'exactly-once': 'EXACTLY_ONCE',
};

/**
 * The Kafka sink of a table: `servers`, the record serializer, and the options
 * `sink.delivery-guarantee` (`none`, `at-least-once`: the default, `exactly-once`) and
 * `sink.transactional-id-prefix`.
 *
 * @example
 * kafkaTableSink(context, ['localhost:9092'], serializer); // WITH ('sink.delivery-guarantee' = 'exactly-once', ...)
 */
export function kafkaTableSink(
  context: TableConnectorContext,
  servers: readonly string[],
  serializer: KafkaRecordSerializer<Row>,
): KafkaSink<Row> {
  const guarantee = GUARANTEES[context.options['sink.delivery-guarantee'] ?? 'at-least-once'];
  if (guarantee === undefined) fail(context, `unknown 'sink.delivery-guarantee'`);
  const builder = KafkaSink.builder<Row>()
    .setBootstrapServers(...servers)
    .setRecordSerializer(serializer)
    .setDeliveryGuarantee(guarantee);
  const prefix = context.options['sink.transactional-id-prefix'];
  if (prefix) builder.setTransactionalIdPrefix(prefix);
  return builder.build();
}
