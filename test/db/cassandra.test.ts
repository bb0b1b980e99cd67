/**
 * The Cassandra connector against a real Apache Cassandra node (scripts/cassandra.sh, 127.0.0.1:9042):
 * the sink writes every record and its upserts are idempotent, a checkpoint waits for every write
 * before its barrier (so a failure and restore lose nothing), it back-pressures at its concurrency
 * limit, and it fails with errors that name the table, the record and the reason; the lookup finds
 * rows, misses cleanly, caches (LRU, TTL in processing time) and shares concurrent queries of a key.
 * Without a node the tests are skipped, loudly, unless CI is set, where that is a failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Client } from 'cassandra-driver';
import type { RuntimeContext } from '../../src/api/runtime-context.ts';
import {
  cassandraDriver,
  isTransientCassandraError,
  withCassandraRetries,
} from '../../src/connectors/cassandra/cassandra-client.ts';
import {
  AsyncDataStream,
  CassandraLookup,
  CassandraSink,
  DataGeneratorSource,
  RestartStrategies,
  type SinkContext,
  StreamExecutionEnvironment,
  WatermarkStrategy,
  WeirError,
} from '../../src/index.ts';
import { CollectSink } from '../../src/testing/index.ts';

const NODE = '127.0.0.1:9042';
const KEYSPACE = 'weir_test';
const SKIP_MESSAGE = `no Cassandra node at ${NODE}: run scripts/cassandra.sh start`;

let client: Client | undefined;
let problem: string | undefined;
let tables = 0;
const created: string[] = [];

/** True when the node answers; otherwise skips `t` (or, with CI set, fails). */
function cassandraNode(t: TestContext): boolean {
  if (problem === undefined && client !== undefined) return true;
  if (process.env.CI) {
    throw new Error(`${SKIP_MESSAGE} (CI is set, so this fails instead of skipping): ${problem}`);
  }
  console.warn(`SKIPPED ${t.name}: ${SKIP_MESSAGE}`);
  t.skip(SKIP_MESSAGE);
  return false;
}

/** A fresh table `weir_test.<prefix>_<pid>_<n>` with `columns` (CQL column definitions and key). */
async function createTable(prefix: string, columns: string): Promise<string> {
  const name = `${KEYSPACE}.${prefix}_${process.pid}_${++tables}`;
  await (client as Client).execute(`CREATE TABLE ${name} (${columns})`);
  created.push(name);
  return name;
}

async function rows<R>(cql: string, params: unknown[] = []): Promise<R[]> {
  const result = await (client as Client).execute(cql, params, { prepare: true, fetchSize: 100_000 });
  return result.rows as unknown as R[];
}

function sinkContext(name = 'cassandra'): SinkContext {
  return {
    subtaskIndex: 0,
    parallelism: 1,
    operatorName: name,
    now: () => Date.now(),
    addAccumulator: () => {},
    checkpointing: true,
    checkpointInterval: 1_000,
    attemptTag: 'test-0',
  };
}

/** Enough of a RuntimeContext for a lookup: its subtask and a processing time the test moves. */
function runtimeContext(clock: { now: number }): RuntimeContext {
  return {
    getIndexOfThisSubtask: () => 0,
    getNumberOfParallelSubtasks: () => 1,
    currentProcessingTime: () => clock.now,
  } as unknown as RuntimeContext;
}

