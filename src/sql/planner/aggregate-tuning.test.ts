import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../index.ts';
import type { Row } from '../../core/row.ts';
import { materialize } from '../result-printer.ts';
import { TableEnvironment } from '../table-environment.ts';

/** 3000 rows; `u` repeats (20 users), `k` (5 keys) and `v` random but the same every run. */
const DDL = `CREATE TABLE src (id BIGINT, k INT, u STRING, v BIGINT, d DOUBLE) WITH (
  'connector' = 'datagen', 'rows-per-second' = '10000000',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '3000',
  'fields.k.min' = '0', 'fields.k.max' = '4',
  'fields.u.length' = '1',
  'fields.v.min' = '-50', 'fields.v.max' = '100',
  'fields.d.min' = '0', 'fields.d.max' = '1'
)`;

/**
 * An aggregate over an aggregate: the inner one's result updates, so the outer one reads a changelog
 * with retractions (-U/+U) and runs every aggregate on it, DISTINCT included.
 */
const QUERY = `SELECT k, COUNT(*) AS n, SUM(s) AS total, MAX(s) AS hi, MIN(s) AS lo, AVG(s) AS mean,
    COUNT(DISTINCT u) AS users, SUM(DISTINCT c) AS sizes, COUNT(m) FILTER (WHERE s > 0) AS pos
  FROM (SELECT k, u, SUM(v) AS s, COUNT(*) AS c, MAX(v) AS m FROM src GROUP BY k, u)
  GROUP BY k`;

const SETTINGS = {
  miniBatch: {
    'table.exec.mini-batch.enabled': 'true',
    'table.exec.mini-batch.allow-latency': '5 s',
    'table.exec.mini-batch.size': '100',
    'table.optimizer.agg-phase-strategy': 'ONE_PHASE',
  },
  twoPhase: {
    'table.exec.mini-batch.enabled': 'true',
    'table.exec.mini-batch.allow-latency': '5 s',
    'table.exec.mini-batch.size': '100',
    'table.optimizer.agg-phase-strategy': 'TWO_PHASE',
  },
  splitDistinct: {
    'table.optimizer.distinct-agg.split.enabled': 'true',
    'table.optimizer.distinct-agg.split.bucket-num': '4',
  },
  all: {
    'table.exec.mini-batch.enabled': 'true',
    'table.exec.mini-batch.allow-latency': '5 s',
    'table.exec.mini-batch.size': '37',
    'table.optimizer.distinct-agg.split.enabled': 'true',
  },
} satisfies Record<string, Record<string, string>>;

async function session(parallelism: number, settings: Record<string, string>): Promise<TableEnvironment> {
  const tEnv = TableEnvironment.create({ parallelism });
  await tEnv.executeSql(DDL);
  for (const [k, v] of Object.entries(settings)) await tEnv.executeSql(`SET '${k}' = '${v}'`);
  return tEnv;
}

async function changelog(tEnv: TableEnvironment, sql: string): Promise<Row[]> {
  const out: Row[] = [];
  for await (const row of (await tEnv.executeSql(sql)).collect()) out.push(row);
  return out;
}

/** The changelog applied: the final rows, sorted. */
function finalRows(rows: Row[]): string[] {
  return materialize(rows)
    .map((r) => JSON.stringify(r.values))
    .sort();
}

