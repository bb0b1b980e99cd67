import { WeirError } from '../../core/errors.ts';
import type { Row } from '../../core/row.ts';
import type { InvokeContext, Sink } from '../../core/sink.ts';
import {
  registerTableSinkFactory,
  registerTableSourceFactory,
  type TableColumn,
  type TableConnectorContext,
} from '../../core/table-connectors.ts';
import { type CsvSettings, lineParser, type RowFormat, rowWriter } from '../../core/table-row-format.ts';
import type { KafkaConsumerRecord } from './kafka-deserializers.ts';
import { KafkaRecordSerializers } from './kafka-record-serializer.ts';
import { KafkaSource } from './kafka-source.ts';
import { applyBoundedMode, KAFKA_METADATA, kafkaTableSink, recordMetadata } from './kafka-table-options.ts';
import { OffsetsInitializer } from './offsets-initializer.ts';

/**
 * The `upsert-kafka` table connector, as Flink's: a topic read and written as a table's changes by
 * its primary key. The PRIMARY KEY's columns are the message key (`key.format`), the row is the
 * message value (`value.format`: all columns, or with `'value.fields-include' = 'EXCEPT_KEY'` all
 * but the key's).
 *
 * Reading: the topic from its earliest offset, each message an upsert of its key's row, a message
 * without a value (a tombstone) a delete of the key. The planner puts Flink's ChangelogNormalize
 * after the source, which keeps each key's last row and emits `+I` for a new key, `-U`/`+U` for a
 * changed one and `-D` (of the full row) for a tombstone. Writing: `+I` and `+U` rows as messages
 * keyed by the primary key (so every change of a key lands in one partition, in order), `-D` as a
 * tombstone, `-U` dropped.
 *
 * Options: `topic`, `properties.bootstrap.servers`, `properties.group.id`, other `properties.*`,
 * `key.format` and `value.format` (`json` or `csv`; `key.csv.field-delimiter`,
 * `key.csv.null-literal` and the same for `value.`), `key.fields-prefix` (a prefix of the key
 * columns' names, left out in the key's format; needs EXCEPT_KEY), `value.fields-include` (`ALL`,
 * `EXCEPT_KEY`), `scan.bounded.mode` (`latest-offset` or `unbounded`), `sink.delivery-guarantee`
 * and `sink.transactional-id-prefix` as for `kafka`, `sink.buffer-flush.max-rows` and
 * `sink.buffer-flush.interval` only as `0` (no buffering, Flink's default), `sink.parallelism`
 * (the planner's: the sink's input is hashed by the key whatever its parallelism). Metadata columns, read
 * only: `timestamp`, `partition`, `offset`, `topic`.
 *
 * @example
 * ```sql
 * CREATE TABLE pageviews_per_region (
 *   user_region STRING, pv BIGINT, uv BIGINT, PRIMARY KEY (user_region) NOT ENFORCED
 * ) WITH ('connector' = 'upsert-kafka', 'topic' = 'pageviews_per_region',
 *   'properties.bootstrap.servers' = '127.0.0.1:9092', 'key.format' = 'json', 'value.format' = 'json');
 * INSERT INTO pageviews_per_region
 *   SELECT user_region, COUNT(*), COUNT(DISTINCT user_id) FROM pageviews GROUP BY user_region;
 * ```
 */

const KNOWN =
  /^(connector|topic|properties\.[a-z0-9.-]+|(key|value)\.format|(key|value)\.csv\.(field-delimiter|null-literal)|key\.fields-prefix|value\.fields-include|scan\.bounded\.mode|sink\.delivery-guarantee|sink\.transactional-id-prefix|sink\.buffer-flush\.(max-rows|interval)|sink\.parallelism)$/;

/** A table's upsert-kafka settings: where, the key and value formats and which columns each holds. */
interface UpsertKafkaSettings {
  topic: string;
  servers: string[];
  keyFormat: RowFormat;
  valueFormat: RowFormat;
  keyCsv: CsvSettings;
  valueCsv: CsvSettings;
  /** Positions (in the context's columns) of the key's columns, in primary key order. */
  keyIndices: number[];
  /** The key's columns as its format names them (without `key.fields-prefix`). */
  keyColumns: TableColumn[];
  /** Positions of the value's columns (every physical column, or all but the key's). */
  valueIndices: number[];
  valueColumns: TableColumn[];
  /** `value.fields-include` = ALL: the value holds the key's columns too. */
  keyInValue: boolean;
}

