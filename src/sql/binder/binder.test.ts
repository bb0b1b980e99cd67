import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScript } from '../parser/parser.ts';
import { formatRel, type Rel } from '../plan/rel.ts';
import { SqlError } from '../sql-error.ts';
import { formatType } from '../types.ts';
import { Binder, Catalog } from './binder.ts';

const DDL = `
CREATE TABLE datagen (
    event_type int,
    person ROW<id BIGINT, name VARCHAR, city VARCHAR, state VARCHAR, dateTime TIMESTAMP(3), extra VARCHAR>,
    auction ROW<id BIGINT, itemName VARCHAR, initialBid BIGINT, reserve BIGINT, dateTime TIMESTAMP(3),
                expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra VARCHAR>,
    bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, dateTime TIMESTAMP(3), extra VARCHAR>,
    dateTime AS CASE WHEN event_type = 0 THEN person.dateTime WHEN event_type = 1 THEN auction.dateTime ELSE bid.dateTime END,
    WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH ('connector' = 'nexmark');
CREATE VIEW bid AS SELECT bid.auction, bid.bidder, bid.price, bid.channel, bid.url, dateTime, bid.extra FROM datagen WHERE event_type = 2;
CREATE VIEW auction AS SELECT auction.id, auction.itemName, auction.seller, auction.category, dateTime, auction.expires FROM datagen WHERE event_type = 1;
`;

/** Runs DDL into a catalog and binds the last statement (a query or an INSERT). */
function bind(sql: string, catalog = new Catalog()): Rel {
  let last: Rel | undefined;
  for (const { statement: s } of parseScript(sql)) {
    const b = new Binder(catalog, sql);
    if (s.kind === 'create-table') catalog.put(b.createTable(s));
    else if (s.kind === 'create-view') catalog.put(b.createView(s));
    else if (s.kind === 'query') last = b.query(s.query);
    else if (s.kind === 'insert') last = b.insert(s).rel;
  }
  assert.ok(last, 'a query to bind');
  return last;
}

function types(rel: Rel): string[] {
  return rel.fields.map((f) => `${f.name} ${formatType(f.type)}`);
}

function bindError(sql: string): SqlError {
  try {
    bind(sql);
  } catch (e) {
    assert.ok(e instanceof SqlError, String(e));
    return e;
  }
  assert.fail('expected a SQL error');
}

