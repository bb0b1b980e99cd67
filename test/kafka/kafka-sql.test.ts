/**
 * The `kafka` SQL table connector against the local broker: JSON rows with a metadata column and a
 * watermark read from a topic, a query written to another topic as CSV, read back; a message that
 * does not parse fails the job naming its topic, partition and offset.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../src/index.ts';
import { TableEnvironment } from '../../src/sql/table-environment.ts';
import { rows } from '../../src/sql/test-support.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, produceMessages, uniqueTopic } from './broker.ts';

const table = (
  name: string,
  topic: string,
  columns: string,
  format: string,
  extra = '',
) => `CREATE TABLE ${name} (${columns}) WITH (
  'connector' = 'kafka', 'topic' = '${topic}', 'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP}',
  'format' = '${format}', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset'${extra})`;

test('kafka tables: JSON in with metadata and a watermark, a query out as CSV, read back', async (t) => {
  if (!(await kafkaBroker(t))) return;
  const input = uniqueTopic('sql-in');
  const output = uniqueTopic('sql-out');
  await createTopic(input, 2);
  await createTopic(output, 1);
  await produceMessages(
    input,
    Array.from({ length: 40 }, (_, i) => ({
      partition: i % 2,
      value: JSON.stringify({
        id: i,
        name: `n${i}`,
        ts: `2026-01-01 00:00:${String(i).padStart(2, '0')}.000`,
      }),
    })),
  );
  const tEnv = TableEnvironment.create();
  await tEnv.executeSql(
    table(
      'clicks',
      input,
      "id BIGINT, name STRING, ts TIMESTAMP(3), part INT METADATA FROM 'partition', WATERMARK FOR ts AS ts - INTERVAL '1' SECOND",
      'json',
    ),
  );
  const read = await rows(tEnv, 'SELECT id, part, ts FROM clicks');
  assert.deepEqual(
    read.map((r) => r.values[0]).sort((a, b) => (a as number) - (b as number)),
    Array.from({ length: 40 }, (_, i) => i),
  );
  assert.ok(read.every((r) => r.values[1] === (r.values[0] as number) % 2));
  assert.ok(read.every((r) => r.values[2] === Date.UTC(2026, 0, 1, 0, 0, r.values[0] as number)));

  await tEnv.executeSql(table('evens', output, 'id BIGINT, shout STRING', 'csv'));
  const insert = await tEnv.executeSql(
    "INSERT INTO evens SELECT id, UPPER(name) || '!' FROM clicks WHERE MOD(id, 2) = 0",
  );
  await insert.await();
  const back = await rows(tEnv, 'SELECT id, shout FROM evens');
  assert.deepEqual(
    back.map((r) => `${r.values[0]} ${r.values[1]}`).sort(),
    Array.from({ length: 20 }, (_, i) => `${2 * i} N${2 * i}!`).sort(),
  );
});

test('a kafka message that does not parse fails the query naming its topic, partition and offset', async (t) => {
  if (!(await kafkaBroker(t))) return;
  const topic = uniqueTopic('sql-bad');
  await createTopic(topic, 1);
  await produceMessages(topic, [{ value: '{"id": 1}' }, { value: '{"id": "one"}' }]);
  const tEnv = TableEnvironment.create();
  await tEnv.executeSql(table('bad', topic, 'id BIGINT', 'json'));
  await assert.rejects(rows(tEnv, 'SELECT id FROM bad'), (error: Error) => {
    const text = `${error.message} ${(error.cause as Error | undefined)?.message ?? ''}`;
    assert.match(text, new RegExp(`${topic}-0@1`));
    assert.match(text, /'one' is not a BIGINT/);
    return true;
  });
});
