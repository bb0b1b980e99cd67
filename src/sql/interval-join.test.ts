import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import '../index.ts';
import { TableEnvironment } from './table-environment.ts';
import { rows, tempFiles } from './test-support.ts';

const file = tempFiles('weir-interval-join-');

/** `hh:mm` of an epoch-ms timestamp. */
const hm = (t: unknown): string =>
  typeof t === 'number' ? new Date(t).toISOString().slice(11, 16) : String(t);

/** Orders and Shipments as in Flink's "Interval Joins" example (the rows are ours: the docs give none). */
async function ordersAndShipments(): Promise<TableEnvironment> {
  const tEnv = TableEnvironment.create();
  const orders = file('orders.csv');
  const shipments = file('shipments.csv');
  await writeFile(
    orders,
    [
      'o1,2026-01-01 08:00:00',
      'o2,2026-01-01 09:00:00',
      'o3,2026-01-01 10:00:00',
      'o4,2026-01-01 11:30:00',
      'o5,2026-01-01 12:00:00',
    ].join('\n'),
  );
  await writeFile(
    shipments,
    [
      's1,o1,2026-01-01 09:00:00',
      's2,o2,2026-01-01 14:00:00',
      's3,o3,2026-01-01 10:00:00',
      's4,o1,2026-01-01 11:59:00',
      's5,o4,2026-01-01 11:00:00',
      's6,o9,2026-01-01 12:00:00',
    ].join('\n'),
  );
  await tEnv.executeSql(`CREATE TABLE Orders (
      id STRING,
      order_time TIMESTAMP(3),
      WATERMARK FOR order_time AS order_time
    ) WITH ('connector' = 'filesystem', 'path' = '${orders}', 'format' = 'csv')`);
  await tEnv.executeSql(`CREATE TABLE Shipments (
      id STRING,
      order_id STRING,
      ship_time TIMESTAMP(3),
      WATERMARK FOR ship_time AS ship_time
    ) WITH ('connector' = 'filesystem', 'path' = '${shipments}', 'format' = 'csv')`);
  return tEnv;
}

