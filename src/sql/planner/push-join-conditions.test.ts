import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../index.ts';
import type { Row } from '../../core/row.ts';
import { materialize } from '../result-printer.ts';
import { TableEnvironment } from '../table-environment.ts';

/** The query's final rows (its changelog applied), as JSON arrays. */
async function rows(tEnv: TableEnvironment, sql: string): Promise<string[]> {
  const changes: Row[] = [];
  for await (const row of (await tEnv.executeSql(sql)).collect()) changes.push(row);
  return materialize(changes)
    .map((r) => JSON.stringify(r.values))
    .sort();
}

async function environment(): Promise<TableEnvironment> {
  const tEnv = TableEnvironment.create();
  await tEnv.executeSql('CREATE VIEW a AS SELECT * FROM (VALUES (1, 10), (2, 20), (3, 30)) AS t(k, x)');
  await tEnv.executeSql('CREATE VIEW b AS SELECT * FROM (VALUES (1, 100), (2, 200), (3, 300)) AS t(k, y)');
  return tEnv;
}

test('an inner join filters each input by the parts of its condition that read that input alone', async () => {
  const tEnv = await environment();
  const sql = 'SELECT a.k, b.y FROM a JOIN b ON a.k = b.k AND a.x > 10 AND b.y < 300';
  const plan = tEnv.explainSql(sql);
  const physical = plan.slice(plan.indexOf('== Physical Execution Plan =='));
  // Both inputs get a Calc with a condition ahead of the join's exchange.
  assert.equal(physical.match(/Calc\(select=\[k, [xy]\], where=\[\.\.\.\]\)/g)?.length, 2, physical);
  assert.deepEqual(await rows(tEnv, sql), ['[2,200]']);
});

test('a LEFT join filters only its right input: a left row failing its part of ON is kept, padded', async () => {
  const tEnv = await environment();
  const sql = 'SELECT a.k, b.y FROM a LEFT JOIN b ON a.k = b.k AND a.x > 10 AND b.y < 300';
  const physical = tEnv.explainSql(sql).split('== Physical Execution Plan ==')[1];
  assert.equal(physical.match(/Calc\(select=\[k, [xy]\], where=\[\.\.\.\]\)/g)?.length, 1, physical);
  assert.deepEqual(await rows(tEnv, sql), ['[1,null]', '[2,200]', '[3,null]']);
});

test('a FULL join keeps its whole condition, and a volatile part stays in any join', async () => {
  const tEnv = await environment();
  const full = 'SELECT a.k, b.k FROM a FULL JOIN b ON a.k = b.k AND a.x > 10 AND b.y < 300';
  assert.doesNotMatch(tEnv.explainSql(full).split('== Physical Execution Plan ==')[1], /where=/);
  assert.deepEqual(await rows(tEnv, full), ['[1,null]', '[2,2]', '[3,null]', '[null,1]', '[null,3]']);
  const volatile = 'SELECT a.k FROM a JOIN b ON a.k = b.k AND RAND() < 2';
  assert.doesNotMatch(tEnv.explainSql(volatile).split('== Physical Execution Plan ==')[1], /where=/);
});