test('a table with a computed rowtime and a watermark; views keep the time attribute', () => {
  const rel = bind(`${DDL} SELECT * FROM bid`);
  assert.deepEqual(types(rel), [
    'auction BIGINT',
    'bidder BIGINT',
    'price BIGINT',
    'channel STRING',
    'url STRING',
    'dateTime TIMESTAMP(3) *ROWTIME*',
    'extra STRING',
  ]);
  assert.match(
    formatRel(rel),
    /WatermarkAssigner\(rowtime=\[dateTime\]\)\n.*Calc\(select=\[event_type, person, auction, bid, dateTime\]\)\n.*TableSourceScan\(table=\[datagen\]/,
  );
});

test("expression types follow Flink's rules", () => {
  const rel =
    bind(`${DDL} SELECT 0.908 * price, price / 2, price + 1, 7 / 2.0, bidder % 10, price > 5 AND url LIKE '%a%',
    UPPER(channel), CAST(price AS DOUBLE), dateTime + INTERVAL '1' SECOND, CASE WHEN price > 1 THEN 'x' ELSE 'yy' END,
    DATE_FORMAT(dateTime, 'HH:mm'), 10000000000, 2147483647 FROM bid`);
  assert.deepEqual(
    rel.fields.map((f) => formatType(f.type)),
    [
      'DECIMAL(24, 3)',
      'BIGINT',
      'BIGINT',
      'DECIMAL(17, 6) NOT NULL',
      'INT',
      'BOOLEAN',
      'STRING',
      'DOUBLE',
      'TIMESTAMP(3)',
      'VARCHAR(2) NOT NULL',
      'STRING',
      'BIGINT NOT NULL',
      'INT NOT NULL',
    ],
  );
});

test('grouped queries: keys, aggregates with FILTER and DISTINCT, HAVING', () => {
  const rel =
    bind(`${DDL} SELECT channel, COUNT(*) AS n, COUNT(DISTINCT bidder) FILTER (WHERE price > 10) AS b, AVG(price), MAX(dateTime)
    FROM bid GROUP BY channel HAVING COUNT(*) > 1`);
  assert.deepEqual(types(rel), [
    'channel STRING',
    'n BIGINT NOT NULL',
    'b BIGINT NOT NULL',
    'EXPR$3 BIGINT',
    'EXPR$4 TIMESTAMP(3)',
  ]);
  assert.match(formatRel(rel), /GroupAggregate\(groupBy=\[\$f0\]/);
});

test('the article query: legacy SESSION group window with SESSION_START', () => {
  const rel =
    bind(`${DDL} SELECT bidder, SESSION_START(dateTime, INTERVAL '1' MINUTE) AS s, SESSION_ROWTIME(dateTime, INTERVAL '1' MINUTE) AS r, COUNT(*) AS n
    FROM bid GROUP BY bidder, SESSION(dateTime, INTERVAL '1' MINUTE)`);
  assert.deepEqual(types(rel), [
    'bidder BIGINT',
    's TIMESTAMP(3) NOT NULL',
    'r TIMESTAMP(3) NOT NULL *ROWTIME*',
    'n BIGINT NOT NULL',
  ]);
  const agg = (rel as Rel & { kind: 'project' }).input as Rel & { kind: 'aggregate' };
  assert.deepEqual(agg.window, { kind: 'session', time: 1, gap: 60_000 });
  assert.deepEqual(agg.windowProperties, ['start', 'rowtime']);
});

test('window table functions add window_start, window_end and window_time', () => {
  const rel = bind(
    `${DDL} SELECT * FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))`,
  );
  assert.deepEqual(types(rel).slice(-3), [
    'window_start TIMESTAMP(3) NOT NULL',
    'window_end TIMESTAMP(3) NOT NULL',
    'window_time TIMESTAMP(3) NOT NULL *ROWTIME*',
  ]);
  const wt = rel as Rel & { kind: 'window-table' };
  assert.deepEqual(wt.window, { kind: 'hop', slide: 2000, size: 10_000, offset: 0 });
  const cumulate = bind(
    `${DDL} SELECT window_end, SUM(price) FROM TABLE(CUMULATE(DATA => TABLE bid, TIMECOL => DESCRIPTOR(dateTime), STEP => INTERVAL '1' MINUTE, SIZE => INTERVAL '1' HOUR)) GROUP BY window_start, window_end`,
  );
  assert.equal(cumulate.fields.length, 2);
});

test('joins see both sides; outer joins make the other side nullable; names are made unique; a regular join ends time attributes', () => {
  const rel = bind(
    `${DDL} SELECT B.dateTime, A.dateTime, A.itemName FROM bid AS B LEFT JOIN auction AS A ON B.auction = A.id`,
  );
  assert.deepEqual(types(rel), ['dateTime TIMESTAMP(3)', 'dateTime0 TIMESTAMP(3)', 'itemName STRING']);
});

test('INSERT checks the column count and casts to the sink types', () => {
  const rel = bind(`${DDL} CREATE TABLE out1 (a BIGINT, b DOUBLE) WITH ('connector' = 'blackhole');
    INSERT INTO out1 SELECT auction, price FROM bid`);
  assert.deepEqual(types(rel), ['a BIGINT', 'b DOUBLE']);
  const e = bindError(`${DDL} CREATE TABLE out1 (a BIGINT, b DOUBLE) WITH ('connector' = 'blackhole');
    INSERT INTO out1 SELECT auction FROM bid`);
  assert.match(e.reason, /the query has 1 columns but the sink "out1" expects 2 \(a BIGINT, b DOUBLE\)/);
});

test('bad names and types fail with the position and a helpful reason', () => {
  const unknownColumn = bindError(`${DDL}\nSELECT prise FROM bid`);
  assert.equal(unknownColumn.code, 'SQL_VALIDATION_ERROR');
  assert.match(unknownColumn.reason, /unknown column "prise" \(available: auction, bidder, price/);
  assert.equal(unknownColumn.column, 8);
  assert.match(unknownColumn.message, /\n {2}SELECT prise FROM bid\n {9}\^$/);
  assert.match(
    bindError(`${DDL} SELECT Price FROM bid`).reason,
    /did you mean "price"\? names are case-sensitive/,
  );
  assert.match(
    bindError(`${DDL} SELECT * FROM bids`).reason,
    /unknown table "bids" \(known: auction, bid, datagen\)/,
  );
  assert.match(bindError(`${DDL} SELECT no_such_fn(price) FROM bid`).reason, /unknown function NO_SUCH_FN/);
  assert.match(
    bindError(`${DDL} SELECT price + url FROM bid`).reason,
    /\+ expects numbers, got BIGINT and STRING/,
  );
  assert.match(
    bindError(`${DDL} SELECT * FROM bid WHERE price = 'x'`).reason,
    /cannot compare BIGINT with CHAR\(1\) NOT NULL/,
  );
  assert.match(
    bindError(`${DDL} SELECT * FROM bid WHERE price`).reason,
    /WHERE needs a BOOLEAN condition, not BIGINT/,
  );
  assert.match(
    bindError(`${DDL} SELECT channel, price FROM bid GROUP BY channel`).reason,
    /column "price" is neither grouped nor aggregated/,
  );
  assert.match(
    bindError(`${DDL} SELECT * FROM bid WHERE COUNT(*) > 1`).reason,
    /aggregate COUNT is not allowed in WHERE/,
  );
  assert.match(
    bindError(`${DDL} SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(price), INTERVAL '1' SECOND))`).reason,
    /the time column "price" of TUMBLE must be a time attribute/,
  );
  assert.match(
    bindError(`CREATE TABLE t (a INT, WATERMARK FOR a AS a) WITH ('connector' = 'datagen')`).reason,
    /the WATERMARK column "a" must be TIMESTAMP\(3\) or TIMESTAMP_LTZ\(3\), not INT/,
  );
  // An event-time temporal join needs a versioned table: the view has no primary key (Flink's error).
  const temporal = bindError(
    `${DDL} SELECT * FROM bid B JOIN auction FOR SYSTEM_TIME AS OF B.dateTime A ON B.auction = A.id`,
  );
  assert.equal(temporal.code, 'SQL_VALIDATION_ERROR');
  assert.match(temporal.reason, /Temporal Table Join requires primary key in versioned table/);
});

test('literals and functions that can give NULL on their own are typed so', () => {
  const rel = bind(
    `${DDL} SELECT TIMESTAMP '0050-01-01 00:00:00', REGEXP_EXTRACT('abc', 'x'), TO_TIMESTAMP('nope'), UPPER('a') FROM bid`,
  );
  assert.deepEqual(
    rel.fields.map((f) => formatType(f.type)),
    ['TIMESTAMP(3) NOT NULL', 'STRING', 'TIMESTAMP(3)', 'STRING NOT NULL'],
  );
  const ts = (rel as Rel & { kind: 'project' }).exprs[0];
  assert.ok(ts.kind === 'literal');
  assert.equal(new Date(ts.value as number).toISOString(), '0050-01-01T00:00:00.000Z');
  assert.match(
    bindError(`${DDL} SELECT TIMESTAMP '2026-02-30 00:00:00' FROM bid`).reason,
    /invalid TIMESTAMP literal/,
  );
});
