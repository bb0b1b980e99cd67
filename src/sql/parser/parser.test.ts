import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallExpr, CreateTableStatement, Expr, Query, SelectQuery, TableRef } from '../ast.ts';
import { SqlError } from '../sql-error.ts';
import { parseExpression, parseQuery, parseScript, parseStatement } from './parser.ts';

const NEXMARK_DDL = `
CREATE TABLE datagen (
    event_type int,
    person ROW<
        id  BIGINT,
        name  VARCHAR,
        dateTime TIMESTAMP(3),
        extra  VARCHAR>,
    bid ROW<
        auction  BIGINT,
        bidder  BIGINT,
        price  BIGINT,
        dateTime  TIMESTAMP(3),
        extra  VARCHAR>,
    dateTime AS
        CASE
            WHEN event_type = 0 THEN person.dateTime
            ELSE bid.dateTime
        END,
    WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND
) WITH (
    'connector' = 'nexmark',
    'first-event.rate' = '1000',
    'events.num' = '100000'
);`;

function select(q: Query): SelectQuery {
  assert.equal(q.kind, 'select');
  return q as SelectQuery;
}

function call(e: Expr): CallExpr {
  assert.equal(e.kind, 'call');
  return e as CallExpr;
}

function parseError(sql: string, parse: (s: string) => unknown = parseScript): SqlError {
  try {
    parse(sql);
  } catch (error) {
    assert.ok(error instanceof SqlError, String(error));
    return error;
  }
  assert.fail(`expected ${JSON.stringify(sql)} to fail`);
}

test('the Nexmark source DDL: ROW columns, a computed column, a watermark and options', () => {
  const s = parseStatement(NEXMARK_DDL) as CreateTableStatement;
  assert.equal(s.kind, 'create-table');
  assert.deepEqual(s.name, ['datagen']);
  assert.deepEqual(
    s.columns.map((c) => [c.kind, c.name]),
    [
      ['physical', 'event_type'],
      ['physical', 'person'],
      ['physical', 'bid'],
      ['computed', 'dateTime'],
    ],
  );
  const person = s.columns[1];
  assert.ok(person.kind === 'physical');
  assert.equal(person.type.name, 'ROW');
  assert.deepEqual(
    person.type.fields?.map((f) => [f.name, f.type.name, f.type.params]),
    [
      ['id', 'BIGINT', []],
      ['name', 'VARCHAR', []],
      ['dateTime', 'TIMESTAMP', [3]],
      ['extra', 'VARCHAR', []],
    ],
  );
  assert.deepEqual(s.watermark?.column, ['dateTime']);
  assert.deepEqual(s.watermark?.expr, {
    kind: 'binary',
    op: '-',
    left: {
      kind: 'column',
      path: ['dateTime'],
      pos: s.watermark?.expr.kind === 'binary' ? s.watermark.expr.left.pos : null,
    },
    right: {
      kind: 'interval',
      text: '4',
      unit: 'SECOND',
      toUnit: null,
      pos: s.watermark?.expr.kind === 'binary' ? s.watermark.expr.right.pos : null,
    },
    pos: s.watermark?.expr.pos,
  });
  assert.deepEqual(s.options, { connector: 'nexmark', 'first-event.rate': '1000', 'events.num': '100000' });
});

test('metadata columns, an inline and a table primary key, partitions and LIKE', () => {
  const s = parseStatement(`CREATE TEMPORARY TABLE IF NOT EXISTS db.orders (
    id BIGINT NOT NULL,
    ts TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
    part INT METADATA,
    tags ARRAY<STRING>,
    attrs MAP<STRING, INT>,
    PRIMARY KEY (id) NOT ENFORCED
  ) COMMENT 'orders' PARTITIONED BY (part) WITH ('connector' = 'kafka', 'scan.startup.mode' = 'earliest-offset')`) as CreateTableStatement;
  assert.equal(s.temporary, true);
  assert.equal(s.ifNotExists, true);
  assert.deepEqual(s.name, ['db', 'orders']);
  assert.deepEqual(s.primaryKey?.columns, ['id']);
  assert.deepEqual(s.partitionedBy, ['part']);
  const [id, ts, part, tags, attrs] = s.columns;
  assert.ok(id.kind === 'physical' && id.type.nullable === false);
  assert.ok(ts.kind === 'metadata' && ts.key === 'timestamp' && ts.virtual && ts.type.localTimeZone);
  assert.ok(part.kind === 'metadata' && part.key === null && !part.virtual);
  assert.ok(tags.kind === 'physical' && tags.type.name === 'ARRAY' && tags.type.element?.name === 'STRING');
  assert.ok(
    attrs.kind === 'physical' && attrs.type.element?.name === 'STRING' && attrs.type.value?.name === 'INT',
  );

  const inline = parseStatement(
    `CREATE TABLE t (k STRING PRIMARY KEY NOT ENFORCED, v INT) WITH ('connector' = 'upsert-kafka')`,
  );
  assert.deepEqual((inline as CreateTableStatement).primaryKey?.columns, ['k']);
  assert.match(
    parseError(`CREATE TABLE t (k STRING PRIMARY KEY, v INT) WITH ()`).message,
    /expected NOT ENFORCED/,
  );
});

