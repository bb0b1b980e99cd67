import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../index.ts';
import { StreamExecutionEnvironment } from '../api/stream-execution-environment.ts';
import { StreamTableEnvironment } from './stream-table-environment.ts';

/** Flink's Bid rows of the "Window Top-N" page, as objects (times in epoch ms). */
const at = (hhmm: string): number => Date.parse(`2020-04-15T${hhmm}:00Z`);
const BIDS = [
  { bidtime: at('08:05'), price: 4, item: 'A', supplier_id: 'supplier1' },
  { bidtime: at('08:06'), price: 4, item: 'C', supplier_id: 'supplier2' },
  { bidtime: at('08:07'), price: 2, item: 'G', supplier_id: 'supplier1' },
  { bidtime: at('08:08'), price: 2, item: 'B', supplier_id: 'supplier3' },
  { bidtime: at('08:09'), price: 5, item: 'D', supplier_id: 'supplier4' },
  { bidtime: at('08:11'), price: 2, item: 'B', supplier_id: 'supplier3' },
  { bidtime: at('08:13'), price: 1, item: 'E', supplier_id: 'supplier1' },
  { bidtime: at('08:15'), price: 3, item: 'H', supplier_id: 'supplier2' },
  { bidtime: at('08:17'), price: 6, item: 'F', supplier_id: 'supplier5' },
];

function session(): { env: StreamExecutionEnvironment; tEnv: StreamTableEnvironment } {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(1);
  return { env, tEnv: StreamTableEnvironment.create(env) };
}

const bidSchema = {
  columns: { bidtime: 'TIMESTAMP(3)', price: 'DOUBLE', item: 'STRING', supplier_id: 'STRING' },
  rowtime: { column: 'bidtime', watermark: "bidtime - INTERVAL '1' SECOND" },
};

test('fromDataStream: a Table under a generated name that SQL text can name, as in Flink', async () => {
  const { env, tEnv } = session();
  const bids = tEnv.fromDataStream(env.fromElements(...BIDS), bidSchema);
  assert.equal(String(bids), '`UnnamedTable$1`');
  assert.deepEqual(
    bids.fields.map((f) => f.name),
    ['bidtime', 'price', 'item', 'supplier_id'],
  );
  const cheap = tEnv.sqlQuery(`SELECT item, price FROM ${bids} WHERE price < 3`);
  assert.deepEqual(await tEnv.toDataStream(cheap).executeAndCollect(), [
    { item: 'G', price: 2 },
    { item: 'B', price: 2 },
    { item: 'B', price: 2 },
    { item: 'E', price: 1 },
  ]);
});

test('a Table of sqlQuery names itself on first use; createTemporaryView registers a Table', async () => {
  const { env, tEnv } = session();
  const bids = tEnv.fromDataStream(env.fromElements(...BIDS), bidSchema);
  const cheap = tEnv.sqlQuery(`SELECT item, supplier_id FROM ${bids} WHERE price < 3`);
  assert.equal(`${cheap}`, '`UnnamedTable$2`');
  assert.equal(`${cheap}`, '`UnnamedTable$2`', 'registered once');
  tEnv.createTemporaryView('cheap_bids', cheap);
  const named = tEnv.sqlQuery(`SELECT n.item FROM cheap_bids n JOIN ${cheap} u ON n.item = u.item
    WHERE n.supplier_id = 'supplier3' AND u.supplier_id = 'supplier1'`);
  assert.deepEqual(await tEnv.toDataStream(named).executeAndCollect(), []);
  // The name belongs to its session.
  assert.throws(() => session().tEnv.sqlQuery(`SELECT * FROM ${cheap}`), /unknown table "UnnamedTable\$2"/);
});

test("a window Top-N over a DataStream table is insert-only: toDataStream takes it (Flink's example)", async () => {
  const { env, tEnv } = session();
  const bids = tEnv.fromDataStream(env.fromElements(...BIDS), bidSchema);
  const top = tEnv.sqlQuery(`SELECT item, window_start, rownum FROM (
      SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) AS rownum
      FROM TABLE(TUMBLE(TABLE ${bids}, DESCRIPTOR(bidtime), INTERVAL '10' MINUTES))
    ) WHERE rownum <= 3`);
  const rows = (await tEnv.toDataStream(top).executeAndCollect()) as Array<Record<string, number | string>>;
  assert.deepEqual(
    rows.map((r) => `${new Date(r.window_start).toISOString().slice(11, 16)} ${r.item} ${r.rownum}`).sort(),
    ['08:00 A 2', '08:00 C 3', '08:00 D 1', '08:10 B 3', '08:10 F 1', '08:10 H 2'],
  );
});
