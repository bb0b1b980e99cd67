/**
 * JdbcSource against real PostgreSQL and MariaDB servers (scripts/databases.sh ensure): ranges of
 * a numeric column read in parallel, bounds given or discovered, keyset paging that resumes after
 * a checkpoint without reading a row twice, bigints beyond 2^53, and errors that name the table
 * and database but never the password.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JdbcSource, type JdbcSourceSplit, StreamExecutionEnvironment, WatermarkStrategy } from 'weir';
import { drain, ListOutput, readAll, readerContext, take } from '../../src/connectors/test-support.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { adminPool, connectionOf, DIALECTS, database, quoted, uniqueTable } from './databases.ts';

interface Order {
  id: number;
  customer: string;
}

/** Inserts `ids` as orders in one statement. */
async function insertOrders(
  admin: ReturnType<typeof adminPool>,
  dialect: 'postgres' | 'mariadb',
  table: string,
  ids: readonly (number | bigint | string)[],
): Promise<void> {
  const values = ids.map((_, i) => (dialect === 'postgres' ? `($${2 * i + 1}, $${2 * i + 2})` : '(?, ?)'));
  const params = ids.flatMap((id) => [String(id), `c${String(id).slice(-2)}`]);
  await admin.pool.query(
    `INSERT INTO ${quoted(dialect, table)} (id, customer) VALUES ${values.join(', ')}`,
    params,
  );
}

function sorted(ids: Iterable<number>): number[] {
  return [...ids].sort((a, b) => a - b);
}

