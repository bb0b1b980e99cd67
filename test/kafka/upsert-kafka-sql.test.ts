/**
 * The `upsert-kafka` SQL table connector against the local broker: Flink's documented example (a
 * GROUP BY's counts written by region, read back as a table whose last row per key is the count),
 * tombstones read as deletes of the full row and written again as tombstones, keys in CSV with a
 * prefix and EXCEPT_KEY values.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import '../../src/index.ts';
import type { Row } from '../../src/core/row.ts';
import { TableEnvironment } from '../../src/sql/table-environment.ts';
import { rows } from '../../src/sql/test-support.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, produceMessages, uniqueTopic } from './broker.ts';
import { readCommitted } from './read-committed.ts';

const upsertTable = (name: string, topic: string, columns: string, extra = '') => `
  CREATE TABLE ${name} (${columns}) WITH (
    'connector' = 'upsert-kafka', 'topic' = '${topic}', 'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP}',
    'key.format' = 'json', 'value.format' = 'json', 'scan.bounded.mode' = 'latest-offset'${extra})`;

/** A changelog applied: the rows left, as strings, sorted. */
function applied(changes: Row[]): string[] {
  const table: string[] = [];
  for (const r of changes) {
    const text = JSON.stringify(r.values);
    if (r.kind === '+I' || r.kind === '+U') table.push(text);
    else {
      const at = table.indexOf(text);
      assert.ok(at >= 0, `${r.kind} of a row the table does not hold: ${text}`);
      table.splice(at, 1);
    }
  }
  return table.sort();
}

test("Flink's example: pageviews per region, a GROUP BY written to upsert-kafka and read back", async (t) => {
  if (!(await kafkaBroker(t))) return;
  const input = uniqueTopic('pageviews');
  const output = uniqueTopic('pageviews-per-region');
  await createTopic(input, 2);
  await createTopic(output, 2);
  const views = Array.from({ length: 60 }, (_, i) => ({
    user_id: i % 7,
    page_id: i,
    viewtime: `2026-01-01 00:00:${String(i).padStart(2, '0')}.000`,
    user_region: ['north', 'south', 'east'][i % 3],
  }));
  await produceMessages(
    input,
    views.map((v, i) => ({ partition: i % 2, value: JSON.stringify(v) })),
  );
  const tEnv = TableEnvironment.create({ parallelism: 2 });
  await tEnv.executeSql(
    upsertTable(
      'pageviews_per_region',
      output,
      'user_region STRING, pv BIGINT, uv BIGINT, PRIMARY KEY (user_region) NOT ENFORCED',
    ),
  );
  await tEnv.executeSql(`CREATE TABLE pageviews (
      user_id BIGINT, page_id BIGINT, viewtime TIMESTAMP(3), user_region STRING,
      WATERMARK FOR viewtime AS viewtime - INTERVAL '2' SECOND
    ) WITH ('connector' = 'kafka', 'topic' = '${input}', 'properties.bootstrap.servers' = '${KAFKA_BOOTSTRAP}',
      'format' = 'json', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset')`);
  const insert = await tEnv.executeSql(`INSERT INTO pageviews_per_region
    SELECT user_region, COUNT(*), COUNT(DISTINCT user_id) FROM pageviews GROUP BY user_region`);
  await insert.await();

  const expected = ['east', 'north', 'south'].map((region) => {
    const mine = views.filter((v) => v.user_region === region);
    return JSON.stringify([region, mine.length, new Set(mine.map((v) => v.user_id)).size]);
  });
  // The topic: every message keyed by the region as JSON, no retractions, the last one per key final.
  const messages = await readCommitted(output);
  assert.ok(messages.length >= 3);
  const last = new Map<string, string | null>();
  for (const m of messages) {
    assert.match(m.key ?? '', /^\{"user_region":"(north|south|east)"\}$/);
    last.set(m.key!, m.value);
  }
  assert.deepEqual(
    [...last.values()]
      .map((v) => {
        const o = JSON.parse(v!) as { user_region: string; pv: number; uv: number };
        return JSON.stringify([o.user_region, o.pv, o.uv]);
      })
      .sort(),
    expected,
  );
  // Read back: the source's changelog (normalized) applies to the final counts.
  const back = await rows(tEnv, 'SELECT user_region, pv, uv FROM pageviews_per_region');
  assert.ok(
    back.some((r) => r.kind === '-U'),
    'updates of a key come as -U/+U after normalization',
  );
  assert.deepEqual(applied(back), expected);
});

