import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import '../index.ts';
import { TableEnvironment } from './table-environment.ts';
import { rows, tempFiles } from './test-support.ts';

const file = tempFiles('weir-temporal-join-');

/** A CSV file of these lines in the test's directory, by name. */
async function csv(name: string, lines: string[]): Promise<string> {
  const path = file(name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/** The time of day of an epoch-ms timestamp, as Flink's examples print it. */
const hms = (t: unknown): string => new Date(t as number).toISOString().slice(11, 19);

test("Flink's event-time temporal join example: each order with the conversion rate of its time", async () => {
  const tEnv = TableEnvironment.create();
  const orders = await csv('orders.csv', [
    'o_001,11.11,EUR,2026-01-01 12:00:00',
    'o_002,12.51,EUR,2026-01-01 12:06:00',
  ]);
  const rates = await csv('rates.csv', [
    'USD,1.00,2026-01-01 09:00:00',
    'EUR,1.17,2026-01-01 09:00:00',
    'EUR,1.14,2026-01-01 11:30:00',
    'EUR,1.10,2026-01-01 12:05:00',
    'EUR,1.08,2026-01-01 12:30:00',
  ]);
  // As in Flink's documentation, with the tables on files.
  await tEnv.executeSql(`CREATE TABLE orders (
      order_id    STRING,
      price       DECIMAL(32,2),
      currency    STRING,
      order_time  TIMESTAMP(3),
      WATERMARK FOR order_time AS order_time
    ) WITH ('connector' = 'filesystem', 'path' = '${orders}', 'format' = 'csv')`);
  await tEnv.executeSql(`CREATE TABLE currency_rates (
      currency STRING,
      conversion_rate DECIMAL(32, 2),
      update_time TIMESTAMP(3),
      WATERMARK FOR update_time AS update_time,
      PRIMARY KEY(currency) NOT ENFORCED
    ) WITH ('connector' = 'filesystem', 'path' = '${rates}', 'format' = 'csv')`);
  const result = await rows(
    tEnv,
    `SELECT
         order_id,
         price,
         orders.currency,
         conversion_rate,
         order_time
    FROM orders
    LEFT JOIN currency_rates FOR SYSTEM_TIME AS OF orders.order_time
    ON orders.currency = currency_rates.currency`,
  );
  assert.ok(
    result.every((r) => r.kind === '+I'),
    'an append-only result',
  );
  assert.deepEqual(result.map((r) => [...r.values.slice(0, 4), hms(r.values[4])].join(' ')).sort(), [
    'o_001 11.11 EUR 1.14 12:00:00',
    'o_002 12.51 EUR 1.1 12:06:00',
  ]);
  // The order's time stays an event-time attribute: the joined rows can be windowed by it.
  await tEnv.executeSql(`CREATE VIEW priced AS
    SELECT o.order_id, o.price * r.conversion_rate AS usd, o.order_time
      FROM orders AS o JOIN currency_rates FOR SYSTEM_TIME AS OF o.order_time AS r
      ON o.currency = r.currency`);
  const windows = await rows(
    tEnv,
    `SELECT window_start, COUNT(*), SUM(usd) FROM TABLE(
       TUMBLE(TABLE priced, DESCRIPTOR(order_time), INTERVAL '5' MINUTE))
     GROUP BY window_start, window_end`,
  );
  assert.deepEqual(windows.map((r) => `${hms(r.values[0])} ${r.values[1]} ${r.values[2]}`).sort(), [
    '12:00:00 1 12.6654',
    '12:05:00 1 13.761',
  ]);
});

test("Flink's versioned view: a deduplication of an append-only table of rates, joined as of each order's time", async () => {
  const tEnv = TableEnvironment.create({ parallelism: 2 });
  // The rates and orders of Flink's "Versioned Tables" and "Temporal Table Function" pages.
  const rates = await csv('currency-rates.csv', [
    '2026-01-01 09:00:00,Yen,102',
    '2026-01-01 09:00:00,Euro,114',
    '2026-01-01 09:00:00,USD,1',
    '2026-01-01 11:15:00,Euro,119',
    '2026-01-01 11:49:00,Pounds,108',
  ]);
  const orders = await csv('currency-orders.csv', [
    '2026-01-01 10:15:00,2,Euro',
    '2026-01-01 10:30:00,1,USD',
    '2026-01-01 10:32:00,50,Yen',
    '2026-01-01 10:52:00,3,Euro',
    '2026-01-01 11:04:00,5,USD',
    '2026-01-01 11:20:00,1,Euro',
  ]);
  await tEnv.executeSql(`CREATE TABLE currency_rates (
      update_time TIMESTAMP(3),
      currency STRING,
      rate DECIMAL(32, 10),
      WATERMARK FOR update_time AS update_time
    ) WITH ('connector' = 'filesystem', 'path' = '${rates}', 'format' = 'csv')`);
  await tEnv.executeSql(`CREATE TABLE orders (
      order_time TIMESTAMP(3),
      amount INT,
      currency STRING,
      WATERMARK FOR order_time AS order_time
    ) WITH ('connector' = 'filesystem', 'path' = '${orders}', 'format' = 'csv')`);
  await tEnv.executeSql(`CREATE VIEW versioned_rates AS
    SELECT currency, rate, update_time
      FROM (
          SELECT *,
          ROW_NUMBER() OVER (PARTITION BY currency
             ORDER BY update_time DESC) AS rownum
          FROM currency_rates)
    WHERE rownum = 1`);
  const joined = await rows(
    tEnv,
    `SELECT o.order_time, o.amount, o.currency, r.rate, o.amount * r.rate AS converted
       FROM orders AS o
       JOIN versioned_rates FOR SYSTEM_TIME AS OF o.order_time AS r
       ON o.currency = r.currency`,
  );
  assert.deepEqual(joined.map((r) => [hms(r.values[0]), ...r.values.slice(1)].join(' ')).sort(), [
    '10:15:00 2 Euro 114 228',
    '10:30:00 1 USD 1 1',
    '10:32:00 50 Yen 102 5100',
    '10:52:00 3 Euro 114 342',
    '11:04:00 5 USD 1 5',
    '11:20:00 1 Euro 119 119',
  ]);
  const { materialize } = await import('./result-printer.ts');
  // One subtask: the Calc after a global aggregate is spread over the subtasks by round robin, which
  // can reorder its -U and +U rows in the collected result (a planner matter, not the join's).
  await tEnv.executeSql("SET 'parallelism.default' = '1'");
  const total = materialize(
    await rows(
      tEnv,
      `SELECT SUM(amount * rate) AS amount FROM orders
         JOIN versioned_rates FOR SYSTEM_TIME AS OF orders.order_time
         ON versioned_rates.currency = orders.currency`,
    ),
  );
  assert.deepEqual(
    total.map((r) => r.values),
    [[5795]],
  );
});

test("Flink's errors: no primary key, no row time, a key not in the condition, no time attribute, processing time", async () => {
  const tEnv = TableEnvironment.create();
  const file = await csv('any.csv', ['EUR,1,2026-01-01 09:00:00']);
  const table = (name: string, extra: string) =>
    tEnv.executeSql(`CREATE TABLE ${name} (currency STRING, rate INT, ts TIMESTAMP(3)${extra})
      WITH ('connector' = 'filesystem', 'path' = '${file}', 'format' = 'csv')`);
  await table('orders', ", pt AS PROCTIME(), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND");
  await table('no_pk', ', WATERMARK FOR ts AS ts');
  await table('no_rowtime', ', PRIMARY KEY (currency) NOT ENFORCED');
  await table('rates', ', WATERMARK FOR ts AS ts, PRIMARY KEY (currency) NOT ENFORCED');
  await tEnv.executeSql('CREATE VIEW rates_view AS SELECT * FROM rates');
  await tEnv.executeSql(
    "CREATE TABLE gen (currency STRING, rate INT) WITH ('connector' = 'datagen', 'number-of-rows' = '1')",
  );
  const join = (right: string, asOf = 'o.ts', on = 'o.currency = r.currency') =>
    tEnv.executeSql(
      `SELECT o.currency, r.rate FROM orders AS o JOIN ${right} FOR SYSTEM_TIME AS OF ${asOf} AS r ON ${on}`,
    );
  await assert.rejects(join('no_pk'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'SQL_VALIDATION_ERROR');
    assert.match(
      e.message,
      /Temporal Table Join requires primary key in versioned table, but no primary key can be found: "r" has none/,
    );
    assert.match(e.message, /line 1, column \d+/);
    return true;
  });
  await assert.rejects(
    join('no_rowtime'),
    /Event-Time Temporal Table Join requires both primary key and row time attribute in versioned table, but no row time attribute can be found: "r" has no WATERMARK/,
  );
  await assert.rejects(
    join('rates', 'o.ts', 'o.rate = r.rate'),
    /Temporal table's primary key \[currency\] must be included in the equivalence condition of temporal join, but current temporal join condition is \[rate=rate\]/,
  );
  await assert.rejects(
    join('rates', "o.ts + INTERVAL '1' SECOND"),
    /Temporal table join currently only supports 'FOR SYSTEM_TIME AS OF' left table's time attribute field/,
  );
  // On processing time only a lookup join exists: not against a view or a table without lookups.
  await assert.rejects(join('rates_view', 'o.pt'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'SQL_UNSUPPORTED');
    assert.match(e.message, /Processing-time temporal join is not supported yet: "rates_view" is a view/);
    return true;
  });
  await assert.rejects(
    join('gen', 'o.pt'),
    /Processing-time temporal join is not supported yet: table "gen": connector 'datagen' cannot be looked up/,
  );
  // The versioned table's row time keeps its place: a temporal join on a table of both is planned.
  assert.match(
    tEnv.explainSql(
      'SELECT o.rate, r.rate FROM orders AS o LEFT JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.currency = r.currency',
    ),
    /TemporalJoin\(joinType=\[LeftOuterJoin\], leftKeys=\[currency\], rightKeys=\[currency\], asOf=\[ts\]\)/,
  );
});

test('CUMULATE windows on a processing-time attribute are planned as processing-time windows', async () => {
  const tEnv = TableEnvironment.create();
  await tEnv.executeSql(
    "CREATE TABLE sales (product STRING, amount INT, pt AS PROCTIME()) WITH ('connector' = 'datagen', 'number-of-rows' = '10')",
  );
  const plan = tEnv.explainSql(`SELECT product, window_start, window_end, SUM(amount) FROM TABLE(
      CUMULATE(TABLE sales, DESCRIPTOR(pt), INTERVAL '1' SECOND, INTERVAL '3' SECOND))
    GROUP BY product, window_start, window_end`);
  assert.match(plan, /WindowAggregate\(window=\[CUMULATE\]/);
});
