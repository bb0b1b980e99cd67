/**
 * The `jdbc` SQL table connector against real PostgreSQL and MariaDB servers (scripts/databases.sh
 * ensure): a GROUP BY count upserted (and deleted) into a table and read back, the common types
 * written and read both ways, a lookup join enriching a stream with the partial cache, the cache's
 * expiry on a manual clock, a partitioned scan, and the errors for unknown options and mismatched
 * column types.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import '../../src/index.ts';
import type { JdbcDialectName } from '../../src/connectors/jdbc/jdbc-options.ts';
import { jdbcTableOptions } from '../../src/connectors/jdbc/jdbc-table-options.ts';
import { type JdbcScanSplit, JdbcTableSource } from '../../src/connectors/jdbc/jdbc-table-source.ts';
import type { Row } from '../../src/core/row.ts';
import type { ReaderOutput, SourceReader } from '../../src/core/source.ts';
import {
  createAsyncTableLookup,
  type TableColumn,
  type TableConnectorContext,
} from '../../src/core/table-connectors.ts';
import { TableEnvironment } from '../../src/sql/table-environment.ts';
import { rows } from '../../src/sql/test-support.ts';
import { adminPool, DIALECTS, database, uniqueTable } from './databases.ts';

const URLS: Record<JdbcDialectName, string> = {
  postgres: 'jdbc:postgresql://127.0.0.1:5432/test?user=root',
  mariadb: 'jdbc:mysql://127.0.0.1:3306/test',
};

/** The WITH clause of a jdbc table on `dialect`'s test database. */
function withJdbc(dialect: JdbcDialectName, table: string, extra: Record<string, string> = {}): string {
  const options: Record<string, string> = {
    connector: 'jdbc',
    url: URLS[dialect],
    'table-name': table,
    ...extra,
  };
  if (dialect === 'mariadb') options.username = 'root';
  return `WITH (${Object.entries(options)
    .map(([k, v]) => `'${k}' = '${v}'`)
    .join(', ')})`;
}

/** A bounded table `name` of ids 1..n (the datagen connector's sequence). */
async function sequence(tEnv: TableEnvironment, name: string, n: number): Promise<void> {
  await tEnv.executeSql(`CREATE TABLE ${name} (id INT) WITH ('connector' = 'datagen', 'number-of-rows' = '${n}',
    'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '${n}')`);
}

/** Reads up to `limit` rows from `reader` (all when undefined), waiting while it has none. */
async function drain(
  reader: SourceReader<Row, JdbcScanSplit>,
  limit = Number.POSITIVE_INFINITY,
): Promise<unknown[][]> {
  const out: unknown[][] = [];
  const output: ReaderOutput<Row> = { collect: (row) => out.push(row.values) };
  while (out.length < limit) {
    const status = reader.pollNext(output, Math.min(3, limit - out.length));
    if (status === 'end') break;
    if (status === 'nothing-available') await reader.isAvailable();
  }
  return out;
}

/** A changelog applied: the rows it ends with, as text, sorted. */
function applied(changes: Row[]): string[] {
  const state = new Map<string, number>();
  for (const r of changes) {
    const key = JSON.stringify(r.values);
    const delta = r.kind === '+I' || r.kind === '+U' ? 1 : -1;
    state.set(key, (state.get(key) ?? 0) + delta);
  }
  return [...state.entries()]
    .filter(([, n]) => n > 0)
    .flatMap(([k, n]) => Array.from({ length: n }, () => k))
    .sort();
}

const DDL_TYPES: Record<JdbcDialectName, Record<string, string>> = {
  postgres: {
    bigint: 'BIGINT',
    int: 'INTEGER',
    double: 'DOUBLE PRECISION',
    decimal: 'NUMERIC(10, 2)',
    varchar: 'VARCHAR(64)',
    boolean: 'BOOLEAN',
    date: 'DATE',
    timestamp: 'TIMESTAMP(3)',
    time: 'TIME(3)',
  },
  mariadb: {
    bigint: 'BIGINT',
    int: 'INT',
    double: 'DOUBLE',
    decimal: 'DECIMAL(10, 2)',
    varchar: 'VARCHAR(64)',
    boolean: 'BOOLEAN',
    date: 'DATE',
    timestamp: 'DATETIME(3)',
    time: 'TIME(3)',
  },
};

