import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import '../index.ts';
import type { Row } from '../core/row.ts';
import { TableEnvironment } from './table-environment.ts';
import { rows, tempFiles } from './test-support.ts';

const file = tempFiles('weir-window-top-n-');

/** Flink's Bid table of the "Window Top-N" and "Window Deduplication" pages, on a CSV file. */
async function bidTable(parallelism = 1): Promise<TableEnvironment> {
  const tEnv = TableEnvironment.create({ parallelism });
  const path = file(`bid-${parallelism}.csv`);
  await writeFile(
    path,
    [
      '2020-04-15 08:05:00,4.00,A,supplier1',
      '2020-04-15 08:06:00,4.00,C,supplier2',
      '2020-04-15 08:07:00,2.00,G,supplier1',
      '2020-04-15 08:08:00,2.00,B,supplier3',
      '2020-04-15 08:09:00,5.00,D,supplier4',
      '2020-04-15 08:11:00,2.00,B,supplier3',
      '2020-04-15 08:13:00,1.00,E,supplier1',
      '2020-04-15 08:15:00,3.00,H,supplier2',
      '2020-04-15 08:17:00,6.00,F,supplier5',
    ].join('\n'),
  );
  await tEnv.executeSql(`CREATE TABLE Bid (
      bidtime TIMESTAMP(3),
      price DECIMAL(10, 2),
      item STRING,
      supplier_id STRING,
      WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND
    ) WITH ('connector' = 'filesystem', 'path' = '${path}', 'format' = 'csv')`);
  return tEnv;
}

/** A row as text: its values at `times` (epoch ms) as `hh:mm`, at `money` with two decimals, as Flink prints them. */
const text = (r: Row, times: number[], money: number[]): string =>
  r.values
    .map((v, i) =>
      typeof v !== 'number'
        ? String(v)
        : times.includes(i)
          ? new Date(v).toISOString().slice(11, 16)
          : money.includes(i)
            ? v.toFixed(2)
            : String(v),
    )
    .join(' ');

