/**
 * JdbcLookup against real PostgreSQL and MariaDB servers (scripts/databases.sh ensure), called
 * directly as the Async I/O operator calls it (open, asyncInvoke, close) and in a job through
 * AsyncDataStream: joins, missing keys, the LRU cache with its TTL on a manual clock (queries
 * counted), batching of concurrent lookups, and errors.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import {
  AsyncDataStream,
  type JdbcConnectionOptions,
  JdbcLookup,
  type JdbcLookupOptions,
  type ResultFuture,
  StreamExecutionEnvironment,
} from 'weir';
import type { RuntimeContext } from '../../src/api/runtime-context.ts';
import { CollectSink } from '../../src/testing/index.ts';
import { adminPool, connectionOf, DIALECTS, database, lockTable, quoted, uniqueTable } from './databases.ts';

interface Click {
  page: string;
  userId: number | null;
}
interface User {
  id: number;
  name: string;
  tier: string;
}
interface Enriched extends Click {
  name: string | undefined;
}

/** A runtime context with a processing-time clock the test sets. */
function manualContext(): { context: RuntimeContext; clock: { now: number } } {
  const clock = { now: 1_000 };
  const context = {
    currentProcessingTime: () => clock.now,
    getIndexOfThisSubtask: () => 0,
    getNumberOfParallelSubtasks: () => 1,
  } as unknown as RuntimeContext;
  return { context, clock };
}

/** A ResultFuture whose outcome is a promise (rejected on completeExceptionally). */
function future<OUT>(): { future: ResultFuture<OUT>; result: Promise<OUT[]> } {
  let resolve!: (values: OUT[]) => void;
  let reject!: (error: unknown) => void;
  const result = new Promise<OUT[]>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { future: { complete: (values) => resolve([...values]), completeExceptionally: reject }, result };
}

/** Looks up every click at once (one synchronous batch, as the operator invokes a batch of records). */
function lookUp<IN, OUT>(
  lookup: { asyncInvoke(input: IN, resultFuture: ResultFuture<OUT>): void },
  inputs: IN[],
): Promise<OUT[][]> {
  return Promise.all(
    inputs.map((input) => {
      const f = future<OUT>();
      lookup.asyncInvoke(input, f.future);
      return f.result;
    }),
  );
}

/** A left join of clicks to users: one result per user row, or one without a name. */
function enrich(click: Click, users: readonly User[]): Enriched[] {
  return users.length === 0
    ? [{ ...click, name: undefined }]
    : users.map((u) => ({ ...click, name: u.name }));
}

async function usersTable(t: TestContext, dialect: 'postgres' | 'mariadb', count: number, unique = true) {
  const admin = adminPool(t, dialect);
  const table = uniqueTable(unique ? 'users' : 'users_multi');
  await admin.create(
    table,
    unique
      ? 'id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, tier VARCHAR(10) NOT NULL'
      : 'id INT NOT NULL, name VARCHAR(20) NOT NULL, tier VARCHAR(10) NOT NULL',
  );
  const values = Array.from({ length: count }, (_, i) =>
    dialect === 'postgres' ? `($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3})` : '(?, ?, ?)',
  );
  const params = Array.from({ length: count }, (_, i) => [
    i + 1,
    `user${i + 1}`,
    i % 2 === 0 ? 'gold' : 'basic',
  ]);
  await admin.pool.query(
    `INSERT INTO ${quoted(dialect, table)} (id, name, tier) VALUES ${values.join(', ')}`,
    params.flat(),
  );
  return { admin, table };
}

function lookupOf(
  connection: JdbcConnectionOptions,
  table: string,
  options: Partial<JdbcLookupOptions<Click, Enriched, User>> = {},
): JdbcLookup<Click, Enriched, User> {
  return new JdbcLookup<Click, Enriched, User>({
    connection,
    table,
    keyColumns: ['id'],
    columns: ['name', 'tier'],
    keyOf: (click) => [click.userId],
    join: enrich,
    ...options,
  });
}

