import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import '../index.ts';
import type { Row } from '../core/row.ts';
import { TableEnvironment } from './table-environment.ts';
import { rows, tempFiles } from './test-support.ts';

const file = tempFiles('weir-window-join-');

/** Flink's LeftTable and RightTable of the "Window JOIN" page, on CSV files. */
async function flinkTables(parallelism = 1): Promise<TableEnvironment> {
  const tEnv = TableEnvironment.create({ parallelism });
  const left = file('left.csv');
  const right = file('right.csv');
  await writeFile(left, '2020-04-15 12:02:00,1,L1\n2020-04-15 12:06:00,2,L2\n2020-04-15 12:03:00,3,L3\n');
  await writeFile(right, '2020-04-15 12:01:00,2,R2\n2020-04-15 12:04:00,3,R3\n2020-04-15 12:05:00,4,R4\n');
  for (const [name, path] of [
    ['LeftTable', left],
    ['RightTable', right],
  ]) {
    await tEnv.executeSql(`CREATE TABLE ${name} (
        row_time TIMESTAMP(3),
        num INT,
        id STRING,
        WATERMARK FOR row_time AS row_time - INTERVAL '1' SECOND
      ) WITH ('connector' = 'filesystem', 'path' = '${path}', 'format' = 'csv')`);
  }
  return tEnv;
}

/** A row as text, its values at `times` (epoch ms) as `hh:mm`, as Flink's example prints them. */
const text = (r: Row, ...times: number[]): string =>
  r.values
    .map((v, i) =>
      times.includes(i) && typeof v === 'number' ? new Date(v).toISOString().slice(11, 16) : String(v),
    )
    .join(' ');

const windowed = (table: string): string =>
  `SELECT * FROM TABLE(TUMBLE(TABLE ${table}, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))`;