for (const dialect of DIALECTS) {
  describe(`JdbcSource (${dialect})`, () => {
    it('reads every row once at parallelism 3, ranges of discovered bounds, page by page', async (t) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('src_all');
      await admin.create(table, 'id BIGINT PRIMARY KEY, customer VARCHAR(20) NOT NULL');
      // Gaps and an uneven spread: 1..300, 1000..1099, and 5000.
      const ids = [
        ...Array.from({ length: 300 }, (_, i) => i + 1),
        ...Array.from({ length: 100 }, (_, i) => 1000 + i),
        5000,
      ];
      await insertOrders(admin, dialect, table, ids);
      const source = new JdbcSource<Order>({
        connection: connectionOf(dialect),
        table,
        partitionColumn: 'id',
        fetchSize: 25,
        mapRow: (row) => ({ id: Number(row.id), customer: String(row.customer) }),
      });
      const { values, splits, readers } = await readAll(source, { parallelism: 3, maxRecords: 40 });
      assert.deepEqual(
        splits.map((s) => [s.lower, s.upper, s.upperInclusive]),
        [
          ['1', '1667', false],
          ['1667', '3334', false],
          ['3334', '5000', true],
        ],
      );
      const read = values.flat();
      assert.equal(read.length, ids.length, 'no row twice');
      assert.deepEqual(sorted(read.map((o) => o.id)), ids);
      assert.deepEqual(
        read.find((o) => o.id === 1099),
        { id: 1099, customer: 'c99' },
      );
      // Reader 0 has 1..300 and 1000..1099: 400 rows in pages of 25, plus the empty last page.
      assert.equal((readers[0] as unknown as { queries: number }).queries, 17);
      assert.deepEqual(sorted(values[2].map((o) => o.id)), [5000]);
    });

    it('reads only the given bounds, cut into numPartitions ranges, with an extra condition', async (t) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('src_bounds');
      await admin.create(table, 'id INT PRIMARY KEY, customer VARCHAR(20) NOT NULL');
      await insertOrders(
        admin,
        dialect,
        table,
        Array.from({ length: 300 }, (_, i) => i + 1),
      );
      const source = new JdbcSource({
        connection: connectionOf(dialect),
        table,
        columns: ['customer'],
        partitionColumn: 'id',
        lowerBound: 100,
        upperBound: '199',
        numPartitions: 4,
        where: `customer <> 'c50'`,
        fetchSize: 10,
      });
      const { values, splits } = await readAll(source, { parallelism: 2 });
      assert.equal(splits.length, 4);
      const read = values.flat();
      const expected = Array.from({ length: 100 }, (_, i) => i + 100).filter((id) => id !== 150);
      assert.deepEqual(sorted(read.map((r) => Number(r.id))), expected);
      assert.deepEqual(Object.keys(read[0]).sort(), ['customer', 'id'], 'the key column is read too');
    });

    it('resumes a range after the last key of a checkpoint: no row twice, none lost (composite key)', async (t) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('src_resume');
      await admin.create(
        table,
        'bucket INT NOT NULL, id INT NOT NULL, customer VARCHAR(20), PRIMARY KEY (bucket, id)',
      );
      // The partition column `bucket` is not unique: paging goes by (bucket, id).
      const rows = Array.from({ length: 120 }, (_, i) => [Math.floor(i / 13), i] as const);
      const values = rows.map((_, i) =>
        dialect === 'postgres' ? `($${2 * i + 1}, $${2 * i + 2}, 'x')` : `(?, ?, 'x')`,
      );
      await admin.pool.query(
        `INSERT INTO ${quoted(dialect, table)} (bucket, id, customer) VALUES ${values.join(', ')}`,
        rows.flat(),
      );
      const source = new JdbcSource({
        connection: connectionOf(dialect),
        table,
        partitionColumn: 'bucket',
        keyColumns: ['bucket', 'id'],
        numPartitions: 2,
        fetchSize: 7,
        mapRow: (row) => Number(row.id),
      });
      const splits = await source.createSplits(1);
      const first = source.createReader(readerContext(0, 1));
      first.start();
      first.addSplits(splits);
      first.noMoreSplits();
      const before = new ListOutput<number>();
      await take(first, before, 40, 9);
      const state: JdbcSourceSplit[] = structuredClone(first.snapshotState(1));
      assert.equal(first.currentPosition(), `table "${table}" split 0 ("bucket" in [0, 5)) at key [3,39]`);
      await first.close();
      assert.deepEqual(state[0].lastKey?.map(Number), [3, 39]);
      assert.equal(state.length, 2, 'the range under way and the one not started');

      const second = source.createReader(readerContext(0, 1));
      second.start();
      second.addSplits(state);
      second.noMoreSplits();
      const after = new ListOutput<number>();
      try {
        await drain(second, after, { maxRecords: 11 });
      } finally {
        await second.close();
      }
      assert.deepEqual(
        before.values,
        Array.from({ length: 40 }, (_, i) => i),
      );
      assert.deepEqual(
        [...before.values, ...after.values],
        rows.map(([, id]) => id),
      );
      assert.deepEqual(second.snapshotState(2), [], 'ranges read to their end leave the state');
    });

    it('pages exactly through BIGINT keys beyond 2^53', async (t) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('src_big');
      await admin.create(table, 'id BIGINT PRIMARY KEY, customer VARCHAR(20) NOT NULL');
      const base = 2n ** 53n;
      const ids = Array.from({ length: 20 }, (_, i) => base + BigInt(i));
      await insertOrders(admin, dialect, table, ids);
      const source = new JdbcSource({
        connection: connectionOf(dialect),
        table,
        partitionColumn: 'id',
        numPartitions: 3,
        fetchSize: 3,
        mapRow: (row) => BigInt(row.id as string | number),
      });
      const { values, splits } = await readAll(source, { parallelism: 2 });
      assert.deepEqual(splits[0].lower, base.toString());
      assert.deepEqual(splits[2].upper, (base + 19n).toString());
      const read = values.flat().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      assert.deepEqual(read, ids, 'neighbours beyond 2^53 neither merged nor skipped');
    });

    it('has no splits for an empty table, and its readers end', async (t) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('src_empty');
      await admin.create(table, 'id INT PRIMARY KEY, customer VARCHAR(20)');
      const source = new JdbcSource({ connection: connectionOf(dialect), table, partitionColumn: 'id' });
      const { values, splits } = await readAll(source, { parallelism: 2 });
      assert.deepEqual(splits, []);
      assert.deepEqual(values, [[], []]);
    });

    it('runs in a job at parallelism 2 and delivers every row', async (t) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('src_job');
      await admin.create(table, 'id INT PRIMARY KEY, customer VARCHAR(20) NOT NULL');
      const ids = Array.from({ length: 500 }, (_, i) => i * 3);
      await insertOrders(admin, dialect, table, ids);
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const sink = new CollectSink<number>();
      env
        .fromSource(
          new JdbcSource({
            connection: connectionOf(dialect),
            table,
            partitionColumn: 'id',
            numPartitions: 5,
            fetchSize: 64,
            mapRow: (row) => Number(row.id),
          }),
          WatermarkStrategy.noWatermarks(),
          'orders',
        )
        .setParallelism(2)
        .sinkTo(sink);
      await env.execute('jdbc source');
      assert.deepEqual(sorted(sink.values), ids);
    });

    it('names the table, range and key of a row that mapRow cannot map', async (t) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('src_map');
      await admin.create(table, 'id INT PRIMARY KEY, customer VARCHAR(20) NOT NULL');
      await insertOrders(
        admin,
        dialect,
        table,
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env
        .fromSource(
          new JdbcSource({
            connection: connectionOf(dialect),
            table,
            partitionColumn: 'id',
            numPartitions: 1,
            fetchSize: 10,
            mapRow: (row) => {
              if (row.id === 17) throw new Error('customer c17 is not allowed');
              return Number(row.id);
            },
          }),
          WatermarkStrategy.noWatermarks(),
          'orders',
        )
        .setParallelism(1)
        .sinkTo(new CollectSink<number>());
      await assert.rejects(env.execute('jdbc source map failure'), {
        message: new RegExp(
          `failed at table "${table}" split 0 \\("id" in \\[1, 30\\]\\) at key \\[17\\]: customer c17 is not allowed`,
        ),
      });
    });

    it('fails with SOURCE_FAILED naming the table, range, statement and database, never the password', async (t) => {
      if (!(await database(t, dialect))) return;
      const table = uniqueTable('src_missing');
      // PostgreSQL's trust authentication ignores the password; MariaDB's root has none.
      const password = 'Sekr3tPassw0rd';
      const connection = connectionOf(dialect, dialect === 'postgres' ? { password } : {});
      const discovering = new JdbcSource({ connection, table, partitionColumn: 'id' });
      await assert.rejects(discovering.createSplits(2), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'SOURCE_FAILED');
        assert.match(
          error.message,
          new RegExp(
            `cannot find the bounds of column "id" of table "${table}" in ${dialect} 127\\.0\\.0\\.1:\\d+/test: `,
          ),
        );
        assert.match(error.message, /statement SELECT MIN/);
        assert.doesNotMatch(error.message, new RegExp(password));
        return true;
      });
      const given = new JdbcSource({
        connection,
        table,
        partitionColumn: 'id',
        lowerBound: 1,
        upperBound: 10,
      });
      await assert.rejects(readAll(given), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'SOURCE_FAILED');
        assert.match(
          error.message,
          new RegExp(
            `^test-source: cannot read table "${table}" split 0 \\("id" in \\[1, 10\\]\\) in ${dialect} `,
          ),
        );
        assert.match(error.message, /(does not exist|doesn't exist)/);
        assert.doesNotMatch(error.message, new RegExp(password));
        return true;
      });
    });
  });
}