function fail(context: TableConnectorContext, message: string): never {
  throw new WeirError('INVALID_ARGUMENT', `table "${context.table}": ${message}`);
}

function formatOf(context: TableConnectorContext, option: string): RowFormat {
  const format = context.options[option];
  if (format !== 'json' && format !== 'csv') {
    fail(context, `'${option}' must be 'json' or 'csv', got '${format ?? '(none)'}'`);
  }
  return format;
}

function settings(context: TableConnectorContext): UpsertKafkaSettings {
  const o = context.options;
  for (const key of Object.keys(o)) {
    if (!KNOWN.test(key)) fail(context, `the upsert-kafka connector has no option '${key}'`);
  }
  const pk = context.primaryKey;
  if (pk === null || pk.length === 0) {
    throw new WeirError(
      'SQL_VALIDATION_ERROR',
      `table "${context.table}": 'upsert-kafka' tables need a PRIMARY KEY (... NOT ENFORCED): it names the columns of the message key, by which rows are updated and deleted`,
    );
  }
  const topic = (o.topic ?? '').trim();
  if (topic === '' || topic.includes(';')) fail(context, `the upsert-kafka connector needs one 'topic'`);
  const servers = (o['properties.bootstrap.servers'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (servers.length === 0) fail(context, `the upsert-kafka connector needs 'properties.bootstrap.servers'`);
  for (const option of ['sink.buffer-flush.max-rows', 'sink.buffer-flush.interval']) {
    const v = o[option];
    if (v !== undefined && !/^0+(\s*(ms|s|min))?$/.test(v.trim())) {
      throw new WeirError(
        'SQL_UNSUPPORTED',
        `table "${context.table}": '${option}' = '${v}': Weir's upsert-kafka sink does not buffer (only '0', Flink's default, is accepted)`,
      );
    }
  }
  const include = o['value.fields-include'] ?? 'ALL';
  if (include !== 'ALL' && include !== 'EXCEPT_KEY') {
    fail(context, `'value.fields-include' must be 'ALL' or 'EXCEPT_KEY', got '${include}'`);
  }
  const prefix = o['key.fields-prefix'] ?? '';
  if (prefix !== '' && include !== 'EXCEPT_KEY') {
    fail(context, `'key.fields-prefix' needs 'value.fields-include' = 'EXCEPT_KEY'`);
  }
  for (const c of context.columns) {
    if (c.metadata !== null && !KAFKA_METADATA.has(c.metadata)) {
      fail(
        context,
        `the upsert-kafka connector has no metadata '${c.metadata}' (it has: ${[...KAFKA_METADATA].join(', ')})`,
      );
    }
  }
  const keyIndices = pk.map((k) => {
    const i = context.columns.findIndex((c) => c.name === k && c.metadata === null);
    if (i < 0) fail(context, `the primary key column "${k}" is not a physical column`);
    return i;
  });
  const keyColumns = keyIndices.map((i) => {
    const c = context.columns[i];
    if (!c.name.startsWith(prefix)) {
      fail(context, `the key column "${c.name}" does not start with 'key.fields-prefix' '${prefix}'`);
    }
    return { ...c, name: c.name.slice(prefix.length) };
  });
  const valueIndices: number[] = [];
  context.columns.forEach((c, i) => {
    if (c.metadata === null && (include === 'ALL' || !keyIndices.includes(i))) valueIndices.push(i);
  });
  const csv = (side: string): CsvSettings => ({
    delimiter: o[`${side}.csv.field-delimiter`] ?? ',',
    nullLiteral: o[`${side}.csv.null-literal`] ?? null,
  });
  return {
    topic,
    servers,
    keyFormat: formatOf(context, 'key.format'),
    valueFormat: formatOf(context, 'value.format'),
    keyCsv: csv('key'),
    valueCsv: csv('value'),
    keyIndices,
    keyColumns,
    valueIndices,
    valueColumns: valueIndices.map((i) => context.columns[i]),
    keyInValue: include === 'ALL',
  };
}

registerTableSourceFactory({
  identifier: 'upsert-kafka',
  changelogMode: 'upsert',
  createSource(context) {
    const s = settings(context);
    const parseKey = lineParser({ ...context, columns: s.keyColumns }, s.keyFormat, s.keyCsv);
    const parseValue = lineParser({ ...context, columns: s.valueColumns }, s.valueFormat, s.valueCsv);
    const columns = context.columns;
    const { keyIndices, valueIndices, keyInValue } = s;
    // Where a record that does not parse is, for errors: one closure over the record at hand.
    let current: KafkaConsumerRecord | undefined;
    const where = () =>
      `table "${context.table}", ${current?.topic}-${current?.partition}@${current?.offset}`;
    const keyWhere = () => `${where()}, key`;
    const builder = KafkaSource.builder<Row>()
      .setBootstrapServers(...s.servers)
      .setTopics(s.topic)
      .setStartingOffsets(OffsetsInitializer.earliest())
      .setDeserializer((record: KafkaConsumerRecord): Row => {
        current = record;
        const values = new Array<unknown>(columns.length).fill(null);
        // The value holds the row (with ALL, the key's columns too); a tombstone only the key.
        if (record.value === null || !keyInValue) {
          if (record.key !== null) {
            const key = parseKey(record.key.toString('utf8'), keyWhere);
            for (let i = 0; i < keyIndices.length; i++) values[keyIndices[i]] = key[i];
          }
        }
        if (record.value !== null) {
          const value = parseValue(record.value.toString('utf8'), where);
          for (let i = 0; i < valueIndices.length; i++) values[valueIndices[i]] = value[i];
        }
        for (let i = 0; i < columns.length; i++) {
          const m = columns[i].metadata;
          if (m === null) continue;
          values[i] = recordMetadata(record, m);
        }
        return { kind: record.value === null ? '-D' : '+I', values };
      });
    if (context.options['properties.group.id']) builder.setGroupId(context.options['properties.group.id']);
    applyBoundedMode(builder, context);
    return builder.build() as never;
  },
});

registerTableSinkFactory({
  identifier: 'upsert-kafka',
  changelogMode: 'upsert',
  createSink(context) {
    const s = settings(context);
    const writeKey = rowWriter(s.keyColumns, s.keyFormat, s.keyCsv);
    const writeValue = rowWriter(s.valueColumns, s.valueFormat, s.valueCsv);
    const { keyIndices, valueIndices } = s;
    const pick = (row: Row, indices: number[]): unknown[] => {
      const out = new Array<unknown>(indices.length);
      for (let i = 0; i < indices.length; i++) out[i] = row.values[indices[i]];
      return out;
    };
    const serializer = KafkaRecordSerializers.builder<Row>()
      .setTopic(s.topic)
      .setKeySerializer((row: Row) => Buffer.from(writeKey(pick(row, keyIndices)), 'utf8'))
      .setValueSerializer((row: Row) =>
        row.kind === '-D' ? null : Buffer.from(writeValue(pick(row, valueIndices)), 'utf8'),
      )
      .build();
    return withoutUpdateBefore(kafkaTableSink(context, s.servers, serializer));
  },
});

/**
 * The sink as an upsert sink: `-U` rows are dropped (the `+U` after them overwrites the key), as
 * Flink's upsert sinks ignore UPDATE_BEFORE; everything else is the sink's own.
 */
function withoutUpdateBefore(sink: Sink<Row>): Sink<Row> {
  const out: Sink<Row> = {
    invoke: (row: Row, context: InvokeContext) => (row.kind === '-U' ? undefined : sink.invoke(row, context)),
    maxInFlight: sink.maxInFlight,
  };
  if (sink.open) out.open = (context) => sink.open!(context);
  if (sink.finish) out.finish = () => sink.finish!();
  if (sink.close) out.close = () => sink.close!();
  if (sink.snapshotState) out.snapshotState = (id) => sink.snapshotState!(id);
  if (sink.snapshotStateAsync) out.snapshotStateAsync = (id) => sink.snapshotStateAsync!(id);
  if (sink.blocked) out.blocked = () => sink.blocked!();
  if (sink.initializeState) out.initializeState = (state, context) => sink.initializeState!(state, context);
  if (sink.notifyCheckpointComplete)
    out.notifyCheckpointComplete = (id) => sink.notifyCheckpointComplete!(id);
  if (sink.pendingCommits) out.pendingCommits = () => sink.pendingCommits!();
  if (sink.notifyCheckpointAborted) out.notifyCheckpointAborted = (id) => sink.notifyCheckpointAborted!(id);
  return out;
}