test('Nexmark q5: HOP window table functions, subqueries and a join', () => {
  const q = select(
    parseQuery(`SELECT AuctionBids.auction, AuctionBids.num
 FROM (
   SELECT auction, count(*) AS num, window_start AS starttime, window_end AS endtime
     FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
     GROUP BY auction, window_start, window_end
 ) AS AuctionBids
 JOIN (
   SELECT max(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
   FROM (
     SELECT count(*) AS num, window_start AS starttime, window_end AS endtime
     FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
     GROUP BY auction, window_start, window_end
     ) AS CountBids
   GROUP BY CountBids.starttime, CountBids.endtime
 ) AS MaxBids
 ON AuctionBids.starttime = MaxBids.starttime AND
    AuctionBids.endtime = MaxBids.endtime AND
    AuctionBids.num >= MaxBids.maxn`),
  );
  const join = q.from as TableRef & { kind: 'join' };
  assert.equal(join.kind, 'join');
  assert.equal(join.type, 'INNER');
  assert.equal(join.left.kind === 'subquery' && join.left.alias?.name, 'AuctionBids');
  const inner = join.left.kind === 'subquery' ? select(join.left.query) : assert.fail();
  const hop = inner.from as TableRef & { kind: 'table-function' };
  assert.equal(hop.kind, 'table-function');
  assert.equal(hop.name, 'HOP');
  assert.deepEqual(
    hop.args.map((a) => a.kind),
    ['table', 'descriptor', 'expr', 'expr'],
  );
  assert.ok(hop.args[1].kind === 'descriptor' && hop.args[1].columns[0] === 'dateTime');
  const count = call(inner.items[1].expr);
  assert.equal(count.name, 'COUNT');
  assert.equal(count.star, true);
  assert.equal(inner.items[1].alias, 'num');
});

test('the article query: legacy GROUP BY SESSION with SESSION_START', () => {
  const q = select(
    parseQuery(`SELECT userId, SESSION_START(rowtime, INTERVAL '1' MINUTE) AS s, COUNT(*) AS n
      FROM clicks GROUP BY userId, SESSION(rowtime, INTERVAL '1' MINUTE)`),
  );
  assert.equal(call(q.items[1].expr).name, 'SESSION_START');
  const group = q.groupBy?.[1];
  assert.ok(group?.kind === 'expr');
  assert.equal(call(group.expr).name, 'SESSION');
  assert.equal(call(group.expr).args[1].kind, 'interval');
});

test('aggregate FILTER, DISTINCT and quoted reserved words (Nexmark q15)', () => {
  const q = select(
    parseQuery(`SELECT
     DATE_FORMAT(dateTime, 'yyyy-MM-dd') as \`day\`,
     count(*) filter (where price < 10000) AS rank1_bids,
     count(distinct bidder) filter (where price >= 10000 and price < 1000000) AS rank2_bidders
    FROM bid GROUP BY DATE_FORMAT(dateTime, 'yyyy-MM-dd')`),
  );
  assert.equal(q.items[0].alias, 'day');
  const rank1 = call(q.items[1].expr);
  assert.equal(rank1.star, true);
  assert.equal(rank1.filter?.kind, 'binary');
  const rank2 = call(q.items[2].expr);
  assert.equal(rank2.distinct, true);
  assert.ok(rank2.filter?.kind === 'binary' && rank2.filter.op === 'AND');
});

