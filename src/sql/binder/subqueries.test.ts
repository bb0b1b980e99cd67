import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import '../../index.ts';
import type { Row } from '../../core/row.ts';
import { materialize } from '../result-printer.ts';
import { TableEnvironment } from '../table-environment.ts';

let dir = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weir-sql-subquery-'));
  // Flink's examples: orders by user and product, and the products on sale.
  await writeFile(join(dir, 'orders.csv'), 'alice,1,10\nbob,2,20\ncarol,3,30\ndave,,40\nalice,4,50\n');
  await writeFile(join(dir, 'new_products.csv'), '1,shoe\n3,hat\n');
  await writeFile(join(dir, 'with_null.csv'), '1,shoe\n,unknown\n');
  await writeFile(join(dir, 'empty.csv'), '');
});
after(() => rm(dir, { recursive: true, force: true }));

async function session(parallelism = 1): Promise<TableEnvironment> {
  const tEnv = TableEnvironment.create({ parallelism });
  const table = (name: string, columns: string, file: string) =>
    tEnv.executeSql(
      `CREATE TABLE ${name} (${columns}) WITH ('connector' = 'filesystem', 'path' = '${join(dir, file)}', 'format' = 'csv')`,
    );
  await table('Orders', '`user` STRING, product BIGINT, amount BIGINT', 'orders.csv');
  await table('NewProducts', 'product BIGINT, name STRING', 'new_products.csv');
  await table('WithNull', 'product BIGINT, name STRING', 'with_null.csv');
  await table('NoProducts', 'product BIGINT, name STRING', 'empty.csv');
  return tEnv;
}

async function final(tEnv: TableEnvironment, sql: string): Promise<string[]> {
  const rows: Row[] = [];
  for await (const row of (await tEnv.executeSql(sql)).collect()) rows.push(row);
  return materialize(rows)
    .map((r) => JSON.stringify(r.values))
    .sort();
}

test("IN and EXISTS with a subquery, Flink's examples: semi joins", async () => {
  const tEnv = await session();
  assert.deepEqual(
    await final(tEnv, 'SELECT `user`, amount FROM Orders WHERE product IN (SELECT product FROM NewProducts)'),
    ['["alice",10]', '["carol",30]'],
  );
  assert.deepEqual(
    await final(
      tEnv,
      'SELECT `user`, amount FROM Orders WHERE EXISTS (SELECT product FROM NewProducts WHERE NewProducts.product = Orders.product)',
    ),
    ['["alice",10]', '["carol",30]'],
  );
  // Uncorrelated EXISTS: every row or none; combined with other conditions.
  assert.deepEqual(
    await final(tEnv, 'SELECT amount FROM Orders WHERE amount > 20 AND EXISTS (SELECT * FROM NewProducts)'),
    ['[30]', '[40]', '[50]'],
  );
  assert.deepEqual(
    await final(tEnv, 'SELECT amount FROM Orders WHERE EXISTS (SELECT * FROM NoProducts)'),
    [],
  );
});

test('NOT IN is NULL-aware: a NULL in the subquery keeps nothing, an empty subquery keeps everything', async () => {
  const tEnv = await session();
  assert.deepEqual(
    await final(tEnv, 'SELECT amount FROM Orders WHERE product NOT IN (SELECT product FROM NewProducts)'),
    // dave's NULL product is not known to differ from 1 and 3.
    ['[20]', '[50]'],
  );
  assert.deepEqual(
    await final(tEnv, 'SELECT amount FROM Orders WHERE product NOT IN (SELECT product FROM WithNull)'),
    [],
  );
  assert.deepEqual(
    await final(tEnv, 'SELECT amount FROM Orders WHERE product NOT IN (SELECT product FROM NoProducts)'),
    ['[10]', '[20]', '[30]', '[40]', '[50]'],
  );
  assert.deepEqual(
    await final(
      tEnv,
      'SELECT amount FROM Orders o WHERE NOT EXISTS (SELECT * FROM NewProducts p WHERE p.product = o.product)',
    ),
    ['[20]', '[40]', '[50]'],
  );
});

