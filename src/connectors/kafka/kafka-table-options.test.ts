import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Row } from '../../core/row.ts';
import type { TableConnectorContext } from '../../core/table-connectors.ts';
import type { KafkaConsumerRecord } from './kafka-deserializers.ts';
import { KafkaRecordSerializers } from './kafka-record-serializer.ts';
import { KafkaSource } from './kafka-source.ts';
import { applyBoundedMode, KAFKA_METADATA, kafkaTableSink, recordMetadata } from './kafka-table-options.ts';

const context = (options: Record<string, string>): TableConnectorContext => ({
  table: 't',
  columns: [],
  options,
  primaryKey: null,
});

test('each metadata column reads its field of the record', () => {
  const record: KafkaConsumerRecord = {
    topic: 'orders',
    partition: 2,
    offset: 17,
    timestamp: 1000,
    key: null,
    value: null,
    headers: [],
  };
  assert.deepEqual(
    [...KAFKA_METADATA].map((m) => recordMetadata(record, m)),
    [1000, 2, 17, 'orders'],
  );
});

test("'scan.bounded.mode' takes latest-offset and unbounded, and names the table otherwise", () => {
  applyBoundedMode(KafkaSource.builder<Row>(), context({ 'scan.bounded.mode': 'latest-offset' }));
  applyBoundedMode(KafkaSource.builder<Row>(), context({ 'scan.bounded.mode': 'unbounded' }));
  assert.throws(
    () => applyBoundedMode(KafkaSource.builder<Row>(), context({ 'scan.bounded.mode': 'timestamp' })),
    /table "t": 'scan.bounded.mode' must be 'latest-offset' or 'unbounded', got 'timestamp'/,
  );
});

test("'sink.delivery-guarantee' defaults to at-least-once, and an unknown one is refused", () => {
  const serializer = KafkaRecordSerializers.builder<Row>()
    .setTopic('out')
    .setValueSerializer(() => Buffer.from(''))
    .build();
  assert.equal(
    kafkaTableSink(context({}), ['localhost:9092'], serializer).deliveryGuarantee,
    'AT_LEAST_ONCE',
  );
  const none = kafkaTableSink(context({ 'sink.delivery-guarantee': 'none' }), ['localhost:9092'], serializer);
  assert.equal(none.deliveryGuarantee, 'NONE');
  assert.throws(
    () => kafkaTableSink(context({ 'sink.delivery-guarantee': 'twice' }), ['localhost:9092'], serializer),
    /table "t": unknown 'sink.delivery-guarantee'/,
  );
});
