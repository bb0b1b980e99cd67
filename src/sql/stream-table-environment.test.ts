import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../index.ts';
import { StreamExecutionEnvironment } from '../api/stream-execution-environment.ts';
import { StreamTableEnvironment } from './stream-table-environment.ts';

interface Click {
  visitor: string;
  url: string;
  ts: number;
}

const CLICKS: Click[] = [
  { visitor: 'a', url: '/x', ts: 1_000 },
  { visitor: 'b', url: '/y', ts: 2_000 },
  { visitor: 'a', url: '/z', ts: 61_000 },
  { visitor: 'a', url: '/x', ts: 62_000 },
];

function collect<T>(stream: { executeAndCollect(limit?: number): Promise<T[]> }): Promise<T[]> {
  return stream.executeAndCollect();
}

function session(): { env: StreamExecutionEnvironment; tEnv: StreamTableEnvironment } {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(1);
  const tEnv = StreamTableEnvironment.create(env);
  tEnv.createTemporaryView('clicks', env.fromElements(...CLICKS), {
    columns: { visitor: 'STRING', url: 'STRING', ts: 'TIMESTAMP(3)' },
    rowtime: { column: 'ts' },
  });
  return { env, tEnv };
}

test('a DataStream as a table, a query over it back as a DataStream of objects', async () => {
  const { tEnv } = session();
  const table = tEnv.sqlQuery("SELECT visitor, UPPER(url) AS url FROM clicks WHERE url <> '/y'");
  assert.deepEqual(
    table.fields.map((f) => f.name),
    ['visitor', 'url'],
  );
  assert.deepEqual(await collect(tEnv.toDataStream(table)), [
    { visitor: 'a', url: '/X' },
    { visitor: 'a', url: '/Z' },
    { visitor: 'a', url: '/X' },
  ]);
});

test('an updating query as a changelog stream; toDataStream refuses it', async () => {
  const { tEnv } = session();
  const counts = tEnv.sqlQuery('SELECT visitor, COUNT(*) AS n FROM clicks GROUP BY visitor');
  assert.throws(
    () => tEnv.toDataStream(counts),
    /toDataStream takes an insert-only table, and this one's GROUP BY updates its result/,
  );
  assert.deepEqual(await collect(tEnv.toChangelogStream(counts)), [
    { kind: '+I', row: { visitor: 'a', n: 1 } },
    { kind: '+I', row: { visitor: 'b', n: 1 } },
    { kind: '-U', row: { visitor: 'a', n: 1 } },
    { kind: '+U', row: { visitor: 'a', n: 2 } },
    { kind: '-U', row: { visitor: 'a', n: 2 } },
    { kind: '+U', row: { visitor: 'a', n: 3 } },
  ]);
});

test('the rowtime column drives windows over the DataStream table', async () => {
  const { tEnv } = session();
  const sessions = tEnv.sqlQuery(`SELECT visitor, SESSION_START(ts, INTERVAL '30' SECOND) AS s, COUNT(*) AS n
    FROM clicks GROUP BY visitor, SESSION(ts, INTERVAL '30' SECOND)`);
  const rows = await tEnv
    .toDataStream<{ visitor: string; s: number; n: number }>(sessions)
    .executeAndCollect();
  assert.deepEqual(rows.map((r) => `${r.visitor} ${r.s} ${r.n}`).sort(), [
    'a 1000 1',
    'a 61000 2',
    'b 2000 1',
  ]);
});
