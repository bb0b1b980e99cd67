import { WeirError } from '../../core/errors.ts';
import type { Row } from '../../core/row.ts';
import {
  registerTableSinkFactory,
  registerTableSourceFactory,
  type TableConnectorContext,
} from '../../core/table-connectors.ts';
import { type CsvSettings, lineParser, type RowFormat, rowWriter } from '../../core/table-row-format.ts';
import type { KafkaConsumerRecord } from './kafka-deserializers.ts';
import { KafkaRecordSerializers } from './kafka-record-serializer.ts';
import { KafkaSource } from './kafka-source.ts';
import { applyBoundedMode, KAFKA_METADATA, kafkaTableSink, recordMetadata } from './kafka-table-options.ts';
import { OffsetsInitializer } from './offsets-initializer.ts';

/**
 * The `kafka` table connector, with Flink's options: `topic` (several separated by `;`),
 * `properties.bootstrap.servers`, `properties.group.id`, `format` (or `value.format`: `json` or
 * `csv`, with `csv.field-delimiter` and `csv.null-literal`), `scan.startup.mode` (`earliest-offset`,
 * `latest-offset`, `group-offsets`, `timestamp` with `scan.startup.timestamp-millis`),
 * `scan.bounded.mode` (`latest-offset`: read up to the end the topic had at the start, then end),
 * `sink.delivery-guarantee` (`none`, `at-least-once`, `exactly-once` with
 * `sink.transactional-id-prefix`). Metadata columns: `timestamp` (TIMESTAMP_LTZ(3)), `partition`,
 * `offset`, `topic`. A value that does not parse fails the job naming the topic, partition and offset.
 */

const KNOWN =
  /^(connector|topic|properties\.bootstrap\.servers|properties\.group\.id|properties\.[a-z.]+|format|value\.format|csv\.field-delimiter|csv\.null-literal|json\.ignore-parse-errors|scan\.startup\.mode|scan\.startup\.timestamp-millis|scan\.bounded\.mode|sink\.delivery-guarantee|sink\.transactional-id-prefix|sink\.parallelism)$/;

function settings(context: TableConnectorContext): {
  topics: string[];
  servers: string[];
  format: RowFormat;
  csv: CsvSettings;
} {
  const o = context.options;
  for (const key of Object.keys(o)) {
    if (!KNOWN.test(key))
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${context.table}": the kafka connector has no option '${key}'`,
      );
  }
  const topics = (o.topic ?? '')
    .split(';')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  if (topics.length === 0)
    throw new WeirError('INVALID_ARGUMENT', `table "${context.table}": the kafka connector needs a 'topic'`);
  const servers = (o['properties.bootstrap.servers'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (servers.length === 0)
    throw new WeirError(
      'INVALID_ARGUMENT',
      `table "${context.table}": the kafka connector needs 'properties.bootstrap.servers'`,
    );
  const format = o.format ?? o['value.format'];
  if (format !== 'json' && format !== 'csv') {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `table "${context.table}": 'format' must be 'json' or 'csv', got '${format ?? '(none)'}'`,
    );
  }
  for (const c of context.columns) {
    if (c.metadata !== null && !KAFKA_METADATA.has(c.metadata)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${context.table}": the kafka connector has no metadata '${c.metadata}' (it has: ${[...KAFKA_METADATA].join(', ')})`,
      );
    }
  }
  return {
    topics,
    servers,
    format,
    csv: { delimiter: o['csv.field-delimiter'] ?? ',', nullLiteral: o['csv.null-literal'] ?? null },
  };
}

function startingOffsets(context: TableConnectorContext) {
  const mode = context.options['scan.startup.mode'] ?? 'group-offsets';
  switch (mode) {
    case 'earliest-offset':
      return OffsetsInitializer.earliest();
    case 'latest-offset':
      return OffsetsInitializer.latest();
    case 'group-offsets':
      return OffsetsInitializer.committedOffsets('earliest');
    case 'timestamp': {
      const ms = Number(context.options['scan.startup.timestamp-millis']);
      if (!Number.isFinite(ms))
        throw new WeirError(
          'INVALID_ARGUMENT',
          `table "${context.table}": 'scan.startup.mode' = 'timestamp' needs 'scan.startup.timestamp-millis'`,
        );
      return OffsetsInitializer.timestamp(ms);
    }
    default:
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${context.table}": unknown 'scan.startup.mode' '${mode}'`,
      );
  }
}

registerTableSourceFactory({
  identifier: 'kafka',
  createSource(context) {
    const s = settings(context);
    const parse = lineParser(context, s.format, s.csv);
    const columns = context.columns;
    const builder = KafkaSource.builder<Row>()
      .setBootstrapServers(...s.servers)
      .setTopics(...s.topics)
      .setStartingOffsets(startingOffsets(context))
      .setDeserializer((record: KafkaConsumerRecord): Row => {
        if (record.value === null) {
          throw new WeirError(
            'DESERIALIZATION_FAILED',
            `table "${context.table}": a record without a value (a tombstone) at ${record.topic}-${record.partition}@${record.offset}`,
          );
        }
        const physical = parse(
          record.value.toString('utf8'),
          () => `table "${context.table}", ${record.topic}-${record.partition}@${record.offset}`,
        );
        const values = new Array<unknown>(columns.length);
        let p = 0;
        for (let i = 0; i < columns.length; i++) {
          const m = columns[i].metadata;
          values[i] = m === null ? physical[p++] : recordMetadata(record, m);
        }
        return { kind: '+I', values };
      });
    if (context.options['properties.group.id']) builder.setGroupId(context.options['properties.group.id']);
    applyBoundedMode(builder, context);
    return builder.build() as never;
  },
});

registerTableSinkFactory({
  identifier: 'kafka',
  // Appends only: a query whose result updates is refused at planning (use upsert-kafka).
  changelogMode: 'insert-only',
  createSink(context) {
    const s = settings(context);
    if (s.topics.length !== 1)
      throw new WeirError('INVALID_ARGUMENT', `table "${context.table}": a kafka sink writes to one topic`);
    const physical = context.columns.filter((c) => c.metadata === null);
    const indices = context.columns.map((c, i) => (c.metadata === null ? i : -1)).filter((i) => i >= 0);
    const write = rowWriter(physical, s.format, s.csv);
    const serializer = KafkaRecordSerializers.builder<Row>()
      .setTopic(s.topics[0])
      .setValueSerializer((row: Row) => {
        if (row.kind === '-U' || row.kind === '-D') {
          throw new WeirError(
            'SQL_UNSUPPORTED',
            `table "${context.table}": the kafka connector takes inserts only, and got a ${row.kind} row (write updates with the upsert-kafka connector)`,
          );
        }
        return Buffer.from(write(indices.map((i) => row.values[i])), 'utf8');
      })
      .build();
    return kafkaTableSink(context, s.servers, serializer);
  },
});
