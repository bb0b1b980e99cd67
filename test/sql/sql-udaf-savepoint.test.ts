import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import '../../src/index.ts';
import type { Row } from '../../src/core/row.ts';
import { materialize } from '../../src/sql/result-printer.ts';
import { TableEnvironment } from '../../src/sql/table-environment.ts';

const UDFS = resolve(import.meta.dirname, '../fixtures/sql/user-functions.ts');
const TABLE = (rate: number) => `CREATE TABLE t (id BIGINT, k INT, v INT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '${rate}',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '20000',
  'fields.k.min' = '0', 'fields.k.max' = '9', 'fields.v.min' = '0', 'fields.v.max' = '99')`;
const QUERY = 'SELECT k, weighted_avg(v, id), COUNT(*) FROM t GROUP BY k';

async function session(rate: number): Promise<TableEnvironment> {
  const tEnv = TableEnvironment.create();
  await tEnv.executeSql(TABLE(rate));
  await tEnv.executeSql(`CREATE TEMPORARY FUNCTION weighted_avg AS '${UDFS}#weightedAvg'`);
  return tEnv;
}

test("a user aggregate's accumulators go into a savepoint and come back from it", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-sql-udaf-savepoint-'));
  try {
    const expected: Row[] = [];
    for await (const row of (await (await session(1_000_000)).executeSql(QUERY)).collect())
      expected.push(row);

    const first = await session(5_000);
    await first.executeSql("SET 'execution.checkpointing.interval' = '100 ms'");
    const result = await first.executeSql(QUERY);
    let changes = 0;
    let savepoint: Promise<string> | undefined;
    for await (const _ of result.collect()) {
      if (++changes === 1_000) savepoint = result.jobClient!.stopWithSavepoint!(dir);
    }
    assert.ok(savepoint, 'the job emitted 1,000 changes before it ended');
    const path = await savepoint;

    const second = await session(1_000_000);
    await second.executeSql(`SET 'execution.savepoint.path' = '${path}'`);
    const resumed: Row[] = [];
    for await (const row of (await second.executeSql(QUERY)).collect()) resumed.push(row);
    // Each group's last row of the resumed run is its final result only if the weighted averages
    // went on from the restored accumulators.
    const last = new Map<unknown, Row>();
    for (const row of resumed) if (row.kind === '+I' || row.kind === '+U') last.set(row.values[0], row);
    const sorted = (rows: Row[]) =>
      materialize(rows)
        .map((r) => JSON.stringify(r.values))
        .sort();
    assert.equal(last.size, 10);
    assert.deepEqual(sorted([...last.values()]), sorted(expected));
    assert.ok(
      resumed.some((r) => r.kind === '-U'),
      'the resumed run updates results of the first',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