for (const dialect of DIALECTS) {
  describe(`JdbcLookup (${dialect})`, () => {
    it('joins the rows of each key, every row of a key, and none for a missing or NULL key', async (t) => {
      if (!(await database(t, dialect))) return;
      const { admin, table } = await usersTable(t, dialect, 5, false);
      await admin.pool.query(
        `INSERT INTO ${quoted(dialect, table)} (id, name, tier) VALUES (2, 'twin', 'gold')`,
      );
      const lookup = lookupOf(connectionOf(dialect), table);
      await lookup.open(manualContext().context);
      try {
        const results = await lookUp(lookup, [
          { page: 'a', userId: 1 },
          { page: 'b', userId: 2 },
          { page: 'c', userId: 99 },
          { page: 'd', userId: null },
        ]);
        assert.deepEqual(results[0], [{ page: 'a', userId: 1, name: 'user1' }]);
        assert.deepEqual(results[1].map((r) => r.name).sort(), ['twin', 'user2']);
        assert.deepEqual(results[2], [{ page: 'c', userId: 99, name: undefined }]);
        assert.deepEqual(results[3], [{ page: 'd', userId: null, name: undefined }]);
        assert.equal(lookup.queries, 1, 'three keys in one query; the NULL key needs none');
      } finally {
        await lookup.close();
      }
    });

    it('matches composite keys, and BIGINT keys the driver returns as strings', async (t) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('accounts');
      await admin.create(
        table,
        'region VARCHAR(5) NOT NULL, id BIGINT NOT NULL, owner VARCHAR(20), PRIMARY KEY (region, id)',
      );
      const big = (2n ** 60n).toString();
      await admin.pool.query(
        `INSERT INTO ${quoted(dialect, table)} (region, id, owner) VALUES ${dialect === 'postgres' ? '($1, $2, $3), ($4, $5, $6), ($7, $8, $9)' : '(?, ?, ?), (?, ?, ?), (?, ?, ?)'}`,
        ['eu', '7', 'ann', 'us', '7', 'bob', 'eu', big, 'cyd'],
      );
      const lookup = new JdbcLookup<[string, number | bigint], string>({
        connection: connectionOf(dialect),
        table,
        keyColumns: ['region', 'id'],
        keyOf: (input) => input,
        join: (_input, rows) => rows.map((row) => String(row.owner)),
      });
      await lookup.open(manualContext().context);
      try {
        const keys: [string, number | bigint][] = [
          ['eu', 7],
          ['us', 7],
          ['us', 8],
          ['eu', 2n ** 60n],
        ];
        const results = await lookUp(lookup, keys);
        assert.deepEqual(results, [['ann'], ['bob'], [], ['cyd']]);
        assert.equal(lookup.queries, 1);
      } finally {
        await lookup.close();
      }
    });

    it('answers repeated keys from the cache, missing ones too, and counts hits', async (t) => {
      if (!(await database(t, dialect))) return;
      const { table } = await usersTable(t, dialect, 10);
      const lookup = lookupOf(connectionOf(dialect), table, { cache: { maxRows: 100 } });
      await lookup.open(manualContext().context);
      try {
        await lookUp(lookup, [
          { page: 'a', userId: 1 },
          { page: 'a', userId: 42 },
        ]);
        assert.equal(lookup.queries, 1);
        const again = await lookUp(lookup, [
          { page: 'b', userId: 1 },
          { page: 'b', userId: 42 },
          { page: 'c', userId: 1 },
        ]);
        assert.deepEqual(
          again.map((r) => r[0].name),
          ['user1', undefined, 'user1'],
        );
        assert.equal(lookup.queries, 1, 'hits, a missing key included, send no query');
        assert.deepEqual(lookup.cacheStatistics, { hits: 3, misses: 2, size: 2 });
      } finally {
        await lookup.close();
      }

      const uncachedMissing = lookupOf(connectionOf(dialect), table, {
        cache: { maxRows: 100, cacheMissingKeys: false },
      });
      await uncachedMissing.open(manualContext().context);
      try {
        await lookUp(uncachedMissing, [
          { page: 'a', userId: 1 },
          { page: 'a', userId: 42 },
        ]);
        await lookUp(uncachedMissing, [
          { page: 'a', userId: 1 },
          { page: 'a', userId: 42 },
        ]);
        assert.equal(uncachedMissing.queries, 2, 'the missing key is queried again');
        assert.equal(uncachedMissing.cacheStatistics.hits, 1);
      } finally {
        await uncachedMissing.close();
      }
    });

    it('expires entries after ttlMs of processing time and evicts the least recently used', async (t) => {
      if (!(await database(t, dialect))) return;
      const { admin, table } = await usersTable(t, dialect, 10);
      const lookup = lookupOf(connectionOf(dialect), table, { cache: { maxRows: 2, ttlMs: 5_000 } });
      const { context, clock } = manualContext();
      await lookup.open(context);
      try {
        await lookUp(lookup, [{ page: 'a', userId: 1 }]);
        await admin.pool.query(`UPDATE ${quoted(dialect, table)} SET name = 'renamed' WHERE id = 1`);
        clock.now += 4_999;
        assert.equal((await lookUp(lookup, [{ page: 'b', userId: 1 }]))[0][0].name, 'user1', 'still cached');
        assert.equal(lookup.queries, 1);
        clock.now += 1;
        assert.equal(
          (await lookUp(lookup, [{ page: 'c', userId: 1 }]))[0][0].name,
          'renamed',
          'expired, read again',
        );
        assert.equal(lookup.queries, 2);

        // Key 1 (read at the current time), then 2 and 3: 1 is the least recently used and goes.
        await lookUp(lookup, [{ page: 'd', userId: 2 }]);
        await lookUp(lookup, [{ page: 'd', userId: 3 }]);
        assert.equal(lookup.queries, 4);
        await lookUp(lookup, [{ page: 'e', userId: 3 }]);
        assert.equal(lookup.queries, 4, 'key 3 is held');
        await lookUp(lookup, [{ page: 'e', userId: 1 }]);
        assert.equal(lookup.queries, 5, 'key 1 was evicted');
      } finally {
        await lookup.close();
      }
    });

    it('batches concurrent lookups: N keys in ceil(N / maxBatchSize) queries, a key asked twice once', async (t) => {
      if (!(await database(t, dialect))) return;
      const { table } = await usersTable(t, dialect, 300);
      const lookup = lookupOf(connectionOf(dialect), table, { maxBatchSize: 100 });
      await lookup.open(manualContext().context);
      try {
        const clicks = Array.from({ length: 250 }, (_, i) => ({ page: 'p', userId: i + 1 }));
        clicks.push({ page: 'again', userId: 7 }, { page: 'again', userId: 250 });
        const results = await lookUp(lookup, clicks);
        assert.equal(lookup.queries, 3);
        assert.deepEqual(
          results.map((r) => r[0].name),
          clicks.map((c) => `user${c.userId}`),
        );
      } finally {
        await lookup.close();
      }
    });

    it('gathers the lookups that arrive while a query is in flight into the next query', async (t) => {
      if (!(await database(t, dialect))) return;
      const { admin, table } = await usersTable(t, dialect, 50);
      const lookup = lookupOf(connectionOf(dialect), table, { maxBatchSize: 8, maxConcurrentQueries: 2 });
      await lookup.open(manualContext().context);
      const lock = await lockTable(admin.pool, table);
      let released = false;
      try {
        const first = lookUp(lookup, [{ page: 'first', userId: 1 }]);
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(lookup.queries, 1, 'the first key went at once: nothing was in flight');
        // Twenty lookups one at a time, each in a turn of its own, while the first query waits
        // on the lock.
        const later: Promise<Enriched[][]>[] = [];
        for (let i = 2; i <= 21; i++) {
          later.push(lookUp(lookup, [{ page: 'later', userId: i }]));
          await new Promise((resolve) => setImmediate(resolve));
        }
        // Keys 2..9 made a full batch, sent beside the first (2 queries in flight at most); 10..21 wait.
        assert.equal(lookup.queries, 2, 'only a full batch may go while a query is in flight');
        await lock.release();
        released = true;
        const results = await Promise.all([first, ...later]);
        assert.deepEqual(
          results.map((r) => r[0][0].name),
          Array.from({ length: 21 }, (_, i) => `user${i + 1}`),
        );
        // Once one query ends: 10..17 (a full batch, beside the other), then 18..21 when none is in flight.
        assert.equal(lookup.queries, 4);
      } finally {
        if (!released) await lock.release();
        await lookup.close();
      }
    });

    it('fails the lookups of a failed query with USER_FUNCTION_FAILED naming table, database and record', async (t) => {
      if (!(await database(t, dialect))) return;
      const { admin, table } = await usersTable(t, dialect, 3);
      const password = 'Sekr3tPassw0rd';
      const connection = connectionOf(dialect, dialect === 'postgres' ? { password } : {});
      const lookup = lookupOf(connection, table);
      await lookup.open(manualContext().context);
      try {
        await admin.pool.query(`DROP TABLE ${quoted(dialect, table)}`);
        const outcomes = await Promise.allSettled(
          [1, 2].map((userId) => lookUp(lookup, [{ page: `p${userId}`, userId }])),
        );
        assert.equal(lookup.queries, 1);
        for (const [i, outcome] of outcomes.entries()) {
          assert.equal(outcome.status, 'rejected');
          const error = (outcome as PromiseRejectedResult).reason as Error & { code: string };
          assert.equal(error.code, 'USER_FUNCTION_FAILED');
          assert.match(
            error.message,
            new RegExp(
              `^JdbcLookup \\(subtask 1/1\\) cannot look up key \\[${i + 1}\\] in table "${table}" in ${dialect} 127\\.0\\.0\\.1:\\d+/test: .*(does not exist|doesn't exist).*; record \\{"page":"p${i + 1}","userId":${i + 1}\\}`,
            ),
          );
          assert.doesNotMatch(error.message, new RegExp(password));
        }
      } finally {
        await lookup.close();
      }
    });

    it('fails at open on a table that does not exist', async (t) => {
      if (!(await database(t, dialect))) return;
      const table = uniqueTable('nowhere');
      const lookup = lookupOf(connectionOf(dialect), table);
      await assert.rejects(lookup.open(manualContext().context), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'USER_FUNCTION_FAILED');
        assert.match(error.message, new RegExp(`cannot look up rows in table "${table}" in ${dialect} `));
        assert.match(error.message, /statement SELECT .* WHERE 1 = 0/);
        return true;
      });
    });

    it('enriches a stream in a job through AsyncDataStream.unorderedWait', async (t) => {
      if (!(await database(t, dialect))) return;
      const { table } = await usersTable(t, dialect, 20);
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.setParallelism(2);
      const clicks: Click[] = Array.from({ length: 200 }, (_, i) => ({
        page: `p${i}`,
        userId: (i % 25) + 1,
      }));
      const sink = new CollectSink<Enriched>();
      AsyncDataStream.unorderedWait(
        env.fromElements(...clicks),
        lookupOf(connectionOf(dialect), table, { cache: { maxRows: 10, ttlMs: 60_000 }, maxBatchSize: 16 }),
        10_000,
        50,
      ).sinkTo(sink);
      await env.execute('jdbc lookup');
      const byPage = new Map(sink.values.map((e) => [e.page, e]));
      assert.equal(sink.values.length, clicks.length);
      for (const click of clicks) {
        assert.deepEqual(byPage.get(click.page), {
          ...click,
          name: click.userId! <= 20 ? `user${click.userId}` : undefined,
        });
      }
    });
  });
}