test('a subquery over an updating result: the semi join follows its retractions', async () => {
  const tEnv = await session(2);
  // Users whose total is over 40: alice's total passes 40 only with her second order.
  assert.deepEqual(
    await final(
      tEnv,
      'SELECT `user`, amount FROM Orders WHERE `user` IN (SELECT `user` FROM Orders GROUP BY `user` HAVING SUM(amount) > 40)',
    ),
    ['["alice",10]', '["alice",50]'],
  );
  assert.deepEqual(
    await final(
      tEnv,
      'SELECT `user` FROM Orders WHERE `user` NOT IN (SELECT `user` FROM Orders GROUP BY `user` HAVING COUNT(*) > 1)',
    ),
    ['["bob"]', '["carol"]', '["dave"]'],
  );
  // alice's first order makes her a user with one order, her second retracts that.
  assert.deepEqual(
    await final(
      tEnv,
      'SELECT `user`, amount FROM Orders WHERE `user` IN (SELECT `user` FROM Orders GROUP BY `user` HAVING COUNT(*) = 1)',
    ),
    ['["bob",20]', '["carol",30]', '["dave",40]'],
  );
});

test('uncorrelated scalar subqueries in WHERE and SELECT: the result follows the subquery as it changes', async () => {
  const tEnv = await session(2);
  assert.deepEqual(
    await final(tEnv, 'SELECT `user`, amount FROM Orders WHERE amount > (SELECT AVG(amount) FROM Orders)'),
    ['["alice",50]', '["dave",40]'],
  );
  assert.deepEqual(
    await final(
      tEnv,
      'SELECT amount, (SELECT COUNT(*) FROM NewProducts) AS n, (SELECT MAX(product) FROM NoProducts) FROM Orders WHERE amount < 30',
    ),
    ['[10,2,null]', '[20,2,null]'],
  );
  await assert.rejects(
    tEnv.executeSql('SELECT amount FROM Orders WHERE amount > (SELECT product, name FROM NewProducts)'),
    /a scalar subquery must select one column, not 2/,
  );
});

test('a correlated subquery on the same table: its own columns and table name hide the outer ones', async () => {
  const tEnv = await session();
  // The orders of users with an order larger than this one.
  assert.deepEqual(
    await final(
      tEnv,
      'SELECT o.amount FROM Orders o WHERE EXISTS (SELECT * FROM Orders WHERE Orders.`user` = o.`user` AND amount > o.amount)',
    ),
    ['[10]'],
  );
  // NOT IN between NOT NULL values is keyed by them (an anti join with an equality).
  await tEnv.executeSql(
    `CREATE TABLE Stock (product BIGINT NOT NULL, name STRING) WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'new_products.csv')}', 'format' = 'csv')`,
  );
  const sql = "SELECT name FROM Stock WHERE product NOT IN (SELECT product FROM Stock WHERE name = 'shoe')";
  assert.match(
    tEnv.explainSql(sql),
    /Join\(joinType=\[LeftAntiJoin\], leftKeys=\[product\], rightKeys=\[product\]\)/,
  );
  assert.deepEqual(await final(tEnv, sql), ['["hat"]']);
});

test('an equality of expressions keys the semi join: each side computes its key', async () => {
  const tEnv = await session(2);
  const sql =
    'SELECT amount FROM Orders WHERE COALESCE(product, 0) + 1 NOT IN (SELECT COALESCE(product, 0) + 1 FROM NewProducts)';
  assert.match(
    tEnv.explainSql(sql),
    /Join\(joinType=\[LeftAntiJoin\], leftKeys=\[\$k0\], rightKeys=\[\$k0\]\) .*\(parallelism 2\)/,
  );
  assert.deepEqual(await final(tEnv, sql), ['[20]', '[40]', '[50]']);
  assert.deepEqual(
    await final(
      tEnv,
      "SELECT amount FROM Orders o WHERE EXISTS (SELECT * FROM NewProducts p WHERE p.product * 10 = o.amount AND p.name <> 'x')",
    ),
    ['[10]', '[30]'],
  );
});

test('a subquery elsewhere than AND-ed in WHERE is not supported yet', async () => {
  const tEnv = await session();
  await assert.rejects(
    tEnv.executeSql(
      'SELECT amount FROM Orders WHERE amount > 20 OR product IN (SELECT product FROM NewProducts)',
    ),
    { code: 'SQL_UNSUPPORTED' },
  );
});
