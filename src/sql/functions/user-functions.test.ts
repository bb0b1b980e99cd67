import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import '../../index.ts';
import { materialize } from '../result-printer.ts';
import { TableEnvironment } from '../table-environment.ts';
import { rows } from '../test-support.ts';

const UDFS = resolve(import.meta.dirname, '../../../test/fixtures/sql/user-functions.ts');
let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weir-sql-udf-'));
  await writeFile(join(dir, 'docs.csv'), '1,hello world\n2,\n3,a bb ccc\n');
  await writeFile(join(dir, 'scores.csv'), 'ann,10,1\nann,20,3\nbob,5,2\nbob,7,\ncid,1,1\n');
  await writeFile(
    join(dir, 'events.csv'),
    [
      '2024-01-01 00:00:01,ann,10',
      '2024-01-01 00:00:04,bob,20',
      '2024-01-01 00:00:06,ann,30',
      '2024-01-01 00:00:12,ann,40',
    ].join('\n'),
  );
});
after(() => rm(dir, { recursive: true, force: true }));

async function session(parallelism = 1): Promise<TableEnvironment> {
  const tEnv = TableEnvironment.create({ parallelism });
  await tEnv.executeSql(
    `CREATE TABLE docs (id BIGINT, text STRING) WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'docs.csv')}', 'format' = 'csv')`,
  );
  await tEnv.executeSql(
    `CREATE TABLE scores (name STRING, points BIGINT, level BIGINT) WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'scores.csv')}', 'format' = 'csv')`,
  );
  await tEnv.executeSql(
    `CREATE TABLE events (ts TIMESTAMP(3), name STRING, points BIGINT, WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'events.csv')}', 'format' = 'csv')`,
  );
  for (const [name, fn] of [
    ['words', 'words'],
    ['split', 'split'],
    ['split_objects', 'splitObjects'],
    ['range_of', 'range'],
    ['weighted_avg', 'weightedAvg'],
    ['concat_all', 'concatAll'],
  ])
    await tEnv.executeSql(`CREATE TEMPORARY FUNCTION ${name} AS '${UDFS}#${fn}'`);
  return tEnv;
}

/** The result once its changelog is applied, each row as JSON, sorted. */
async function final(tEnv: TableEnvironment, sql: string): Promise<string[]> {
  return materialize(await rows(tEnv, sql))
    .map((r) => JSON.stringify(r.values))
    .sort();
}

test('CROSS JOIN UNNEST gives a row per array element; the empty array and NULL give none', async () => {
  const tEnv = await session();
  assert.deepEqual(
    await final(tEnv, 'SELECT d.id, t.w FROM docs d CROSS JOIN UNNEST(words(d.text)) AS t (w)'),
    ['[1,"hello"]', '[1,"world"]', '[3,"a"]', '[3,"bb"]', '[3,"ccc"]'],
  );
  // The comma form, and the column named as Flink names it without an alias.
  const r = await tEnv.executeSql('SELECT * FROM docs, UNNEST(words(text))');
  assert.deepEqual(
    r.schema.map((c) => c.name),
    ['id', 'text', 'EXPR$0'],
  );
  for await (const _ of r.collect());
});

test('UNNEST of a MAP gives KEY and VALUE, of an ARRAY of ROWs the ROW fields; WITH ORDINALITY numbers them', async () => {
  const tEnv = await session();
  assert.deepEqual(
    await final(
      tEnv,
      "SELECT id, k, v FROM docs CROSS JOIN UNNEST(MAP['n', id, 'twice', id * 2]) AS m (k, v) WHERE id < 3",
    ),
    ['[1,"n",1]', '[1,"twice",2]', '[2,"n",2]', '[2,"twice",4]'],
  );
  assert.deepEqual(
    await final(
      tEnv,
      'SELECT id, a, b FROM docs, UNNEST(ARRAY[ROW(id, text), ROW(id + 10, UPPER(text))]) AS r (a, b) WHERE id = 1',
    ),
    ['[1,1,"hello world"]', '[1,11,"HELLO WORLD"]'],
  );
  assert.deepEqual(
    await final(
      tEnv,
      'SELECT id, w, pos FROM docs CROSS JOIN UNNEST(words(text)) WITH ORDINALITY AS t (w, pos) WHERE id = 3',
    ),
    ['[3,"a",1]', '[3,"bb",2]', '[3,"ccc",3]'],
  );
});