before(async () => {
  const driver = cassandraDriver();
  const c = new driver.Client({
    contactPoints: [NODE],
    localDataCenter: 'datacenter1',
    socketOptions: { connectTimeout: 10_000, readTimeout: 30_000 },
    encoding: { useBigIntAsLong: true },
  });
  try {
    await c.connect();
    await c.execute(
      `CREATE KEYSPACE IF NOT EXISTS ${KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    client = c;
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
    await c.shutdown().catch(() => {});
  }
});

after(async () => {
  for (const name of created) await client?.execute(`DROP TABLE IF EXISTS ${name}`).catch(() => {});
  await client?.shutdown();
});

describe('CassandraSink', () => {
  it('writes every record of a bounded job (parallelism 2), and writing again upserts the same rows', async (t) => {
    if (!cassandraNode(t)) return;
    const table = await createTable('upsert', 'id bigint PRIMARY KEY, label text, doubled bigint');
    const run = async (factor: bigint) => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.setParallelism(2);
      env.enableCheckpointing(50);
      env.fromSequence(0, 1_999).sinkTo(
        CassandraSink.builder<number>()
          .setContactPoints(NODE)
          .setQuery(`INSERT INTO ${table} (id, label, doubled) VALUES (?, ?, ?)`, (n) => [
            BigInt(n),
            `n${n}`,
            BigInt(n) * factor,
          ])
          .build(),
      );
      await env.execute(`cassandra sink x${factor}`);
    };
    await run(2n);
    const first = await rows<{ id: bigint; label: string; doubled: bigint }>(
      `SELECT id, label, doubled FROM ${table}`,
    );
    assert.equal(first.length, 2_000);
    assert.deepEqual(
      first.map((r) => r.id).sort((a, b) => (a < b ? -1 : 1)),
      Array.from({ length: 2_000 }, (_, k) => BigInt(k)),
    );
    for (const r of first) {
      assert.equal(r.label, `n${r.id}`);
      assert.equal(r.doubled, r.id * 2n);
    }
    // The same keys again: still 2,000 rows, each with the new value.
    await run(3n);
    const second = await rows<{ id: bigint; doubled: bigint }>(`SELECT id, doubled FROM ${table}`);
    assert.equal(second.length, 2_000);
    for (const r of second) assert.equal(r.doubled, r.id * 3n);
  });

  it('writes rows by column name with setTable: CQL types, undefined left unset, null deleted', async (t) => {
    if (!cassandraNode(t)) return;
    const table = await createTable(
      'types',
      'id uuid PRIMARY KEY, "userName" text, score double, at timestamp, tags list<text>, attrs map<text, int>, active boolean, note text',
    );
    const id1 = '8d0c1a2e-5f3b-4b7a-9c1d-2e3f4a5b6c7d';
    const id2 = '1b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0';
    await (client as Client).execute(`INSERT INTO ${table} (id, note) VALUES (?, ?)`, [id1, 'kept'], {
      prepare: true,
    });
    await (client as Client).execute(`INSERT INTO ${table} (id, note) VALUES (?, ?)`, [id2, 'erased'], {
      prepare: true,
    });
    type Input = { id: string; user: string; note: string | null | undefined };
    const sink = CassandraSink.builder<Input>()
      .setContactPoints(NODE)
      .setKeyspace(KEYSPACE)
      .setTable(table.split('.')[1], (v) => ({
        id: v.id,
        userName: v.user,
        score: 2.5,
        at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
        tags: ['a', 'b'],
        attrs: { x: 1 },
        active: true,
        note: v.note,
      }))
      .build();
    await sink.open(sinkContext());
    try {
      sink.invoke({ id: id1, user: 'Ann', note: undefined });
      sink.invoke({ id: id2, user: 'Bob', note: null });
      sink.snapshotState();
      await sink.snapshotStateAsync();
    } finally {
      await sink.close();
    }
    const read = await rows<Record<string, unknown>>(`SELECT * FROM ${table} WHERE id IN (?, ?)`, [id1, id2]);
    const byId = new Map(read.map((r) => [String(r.id), r]));
    const ann = byId.get(id1) as Record<string, unknown>;
    assert.equal(ann.userName, 'Ann');
    assert.equal(ann.score, 2.5);
    assert.equal((ann.at as Date).toISOString(), '2026-01-02T03:04:05.000Z');
    assert.deepEqual(ann.tags, ['a', 'b']);
    assert.deepEqual({ ...(ann.attrs as object) }, { x: 1 });
    assert.equal(ann.active, true);
    assert.equal(ann.note, 'kept', 'an undefined column is left unset');
    assert.equal((byId.get(id2) as Record<string, unknown>).note, null, 'a null column is deleted');
  });

  it('resolves a checkpoint only once every write before its barrier is done, and back-pressures at its limit', async (t) => {
    if (!cassandraNode(t)) return;
    const table = await createTable('flush', 'id int PRIMARY KEY, v text');
    const sink = CassandraSink.builder<number>()
      .setContactPoints(NODE)
      .setQuery(`INSERT INTO ${table} (id, v) VALUES (?, ?)`, (n) => [n, `v${n}`])
      .setMaxConcurrentRequests(4)
      .build();
    await sink.open(sinkContext());
    try {
      for (let n = 0; n < 500; n++) sink.invoke(n);
      // 4 running, 496 waiting: the task must stop feeding the sink.
      const blocked = sink.blocked();
      assert.ok(blocked !== undefined, 'blocked() while records wait for a slot');
      assert.deepEqual(sink.snapshotState(), []);
      const flushed = sink.snapshotStateAsync();
      assert.ok(flushed !== undefined, 'a checkpoint with writes outstanding waits for them');
      // Records after the barrier keep flowing, and are not part of this checkpoint's wait.
      for (let n = 500; n < 600; n++) sink.invoke(n);
      await flushed;
      const [{ count }] = await rows<{ count: bigint }>(
        `SELECT count(*) FROM ${table} WHERE id < 500 ALLOW FILTERING`,
      );
      assert.equal(count, 500n, 'every record before the barrier is written when the checkpoint resolves');
      await blocked;
      await sink.finish();
      const [{ count: total }] = await rows<{ count: bigint }>(`SELECT count(*) FROM ${table}`);
      assert.equal(total, 600n);
      assert.equal(sink.blocked(), undefined);
      assert.equal(sink.snapshotStateAsync(), undefined, 'nothing outstanding: nothing to wait for');
    } finally {
      await sink.close();
    }
  });

  it('loses nothing across an injected failure and restore, with checkpoints through the sink', async (t) => {
    if (!cassandraNode(t)) return;
    const table = await createTable('restore', 'id bigint PRIMARY KEY, n int');
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.enableCheckpointing(50);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 50));
    let failed = false;
    env
      .fromSource(
        new DataGeneratorSource((i) => i, 4_000, { rateLimit: 8_000 }),
        WatermarkStrategy.noWatermarks(),
        'numbers',
      )
      .map((n) => {
        // Records after the last checkpoint are written again after the restore: upserts.
        if (n === 2_500 && !failed) {
          failed = true;
          throw new Error('injected failure');
        }
        return n;
      })
      .sinkTo(
        CassandraSink.builder<number>()
          .setContactPoints(NODE)
          .setQuery(`INSERT INTO ${table} (id, n) VALUES (?, ?)`, (n) => [BigInt(n), n])
          .build(),
      );
    const result = await env.execute('cassandra sink restore');
    assert.equal(failed, true, 'the failure was injected');
    assert.ok(result, 'the job finished');
    const read = await rows<{ id: bigint; n: number }>(`SELECT id, n FROM ${table}`);
    assert.equal(read.length, 4_000);
    assert.equal(new Set(read.map((r) => r.id)).size, 4_000);
    for (const r of read) assert.equal(BigInt(r.n), r.id);
  });

  it('fails a job whose table does not exist, naming keyspace.table and the reason', async (t) => {
    if (!cassandraNode(t)) return;
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setRestartStrategy(RestartStrategies.noRestart());
    env.fromSequence(0, 9).sinkTo(
      CassandraSink.builder<number>()
        .setContactPoints(NODE)
        .setQuery(`INSERT INTO ${KEYSPACE}.no_such_table (id) VALUES (?)`, (n) => [n])
        .build(),
    );
    await assert.rejects(env.execute('cassandra unknown table'), (error: Error) => {
      assert.match(
        describeChain(error),
        /table weir_test\.no_such_table does not exist \(keyspace weir_test has no table no_such_table\)/,
      );
      return true;
    });
  });

  it('fails on a value of the wrong type without retrying, naming the table, the record and the reason', async (t) => {
    if (!cassandraNode(t)) return;
    const table = await createTable('mismatch', 'id int PRIMARY KEY, v int');
    const sink = CassandraSink.builder<{ id: number; v: unknown }>()
      .setContactPoints(NODE)
      .setQuery(`INSERT INTO ${table} (id, v) VALUES (?, ?)`, (r) => [r.id, r.v])
      .build();
    await sink.open(sinkContext('typed'));
    try {
      sink.invoke({ id: 1, v: 'not a number' });
      sink.snapshotState();
      const started = Date.now();
      await assert.rejects(sink.snapshotStateAsync() as Promise<void>, (error: Error & { code?: string }) => {
        assert.equal(error.code, 'SINK_FAILED');
        assert.match(
          error.message,
          new RegExp(`cannot write record \\{"id":1,"v":"not a number"\\} to ${table} at ${NODE}`),
        );
        assert.match(error.message, /CassandraSink "typed" \(subtask 1\/1\)/);
        assert.doesNotMatch(error.message, /after \d+ attempts/, 'a type mismatch is not retried');
        return true;
      });
      assert.ok(Date.now() - started < 5_000, 'failed at once, without backoff');
      // The failure stays: the next record is refused with it.
      assert.throws(() => sink.invoke({ id: 2, v: 2 }), /cannot write record/);
    } finally {
      await sink.close();
    }
  });

  it('refuses a row with a column the table does not have, naming it', async (t) => {
    if (!cassandraNode(t)) return;
    const table = await createTable('columns', 'id int PRIMARY KEY, v int');
    const sink = CassandraSink.builder<number>()
      .setContactPoints(NODE)
      .setTable(table, (n) => ({ id: n, w: n }))
      .build();
    await sink.open(sinkContext());
    try {
      assert.throws(
        () => sink.invoke(1),
        new RegExp(`table ${table} has no column w \\(its columns: .*\\bid\\b.*\\)`),
      );
    } finally {
      await sink.close();
    }
  });

  it('fails to open against an unreachable node, naming it', async () => {
    const sink = CassandraSink.builder<number>()
      .setContactPoints('127.0.0.1:1')
      .setQuery('INSERT INTO ks.t (id) VALUES (?)', (n) => [n])
      .build();
    await assert.rejects(sink.open(sinkContext()), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'SINK_FAILED');
      assert.match(error.message, /cannot connect to Cassandra at 127\.0\.0\.1:1: /);
      return true;
    });
  });
});

describe('Cassandra retries', () => {
  it('retries unavailable, overloaded and timeouts with backoff, and nothing else', async () => {
    const { errors } = cassandraDriver();
    const transient = [
      new errors.ResponseError(0x1000, 'Cannot achieve consistency level'),
      new errors.ResponseError(0x1001, 'overloaded'),
      new errors.ResponseError(0x1100, 'write timeout'),
      new errors.OperationTimedOutError('client timeout'),
      new errors.NoHostAvailableError({}),
    ];
    for (const e of transient) assert.equal(isTransientCassandraError(e), true, e.message);
    assert.equal(isTransientCassandraError(new errors.ResponseError(0x2200, 'unconfigured table')), false);
    assert.equal(isTransientCassandraError(new TypeError('Not a valid BigInt value')), false);

    let attempts = 0;
    const value = await withCassandraRetries(
      async () => {
        attempts++;
        if (attempts < 3) throw new errors.ResponseError(0x1001, 'overloaded');
        return 'written';
      },
      { initialBackoffMs: 1, maxBackoffMs: 2 },
    );
    assert.equal(value, 'written');
    assert.equal(attempts, 3);

    attempts = 0;
    await assert.rejects(
      withCassandraRetries(
        async () => {
          attempts++;
          throw new errors.ResponseError(0x1000, 'unavailable');
        },
        { maxRetries: 2, initialBackoffMs: 1 },
      ),
      (error: Error & { attempts?: number }) => {
        assert.equal(error.attempts, 3);
        return true;
      },
    );
    assert.equal(attempts, 3);
  });
});

describe('CassandraLookup', () => {
  it('finds rows by key, misses cleanly, caches (LRU, TTL) and shares concurrent queries of a key', async (t) => {
    if (!cassandraNode(t)) return;
    const table = await createTable('users', 'user_id bigint PRIMARY KEY, name text, tier text');
    for (const [id, name, tier] of [
      [1n, 'Ann', 'gold'],
      [2n, 'Bob', 'silver'],
      [3n, 'Cyd', 'bronze'],
    ] as const) {
      await (client as Client).execute(
        `INSERT INTO ${table} (user_id, name, tier) VALUES (?, ?, ?)`,
        [id, name, tier],
        {
          prepare: true,
        },
      );
    }
    type Click = { userId: bigint; page: string };
    const lookup = new CassandraLookup<Click, string, { name: string; tier: string }>({
      contactPoints: [NODE],
      query: `SELECT name, tier FROM ${table} WHERE user_id = ?`,
      keyOf: (click) => [click.userId],
      join: (click, users) =>
        users.length === 0
          ? [`${click.page}:unknown`]
          : users.map((u) => `${click.page}:${u.name}:${u.tier}`),
      cache: { maxRows: 2, ttlMs: 1_000 },
    });
    const clock = { now: 0 };
    await lookup.open(runtimeContext(clock));
    try {
      const look = async (userId: bigint) => [...(await lookup.asyncInvoke({ userId, page: 'p' }))];
      // Concurrent lookups of one key: one query.
      const [a, b] = await Promise.all([look(1n), look(1n)]);
      assert.deepEqual(a, ['p:Ann:gold']);
      assert.deepEqual(b, ['p:Ann:gold']);
      assert.equal(lookup.queries, 1);
      // A hit, then a missing key (cached too), then a third key evicts the least recently used.
      assert.deepEqual(await look(1n), ['p:Ann:gold']);
      assert.equal(lookup.queries, 1);
      assert.deepEqual(await look(99n), ['p:unknown']);
      assert.deepEqual(await look(99n), ['p:unknown']);
      assert.equal(lookup.queries, 2, 'a missing key is cached');
      assert.deepEqual(await look(2n), ['p:Bob:silver']);
      assert.equal(lookup.queries, 3);
      assert.deepEqual(await look(1n), ['p:Ann:gold']);
      assert.equal(lookup.queries, 4, 'key 1 was the least recently used of three, with room for two');
      // A row changed in Cassandra is seen once its cached copy expires (processing time).
      await (client as Client).execute(`UPDATE ${table} SET tier = 'platinum' WHERE user_id = ?`, [2n], {
        prepare: true,
      });
      assert.deepEqual(await look(2n), ['p:Bob:silver'], 'still cached');
      clock.now = 1_000;
      assert.deepEqual(await look(2n), ['p:Bob:platinum'], 'expired after the TTL');
      // Hits: key 1, key 99, key 2 while cached. Misses: both concurrent lookups of key 1 (which
      // shared a query), 99, 2, 1 after its eviction, 2 after its expiry.
      assert.deepEqual(lookup.cacheStatistics, { hits: 3, misses: 6, size: 2 });
      assert.equal(lookup.queries, 5);
    } finally {
      await lookup.close();
    }
  });

  it('enriches a stream through AsyncDataStream.orderedWait, and the result goes to a Cassandra sink', async (t) => {
    if (!cassandraNode(t)) return;
    const users = await createTable('profiles', 'user_id int PRIMARY KEY, country text');
    for (let id = 0; id < 50; id++) {
      await (client as Client).execute(
        `INSERT INTO ${users} (user_id, country) VALUES (?, ?)`,
        [id, `c${id % 7}`],
        {
          prepare: true,
        },
      );
    }
    const out = await createTable('enriched', 'click int PRIMARY KEY, user_id int, country text');
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.enableCheckpointing(50);
    const clicks = env.fromSequence(0, 999).map((n) => ({ click: n, userId: n % 60 }));
    const enriched = AsyncDataStream.orderedWait(
      clicks,
      new CassandraLookup<
        { click: number; userId: number },
        { click: number; userId: number; country: string }
      >({
        contactPoints: [NODE],
        query: `SELECT country FROM ${users} WHERE user_id = ?`,
        keyOf: (c) => [c.userId],
        // Users 50..59 have no profile: "unknown".
        join: (c, found) => [{ ...c, country: found.length === 0 ? 'unknown' : String(found[0].country) }],
        cache: { maxRows: 100 },
      }),
      10_000,
      50,
    );
    const collected = new CollectSink<{ click: number; userId: number; country: string }>();
    enriched.sinkTo(collected);
    enriched.sinkTo(
      CassandraSink.builder<{ click: number; userId: number; country: string }>()
        .setContactPoints(NODE)
        .setTable(out, (e) => ({ click: e.click, user_id: e.userId, country: e.country }))
        .build(),
    );
    await env.execute('cassandra lookup job');
    const expected = (n: number) => (n % 60 < 50 ? `c${(n % 60) % 7}` : 'unknown');
    assert.deepEqual(
      collected.values.map((e) => e.click),
      Array.from({ length: 1_000 }, (_, k) => k),
      'ordered: in input order',
    );
    for (const e of collected.values) assert.equal(e.country, expected(e.click));
    const written = await rows<{ click: number; country: string }>(`SELECT click, country FROM ${out}`);
    assert.equal(written.length, 1_000);
    for (const r of written) assert.equal(r.country, expected(r.click));
  });

  it('without a cache, queries every lookup', async (t) => {
    if (!cassandraNode(t)) return;
    const table = await createTable('nocache', 'k text, c int, v text, PRIMARY KEY (k, c)');
    for (let c = 0; c < 3; c++) {
      await (client as Client).execute(`INSERT INTO ${table} (k, c, v) VALUES ('a', ?, ?)`, [c, `v${c}`], {
        prepare: true,
      });
    }
    const lookup = new CassandraLookup<string, string>({
      contactPoints: [NODE],
      keyspace: KEYSPACE,
      query: `SELECT v FROM ${table.split('.')[1]} WHERE k = ?`,
      keyOf: (k) => [k],
      join: (_k, found) => found.map((r) => String(r.v)),
    });
    await lookup.open(runtimeContext({ now: 0 }));
    try {
      assert.deepEqual([...(await lookup.asyncInvoke('a'))], ['v0', 'v1', 'v2']);
      assert.deepEqual([...(await lookup.asyncInvoke('a'))], ['v0', 'v1', 'v2']);
      assert.deepEqual([...(await lookup.asyncInvoke('b'))], []);
      assert.equal(lookup.queries, 3);
      assert.deepEqual(lookup.cacheStatistics, { hits: 0, misses: 0, size: 0 });
    } finally {
      await lookup.close();
    }
  });

  it('fails to open on a table that does not exist, and a failed lookup names the table and the key', async (t) => {
    if (!cassandraNode(t)) return;
    const missing = new CassandraLookup<number, string>({
      contactPoints: [NODE],
      query: `SELECT v FROM ${KEYSPACE}.no_such_users WHERE id = ?`,
      keyOf: (n) => [n],
      join: () => [],
    });
    await assert.rejects(missing.open(runtimeContext({ now: 0 })), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'USER_FUNCTION_FAILED');
      assert.match(error.message, /table weir_test\.no_such_users does not exist/);
      return true;
    });
    const table = await createTable('badkey', 'id int PRIMARY KEY, v text');
    const lookup = new CassandraLookup<unknown, string>({
      contactPoints: [NODE],
      query: `SELECT v FROM ${table} WHERE id = ?`,
      keyOf: (k) => [k],
      join: () => [],
    });
    await lookup.open(runtimeContext({ now: 0 }));
    try {
      await assert.rejects(lookup.asyncInvoke('seven'), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'USER_FUNCTION_FAILED');
        assert.match(error.message, new RegExp(`cannot look up key \\["seven"\\] in ${table} at ${NODE}: `));
        return true;
      });
    } finally {
      await lookup.close();
    }
  });

  it('refuses bad options when built', () => {
    assert.throws(
      () =>
        new CassandraLookup({ contactPoints: [], query: 'SELECT * FROM t', keyOf: () => [], join: () => [] }),
      (e: unknown) => e instanceof WeirError && e.code === 'INVALID_ARGUMENT',
    );
    assert.throws(
      () =>
        new CassandraLookup({
          contactPoints: [NODE],
          query: 'DELETE FROM t',
          keyOf: () => [],
          join: () => [],
        }),
      /must be a SELECT/,
    );
    assert.throws(() => CassandraSink.builder<number>().setContactPoints(NODE).build(), /setQuery/);
    assert.throws(
      () =>
        CassandraSink.builder<number>()
          .setContactPoints(NODE)
          .setConsistencyLevel('MOST' as 'ONE'),
      /unknown Cassandra consistency "MOST"/,
    );
  });
});

/** The message of an error and of each of its causes, one per line. */
function describeChain(error: unknown): string {
  const lines: string[] = [];
  for (let e = error, depth = 0; e !== undefined && depth < 10; depth++) {
    lines.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return lines.join('\n');
}
