import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../index.ts';
import type { Row } from '../core/row.ts';
import { TableEnvironment } from './table-environment.ts';

const DDL = `CREATE TABLE events (
  event_type INT,
  bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, dateTime TIMESTAMP(3)>,
  ts AS bid.dateTime
) WITH ('connector' = 'nexmark', 'events.num' = '500')`;

async function rows(tEnv: TableEnvironment, sql: string): Promise<Row[]> {
  const out: Row[] = [];
  for await (const row of (await tEnv.executeSql(sql)).collect()) out.push(row);
  return out;
}

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