test("Flink's FULL OUTER window join example: rows of a key and a window join, the others are padded", async () => {
  const tEnv = await flinkTables();
  const sql = `SELECT L.num as L_Num, L.id as L_Id, R.num as R_Num, R.id as R_Id, L.window_start, L.window_end
    FROM (${windowed('LeftTable')}) L
    FULL JOIN (${windowed('RightTable')}) R
    ON L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end`;
  assert.match(tEnv.explainSql(`EXPLAIN ${sql}`), /WindowJoin\(joinType=\[FullOuterJoin\]/);
  const result = await rows(tEnv, sql);
  assert.ok(
    result.every((r) => r.kind === '+I'),
    'a window join only inserts',
  );
  // Flink's table; its padded rows of the right side show NULL window columns of the left side.
  assert.deepEqual(result.map((r) => text(r, 4, 5)).sort(), [
    '1 L1 null null 12:00 12:05',
    '2 L2 null null 12:05 12:10',
    '3 L3 3 R3 12:00 12:05',
    'null null 2 R2 null null',
    'null null 4 R4 null null',
  ]);
});

test('INNER, LEFT and RIGHT window joins of the same tables', async () => {
  const tEnv = await flinkTables();
  const query = (type: string) => `SELECT L.id, R.id, L.window_start
    FROM (${windowed('LeftTable')}) L ${type} JOIN (${windowed('RightTable')}) R
    ON L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end`;
  const run = async (type: string) => (await rows(tEnv, query(type))).map((r) => text(r, 2)).sort();
  assert.deepEqual(await run('INNER'), ['L3 R3 12:00']);
  assert.deepEqual(await run('LEFT'), ['L1 null 12:00', 'L2 null 12:05', 'L3 R3 12:00']);
  assert.deepEqual(await run('RIGHT'), ['L3 R3 12:00', 'null R2 null', 'null R4 null']);
});

test('a window join of two window aggregates (Nexmark q8 shape), with a residual condition', async () => {
  const tEnv = await flinkTables();
  const agg = (table: string) => `SELECT num, COUNT(*) AS n, window_start, window_end
    FROM TABLE(TUMBLE(TABLE ${table}, DESCRIPTOR(row_time), INTERVAL '5' MINUTES))
    GROUP BY num, window_start, window_end`;
  const sql = `SELECT L.num, L.n, R.n, L.window_start FROM (${agg('LeftTable')}) L JOIN (${agg('RightTable')}) R
    ON L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end AND L.n >= R.n`;
  assert.match(tEnv.explainSql(`EXPLAIN ${sql}`), /WindowJoin/);
  const result = await rows(tEnv, sql);
  assert.deepEqual(
    result.map((r) => text(r, 3)),
    ['3 1 1 12:00'],
  );
});

test('windows of different sizes cannot be joined (Flink’s limit)', async () => {
  const tEnv = await flinkTables();
  await assert.rejects(
    rows(
      tEnv,
      `SELECT L.id FROM (${windowed('LeftTable')}) L JOIN (
         SELECT * FROM TABLE(TUMBLE(TABLE RightTable, DESCRIPTOR(row_time), INTERVAL '10' MINUTES))) R
       ON L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end`,
    ),
    /SQL_UNSUPPORTED|same window table function/,
  );
});

/** Flink's SEMI and ANTI window join examples: `row_time num id window_start window_end window_time`. */
const full = (r: Row): string =>
  r.values
    .map((v, i) =>
      i === 0 || i >= 3 ? new Date(v as number).toISOString().slice(11, i === 5 ? 23 : 16) : String(v),
    )
    .join(' ');

test("Flink's SEMI window join examples (IN and EXISTS): the left rows with a match in their window", async () => {
  const tEnv = await flinkTables();
  const queries = [
    `SELECT * FROM (${windowed('LeftTable')}) L WHERE L.num IN (
       SELECT num FROM (${windowed('RightTable')}) R
       WHERE L.window_start = R.window_start AND L.window_end = R.window_end)`,
    `SELECT * FROM (${windowed('LeftTable')}) L WHERE EXISTS (
       SELECT * FROM (${windowed('RightTable')}) R
       WHERE L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end)`,
  ];
  for (const sql of queries) {
    assert.match(tEnv.explainSql(`EXPLAIN ${sql}`), /WindowJoin\(joinType=\[LeftSemiJoin\]/);
    assert.deepEqual((await rows(tEnv, sql)).map(full), ['12:03 3 L3 12:00 12:05 12:04:59.999']);
  }
});

test("Flink's ANTI window join examples (NOT IN and NOT EXISTS): the left rows without one", async () => {
  const tEnv = await flinkTables();
  const queries = [
    `SELECT * FROM (${windowed('LeftTable')}) L WHERE L.num NOT IN (
       SELECT num FROM (${windowed('RightTable')}) R
       WHERE L.window_start = R.window_start AND L.window_end = R.window_end)`,
    `SELECT * FROM (${windowed('LeftTable')}) L WHERE NOT EXISTS (
       SELECT * FROM (${windowed('RightTable')}) R
       WHERE L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end)`,
  ];
  for (const sql of queries) {
    assert.match(tEnv.explainSql(`EXPLAIN ${sql}`), /WindowJoin\(joinType=\[LeftAntiJoin\]/);
    assert.deepEqual((await rows(tEnv, sql)).map(full).sort(), [
      '12:02 1 L1 12:00 12:05 12:04:59.999',
      '12:06 2 L2 12:05 12:10 12:09:59.999',
    ]);
  }
});

test('the window_time of a window join stays a time attribute: a window aggregate may follow', async () => {
  const tEnv = await flinkTables();
  await tEnv.executeSql(`CREATE VIEW joined AS SELECT L.num, L.window_time AS wt
    FROM (${windowed('LeftTable')}) L JOIN (${windowed('RightTable')}) R
    ON L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end`);
  const result = await rows(
    tEnv,
    `SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE joined, DESCRIPTOR(wt), INTERVAL '10' MINUTES))
     GROUP BY window_start, window_end`,
  );
  assert.deepEqual(
    result.map((r) => text(r, 0)),
    ['12:00 1'],
  );
});

test('at parallelism 2 (rows exchanged by key before their windows are assigned), the same FULL join', async () => {
  const tEnv = await flinkTables(2);
  const result = await rows(
    tEnv,
    `SELECT L.id, R.id FROM (${windowed('LeftTable')}) L FULL JOIN (${windowed('RightTable')}) R
     ON L.num = R.num AND L.window_start = R.window_start AND L.window_end = R.window_end`,
  );
  assert.deepEqual(result.map((r) => text(r)).sort(), ['L1 null', 'L2 null', 'L3 R3', 'null R2', 'null R4']);
});