test("Flink's interval join example: orders shipped within four hours after they were received", async () => {
  const tEnv = await ordersAndShipments();
  const sql = `SELECT o.id, s.id, o.order_time, s.ship_time
    FROM Orders o, Shipments s
    WHERE o.id = s.order_id
    AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time`;
  const plan = tEnv.explainSql(`EXPLAIN ${sql}`);
  assert.match(
    plan,
    /IntervalJoin\(joinType=\[InnerJoin\], windowBounds=\[isRowTime=true, leftLowerBound=-14400000, leftUpperBound=0, leftTimeIndex=1, rightTimeIndex=2\]/,
  );
  assert.doesNotMatch(plan, /table\.exec\.state\.ttl/, 'no warning about state that grows without bound');
  const result = await rows(tEnv, sql);
  assert.ok(result.every((r) => r.kind === '+I'));
  assert.deepEqual(
    result.map((r) => `${r.values[0]} ${r.values[1]} ${hm(r.values[2])} ${hm(r.values[3])}`).sort(),
    ['o1 s1 08:00 09:00', 'o1 s4 08:00 11:59', 'o3 s3 10:00 10:00'],
  );
});

test('the other forms Flink lists: an equality of times, and two range predicates with an interval', async () => {
  const tEnv = await ordersAndShipments();
  const equal = `SELECT o.id, s.id FROM Orders o JOIN Shipments s ON o.id = s.order_id AND o.order_time = s.ship_time`;
  assert.match(tEnv.explainSql(`EXPLAIN ${equal}`), /IntervalJoin.*leftLowerBound=0, leftUpperBound=0,/);
  assert.deepEqual(
    (await rows(tEnv, equal)).map((r) => r.values.join(' ')),
    ['o3 s3'],
  );
  const range = `SELECT o.id, s.id FROM Orders o JOIN Shipments s ON o.id = s.order_id
    AND s.ship_time >= o.order_time AND s.ship_time < o.order_time + INTERVAL '1' HOUR`;
  // `<` on milliseconds: the upper bound is one ms short of the hour.
  assert.match(tEnv.explainSql(`EXPLAIN ${range}`), /leftLowerBound=-3599999, leftUpperBound=0,/);
  assert.deepEqual(
    (await rows(tEnv, range)).map((r) => r.values.join(' ')),
    ['o3 s3'],
  );
});

test('bounds written either way round, strict or not, with the interval on either side', async () => {
  const tEnv = await ordersAndShipments();
  const bounds = (on: string): string =>
    /leftLowerBound=(-?\d+), leftUpperBound=(-?\d+)/
      .exec(
        tEnv.explainSql(
          `EXPLAIN SELECT o.id, s.id AS sid FROM Orders o JOIN Shipments s ON o.id = s.order_id AND ${on}`,
        ),
      )!
      .slice(1)
      .join(' ');
  // order_time - ship_time in (-1 h, 0]: ship_time > order_time - 1 h means order_time - ship_time < 1 h.
  assert.equal(
    bounds(`s.ship_time > o.order_time - INTERVAL '1' HOUR AND s.ship_time <= o.order_time`),
    '0 3599999',
  );
  assert.equal(
    bounds(`INTERVAL '1' MINUTE + s.ship_time >= o.order_time AND o.order_time > s.ship_time`),
    '1 60000',
  );
  // The tightest of several bounds.
  assert.equal(
    bounds(
      `o.order_time BETWEEN s.ship_time - INTERVAL '2' HOUR AND s.ship_time AND o.order_time >= s.ship_time - INTERVAL '1' HOUR`,
    ),
    '-3600000 0',
  );
  // One side only bounds nothing: a regular join.
  assert.doesNotMatch(
    tEnv.explainSql(
      `EXPLAIN SELECT o.id, s.id AS sid FROM Orders o JOIN Shipments s ON o.id = s.order_id AND o.order_time <= s.ship_time`,
    ),
    /IntervalJoin/,
  );
});

test('outer interval joins pad the rows that found no match within their bounds', async () => {
  const tEnv = await ordersAndShipments();
  const query = (type: string) => `SELECT o.id, s.id FROM Orders o ${type} JOIN Shipments s
    ON o.id = s.order_id AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time`;
  const run = async (type: string) => {
    const result = await rows(tEnv, query(type));
    assert.ok(
      result.every((r) => r.kind === '+I'),
      `a ${type} interval join only inserts`,
    );
    return result.map((r) => r.values.map(String).join(' ')).sort();
  };
  assert.deepEqual(await run('LEFT'), ['o1 s1', 'o1 s4', 'o2 null', 'o3 s3', 'o4 null', 'o5 null']);
  assert.deepEqual(await run('RIGHT'), ['null s2', 'null s5', 'null s6', 'o1 s1', 'o1 s4', 'o3 s3']);
  assert.deepEqual(await run('FULL'), [
    'null s2',
    'null s5',
    'null s6',
    'o1 s1',
    'o1 s4',
    'o2 null',
    'o3 s3',
    'o4 null',
    'o5 null',
  ]);
});

test('the output keeps the time attributes: a window aggregate over the joined order time', async () => {
  const tEnv = await ordersAndShipments();
  await tEnv.executeSql(`CREATE VIEW shipped AS
    SELECT o.id, o.order_time, s.ship_time FROM Orders o, Shipments s
    WHERE o.id = s.order_id AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time`);
  const sql = `SELECT window_start, COUNT(*)
    FROM TABLE(TUMBLE(TABLE shipped, DESCRIPTOR(order_time), INTERVAL '1' HOUR))
    GROUP BY window_start, window_end`;
  const result = await rows(tEnv, sql);
  assert.deepEqual(result.map((r) => `${hm(r.values[0])} ${r.values[1]}`).sort(), ['08:00 2', '10:00 1']);
});

test('only the time the joined rows carry stays a time attribute: a window over the other one is refused', async () => {
  const tEnv = await ordersAndShipments();
  await tEnv.executeSql(`CREATE VIEW shipped2 AS
    SELECT o.id, o.order_time, s.ship_time FROM Orders o JOIN Shipments s
    ON o.id = s.order_id AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time`);
  const window = (time: string) =>
    `SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE shipped2, DESCRIPTOR(${time}), INTERVAL '1' HOUR))
     GROUP BY window_start, window_end`;
  assert.deepEqual(
    (await rows(tEnv, window('order_time'))).map((r) => `${hm(r.values[0])} ${r.values[1]}`).sort(),
    ['08:00 2', '10:00 1'],
  );
  await assert.rejects(rows(tEnv, window('ship_time')), /must be a time attribute/);
});

test('a time column that is not a time attribute leaves the join regular (as Nexmark q7 in Flink)', async () => {
  const tEnv = await ordersAndShipments();
  const plan = tEnv.explainSql(`EXPLAIN SELECT o.id, s.id FROM Orders o JOIN (
      SELECT id, order_id, CAST(ship_time AS TIMESTAMP(3)) AS t FROM Shipments) s
    ON o.id = s.order_id AND o.order_time BETWEEN s.t - INTERVAL '4' HOUR AND s.t`);
  assert.doesNotMatch(plan, /IntervalJoin/);
  assert.match(plan, /Join\(joinType=\[InnerJoin\]/);
});

test('an outer interval join only inserts: its result goes into an insert-only table (Flink’s changelog mode)', async () => {
  const tEnv = await ordersAndShipments();
  const out = file('unshipped');
  await tEnv.executeSql(`CREATE TABLE unshipped (id STRING, shipment STRING)
    WITH ('connector' = 'filesystem', 'path' = '${out}', 'format' = 'csv')`);
  await (
    await tEnv.executeSql(`INSERT INTO unshipped SELECT o.id, s.id FROM Orders o LEFT JOIN Shipments s
      ON o.id = s.order_id AND o.order_time BETWEEN s.ship_time - INTERVAL '4' HOUR AND s.ship_time`)
  ).await();
  await tEnv.executeSql(`CREATE TABLE unshipped_in (id STRING, shipment STRING)
    WITH ('connector' = 'filesystem', 'path' = '${out}', 'format' = 'csv')`);
  const written = await rows(tEnv, 'SELECT id, shipment FROM unshipped_in');
  // (The CSV file holds NULL as an empty field.)
  assert.deepEqual(written.map((r) => r.values.map((v) => v || '-').join(' ')).sort(), [
    'o1 s1',
    'o1 s4',
    'o2 -',
    'o3 s3',
    'o4 -',
    'o5 -',
  ]);
});