describe('JdbcSource options', () => {
  it('rejects bad bounds and sizes at construction', () => {
    const connection = connectionOf('postgres');
    assert.throws(
      () => new JdbcSource({ connection, table: 't', partitionColumn: 'id', lowerBound: 5, upperBound: 4 }),
      { code: 'INVALID_ARGUMENT', message: 'JdbcSource: lowerBound 5 is above upperBound 4' },
    );
    assert.throws(() => new JdbcSource({ connection, table: 't', partitionColumn: 'id', lowerBound: 1.5 }), {
      code: 'INVALID_ARGUMENT',
      message: /lowerBound must be an integer/,
    });
    assert.throws(() => new JdbcSource({ connection, table: 't', partitionColumn: 'id', fetchSize: 0 }), {
      message: 'JdbcSource: fetchSize must be a positive integer, got 0',
    });
  });

  it('cuts fewer ranges than asked when the bounds hold fewer values', async () => {
    const source = new JdbcSource({
      connection: connectionOf('postgres'),
      table: 't',
      partitionColumn: 'id',
      lowerBound: -2,
      upperBound: 1,
      numPartitions: 10,
    });
    const splits = await source.createSplits(1);
    assert.deepEqual(
      splits.map((s) => `${s.lower}..${s.upper}${s.upperInclusive ? ']' : ')'}`),
      ['-2..-1)', '-1..0)', '0..1)', '1..1]'],
    );
  });
});
