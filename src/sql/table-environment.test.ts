import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../index.ts';
import { TableEnvironment } from './table-environment.ts';
import { rows } from './test-support.ts';

const DDL = `CREATE TABLE events (
  event_type INT,
  bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3)>,
  ts AS bid.dateTime
) WITH ('connector' = 'nexmark', 'events.num' = '500')`;

test('DDL, SHOW and DESCRIBE describe the catalog', async () => {
  const tEnv = TableEnvironment.create();
  await tEnv.executeSql(DDL);
  await tEnv.executeSql('CREATE VIEW bids AS SELECT bid.auction, bid.price FROM events WHERE event_type = 2');
  assert.deepEqual(
    (await rows(tEnv, 'SHOW TABLES')).map((r) => r.values[0]),
    ['bids', 'events'],
  );
  assert.deepEqual(
    (await rows(tEnv, 'DESCRIBE events')).map((r) => r.values.slice(0, 2)),
    [
      ['event_type', 'INT'],
      ['bid', 'ROW<`auction` BIGINT, `bidder` BIGINT, `price` BIGINT, `dateTime` TIMESTAMP(3)>'],
      ['ts', 'TIMESTAMP(3)'],
    ],
  );
  await assert.rejects(tEnv.executeSql(DDL), /table or view "events" already exists/);
  await tEnv.executeSql(DDL.replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS'));
});

test('a query returns its rows; a grouped one returns its changelog', async () => {
  const tEnv = TableEnvironment.create();
  await tEnv.executeSql(DDL);
  const bids = await rows(tEnv, 'SELECT bid.auction, bid.price FROM events WHERE event_type = 2');
  assert.ok(bids.length > 400 && bids.every((r) => r.kind === '+I' && r.values.length === 2));
  const counts = await rows(tEnv, 'SELECT event_type, COUNT(*) FROM events GROUP BY event_type');
  // Applying the changelog gives one row per event type, with the counts of the generator's mix.
  const final = new Map<unknown, unknown>();
  for (const r of counts) if (r.kind === '+I' || r.kind === '+U') final.set(r.values[0], r.values[1]);
  assert.equal(
    [...final.values()].reduce((a, b) => (a as number) + (b as number), 0),
    500,
  );
  assert.equal(final.get(2), bids.length);
});

test("EXPLAIN shows the plan and advises 'table.exec.state.ttl' for unbounded state", async () => {
  const tEnv = TableEnvironment.create();
  await tEnv.executeSql(DDL);
  const plan = tEnv.explainSql('EXPLAIN SELECT bid.bidder, COUNT(*) FROM events GROUP BY bid.bidder');
  assert.match(plan, /== Abstract Syntax Tree ==\nCalc\(select=\[bidder, EXPR\$1\]\)\n\+- GroupAggregate/);
  assert.match(
    plan,
    /== Physical Execution Plan ==\nTableSourceScan\(table=\[events\]\).*\(parallelism 1\)\nGroupAggregate/,
  );
  assert.match(
    plan,
    /Warning: GroupAggregate\(groupBy=\[bidder\]\) keeps state for every key without bound; SET 'table\.exec\.state\.ttl'/,
  );
  await tEnv.executeSql("SET 'table.exec.state.ttl' = '1 h'");
  assert.doesNotMatch(
    tEnv.explainSql('SELECT bid.bidder, COUNT(*) FROM events GROUP BY bid.bidder'),
    /Warning/,
  );
  await tEnv.executeSql("SET 'table.exec.state.ttl' = 'an hour'");
  assert.throws(
    () => tEnv.explainSql('SELECT COUNT(*) FROM events'),
    /'table\.exec\.state\.ttl' must be a duration/,
  );
});

test('filesystem tables: CSV scanned and joined, LEFT and FULL OUTER JOIN pad unmatched rows with NULLs', async () => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'weir-sql-files-'));
  try {
    await writeFile(join(dir, 'customers.csv'), '1,alice\n2,bob\n3,"carol, jr"\n');
    await writeFile(join(dir, 'orders.csv'), '10,1,5.5\n11,1,2.25\n12,4,9\n');
    const tEnv = TableEnvironment.create();
    await tEnv.executeSql(
      `CREATE TABLE customers (id BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'customers.csv')}', 'format' = 'csv')`,
    );
    await tEnv.executeSql(
      `CREATE TABLE orders (id BIGINT, customer BIGINT, amount DOUBLE) WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'orders.csv')}', 'format' = 'csv')`,
    );
    const final = async (sql: string): Promise<string[]> => {
      const { materialize } = await import('./result-printer.ts');
      return materialize(await rows(tEnv, sql))
        .map((r) => JSON.stringify(r.values))
        .sort();
    };
    assert.deepEqual(
      await final('SELECT c.name, o.id, o.amount FROM customers c LEFT JOIN orders o ON c.id = o.customer'),
      ['["alice",10,5.5]', '["alice",11,2.25]', '["bob",null,null]', '["carol, jr",null,null]'],
    );
    assert.deepEqual(
      await final(
        'SELECT c.id, o.id FROM customers c FULL OUTER JOIN orders o ON c.id = o.customer AND o.amount > 3',
      ),
      ['[1,10]', '[2,null]', '[3,null]', '[null,11]', '[null,12]'],
    );
    assert.deepEqual(
      await final(
        'SELECT name, SUM(amount) FROM customers c JOIN orders o ON c.id = o.customer GROUP BY name',
      ),
      ['["alice",7.75]'],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('datagen tables: sequences bound the table, random values keep their ranges and are the same every run', async () => {
  const tEnv = TableEnvironment.create();
  await tEnv.executeSql(`CREATE TABLE orders (
      id BIGINT, price DOUBLE, qty INT, code STRING, note STRING
    ) WITH (
      'connector' = 'datagen', 'rows-per-second' = '1000000',
      'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '1000',
      'fields.price.min' = '1', 'fields.price.max' = '2',
      'fields.qty.min' = '5', 'fields.qty.max' = '7',
      'fields.code.length' = '4', 'fields.note.null-rate' = '0.5'
    )`);
  const first = await rows(tEnv, 'SELECT * FROM orders');
  assert.deepEqual(
    first.map((r) => r.values[0]),
    Array.from({ length: 1000 }, (_, i) => i + 1),
  );
  assert.ok(first.every((r) => (r.values[1] as number) >= 1 && (r.values[1] as number) < 2));
  assert.deepEqual([...new Set(first.map((r) => r.values[2]))].sort(), [5, 6, 7]);
  assert.ok(first.every((r) => /^[a-z0-9]{4}$/.test(r.values[3] as string)));
  const nulls = first.filter((r) => r.values[4] === null).length;
  assert.ok(nulls > 400 && nulls < 600, `about half the notes are NULL, got ${nulls}`);
  assert.deepEqual(await rows(tEnv, 'SELECT * FROM orders'), first);
  await assert.rejects(
    tEnv
      .executeSql("CREATE TABLE bad (a INT) WITH ('connector' = 'datagen', 'fields.a.kind' = 'sequence')")
      .then(() => rows(tEnv, 'SELECT * FROM bad')),
    /needs 'fields\.a\.start' and 'fields\.a\.end'/,
  );
});

test('OVER aggregation (ROWS and RANGE by event time, RANGE peers sharing a result) and CUMULATE windows', async () => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'weir-sql-over-'));
  try {
    await writeFile(
      join(dir, 'orders.csv'),
      [
        'a,1,2026-01-01 00:00:01',
        'a,2,2026-01-01 00:00:02',
        'b,5,2026-01-01 00:00:02',
        'a,4,2026-01-01 00:00:02',
        'a,8,2026-01-01 00:01:00',
        '',
      ].join('\n'),
    );
    const tEnv = TableEnvironment.create();
    await tEnv.executeSql(`CREATE TABLE orders (product STRING, amount INT, ts TIMESTAMP(3),
        WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
      ) WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'orders.csv')}', 'format' = 'csv')`);
    // Rows come out in time order per partition; partitions interleave in no set order.
    const over = async (window: string): Promise<string[]> =>
      (
        await rows(
          tEnv,
          `SELECT product, amount, SUM(amount) OVER (PARTITION BY product ORDER BY ts ${window}) FROM orders`,
        )
      )
        .map((r) => r.values.join(' '))
        .sort();
    assert.deepEqual(await over('ROWS BETWEEN 1 PRECEDING AND CURRENT ROW'), [
      'a 1 1',
      'a 2 3',
      'a 4 6',
      'a 8 12',
      'b 5 5',
    ]);
    assert.deepEqual(await over("RANGE BETWEEN INTERVAL '1' SECOND PRECEDING AND CURRENT ROW"), [
      'a 1 1',
      'a 2 7',
      'a 4 7',
      'a 8 8',
      'b 5 5',
    ]);
    const counts = await rows(
      tEnv,
      'SELECT product, COUNT(*) OVER (PARTITION BY product ORDER BY ts) FROM orders',
    );
    assert.deepEqual(counts.map((r) => r.values.join(' ')).sort(), ['a 1', 'a 3', 'a 3', 'a 4', 'b 1']);
    // CUMULATE: windows of a 3 s cycle ending every second, each the sum of its cycle so far.
    const base = Date.UTC(2026, 0, 1);
    const cumulative = await rows(
      tEnv,
      `SELECT product, window_start, window_end, SUM(amount) FROM TABLE(
         CUMULATE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' SECOND, INTERVAL '3' SECOND))
       GROUP BY product, window_start, window_end`,
    );
    assert.deepEqual(
      cumulative
        .map(
          (r) =>
            `${r.values[0]} ${(r.values[1] as number) - base} ${(r.values[2] as number) - base} ${r.values[3]}`,
        )
        .sort(),
      ['a 0 2000 1', 'a 0 3000 7', 'a 60000 61000 8', 'a 60000 62000 8', 'a 60000 63000 8', 'b 0 3000 5'],
    );
    await assert.rejects(
      tEnv.executeSql('SELECT SUM(amount) OVER (ORDER BY amount) FROM orders'),
      /OVER aggregation must be ORDER BY a time attribute/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
