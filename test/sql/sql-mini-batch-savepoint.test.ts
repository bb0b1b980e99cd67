import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import '../../src/index.ts';
import type { Row } from '../../src/core/row.ts';
import { TableEnvironment } from '../../src/sql/table-environment.ts';
import { datagenTable, finalRows, lastRowPerKey, stopWithSavepointAfter } from './support.ts';

const QUERY = 'SELECT k, COUNT(*), COUNT(DISTINCT v), MAX(v), SUM(v), AVG(v) FROM t GROUP BY k';

/**
 * Bundles of 700 rows (or an hour): when the savepoint is taken, a bundle is partly filled, and its
 * rows are past the source position the savepoint keeps.
 */
const MINI_BATCH = [
  "SET 'table.exec.mini-batch.enabled' = 'true'",
  "SET 'table.exec.mini-batch.allow-latency' = '1 h'",
  "SET 'table.exec.mini-batch.size' = '700'",
];

for (const strategy of ['ONE_PHASE', 'TWO_PHASE']) {
  test(`mini-batch (${strategy}): a savepoint taken mid-bundle loses no buffered row`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-sql-mini-batch-savepoint-'));
    try {
      const whole = TableEnvironment.create();
      await whole.executeSql(datagenTable(1_000_000));
      const expected: Row[] = [];
      for await (const row of (await whole.executeSql(QUERY)).collect()) expected.push(row);

      const first = TableEnvironment.create({ parallelism: 2 });
      await first.executeSql(datagenTable(5_000));
      for (const s of MINI_BATCH) await first.executeSql(s);
      await first.executeSql(`SET 'table.optimizer.agg-phase-strategy' = '${strategy}'`);
      // A few bundles are out: stop while the next one fills.
      const { path } = await stopWithSavepointAfter(first, QUERY, 30, dir);

      const second = TableEnvironment.create({ parallelism: 2 });
      await second.executeSql(datagenTable(1_000_000));
      for (const s of MINI_BATCH) await second.executeSql(s);
      await second.executeSql(`SET 'table.optimizer.agg-phase-strategy' = '${strategy}'`);
      await second.executeSql(`SET 'execution.savepoint.path' = '${path}'`);
      const resumed: Row[] = [];
      for await (const row of (await second.executeSql(QUERY)).collect()) resumed.push(row);
      // The resumed run ends with one bundle at the end of input: each group's last row is its final
      // result, from the savepoint's state (the rows buffered when it was taken included) and the
      // rows after its source position.
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
}
