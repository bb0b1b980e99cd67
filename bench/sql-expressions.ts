/**
 * Micro benchmark of compiled SQL expressions: Nexmark-like projections and filters, bound from SQL
 * text by the real binder and compiled by the expression compiler, applied to rows of field values
 * (no operator, no network: the expressions alone).
 *
 *   node bench/sql-expressions.ts [--rows 1000000] [--runs 5]
 *
 * Queries:
 * - q1: `SELECT auction, bidder, 0.908 * price, dateTime, extra FROM bid` (DECIMAL rounding per row)
 * - q2: `SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0`
 * - mix: a filter with LIKE and a projection with CASE, UPPER, DATE_FORMAT and a CAST to STRING
 *
 * Prints per query the median records per second of the runs (after one warm-up run).
 */
import { parseArgs } from 'node:util';
import { compileProjection } from '../src/runtime/operators/sql/expression-compiler.ts';
import { Binder, Catalog } from '../src/sql/binder/binder.ts';
import { parseScript } from '../src/sql/parser/parser.ts';
import type { Rel } from '../src/sql/plan/rel.ts';
import type { Rex } from '../src/sql/plan/rex.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '5' },
  },
});
const rows = Number(args.rows);
const runs = Number(args.runs);

const DDL = `CREATE TABLE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING,
  dateTime TIMESTAMP(3), extra STRING) WITH ('connector' = 'datagen');`;

const QUERIES: Record<string, string> = {
  q1: 'SELECT auction, bidder, 0.908 * price AS price, dateTime, extra FROM bid',
  q2: 'SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0',
  mix: `SELECT auction, CASE WHEN price > 5000 THEN 'high' ELSE 'low' END, UPPER(channel),
    DATE_FORMAT(dateTime, 'yyyy-MM-dd HH:mm'), CAST(price AS STRING) FROM bid
    WHERE url LIKE '%item%' AND bidder IS NOT NULL`,
};

function bind(sql: string): { exprs: Rex[]; condition: Rex | null } {
  const text = `${DDL}\n${sql}`;
  const catalog = new Catalog();
  let rel: Rel | undefined;
  for (const { statement } of parseScript(text)) {
    const b = new Binder(catalog, text);
    if (statement.kind === 'create-table') catalog.put(b.createTable(statement));
    else if (statement.kind === 'query') rel = b.query(statement.query);
  }
  if (rel?.kind !== 'project') throw new Error(`expected a projection for ${sql}`);
  const input = rel.input;
  return { exprs: rel.exprs, condition: input.kind === 'filter' ? input.condition : null };
}

// Bid rows as a source would give them.
const channels = ['apple', 'google', 'facebook', 'baidu'];
const data: unknown[][] = [];
for (let i = 0; i < rows; i++) {
  data.push([
    1000 + (i % 10_000),
    2000 + ((i * 7) % 50_000),
    100 + ((i * 31) % 10_000),
    channels[i % 4],
    i % 3 === 0 ? `https://www.nexmark.com/item/${i % 1000}` : `https://www.nexmark.com/other/${i % 1000}`,
    1_586_937_901_000 + i * 100,
    'extra',
  ]);
}

const ctx = { now: () => 1_586_937_901_000 };
console.log(`sql expressions: ${rows} rows, ${runs} runs, node ${process.version}`);
for (const [name, sql] of Object.entries(QUERIES)) {
  const { exprs, condition } = bind(sql);
  const f = compileProjection(exprs, condition, ctx);
  const rates: number[] = [];
  let kept = 0;
  for (let run = 0; run <= runs; run++) {
    kept = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < rows; i++) if (f(data[i]) !== null) kept++;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (run > 0) rates.push(rows / seconds);
  }
  rates.sort((a, b) => a - b);
  const median = rates[Math.floor(rates.length / 2)];
  console.log(`${name}: ${(median / 1e6).toFixed(1)} M records/s (${kept} of ${rows} rows pass)`);
}
