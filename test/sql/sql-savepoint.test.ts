import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import '../../src/index.ts';
import type { Row } from '../../src/core/row.ts';
import { TableEnvironment } from '../../src/sql/table-environment.ts';
import { datagenTable, finalRows, lastRowPerKey, stopWithSavepointAfter } from './support.ts';

const QUERY = 'SELECT k, COUNT(*), COUNT(DISTINCT v), MAX(v), SUM(v) FROM t GROUP BY k';

test('a SQL job stopped with a savepoint resumes from it: its group state (DISTINCT sets, MAX counts) and its source position come back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-sql-savepoint-'));
  try {
    // The result of an uninterrupted run.
    const whole = TableEnvironment.create();
    await whole.executeSql(datagenTable(1_000_000));
    const expected: Row[] = [];
    for await (const row of (await whole.executeSql(QUERY)).collect()) expected.push(row);

    // The same query, stopped with a savepoint partway (after 1,000 changes), then resumed from it.
    const first = TableEnvironment.create();
    await first.executeSql(datagenTable(5_000));
    const { changelog, path } = await stopWithSavepointAfter(first, QUERY, 1_000, dir);
    assert.ok(
      changelog.length < expected.length,
      `stopped partway: ${changelog.length} of ${expected.length} changes`,
    );

    const second = TableEnvironment.create();
    await second.executeSql(datagenTable(1_000_000));
    await second.executeSql(`SET 'execution.savepoint.path' = '${path}'`);
    const resumed: Row[] = [];
    for await (const row of (await second.executeSql(QUERY)).collect()) resumed.push(row);
    // Every group changes again after the restore, so the resumed run's last row of each group is
    // its final result: counts that go on from the savepoint's (restored accumulators, DISTINCT
    // sets and MAX counts) over the rows after its source position (none read twice or lost).
    const last = lastRowPerKey(resumed);
    assert.equal(last.size, 10);
    assert.deepEqual(finalRows([...last.values()]), finalRows(expected));
    assert.ok(
      resumed.some((r) => r.kind === '-U'),
      'the resumed run retracts results the first run emitted',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
