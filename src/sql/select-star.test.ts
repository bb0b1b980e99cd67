import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../index.ts';
import { TableEnvironment } from './table-environment.ts';

test('SELECT * over a join of tables that share column names names the second ones as Flink does (id0, x0)', async () => {
  const tEnv = TableEnvironment.create();
  await tEnv.executeSql('CREATE VIEW a AS SELECT * FROM (VALUES (1, 10)) AS v(id, x)');
  await tEnv.executeSql('CREATE VIEW b AS SELECT * FROM (VALUES (1, 20)) AS v(id, x)');
  const result = await tEnv.executeSql('SELECT * FROM a JOIN b ON a.id = b.id');
  assert.deepEqual(
    result.schema.map((c) => c.name),
    ['id', 'x', 'id0', 'x0'],
  );
  const rows: unknown[][] = [];
  for await (const row of result.collect()) rows.push(row.values);
  assert.deepEqual(rows, [[1, 10, 1, 20]]);
  // b.* alone is b's columns under their own names.
  const right = await tEnv.executeSql('SELECT b.* FROM a JOIN b ON a.id = b.id');
  assert.deepEqual(
    right.schema.map((c) => c.name),
    ['id', 'x'],
  );
});