test('LEFT JOIN UNNEST ... ON TRUE keeps a row without elements, padded with NULL', async () => {
  const tEnv = await session();
  assert.deepEqual(
    await final(tEnv, 'SELECT id, w FROM docs LEFT JOIN UNNEST(words(text)) AS t (w) ON TRUE WHERE id < 3'),
    ['[1,"hello"]', '[1,"world"]', '[2,null]'],
  );
  await assert.rejects(
    tEnv.executeSql('SELECT id, w FROM docs LEFT JOIN UNNEST(words(text)) AS t (w) ON w = text'),
    { code: 'SQL_VALIDATION_ERROR', message: /needs the condition ON TRUE/ },
  );
  await assert.rejects(
    tEnv.executeSql('SELECT * FROM docs, UNNEST(text)'),
    /UNNEST expects an ARRAY, MULTISET or MAP, not STRING/,
  );
});

test("table functions: Flink's SplitFunction with LATERAL TABLE, LEFT JOIN ... ON TRUE, renamed columns", async () => {
  const tEnv = await session();
  const expected = ['[1,"hello",5]', '[1,"world",5]', '[3,"a",1]', '[3,"bb",2]', '[3,"ccc",3]'];
  assert.deepEqual(
    await final(tEnv, 'SELECT id, word, length FROM docs, LATERAL TABLE(split(text))'),
    expected,
  );
  assert.deepEqual(
    await final(tEnv, 'SELECT id, word, length FROM docs CROSS JOIN LATERAL TABLE(split_objects(text))'),
    expected,
  );
  assert.deepEqual(
    await final(
      tEnv,
      'SELECT id, newWord, newLength FROM docs LEFT JOIN LATERAL TABLE(split(text)) AS T(newWord, newLength) ON TRUE',
    ),
    [...expected.slice(0, 2), '[2,null,null]', ...expected.slice(2)],
  );
  // One column of an atomic type is f0; an INNER JOIN's condition filters the joined rows.
  assert.deepEqual(await final(tEnv, 'SELECT id, f0 FROM docs JOIN LATERAL TABLE(range_of(id)) ON f0 > 1'), [
    '[2,2]',
    '[3,2]',
    '[3,3]',
  ]);
  await assert.rejects(tEnv.executeSql('SELECT split(text) FROM docs'), /split is a table function/i);
  assert.deepEqual(await final(tEnv, "SELECT word FROM LATERAL TABLE(split('to be'))"), ['["be"]', '["to"]']);
  // Flink 2.3 makes TABLE optional after LATERAL.
  assert.deepEqual(await final(tEnv, 'SELECT id, w FROM docs, LATERAL split(text) AS t (w, n) WHERE n > 4'), [
    '[1,"hello"]',
    '[1,"world"]',
  ]);
});

test("aggregate functions: Flink's WeightedAvg in GROUP BY, over an updating input, in a window and OVER", async () => {
  const tEnv = await session();
  assert.deepEqual(await final(tEnv, 'SELECT name, weighted_avg(points, level) FROM scores GROUP BY name'), [
    '["ann",17]',
    '["bob",5]',
    '["cid",1]',
  ]);
  assert.deepEqual(await final(tEnv, 'SELECT concat_all(name) FILTER (WHERE points > 5) FROM scores'), [
    '["ann,ann,bob"]',
  ]);
  // Over the updating result of a GROUP BY, the accumulator takes back each retracted row.
  assert.deepEqual(
    await final(
      tEnv,
      'SELECT weighted_avg(n, 1) FROM (SELECT name, COUNT(*) AS n FROM scores GROUP BY name)',
    ),
    ['[1]'],
  );
  await assert.rejects(
    tEnv.executeSql('SELECT concat_all(name) FROM (SELECT name, COUNT(*) AS n FROM scores GROUP BY name)'),
    /concat_all has no retract method, which it needs to aggregate the updating result of GroupAggregate/,
  );
  assert.deepEqual(
    await final(
      tEnv,
      `SELECT window_start, concat_all(name), weighted_avg(points, 1)
       FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '5' SECOND))
       GROUP BY window_start, window_end`,
    ),
    [
      `[${Date.UTC(2024, 0, 1, 0, 0, 0)},"ann,bob",15]`,
      `[${Date.UTC(2024, 0, 1, 0, 0, 5)},"ann",30]`,
      `[${Date.UTC(2024, 0, 1, 0, 0, 10)},"ann",40]`,
    ],
  );
  await assert.rejects(
    tEnv.executeSql(
      `SELECT window_start, concat_all(name) FROM TABLE(HOP(TABLE events, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND))
       GROUP BY window_start, window_end`,
    ),
    /concat_all has no merge method, which HOP windows need/,
  );
  assert.deepEqual(await final(tEnv, 'SELECT points, concat_all(name) OVER (ORDER BY ts) FROM events'), [
    '[10,"ann"]',
    '[20,"ann,bob"]',
    '[30,"ann,bob,ann"]',
    '[40,"ann,bob,ann,ann"]',
  ]);
  assert.deepEqual(
    await final(
      tEnv,
      'SELECT points, weighted_avg(points, 1) OVER (PARTITION BY name ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM events',
    ),
    ['[10,10]', '[20,20]', '[30,20]', '[40,35]'],
  );
  await assert.rejects(
    tEnv.executeSql(
      'SELECT concat_all(name) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM events',
    ),
    /concat_all has no retract method, which an OVER window with a bounded PRECEDING needs/,
  );
});