test("Flink's window Top-N after a window aggregate: the top 3 suppliers by sales of each 10 minutes", async () => {
  const tEnv = await bidTable();
  const sql = `SELECT *
    FROM (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) as rownum
      FROM (
        SELECT window_start, window_end, supplier_id, SUM(price) as price, COUNT(*) as cnt
        FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
        GROUP BY window_start, window_end, supplier_id
      )
    ) WHERE rownum <= 3`;
  const plan = tEnv.explainSql(`EXPLAIN ${sql}`);
  assert.match(
    plan,
    /WindowRank\(window=\[TUMBLE\(size=\[600000 ms\]\).*rankType=\[ROW_NUMBER\], rankRange=\[rankStart=1, rankEnd=3\]/,
  );
  assert.doesNotMatch(plan, /Warning/, 'a window Top-N forgets its windows: no unbounded-state advice');
  const result = await rows(tEnv, sql);
  assert.ok(
    result.every((r) => r.kind === '+I'),
    'a window Top-N only inserts',
  );
  assert.deepEqual(result.map((r) => text(r, [0, 1], [3])).sort(), [
    '08:00 08:10 supplier1 6.00 2 1',
    '08:00 08:10 supplier2 4.00 1 3',
    '08:00 08:10 supplier4 5.00 1 2',
    '08:10 08:20 supplier2 3.00 1 2',
    '08:10 08:20 supplier3 2.00 1 3',
    '08:10 08:20 supplier5 6.00 1 1',
  ]);
});

test("Flink's window Top-N right after a window table function: the top 3 items of each 10 minutes", async () => {
  for (const parallelism of [1, 2]) {
    const tEnv = await bidTable(parallelism);
    const sql = `SELECT *
      FROM (
        SELECT bidtime, price, item, supplier_id, window_start, window_end,
          ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) as rownum
        FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      ) WHERE rownum <= 3`;
    assert.match(tEnv.explainSql(`EXPLAIN ${sql}`), /WindowRank\(/);
    const result = await rows(tEnv, sql);
    assert.ok(result.every((r) => r.kind === '+I'));
    assert.deepEqual(result.map((r) => text(r, [0, 4, 5], [1])).sort(), [
      '08:05 4.00 A supplier1 08:00 08:10 2',
      '08:06 4.00 C supplier2 08:00 08:10 3',
      '08:09 5.00 D supplier4 08:00 08:10 1',
      '08:11 2.00 B supplier3 08:10 08:20 3',
      '08:15 3.00 H supplier2 08:10 08:20 2',
      '08:17 6.00 F supplier5 08:10 08:20 1',
    ]);
  }
});

test("Flink's window deduplication: the last row of each 10 minutes (rownum <= 1, = 1 and < 2)", async () => {
  const tEnv = await bidTable();
  for (const bound of ['rownum <= 1', 'rownum = 1', 'rownum < 2']) {
    const sql = `SELECT *
      FROM (
        SELECT bidtime, price, item, supplier_id, window_start, window_end,
          ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY bidtime DESC) AS rownum
        FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
      ) WHERE ${bound}`;
    assert.match(tEnv.explainSql(`EXPLAIN ${sql}`), /WindowDeduplicate\(.*keep=\[LastRow\]/);
    const result = await rows(tEnv, sql);
    assert.deepEqual(result.map((r) => `${r.kind} ${text(r, [0, 4, 5], [1])}`).sort(), [
      '+I 08:09 5.00 D supplier4 08:00 08:10 1',
      '+I 08:17 6.00 F supplier5 08:10 08:20 1',
    ]);
  }
});

test('a window Top-N partitioned by a key as well, and RANK / DENSE_RANK over HOP windows', async () => {
  const tEnv = await bidTable(2);
  const perSupplier = `SELECT supplier_id, item, window_start FROM (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end, supplier_id ORDER BY price ASC) AS rn
      FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
    ) WHERE rn = 1 AND supplier_id <> 'supplier5'`;
  assert.match(tEnv.explainSql(`EXPLAIN ${perSupplier}`), /WindowRank\(.*partitionBy=\[supplier_id\]/);
  assert.deepEqual((await rows(tEnv, perSupplier)).map((r) => text(r, [2], [])).sort(), [
    'supplier1 E 08:10',
    'supplier1 G 08:00',
    'supplier2 C 08:00',
    'supplier2 H 08:10',
    'supplier3 B 08:00',
    'supplier3 B 08:10',
    'supplier4 D 08:00',
  ]);
  // Windows [08:00, 08:10) and [08:05, 08:15) hold prices 4 4 2 2 5 and 4 4 2 2 5 2 1.
  const ranked = (fn: string) => `SELECT window_start, price, rk FROM (
      SELECT *, ${fn}() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) AS rk
      FROM TABLE(HOP(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES, INTERVAL '10' MINUTES))
    ) WHERE rk <= 2 AND window_start < TIMESTAMP '2020-04-15 08:10:00'`;
  assert.deepEqual(
    (await rows(tEnv, ranked('RANK'))).map((r) => text(r, [0], [1])).sort(),
    ['08:00 5.00 1', '08:05 5.00 1', '08:00 4.00 2', '08:00 4.00 2', '08:05 4.00 2', '08:05 4.00 2'].sort(),
  );
  assert.deepEqual(
    (await rows(tEnv, ranked('DENSE_RANK'))).map((r) => text(r, [0], [1])).sort(),
    ['08:00 5.00 1', '08:05 5.00 1', '08:00 4.00 2', '08:00 4.00 2', '08:05 4.00 2', '08:05 4.00 2'].sort(),
  );
  const three = (await rows(tEnv, ranked('DENSE_RANK').replace('rk <= 2', 'rk <= 3'))).map((r) =>
    text(r, [0], [1]),
  );
  assert.equal(three.filter((t) => t.startsWith('08:00 2.00 3')).length, 2);
  assert.equal(three.filter((t) => t.startsWith('08:05 2.00 3')).length, 3);
});

test('a Top-N partitioned without both window columns stays the regular, updating Top-N', async () => {
  const tEnv = await bidTable();
  const sql = `SELECT * FROM (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start ORDER BY price ASC) AS rn
      FROM (
        SELECT window_start, window_end, supplier_id, SUM(price) as price
        FROM TABLE(TUMBLE(TABLE Bid, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
        GROUP BY window_start, window_end, supplier_id
      )
    ) WHERE rn <= 1`;
  const plan = tEnv.explainSql(`EXPLAIN ${sql}`);
  assert.doesNotMatch(plan, /WindowRank/);
  assert.match(plan, /Rank\(rankType=\[ROW_NUMBER\]/);
  assert.match(plan, /Warning: Rank/);
  const result = await rows(tEnv, sql);
  assert.ok(
    result.some((r) => r.kind !== '+I'),
    'the regular Top-N updates its rows',
  );
});
