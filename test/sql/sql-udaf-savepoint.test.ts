import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import '../../src/index.ts';
import type { Row } from '../../src/core/row.ts';
import { TableEnvironment } from '../../src/sql/table-environment.ts';
import { datagenTable, finalRows, lastRowPerKey, stopWithSavepointAfter } from './support.ts';

const UDFS = resolve(import.meta.dirname, '../fixtures/sql/user-functions.ts');

const QUERY = 'SELECT k, weighted_avg(v, id), COUNT(*) FROM t GROUP BY k';

async function session(rate: number): Promise<TableEnvironment> {
  const tEnv = TableEnvironment.create();
  await tEnv.executeSql(datagenTable(rate));
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
    const { path } = await stopWithSavepointAfter(first, QUERY, 1_000, dir);

    const second = await session(1_000_000);
    await second.executeSql(`SET 'execution.savepoint.path' = '${path}'`);
    const resumed: Row[] = [];
    for await (const row of (await second.executeSql(QUERY)).collect()) resumed.push(row);
    // Each group's last row of the resumed run is its final result only if the weighted averages
    // went on from the restored accumulators.
    const last = lastRowPerKey(resumed);
    assert.equal(last.size, 10);
    assert.deepEqual(finalRows([...last.values()]), finalRows(expected));
    assert.ok(
      resumed.some((r) => r.kind === '-U'),
      'the resumed run updates results of the first',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