test('OVER windows: ROW_NUMBER Top-N and a RANGE frame', () => {
  const q = select(
    parseQuery(`SELECT * FROM
      (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC, dateTime ASC) AS rank_number FROM bid)
      WHERE rank_number <= 10`),
  );
  const sub = q.from?.kind === 'subquery' ? select(q.from.query) : assert.fail();
  const rn = call(sub.items[1].expr);
  assert.equal(rn.name, 'ROW_NUMBER');
  assert.equal(rn.over?.partitionBy.length, 1);
  assert.deepEqual(
    rn.over?.orderBy.map((o) => o.descending),
    [true, false],
  );
  const over = select(
    parseQuery(
      `SELECT SUM(amount) OVER (PARTITION BY product ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW) FROM o`,
    ),
  );
  const frame = call(over.items[0].expr).over?.frame;
  assert.equal(frame?.unit, 'RANGE');
  assert.equal(frame?.start.kind, 'preceding');
  assert.equal(frame?.end.kind, 'current-row');
  const unbounded = select(
    parseQuery(`SELECT COUNT(*) OVER w FROM o WINDOW w AS (ORDER BY ts ROWS UNBOUNDED PRECEDING)`),
  );
  assert.equal(unbounded.windows[0].spec.frame?.start.kind, 'unbounded-preceding');
  assert.equal(call(unbounded.items[0].expr).over?.ref, 'w');
});

test('temporal, lookup and lateral joins, UNNEST and the SESSION table function', () => {
  const q = select(
    parseQuery(`SELECT B.auction, S.\`value\` FROM (SELECT *, PROCTIME() as p_time FROM bid) B
      JOIN side_input FOR SYSTEM_TIME AS OF B.p_time AS S ON mod(B.auction, 10000) = S.key`),
  );
  const join = q.from as TableRef & { kind: 'join' };
  assert.ok(join.right.kind === 'table' && join.right.systemTime?.kind === 'column');
  assert.deepEqual(q.items[1].expr, { kind: 'column', path: ['S', 'value'], pos: q.items[1].expr.pos });

  const lateral = select(
    parseQuery(
      `SELECT s, w FROM t, LATERAL TABLE(split(s)) AS T(w) LEFT JOIN UNNEST(tags) AS U(tag) ON TRUE`,
    ),
  );
  const outer = lateral.from as TableRef & { kind: 'join' };
  assert.equal(outer.type, 'LEFT');
  assert.ok(outer.right.kind === 'unnest' && outer.right.alias?.columns?.[0] === 'tag');
  const cross = outer.left as TableRef & { kind: 'join' };
  assert.ok(cross.right.kind === 'table-function' && cross.right.lateral && cross.right.name === 'SPLIT');

  const session = select(
    parseQuery(`SELECT window_start, SUM(price) FROM TABLE(
      SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(dateTime), INTERVAL '5' MINUTES)) GROUP BY window_start`),
  );
  const fn = session.from as TableRef & { kind: 'table-function' };
  assert.ok(fn.args[0].kind === 'table' && fn.args[0].partitionBy.length === 1);
  const named = select(
    parseQuery(
      `SELECT * FROM TABLE(TUMBLE(DATA => TABLE bid, TIMECOL => DESCRIPTOR(dateTime), SIZE => INTERVAL '10' MINUTES))`,
    ),
  );
  const tumble = named.from as TableRef & { kind: 'table-function' };
  assert.deepEqual(
    tumble.args.map((a) => a.name),
    ['DATA', 'TIMECOL', 'SIZE'],
  );
});

test('special call syntaxes become ordinary calls', () => {
  const extract = call(parseExpression(`EXTRACT(HOUR FROM ts)`));
  assert.equal(extract.name, 'EXTRACT');
  assert.deepEqual(extract.args[0], {
    kind: 'literal',
    type: 'string',
    text: 'HOUR',
    pos: extract.args[0].pos,
  });
  const trim = call(parseExpression(`TRIM(LEADING 'x' FROM s)`));
  assert.deepEqual(
    trim.args.map((a) => (a.kind === 'literal' ? a.text : a.kind)),
    ['LEADING', 'x', 'column'],
  );
  assert.equal(call(parseExpression(`SUBSTRING(s FROM 2 FOR 3)`)).args.length, 3);
  assert.equal(call(parseExpression(`POSITION('a' IN s)`)).args.length, 2);
  assert.deepEqual(
    call(parseExpression(`CEIL(ts TO DAY)`)).args.map((a) => a.kind),
    ['column', 'literal'],
  );
  assert.equal(call(parseExpression('CURRENT_TIMESTAMP')).args.length, 0);
  assert.equal(call(parseExpression("count_char(extra, 'c')")).name, 'COUNT_CHAR');
});