for (const strategy of ['ONE_PHASE', 'TWO_PHASE']) {
  test(`aggregate functions in a mini-batch group aggregate (${strategy})`, async () => {
    const tEnv = await session();
    await tEnv.executeSql("SET 'table.exec.mini-batch.enabled' = 'true'");
    await tEnv.executeSql("SET 'table.exec.mini-batch.allow-latency' = '1 s'");
    await tEnv.executeSql("SET 'table.exec.mini-batch.size' = '2'");
    await tEnv.executeSql(`SET 'table.optimizer.agg-phase-strategy' = '${strategy}'`);
    assert.deepEqual(
      await final(
        tEnv,
        'SELECT name, weighted_avg(points, level), concat_all(name) FROM scores GROUP BY name',
      ),
      ['["ann",17,"ann,ann"]', '["bob",5,"bob,bob"]', '["cid",1,"cid"]'],
    );
  });
}

test('table and aggregate functions at parallelism 2: every slot imports the module', async () => {
  const tEnv = await session(2);
  assert.deepEqual(
    await final(
      tEnv,
      'SELECT word, weighted_avg(length, 1), COUNT(*) FROM docs, LATERAL TABLE(split(text)) GROUP BY word',
    ),
    ['["a",1,1]', '["bb",2,1]', '["ccc",3,1]', '["hello",5,1]', '["world",5,1]'],
  );
});

test("Flink's UNNEST examples over VALUES: a constant array, WITH ORDINALITY, a map", async () => {
  const tEnv = TableEnvironment.create();
  assert.deepEqual(
    await final(
      tEnv,
      "SELECT * FROM (VALUES('order_1')) AS o (id), UNNEST(ARRAY['shirt', 'pants', 'hat']) AS t (product_name)",
    ),
    ['["order_1","hat"]', '["order_1","pants"]', '["order_1","shirt"]'],
  );
  assert.deepEqual(
    await final(
      tEnv,
      "SELECT * FROM (VALUES('order_1')) AS o (id), UNNEST(ARRAY['shirt', 'pants', 'hat']) WITH ORDINALITY AS t (product_name, `index`)",
    ),
    ['["order_1","hat",3]', '["order_1","pants",2]', '["order_1","shirt",1]'],
  );
  assert.deepEqual(
    await final(
      tEnv,
      "SELECT id, k, v FROM (VALUES('order_1')) AS o (id) CROSS JOIN UNNEST(MAP['shirt', 2, 'hat', 1]) AS t (k, v)",
    ),
    ['["order_1","hat",1]', '["order_1","shirt",2]'],
  );
  assert.deepEqual(await final(tEnv, 'SELECT * FROM UNNEST(ARRAY[1, 2]) AS t (n) WHERE n > 1'), ['[2]']);
  const plan = tEnv.explainSql(
    "SELECT * FROM (VALUES('order_1')) AS o (id) LEFT JOIN UNNEST(ARRAY['shirt']) AS t (p) ON TRUE",
  );
  assert.match(plan, /Correlate\(invocation=\[UNNEST\], joinType=\[LEFT\], select=\[id, p\]\)/);
});