test('tombstones are deletes of the whole row; a delete written to upsert-kafka is a tombstone', async (t) => {
  if (!(await kafkaBroker(t))) return;
  const input = uniqueTopic('upsert-in');
  const output = uniqueTopic('upsert-out');
  await createTopic(input, 1);
  await createTopic(output, 1);
  const key = (id: number) => JSON.stringify({ id });
  await produceMessages(input, [
    { key: key(1), value: JSON.stringify({ id: 1, name: 'a', n: 1 }) },
    { key: key(2), value: JSON.stringify({ id: 2, name: 'b', n: 1 }) },
    { key: key(1), value: JSON.stringify({ id: 1, name: 'a', n: 2 }) },
    { key: key(1), value: JSON.stringify({ id: 1, name: 'a', n: 2 }) }, // the same row again: no change
    { key: key(2), value: null as unknown as string }, // a tombstone
    { key: key(3), value: null as unknown as string }, // a tombstone of a key never seen: nothing
    { key: key(3), value: JSON.stringify({ id: 3, name: 'c', n: 1 }) },
  ]);
  const tEnv = TableEnvironment.create({ parallelism: 1 });
  const columns = 'id BIGINT, name STRING, n INT, PRIMARY KEY (id) NOT ENFORCED';
  await tEnv.executeSql(upsertTable('users', input, columns));
  const changes = await rows(tEnv, 'SELECT * FROM users');
  assert.deepEqual(
    changes.map((r) => `${r.kind}${JSON.stringify(r.values)}`),
    ['+I[1,"a",1]', '+I[2,"b",1]', '-U[1,"a",1]', '+U[1,"a",2]', '-D[2,"b",1]', '+I[3,"c",1]'],
  );
  // An aggregate over the upsert table sees the deletes.
  const count = await rows(tEnv, 'SELECT COUNT(*) AS c, SUM(n) AS s FROM users');
  assert.deepEqual(applied(count), ['[2,3]']);

  // Copied into another upsert-kafka table: the delete becomes a tombstone, -U rows are not written.
  await tEnv.executeSql(upsertTable('copy', output, columns));
  await (await tEnv.executeSql('INSERT INTO copy SELECT * FROM users')).await();
  const written = await readCommitted(output);
  assert.deepEqual(
    written.map((m) => `${m.key} ${m.value}`),
    [
      `${key(1)} {"id":1,"name":"a","n":1}`,
      `${key(2)} {"id":2,"name":"b","n":1}`,
      `${key(1)} {"id":1,"name":"a","n":2}`,
      `${key(2)} null`,
      `${key(3)} {"id":3,"name":"c","n":1}`,
    ],
  );
  const copied = await rows(tEnv, 'SELECT * FROM copy');
  assert.deepEqual(applied(copied), ['[1,"a",2]', '[3,"c",1]']);
});

test("CSV keys with 'key.fields-prefix' and EXCEPT_KEY values", async (t) => {
  if (!(await kafkaBroker(t))) return;
  const topic = uniqueTopic('upsert-csv');
  await createTopic(topic, 1);
  const tEnv = TableEnvironment.create({ parallelism: 1 });
  await tEnv.executeSql(
    upsertTable(
      'prices',
      topic,
      'k_item STRING, k_shop INT, price DOUBLE, PRIMARY KEY (k_item, k_shop) NOT ENFORCED',
      ", 'key.fields-prefix' = 'k_', 'value.fields-include' = 'EXCEPT_KEY', 'key.format' = 'csv', 'value.format' = 'csv'",
    ),
  );
  const dir = mkdtempSync(join(tmpdir(), 'weir-upsert-csv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'prices.csv'), 'apple,1,0.5\npear,1,0.75\napple,2,0.6\napple,1,0.55\n');
  await tEnv.executeSql(`CREATE TABLE price_file (item STRING, shop INT, price DOUBLE)
    WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'prices.csv')}', 'format' = 'csv')`);
  await (await tEnv.executeSql('INSERT INTO prices SELECT * FROM price_file')).await();
  const written = await readCommitted(topic);
  assert.deepEqual(
    written.map((m) => `${m.key}|${m.value}`),
    ['apple,1|0.5', 'pear,1|0.75', 'apple,2|0.6', 'apple,1|0.55'],
  );
  const back = await rows(tEnv, 'SELECT * FROM prices');
  assert.deepEqual(applied(back), ['["apple",1,0.55]', '["apple",2,0.6]', '["pear",1,0.75]']);
});