for (const dialect of DIALECTS) {
  const T = DDL_TYPES[dialect];
  const q = (name: string) => (dialect === 'postgres' ? `"${name}"` : `\`${name}\``);

  describe(`jdbc SQL connector on ${dialect}`, () => {
    it('upserts a GROUP BY count by its primary key, deletes groups that empty, and reads the table back', async (t: TestContext) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('sql_counts');
      await admin.create(table, `c ${T.bigint} PRIMARY KEY, n ${T.bigint} NOT NULL`);
      // A row the job deletes: the count of words seen once empties.
      await admin.rows(`INSERT INTO ${q(table)} (c, n) VALUES (1, 99)`);
      const tEnv = TableEnvironment.create({ parallelism: 2 });
      await tEnv.executeSql(
        `CREATE TABLE counts (c BIGINT, n BIGINT, PRIMARY KEY (c) NOT ENFORCED) ${withJdbc(dialect, table, { 'sink.buffer-flush.max-rows': '2', 'sink.parallelism': '2' })}`,
      );
      // Words a a b b b: per word 2 and 3; counts of counts {2: 1, 3: 1}; the group of 1 empties.
      await sequence(tEnv, 'seq', 5);
      await (
        await tEnv.executeSql(`INSERT INTO counts
          SELECT c, COUNT(*) AS n FROM (
            SELECT word, COUNT(*) AS c FROM (SELECT CASE WHEN id <= 2 THEN 'a' ELSE 'b' END AS word FROM seq) GROUP BY word
          ) GROUP BY c`)
      ).await();
      const inDatabase = await admin.rows<{ c: unknown; n: unknown }>(
        `SELECT c, n FROM ${q(table)} ORDER BY c`,
      );
      assert.deepEqual(
        inDatabase.map((r) => [Number(r.c), Number(r.n)]),
        [
          [2, 1],
          [3, 1],
        ],
      );
      const back = await rows(tEnv, 'SELECT c, n FROM counts');
      assert.deepEqual(applied(back), ['[2,1]', '[3,1]']);
      assert.ok(back.every((r) => r.kind === '+I'));
    });

    it('appends without a primary key, and refuses an updating result there at planning, as Flink', async (t: TestContext) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('sql_append');
      await admin.create(table, `word ${T.varchar}, n ${T.bigint}`);
      const tEnv = TableEnvironment.create();
      await tEnv.executeSql(`CREATE TABLE log (word STRING, n BIGINT) ${withJdbc(dialect, table)}`);
      await sequence(tEnv, 'seq', 3);
      await (
        await tEnv.executeSql(
          `INSERT INTO log SELECT CASE WHEN id = 3 THEN 'y' ELSE 'x' END, CASE WHEN id = 3 THEN 2 ELSE 1 END FROM seq`,
        )
      ).await();
      const inDatabase = await admin.rows<{ word: string; n: unknown }>(
        `SELECT word, n FROM ${q(table)} ORDER BY word, n`,
      );
      assert.deepEqual(
        inDatabase.map((r) => `${r.word}:${Number(r.n)}`),
        ['x:1', 'x:1', 'y:2'],
      );
      // Read back without a key: one query for the whole table.
      assert.deepEqual(applied(await rows(tEnv, 'SELECT word, n FROM log')), [
        '["x",1]',
        '["x",1]',
        '["y",2]',
      ]);
      await assert.rejects(
        async () =>
          (
            await tEnv.executeSql(
              `INSERT INTO log SELECT word, COUNT(*) FROM (SELECT 'a' AS word FROM seq) GROUP BY word`,
            )
          ).await(),
        /doesn't support consuming update changes which is produced by node GroupAggregate/,
      );
    });

    it('writes and reads the common types as Flink maps them', async (t: TestContext) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('sql_types');
      await admin.create(
        table,
        `id ${T.int} PRIMARY KEY, big ${T.bigint}, d ${T.double}, amount ${T.decimal}, name ${T.varchar}, ok ${T.boolean}, dt ${T.date}, ts ${T.timestamp}, tm ${T.time}`,
      );
      const tEnv = TableEnvironment.create();
      await tEnv.executeSql(`CREATE TABLE typed (
          id INT, big BIGINT, d DOUBLE, amount DECIMAL(10, 2), name VARCHAR(64), ok BOOLEAN, dt DATE, ts TIMESTAMP(3), tm TIME(3),
          PRIMARY KEY (id) NOT ENFORCED) ${withJdbc(dialect, table)}`);
      // Row 1 with a value in every column, row 2 with NULLs.
      await sequence(tEnv, 'seq', 2);
      await (
        await tEnv.executeSql(`INSERT INTO typed SELECT id,
            CASE WHEN id = 1 THEN CAST(9007199254740991 AS BIGINT) END,
            CASE WHEN id = 1 THEN CAST(2.5 AS DOUBLE) END,
            CASE WHEN id = 1 THEN CAST(12.34 AS DECIMAL(10, 2)) END,
            CASE WHEN id = 1 THEN 'ann' END,
            id = 1,
            CASE WHEN id = 1 THEN DATE '2024-02-29' END,
            CASE WHEN id = 1 THEN TIMESTAMP '2024-02-29 23:59:58.250' END,
            CASE WHEN id = 1 THEN CAST('12:34:56.789' AS TIME(3)) END
          FROM seq`)
      ).await();
      const text = await admin.rows<Record<string, unknown>>(
        dialect === 'postgres'
          ? `SELECT dt::text AS dt, ts::text AS ts, tm::text AS tm, amount::text AS amount FROM ${q(table)} WHERE id = 1`
          : `SELECT CAST(dt AS CHAR) AS dt, CAST(ts AS CHAR) AS ts, CAST(tm AS CHAR) AS tm, CAST(amount AS CHAR) AS amount FROM ${q(table)} WHERE id = 1`,
      );
      assert.deepEqual(text[0], {
        dt: '2024-02-29',
        ts: '2024-02-29 23:59:58.25' + (dialect === 'mariadb' ? '0' : ''),
        tm: '12:34:56.789',
        amount: '12.34',
      });
      const back = await rows(tEnv, 'SELECT * FROM typed');
      const byId = new Map(back.map((r) => [r.values[0], r.values]));
      assert.deepEqual(byId.get(1), [
        1,
        9007199254740991,
        2.5,
        12.34,
        'ann',
        true,
        Date.UTC(2024, 1, 29) / 86_400_000,
        Date.UTC(2024, 1, 29, 23, 59, 58, 250),
        ((12 * 60 + 34) * 60 + 56) * 1000 + 789,
      ]);
      assert.deepEqual(byId.get(2), [2, null, null, null, null, false, null, null, null]);
    });

    it("runs the example of Flink's JDBC SQL connector page: insert, scan and lookup join", async (t: TestContext) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('sql_users_flink');
      await admin.create(
        table,
        `id ${T.bigint} PRIMARY KEY, name ${T.varchar}, age ${T.int}, status ${T.boolean}`,
      );
      const tEnv = TableEnvironment.create();
      await tEnv.executeSql(`CREATE TABLE MyUserTable (
          id BIGINT, name STRING, age INT, status BOOLEAN, PRIMARY KEY (id) NOT ENFORCED
        ) ${withJdbc(dialect, table)}`);
      await sequence(tEnv, 'seq', 3);
      await tEnv.executeSql(
        `CREATE VIEW T AS SELECT CAST(id AS BIGINT) AS id, 'user' || CAST(id AS STRING) AS name, 20 + id AS age, id <> 2 AS status FROM seq`,
      );
      await (await tEnv.executeSql('INSERT INTO MyUserTable SELECT id, name, age, status FROM T')).await();
      const users = await rows(tEnv, 'SELECT id, name, age, status FROM MyUserTable');
      assert.deepEqual(applied(users), [
        '[1,"user1",21,true]',
        '[2,"user2",22,false]',
        '[3,"user3",23,true]',
      ]);
      await tEnv.executeSql(`CREATE TABLE myTopic (k BIGINT, proctime AS PROCTIME()) WITH (
          'connector' = 'datagen', 'number-of-rows' = '4',
          'fields.k.kind' = 'sequence', 'fields.k.start' = '2', 'fields.k.end' = '5')`);
      const joined = await rows(
        tEnv,
        'SELECT myTopic.k, MyUserTable.name FROM myTopic LEFT JOIN MyUserTable FOR SYSTEM_TIME AS OF myTopic.proctime ON myTopic.k = MyUserTable.id',
      );
      assert.deepEqual(applied(joined), ['[2,"user2"]', '[3,"user3"]', '[4,null]', '[5,null]']);
    });

    it('enriches a stream by a lookup join (FOR SYSTEM_TIME AS OF), with the partial cache', async (t: TestContext) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('sql_users');
      await admin.create(table, `id ${T.bigint} PRIMARY KEY, name ${T.varchar} NOT NULL, score ${T.decimal}`);
      await admin.rows(
        `INSERT INTO ${q(table)} (id, name, score) VALUES (1, 'ann', 1.5), (2, 'bob', 2.25), (3, 'cy', NULL)`,
      );
      const tEnv = TableEnvironment.create({ parallelism: 2 });
      await tEnv.executeSql(`CREATE TABLE orders (id INT, proc_time AS PROCTIME()) WITH (
          'connector' = 'datagen', 'number-of-rows' = '40',
          'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '40')`);
      await tEnv.executeSql(`CREATE TABLE users (id BIGINT, name STRING, score DECIMAL(10, 2), PRIMARY KEY (id) NOT ENFORCED)
          ${withJdbc(dialect, table, { 'lookup.cache': 'PARTIAL', 'lookup.partial-cache.max-rows': '100', 'lookup.partial-cache.expire-after-write': '10 min' })}`);
      // Users 0..4 by MOD(id, 5): 1, 2 and 3 exist, 0 and 4 do not.
      const left = await rows(
        tEnv,
        `SELECT o.id, u.name, u.score FROM orders AS o
           LEFT JOIN users FOR SYSTEM_TIME AS OF o.proc_time AS u ON MOD(o.id, 5) = u.id`,
      );
      const names: Record<number, [string | null, number | null]> = {
        0: [null, null],
        1: ['ann', 1.5],
        2: ['bob', 2.25],
        3: ['cy', null],
        4: [null, null],
      };
      assert.equal(left.length, 40);
      assert.deepEqual(
        left.map((r) => r.values).sort((a, b) => (a[0] as number) - (b[0] as number)),
        Array.from({ length: 40 }, (_, i) => [i + 1, ...names[(i + 1) % 5]]),
      );
      const inner = await rows(
        tEnv,
        `SELECT o.id, u.name FROM orders AS o
           JOIN users FOR SYSTEM_TIME AS OF o.proc_time AS u ON MOD(o.id, 5) = u.id AND u.name <> 'bob'`,
      );
      assert.deepEqual(
        inner.map((r) => r.values[0] as number).sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i + 1).filter((id) => id % 5 === 1 || id % 5 === 3),
      );
      assert.ok(
        inner.every((r) => r.kind === '+I' && r.values[1] === (Number(r.values[0]) % 5 === 1 ? 'ann' : 'cy')),
      );
    });

    it('keeps looked-up rows in the partial cache until they expire after write', async (t: TestContext) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('sql_cache');
      await admin.create(table, `id ${T.bigint} PRIMARY KEY, name ${T.varchar}`);
      await admin.rows(`INSERT INTO ${q(table)} (id, name) VALUES (1, 'ann')`);
      const columns: TableColumn[] = [
        { name: 'id', type: { kind: 'BIGINT', nullable: false }, metadata: null },
        { name: 'name', type: { kind: 'VARCHAR', length: 64, nullable: true }, metadata: null },
      ];
      const lookup = createAsyncTableLookup('jdbc', {
        table: 'users',
        columns,
        primaryKey: ['id'],
        options: {
          connector: 'jdbc',
          url: URLS[dialect],
          'table-name': table,
          ...(dialect === 'mariadb' ? { username: 'root' } : {}),
          'lookup.cache': 'PARTIAL',
          'lookup.partial-cache.expire-after-write': '1 min',
        },
      });
      const clock = { now: 1_000 };
      await lookup.open({ keys: [0], subtaskIndex: 0, parallelism: 1, now: () => clock.now });
      t.after(() => lookup.close?.());
      const find = (id: number) =>
        new Promise<unknown[][]>((resolve, reject) =>
          lookup.lookup([id], { complete: resolve, completeExceptionally: reject }),
        );
      assert.deepEqual(await find(1), [[1, 'ann']]);
      assert.deepEqual(await find(2), []);
      await admin.rows(`UPDATE ${q(table)} SET name = 'anna' WHERE id = 1`);
      await admin.rows(`INSERT INTO ${q(table)} (id, name) VALUES (2, 'bob')`);
      clock.now += 59_000;
      // Cached: the row as first read, and the missing key as missing.
      assert.deepEqual(await find(1), [[1, 'ann']]);
      assert.deepEqual(await find(2), []);
      clock.now += 1_000;
      assert.deepEqual(await find(1), [[1, 'anna']]);
      assert.deepEqual(await find(2), [[2, 'bob']]);
    });

    it('scans in parallel by ranges of the partition column, leaving out rows beyond the bounds', async (t: TestContext) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('sql_scan');
      await admin.create(table, `id ${T.bigint} PRIMARY KEY, v ${T.varchar}`);
      const values = Array.from({ length: 105 }, (_, i) => `(${i + 1}, 'v${i + 1}')`).join(', ');
      await admin.rows(`INSERT INTO ${q(table)} (id, v) VALUES ${values}`);
      const tEnv = TableEnvironment.create({ parallelism: 2 });
      await tEnv.executeSql(
        `CREATE TABLE scanned (id BIGINT, v STRING) ${withJdbc(dialect, table, {
          'scan.partition.column': 'id',
          'scan.partition.num': '4',
          'scan.partition.lower-bound': '1',
          'scan.partition.upper-bound': '100',
          'scan.fetch-size': '10',
        })}`,
      );
      const read = await rows(tEnv, 'SELECT id, v FROM scanned');
      assert.deepEqual(
        read.map((r) => r.values).sort((a, b) => (a[0] as number) - (b[0] as number)),
        Array.from({ length: 100 }, (_, i) => [i + 1, `v${i + 1}`]),
      );
      const counted = await rows(tEnv, 'SELECT COUNT(*) FROM scanned WHERE MOD(id, 2) = 0');
      assert.deepEqual(applied(counted), ['[50]']);
    });

    it('names an unknown option, and a column whose database type does not map to its declared type', async (t: TestContext) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('sql_bad');
      await admin.create(table, `id ${T.bigint} PRIMARY KEY, name ${T.varchar}`);
      const tEnv = TableEnvironment.create();
      await tEnv.executeSql(
        `CREATE TABLE typo (id BIGINT) ${withJdbc(dialect, table, { 'sink.buffer-flush.max-row': '5' })}`,
      );
      await assert.rejects(() => rows(tEnv, 'SELECT * FROM typo'), /no option 'sink\.buffer-flush\.max-row'/);
      await tEnv.executeSql(`CREATE TABLE wrong (id BIGINT, name INT) ${withJdbc(dialect, table)}`);
      await assert.rejects(
        () => rows(tEnv, 'SELECT * FROM wrong'),
        (error: Error) => {
          assert.match(
            error.message,
            /column "name" is declared INT, but it is (character varying|varchar\(64\)) in table/,
          );
          return true;
        },
      );
      await tEnv.executeSql(`CREATE TABLE missing (id BIGINT, nope STRING) ${withJdbc(dialect, table)}`);
      await assert.rejects(
        () => rows(tEnv, 'SELECT * FROM missing'),
        /column "nope" is not a column of table/,
      );
      // A row the database refuses fails the job naming the table, the database and the reason.
      const strict = uniqueTable('sql_strict');
      await admin.create(strict, `id ${T.bigint} PRIMARY KEY, name ${T.varchar} NOT NULL`);
      await tEnv.executeSql(
        `CREATE TABLE strict (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) ${withJdbc(dialect, strict)}`,
      );
      await sequence(tEnv, 'seq', 2);
      await assert.rejects(
        async () =>
          (
            await tEnv.executeSql(`INSERT INTO strict SELECT id, CASE WHEN id = 1 THEN 'a' END FROM seq`)
          ).await(),
        (error: Error) => {
          assert.match(error.message, /SINK_FAILED|table "strict": cannot write/);
          assert.match(error.message, new RegExp(`table "${strict}" in ${dialect} 127\\.0\\.0\\.1`));
          assert.match(error.message, /null|NULL/);
          // The batch held rows 1 and 2: the one the database refuses is named.
          assert.match(error.message, /cannot write a row .*; record \[2,null\]/);
          return true;
        },
      );
    });

    it('resumes a restored scan after the last key emitted, or skips the rows emitted without a key', async (t: TestContext) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('sql_resume');
      await admin.create(table, `id ${T.bigint} PRIMARY KEY, v ${T.varchar}`);
      const values = Array.from({ length: 20 }, (_, i) => `(${i + 1}, 'v${i + 1}')`).join(', ');
      await admin.rows(`INSERT INTO ${q(table)} (id, v) VALUES ${values}`);
      const everything = Array.from({ length: 20 }, (_, i) => [i + 1, `v${i + 1}`]);
      for (const primaryKey of [['id'], null]) {
        const context: TableConnectorContext = {
          table: 'resume',
          columns: [
            { name: 'id', type: { kind: 'BIGINT', nullable: false }, metadata: null },
            { name: 'v', type: { kind: 'VARCHAR', length: 64, nullable: true }, metadata: null },
          ],
          primaryKey,
          options: {
            connector: 'jdbc',
            url: URLS[dialect],
            'table-name': table,
            ...(dialect === 'mariadb' ? { username: 'root' } : {}),
            'scan.fetch-size': '4',
            'scan.partition.column': 'id',
            'scan.partition.num': '2',
            'scan.partition.lower-bound': '1',
            'scan.partition.upper-bound': '20',
          },
        };
        const source = new JdbcTableSource(context, jdbcTableOptions(context));
        const readerContext = { subtaskIndex: 0, parallelism: 1, now: () => 0, sourceName: 'resume' };
        const first = source.createReader(readerContext);
        first.addSplits(source.createSplits());
        first.noMoreSplits();
        const before = await drain(first, 7);
        const state = first.snapshotState(1);
        await first.close?.();
        assert.equal(state.length, 2, 'the split under way and the one not started');
        if (primaryKey) assert.deepEqual(state[0].after?.map(Number), [7]);
        else assert.equal(state[0].emitted, 7);
        const second = source.createReader(readerContext);
        second.addSplits(state);
        second.noMoreSplits();
        const after = await drain(second);
        await second.close?.();
        const all = [...before, ...after].sort((a, b) => (a[0] as number) - (b[0] as number));
        assert.deepEqual(all, everything, `primary key ${primaryKey}`);
      }
    });
  });
}
