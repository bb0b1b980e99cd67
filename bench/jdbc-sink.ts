/**
 * Relational sink throughput against the local PostgreSQL (scripts/databases.sh ensure):
 *   node --conditions=weir-source bench/jdbc-sink.ts [--records 200000] [--keys 10000]
 *        [--batch 500] [--checkpoint 1000] [--runs 3] [--dialect postgres|mariadb]
 * Each run writes `records` rows `{ k: i mod keys, v: i }` into a fresh table (k primary key for
 * upserts), in one of these ways:
 *   - plain insert / plain upsert: a Node script with the driver alone, multi-row statements of
 *     `batch` rows one after the other (the ceiling for a single connection);
 *   - JdbcSink append / upsert: a job (generator source -> sink, -p 1) checkpointing every
 *     `checkpoint` ms, at least once;
 *   - JdbcExactlyOnceSink upsert: the same job, each checkpoint's rows in one prepared transaction.
 * The job's wall time includes the final checkpoint and the last commit. Prints the median of the
 * runs per way, and checks the table afterwards (row count, and the last value of a key).
 */
import { parseArgs } from 'node:util';
import {
  createJdbcPool,
  DataGeneratorSource,
  type JdbcDialectName,
  JdbcExactlyOnceSink,
  type JdbcPool,
  JdbcSink,
  jdbcDialect,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    records: { type: 'string', default: '200000' },
    keys: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '500' },
    checkpoint: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
    dialect: { type: 'string', default: 'postgres' },
  },
});
const records = Number(values.records);
const keys = Number(values.keys);
const batch = Number(values.batch);
const dialect = values.dialect as JdbcDialectName;
const connection = {
  dialect,
  url: dialect === 'postgres' ? 'postgres://root@127.0.0.1:5432/test' : 'mariadb://root@127.0.0.1:3306/test',
};
const sql = jdbcDialect(dialect);
const tag = `${process.pid}_${Date.now().toString(36)}`;

interface Row {
  k: number;
  v: number;
}

type Way =
  | 'plain insert'
  | 'plain upsert'
  | 'JdbcSink append'
  | 'JdbcSink upsert'
  | 'JdbcExactlyOnceSink upsert';
const upserts = (way: Way) => way.endsWith('upsert');

async function freshTable(admin: JdbcPool, way: Way, run: number): Promise<string> {
  const table = `bench_jdbc_${tag}_${way.replace(/\W+/g, '_').toLowerCase()}_${run}`;
  const key = upserts(way) ? ' PRIMARY KEY' : '';
  await admin.query(
    `CREATE TABLE ${sql.quoteTable(table)} (k INT NOT NULL${key}, v INT NOT NULL)${dialect === 'mariadb' ? ' ENGINE=InnoDB' : ''}`,
  );
  return table;
}

/** The ceiling: the driver alone, one multi-row statement after the other. */
async function plain(table: string, upsert: boolean): Promise<void> {
  const pool = createJdbcPool({ ...connection, poolSize: 1 });
  try {
    for (let from = 0; from < records; from += batch) {
      const rows = Math.min(batch, records - from);
      if (upsert) {
        // A key twice in one statement is refused by PostgreSQL: keep the last, as the sink does.
        const byKey = new Map<number, number>();
        for (let i = from; i < from + rows; i++) byKey.set(i % keys, i);
        const params: number[] = [];
        for (const [k, v] of byKey) params.push(k, v);
        await pool.query(sql.upsertSql(table, ['k', 'v'], ['k'], byKey.size), params);
      } else {
        const params: number[] = [];
        for (let i = from; i < from + rows; i++) params.push(i % keys, i);
        await pool.query(sql.insertSql(table, ['k', 'v'], rows), params);
      }
    }
  } finally {
    await pool.end();
  }
}

async function job(table: string, way: Way): Promise<void> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setParallelism(1);
  env.enableCheckpointing(Number(values.checkpoint));
  const options = {
    connection,
    table,
    columns: ['k', 'v'] as const,
    row: (r: Row) => r,
    batchSize: batch,
  };
  const stream = env.fromSource(
    new DataGeneratorSource((i): Row => ({ k: i % keys, v: i }), records),
    WatermarkStrategy.noWatermarks(),
    'rows',
  );
  if (way === 'JdbcExactlyOnceSink upsert') {
    stream.sinkTo(
      new JdbcExactlyOnceSink({
        ...options,
        mode: 'upsert',
        keyColumns: ['k'],
        sinkId: `bench-${process.pid}`,
      }),
    );
  } else if (way === 'JdbcSink upsert') {
    stream.sinkTo(new JdbcSink({ ...options, mode: 'upsert', keyColumns: ['k'] }));
  } else {
    stream.sinkTo(new JdbcSink({ ...options, mode: 'append' }));
  }
  await env.execute(`jdbc sink bench: ${way}`);
}

async function check(admin: JdbcPool, table: string, way: Way): Promise<void> {
  const [{ n }] = await admin.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${sql.quoteTable(table)}`);
  const expected = upserts(way) ? Math.min(keys, records) : records;
  if (Number(n) !== expected) throw new Error(`${way}: ${n} rows in ${table}, expected ${expected}`);
  const lastKey = (records - 1) % keys;
  const [{ v }] = await admin.query<{ v: number }>(
    `SELECT MAX(v) AS v FROM ${sql.quoteTable(table)} WHERE k = ${sql.placeholder(1)}`,
    [lastKey],
  );
  if (Number(v) !== records - 1)
    throw new Error(`${way}: key ${lastKey} holds ${v}, expected ${records - 1}`);
}

const admin = createJdbcPool({ ...connection, poolSize: 1 });
const ways: Way[] = [
  'plain insert',
  'JdbcSink append',
  'plain upsert',
  'JdbcSink upsert',
  'JdbcExactlyOnceSink upsert',
];
const results: Array<{ way: Way; rate: number }> = [];
try {
  for (const way of ways) {
    const times: number[] = [];
    for (let run = 0; run < Number(values.runs); run++) {
      const table = await freshTable(admin, way, run);
      try {
        const t0 = performance.now();
        if (way.startsWith('plain')) await plain(table, upserts(way));
        else await job(table, way);
        const seconds = (performance.now() - t0) / 1000;
        await check(admin, table, way);
        times.push(seconds);
        console.log(
          `  ${way}, run ${run + 1}: ${seconds.toFixed(2)} s, ${Math.round(records / seconds).toLocaleString('en-US')} rows/s`,
        );
      } finally {
        await admin.query(`DROP TABLE IF EXISTS ${sql.quoteTable(table)}`);
      }
    }
    times.sort((a, b) => a - b);
    results.push({ way, rate: records / times[Math.floor(times.length / 2)] });
  }
} finally {
  await admin.end();
}
console.log(
  `\n${dialect}, ${records} rows, ${keys} keys, batches of ${batch}, checkpoint every ${values.checkpoint} ms (median of ${values.runs}):`,
);
for (const { way, rate } of results) {
  console.log(`jdbc ${way}: ${Math.round(rate).toLocaleString('en-US')} rows/s`);
}