test('operator precedence: AND over OR, comparison over NOT, * over +, and negative literals', () => {
  const e = parseExpression(`NOT a = 1 OR b > 2 AND c + 2 * 3 < -4`);
  assert.ok(e.kind === 'binary' && e.op === 'OR');
  assert.ok(e.left.kind === 'unary' && e.left.op === 'NOT' && e.left.operand.kind === 'binary');
  assert.ok(e.right.kind === 'binary' && e.right.op === 'AND');
  const cmp = e.right.right;
  assert.ok(cmp.kind === 'binary' && cmp.op === '<');
  assert.ok(cmp.left.kind === 'binary' && cmp.left.op === '+' && cmp.left.right.kind === 'binary');
  assert.deepEqual(cmp.right, { kind: 'literal', type: 'number', text: '-4', pos: cmp.right.pos });
  const between = parseExpression(`B.dateTime BETWEEN B1.dateTime - INTERVAL '10' SECOND AND B1.dateTime`);
  assert.ok(between.kind === 'between' && between.low.kind === 'binary');
  const preds = parseExpression(
    `a NOT IN (1, 2) AND b IS NOT NULL AND c NOT LIKE 'x%' AND d IS DISTINCT FROM e`,
  );
  assert.equal(preds.kind, 'binary');
});

test('statements: INSERT, statement sets, views, functions, SET, SHOW, DESCRIBE, EXPLAIN', () => {
  const script = parseScript(`
    SET 'parallelism.default' = '2';
    CREATE VIEW v (a) AS SELECT x FROM t;
    CREATE TEMPORARY FUNCTION count_char AS './udfs.ts#countChar' LANGUAGE TYPESCRIPT;
    INSERT INTO sink (a, b) SELECT a, b FROM v;
    EXECUTE STATEMENT SET BEGIN
      INSERT INTO s1 SELECT * FROM t;
      INSERT INTO s2 SELECT * FROM t;
    END;
    BEGIN STATEMENT SET;
      INSERT INTO s1 SELECT * FROM t;
    END;
    SHOW TABLES; SHOW CREATE TABLE t; DESCRIBE t;
    EXPLAIN CHANGELOG_MODE SELECT a, COUNT(*) FROM t GROUP BY a;
    RESET;
  `);
  assert.deepEqual(
    script.map((s) => s.statement.kind),
    [
      'set',
      'create-view',
      'create-function',
      'insert',
      'statement-set',
      'statement-set',
      'show',
      'show',
      'describe',
      'explain',
      'reset',
    ],
  );
  const set = script[0].statement;
  assert.ok(set.kind === 'set' && set.key === 'parallelism.default' && set.value === '2');
  const view = script[1].statement;
  assert.ok(view.kind === 'create-view' && view.text === 'SELECT x FROM t');
  assert.equal(script[1].text, 'CREATE VIEW v (a) AS SELECT x FROM t');
  const fn = script[2].statement;
  assert.ok(
    fn.kind === 'create-function' && fn.identifier === './udfs.ts#countChar' && fn.language === 'TYPESCRIPT',
  );
  const insert = script[3].statement;
  assert.ok(insert.kind === 'insert' && insert.columns?.join() === 'a,b');
  const statementSet = script[4].statement;
  assert.ok(statementSet.kind === 'statement-set' && statementSet.inserts.length === 2);
  const explain = script[9].statement;
  assert.ok(
    explain.kind === 'explain' &&
      explain.details[0] === 'CHANGELOG_MODE' &&
      explain.statement.kind === 'query',
  );
});

test('set operations, VALUES, WITH, ORDER BY and LIMIT', () => {
  const q = parseQuery(`WITH a AS (SELECT 1 AS x), b (y) AS (VALUES (2), (3))
    SELECT x FROM a UNION ALL SELECT y FROM b ORDER BY x DESC NULLS LAST LIMIT 5`);
  assert.equal(q.kind, 'ordered');
  assert.ok(q.kind === 'ordered' && q.query.kind === 'with' && q.query.body.kind === 'set-op');
  assert.ok(q.kind === 'ordered' && q.orderBy[0].descending && q.orderBy[0].nullsFirst === false);
});

test('a parse error gives the line, the column and a caret under the token', () => {
  const e = parseError('SELECT a, b\nFROM t WHER x > 1');
  assert.equal(e.code, 'SQL_PARSE_ERROR');
  assert.equal(e.line, 2);
  assert.equal(e.column, 13);
  assert.equal(
    e.message,
    'expected ";" or the end of the input, found "x" at line 2, column 13\n  FROM t WHER x > 1\n              ^',
  );
  const reserved = parseError('SELECT value FROM t');
  assert.match(reserved.reason, /VALUE is reserved: write `value`/);
  assert.equal(reserved.column, 8);
  const unclosed = parseError("SELECT 'abc FROM t");
  assert.equal(unclosed.reason, 'unclosed string literal');
  assert.equal(unclosed.column, 8);
  const missing = parseError('SELECT a FROM');
  assert.match(missing.message, /expected a table name, found the end of the input at line 1, column 14/);
  assert.equal(parseError('SELECT * FROM t MATCH_RECOGNIZE (x)').code, 'SQL_UNSUPPORTED');
});
