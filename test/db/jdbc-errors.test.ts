/**
 * Bad input for the relational sinks: an unreachable database, wrong credentials, a constraint
 * violation, a type mismatch, a statement timeout, a row mapping that throws. Each fails with a
 * WeirError that names the database, the table or statement, the record where there is one, and
 * the reason, never the password; only transient failures are retried.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import {
  type JdbcConnectionOptions,
  type JdbcDialectName,
  JdbcExactlyOnceSink,
  JdbcSink,
  WeirError,
} from 'weir';
import {
  adminPool,
  connectionOf,
  DIALECTS,
  database,
  lockTable,
  sinkContext,
  uniqueTable,
} from './databases.ts';

const PASSWORD = 'pw-never-shown-7431';

interface Payment {
  id: number | string;
  amount: number | string;
}

function sinkFor(
  connection: JdbcConnectionOptions,
  table: string,
  extra: { statementTimeoutMs?: number } = {},
) {
  return new JdbcSink({
    connection: { ...connection, ...extra },
    table,
    columns: ['id', 'amount'],
    row: (p: Payment) => ({ id: p.id, amount: p.amount }),
    flushIntervalMs: 0,
    retry: { maxRetries: 2, initialBackoffMs: 5 },
  });
}

/** The error `promise` rejects with, checked to be a SINK_FAILED WeirError without the password. */
async function failure(promise: Promise<unknown>): Promise<WeirError> {
  const error = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WeirError, `a WeirError, got ${String(error)}`);
  assert.equal(error.code, 'SINK_FAILED');
  assert.ok(!error.describe().includes(PASSWORD), `the password leaked: ${error.describe()}`);
  return error;
}

async function paymentsTable(t: TestContext, dialect: JdbcDialectName) {
  const admin = adminPool(t, dialect);
  const table = uniqueTable('payments');
  await admin.create(table, 'id INT PRIMARY KEY, amount INT NOT NULL');
  return { admin, table };
}

for (const dialect of DIALECTS) {
  describe(`relational sink errors (${dialect})`, () => {
    it('an unreachable database: retried, then a failure naming the address and the table', async (t) => {
      if (!(await database(t, dialect))) return;
      const sink = sinkFor(connectionOf(dialect, { port: 1, password: PASSWORD }), 'payments');
      const error = await failure(sink.open(sinkContext()));
      await sink.close();
      assert.match(error.message, /cannot open the sink to table "payments" in \w+ 127\.0\.0\.1:1\/test/);
      assert.match(error.message, /connection refused/);
      assert.match(error.message, /after 3 attempts/, 'a refused connection is transient: retried twice');
    });

    it('wrong credentials: a failure naming the user and the database, not retried, without the password', async (t) => {
      if (!(await database(t, dialect))) return;
      const { table } = await paymentsTable(t, dialect);
      // PostgreSQL here trusts local connections: an unknown role is what it refuses.
      const user = dialect === 'postgres' ? 'weir_no_such_role' : 'root';
      const sink = sinkFor(connectionOf(dialect, { user, password: PASSWORD }), table);
      const error = await failure(sink.open(sinkContext()));
      await sink.close();
      assert.match(
        error.message,
        new RegExp(`cannot open the sink to table "${table}" in ${dialect} 127\\.0\\.0\\.1:\\d+/test`),
      );
      assert.match(
        error.message,
        dialect === 'postgres' ? /role "weir_no_such_role" does not exist/ : /Access denied for user 'root'/,
      );
      assert.doesNotMatch(error.message, /attempts/, 'not retried');
    });

    it('a constraint violation: the failing record is named, nothing of its batch is written, not retried', async (t) => {
      if (!(await database(t, dialect))) return;
      const { admin, table } = await paymentsTable(t, dialect);
      const sink = sinkFor(connectionOf(dialect, { password: undefined }), table);
      await sink.open(sinkContext());
      sink.invoke({ id: 1, amount: 10 });
      sink.invoke({ id: 2, amount: 20 });
      sink.invoke({ id: 2, amount: 25 });
      const error = await failure(sink.finish());
      await sink.close();
      assert.match(error.message, new RegExp(`cannot write a batch of 3 rows to table "${table}"`));
      assert.match(error.message, /record \{"id":2,"amount":25\}/);
      assert.match(error.message, /[Dd]uplicate/);
      assert.match(error.message, /statement INSERT INTO/);
      assert.equal(sink.retries, 0);
      assert.equal(
        (await admin.rows(`SELECT * FROM ${table}`)).length,
        0,
        'the batch is one statement: all or nothing',
      );
    });

    it('a type mismatch: the record and the column type are named', async (t) => {
      if (!(await database(t, dialect))) return;
      const { table } = await paymentsTable(t, dialect);
      const sink = sinkFor(connectionOf(dialect), table);
      await sink.open(sinkContext());
      sink.invoke({ id: 1, amount: 10 });
      sink.invoke({ id: 2, amount: 'twelve' });
      const error = await failure(sink.finish());
      await sink.close();
      assert.match(error.message, /record \{"id":2,"amount":"twelve"\}/);
      assert.match(
        error.message,
        dialect === 'postgres'
          ? /invalid input syntax for type integer: "twelve"/
          : /Incorrect integer value: 'twelve' for column/,
      );
      assert.equal(sink.retries, 0);
    });

    it('a statement timeout: the statement and the record are named, not retried', async (t) => {
      if (!(await database(t, dialect))) return;
      const { admin, table } = await paymentsTable(t, dialect);
      const sink = sinkFor(connectionOf(dialect), table, { statementTimeoutMs: 200 });
      await sink.open(sinkContext());
      const lock = await lockTable(admin.pool, table);
      try {
        sink.invoke({ id: 1, amount: 10 });
        const error = await failure(sink.finish());
        assert.match(error.message, /statement timed out/);
        assert.match(error.message, /record \{"id":1,"amount":10\}/);
        assert.match(error.message, new RegExp(`statement INSERT INTO .${table}.`));
        assert.equal(sink.retries, 0);
      } finally {
        await lock.release();
        await sink.close();
      }
    });

    it('a row mapping that throws: the record is named', async (t) => {
      if (!(await database(t, dialect))) return;
      const { table } = await paymentsTable(t, dialect);
      const sink = new JdbcSink({
        connection: connectionOf(dialect),
        table,
        columns: ['id', 'amount'],
        row: (p: Payment) => {
          if (typeof p.amount !== 'number') throw new Error('amount is not a number');
          return { id: p.id, amount: p.amount };
        },
      });
      await sink.open(sinkContext());
      try {
        assert.throws(
          () => sink.invoke({ id: 3, amount: 'x' }),
          (e: unknown) =>
            e instanceof WeirError &&
            e.message ===
              `the row mapping of the sink to table "${table}" failed on record {"id":3,"amount":"x"}: amount is not a number`,
        );
      } finally {
        await sink.close();
      }
    });

    it('an exactly-once sink on an unreachable database fails to open, naming it', async (t) => {
      if (!(await database(t, dialect))) return;
      const sink = new JdbcExactlyOnceSink({
        connection: connectionOf(dialect, { port: 1, password: PASSWORD }),
        table: 'payments',
        columns: ['id'],
        row: (p: Payment) => ({ id: p.id }),
        retry: { maxRetries: 1, initialBackoffMs: 5 },
      });
      const error = await failure(sink.open(sinkContext()));
      await sink.close();
      assert.match(
        error.message,
        /cannot open the sink to table "payments" in \w+ 127\.0\.0\.1:1\/test: connection refused/,
      );
    });
  });
}