describe('JdbcLookup options', () => {
  it('rejects bad options at construction', () => {
    const connection = connectionOf('postgres');
    const base = { connection, table: 'users', keyColumns: ['id'], keyOf: () => [1], join: () => [] };
    assert.throws(() => new JdbcLookup({ ...base, keyColumns: [] }), {
      code: 'INVALID_ARGUMENT',
      message: 'JdbcLookup: keyColumns must name at least one column',
    });
    assert.throws(() => new JdbcLookup({ ...base, maxBatchSize: 0 }), {
      message: 'JdbcLookup: maxBatchSize must be a positive integer, got 0',
    });
    assert.throws(() => new JdbcLookup({ ...base, cache: { maxRows: 10, ttlMs: -1 } }), {
      message: 'JdbcLookup: cache.ttlMs must be positive, got -1',
    });
  });

  it('fails a lookup whose key has the wrong number of values, naming the record', async () => {
    const lookup = new JdbcLookup<{ a: number }, never>({
      connection: connectionOf('postgres'),
      table: 'users',
      keyColumns: ['region', 'id'],
      keyOf: (input) => [input.a],
      join: () => [],
    });
    const f = future<never>();
    lookup.asyncInvoke({ a: 1 }, f.future);
    await assert.rejects(f.result, {
      code: 'USER_FUNCTION_FAILED',
      message: 'JdbcLookup: keyOf returned 1 values for 2 key columns (region, id); record {"a":1}',
    });
  });
});
