/**
 * JdbcSink against real PostgreSQL and MariaDB servers (scripts/databases.sh ensure): batching by
 * size and by interval, append and upsert, writes finished before a checkpoint is acknowledged, and
 * retries of a connection killed mid-statement.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JdbcSink } from 'weir';
import { until } from '../faults/support.ts';
import {
  adminPool,
  connectionOf,
  DIALECTS,
  database,
  killSessionRunning,
  lockTable,
  quoted,
  sinkContext,
  uniqueTable,
} from './databases.ts';

interface Reading {
  sensor: string;
  value: number;
}

for (const dialect of DIALECTS) {
  const q = (name: string) => quoted(dialect, name);

  describe(`JdbcSink (${dialect})`, () => {
    it('append: full batches are written at once, the rest when a checkpoint is taken', async (t) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('append');
      await admin.create(table, 'sensor VARCHAR(20) NOT NULL, value INT NOT NULL');
      const count = async () =>
        Number((await admin.rows<{ n: number }>(`SELECT COUNT(*) AS n FROM ${q(table)}`))[0].n);
      const sink = new JdbcSink({
        connection: connectionOf(dialect),
        table,
        columns: ['sensor', 'value'],
        row: (r: Reading) => ({ sensor: r.sensor, value: r.value }),
        batchSize: 3,
        flushIntervalMs: 0,
      });
      await sink.open(sinkContext());
      try {
        for (let i = 0; i < 7; i++) sink.invoke({ sensor: `s${i % 2}`, value: i });
        await until(async () => (await count()) === 6, 20_000, 'two full batches');
        assert.equal(
          sink.buffered,
          1,
          'the seventh record waits for a full batch, the interval or a checkpoint',
        );
        assert.deepEqual(sink.snapshotState(1), []);
        await sink.snapshotStateAsync(1);
        assert.equal(
          await count(),
          7,
          'a checkpoint is acknowledged only after everything before it is written',
        );
        const rows = await admin.rows<{ value: number }>(`SELECT value FROM ${q(table)} ORDER BY value`);
        assert.deepEqual(
          rows.map((r) => Number(r.value)),
          [0, 1, 2, 3, 4, 5, 6],
        );
      } finally {
        await sink.close();
      }
    });

    it('writes what is buffered when the flush interval passes', async (t) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('interval');
      await admin.create(table, 'sensor VARCHAR(20) NOT NULL, value INT NOT NULL');
      const sink = new JdbcSink({
        connection: connectionOf(dialect),
        table,
        columns: ['sensor', 'value'],
        row: (r: Reading) => r,
        batchSize: 1000,
        flushIntervalMs: 50,
      });
      await sink.open(sinkContext(0, 1, 'test0000-0', false));
      try {
        sink.invoke({ sensor: 'a', value: 1 });
        sink.invoke({ sensor: 'b', value: 2 });
        await until(
          async () => (await admin.rows(`SELECT * FROM ${q(table)}`)).length === 2,
          20_000,
          'the interval flush',
        );
        assert.equal(sink.buffered, 0);
      } finally {
        await sink.close();
      }
    });

    it('upsert: the last record of a key wins, and replaying records after a restore changes nothing', async (t) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('upsert');
      await admin.create(table, 'sensor VARCHAR(20) PRIMARY KEY, value INT NOT NULL');
      const options = {
        connection: connectionOf(dialect),
        table,
        columns: ['sensor', 'value'] as const,
        row: (r: Reading) => r,
        mode: 'upsert' as const,
        keyColumns: ['sensor'] as const,
        flushIntervalMs: 0,
      };
      const snapshot = async () =>
        (
          await admin.rows<{ sensor: string; value: number }>(
            `SELECT sensor, value FROM ${q(table)} ORDER BY sensor`,
          )
        ).map((r) => `${r.sensor}=${Number(r.value)}`);
      const input: Reading[] = [
        { sensor: 'a', value: 1 },
        { sensor: 'b', value: 2 },
        { sensor: 'a', value: 3 },
      ];
      const first = new JdbcSink(options);
      await first.open(sinkContext());
      for (const r of input) first.invoke(r);
      first.snapshotState(1);
      await first.snapshotStateAsync(1);
      await first.close();
      assert.deepEqual(await snapshot(), ['a=3', 'b=2'], 'one statement, a key twice: the later row wins');

      // A failure after checkpoint 1: the records since are replayed into a new sink.
      const second = new JdbcSink(options);
      await second.open(sinkContext(0, 1, 'test0000-1'));
      for (const r of [...input, { sensor: 'c', value: 4 }]) second.invoke(r);
      await second.finish();
      await second.close();
      assert.deepEqual(await snapshot(), ['a=3', 'b=2', 'c=4']);
    });

    it('retries a statement whose connection was killed while it ran', async (t) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('retry');
      await admin.create(table, 'sensor VARCHAR(20) NOT NULL, value INT NOT NULL');
      const sink = new JdbcSink({
        connection: connectionOf(dialect),
        table,
        columns: ['sensor', 'value'],
        row: (r: Reading) => r,
        batchSize: 2,
        flushIntervalMs: 0,
        retry: { maxRetries: 5, initialBackoffMs: 20 },
      });
      await sink.open(sinkContext());
      const lock = await lockTable(admin.pool, table);
      try {
        sink.invoke({ sensor: 'a', value: 1 });
        sink.invoke({ sensor: 'b', value: 2 });
        // The batch's INSERT waits for the lock; its session is killed there.
        assert.equal(await killSessionRunning(admin.pool, table), 1);
        await lock.release();
        sink.snapshotState(1);
        await sink.snapshotStateAsync(1);
        assert.ok(sink.retries >= 1, `retried ${sink.retries} times`);
        const rows = await admin.rows<{ sensor: string }>(`SELECT sensor FROM ${q(table)} ORDER BY sensor`);
        assert.deepEqual(
          rows.map((r) => r.sensor),
          ['a', 'b'],
          'written once',
        );
      } finally {
        await lock.release();
        await sink.close();
      }
    });
  });
}