for (const parallelism of [1, 2]) {
  test(`results are the same with and without each tuning option, at parallelism ${parallelism}`, async () => {
    const plain = await changelog(await session(parallelism, {}), QUERY);
    const expected = finalRows(plain);
    assert.equal(expected.length, 5);
    for (const [name, settings] of Object.entries(SETTINGS)) {
      const rows = await changelog(await session(parallelism, settings), QUERY);
      assert.deepEqual(finalRows(rows), expected, name);
      if (name === 'all') {
        const plan = (await session(parallelism, settings)).explainSql(`EXPLAIN ${QUERY}`);
        assert.match(plan, /IncrementalGroupAggregate\(partialAggGrouping=\[\$f0, \$bucket, \$e\]/);
      }
      // Mini-batch folds a bundle into one change per key: fewer changes than row by row.
      if (name !== 'splitDistinct')
        assert.ok(rows.length < plain.length, `${name}: ${rows.length} < ${plain.length}`);
    }
  });
}

test('a global aggregate (no GROUP BY), with FIRST_VALUE (no merge: one phase) or without', async () => {
  for (const sql of [
    'SELECT COUNT(*), SUM(v), COUNT(DISTINCT u), AVG(d), MIN(id) FROM src',
    'SELECT COUNT(*), SUM(v), COUNT(DISTINCT u), AVG(d), FIRST_VALUE(id) FROM src',
  ]) {
    const expected = finalRows(await changelog(await session(1, {}), sql));
    assert.equal(expected.length, 1);
    for (const [name, settings] of Object.entries(SETTINGS)) {
      for (const parallelism of [1, 2]) {
        const rows = finalRows(await changelog(await session(parallelism, settings), sql));
        assert.deepEqual(rows, expected, `${name} at parallelism ${parallelism}: ${sql}`);
      }
    }
  }
});

test('EXPLAIN shows the mini-batch interval, the local and global aggregates and the split', async () => {
  const tEnv = await session(2, {
    ...SETTINGS.twoPhase,
    'table.optimizer.distinct-agg.split.enabled': 'true',
  });
  const plan = tEnv.explainSql('EXPLAIN SELECT k, COUNT(DISTINCT u), MAX(v) FROM src GROUP BY k');
  assert.match(plan, /MiniBatchAssigner\(interval=\[5000ms\], mode=\[ProcTime\]\)/);
  // The binder names the grouped column $f0 below its projection.
  assert.match(
    plan,
    /Calc\(select=\[\$f0, \$f1, \$f2, \$bucket\]\) -> LocalGroupAggregate\(groupBy=\[\$f0, \$bucket\]/,
  );
  // The partial's global phase and the final's local phase are one operator, as in Flink.
  assert.match(
    plan,
    /IncrementalGroupAggregate\(partialAggGrouping=\[\$f0, \$bucket\], finalAggGrouping=\[k\]\)/,
  );
  assert.match(plan, /GlobalGroupAggregate\(groupBy=\[k\], select=\[k, count\$0, max\$1\]\)/);
  assert.doesNotMatch(plan, /LocalGroupAggregate\(groupBy=\[k\]/);
  // Two distinct columns: one copy of the rows per column (Flink's Expand), numbered by $e.
  const two = await session(1, SETTINGS.splitDistinct);
  const expanded = two.explainSql(
    'EXPLAIN SELECT k, COUNT(DISTINCT u), SUM(DISTINCT v), COUNT(*) FROM src GROUP BY k',
  );
  assert.match(
    expanded,
    /Calc\(select=\[\$f0, \$f1, \$f2, \$bucket, \$e, \$filter0, \$filter1, \$filter2\]\)/,
  );
  assert.match(expanded, /GroupAggregate\(groupBy=\[\$f0, \$bucket, \$e\]\)/);
  // FIRST_VALUE cannot be split: the aggregate stays one.
  assert.doesNotMatch(
    two.explainSql('EXPLAIN SELECT k, COUNT(DISTINCT u), FIRST_VALUE(v) FROM src GROUP BY k'),
    /\$bucket/,
  );
  const one = await session(1, SETTINGS.miniBatch);
  assert.doesNotMatch(one.explainSql('EXPLAIN SELECT k, v FROM src'), /MiniBatchAssigner/);
  assert.doesNotMatch(
    one.explainSql('EXPLAIN SELECT k, COUNT(*) FROM src GROUP BY k'),
    /LocalGroupAggregate/,
  );
});

test("mini-batch settings are checked as Flink's: a positive latency and size", async () => {
  const tEnv = await session(1, {
    'table.exec.mini-batch.enabled': 'true',
    'table.exec.mini-batch.size': '10',
  });
  assert.throws(
    () => tEnv.explainSql('EXPLAIN SELECT k, COUNT(*) FROM src GROUP BY k'),
    /'table.exec.mini-batch.allow-latency' must be greater than 0/,
  );
  await tEnv.executeSql("SET 'table.exec.mini-batch.allow-latency' = '1 s'");
  await tEnv.executeSql("SET 'table.exec.mini-batch.size' = '0'");
  assert.throws(() => tEnv.explainSql('EXPLAIN SELECT k, COUNT(*) FROM src GROUP BY k'), /mini-batch.size/);
  await tEnv.executeSql("SET 'table.exec.mini-batch.size' = '10'");
  await tEnv.executeSql("SET 'table.optimizer.agg-phase-strategy' = 'THREE_PHASE'");
  assert.throws(
    () => tEnv.explainSql('EXPLAIN SELECT k, COUNT(*) FROM src GROUP BY k'),
    /AUTO, TWO_PHASE or ONE_PHASE/,
  );
});

test("Flink's examples: local-global SUM by color, split COUNT(DISTINCT user_id) by day, with FILTER", async () => {
  const T = `CREATE TABLE T (id BIGINT, color STRING, \`day\` INT, user_id BIGINT, flag STRING) WITH (
    'connector' = 'datagen', 'rows-per-second' = '10000000',
    'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '2000',
    'fields.color.length' = '1', 'fields.day.min' = '1', 'fields.day.max' = '3',
    'fields.user_id.min' = '1', 'fields.user_id.max' = '300', 'fields.flag.length' = '1')`;
  const queries = [
    'SELECT color, sum(id) FROM T GROUP BY color',
    'SELECT `day`, COUNT(DISTINCT user_id) FROM T GROUP BY `day`',
    `SELECT \`day\`, COUNT(DISTINCT user_id) AS total_uv,
       COUNT(DISTINCT user_id) FILTER (WHERE flag IN ('a', 'b', 'c')) AS app_uv,
       COUNT(DISTINCT user_id) FILTER (WHERE flag IN ('x', 'y', 'z')) AS web_uv
     FROM T GROUP BY \`day\``,
  ];
  const run = async (
    settings: Record<string, string>,
    sql: string,
  ): Promise<{ rows: string[]; plan: string }> => {
    const tEnv = TableEnvironment.create({ parallelism: 2 });
    await tEnv.executeSql(T);
    for (const [k, v] of Object.entries(settings)) await tEnv.executeSql(`SET '${k}' = '${v}'`);
    return { rows: finalRows(await changelog(tEnv, sql)), plan: tEnv.explainSql(`EXPLAIN ${sql}`) };
  };
  const twoPhase = await run(SETTINGS.twoPhase, queries[0]);
  assert.deepEqual(twoPhase.rows, (await run({}, queries[0])).rows);
  assert.match(twoPhase.plan, /LocalGroupAggregate\(groupBy=\[color\], select=\[color, EXPR\$0\]\)/);
  for (const sql of queries.slice(1)) {
    const split = await run({ 'table.optimizer.distinct-agg.split.enabled': 'true' }, sql);
    const expected = (await run({}, sql)).rows;
    assert.equal(expected.length, 3);
    assert.deepEqual(split.rows, expected);
    assert.match(split.plan, /GroupAggregate\(groupBy=\[\$f0, \$bucket\]\)/);
  }
});
