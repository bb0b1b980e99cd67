/**
 * JdbcExactlyOnceSink against real servers: PostgreSQL prepared transactions and MariaDB XA. Rows
 * become visible when the checkpoint that covers them completes; a restore commits what its
 * checkpoint pre-committed and rolls back every other prepared transaction of the sink; a
 * connection killed during a pre-commit repeats the transaction, once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type JdbcDialectName, JdbcExactlyOnceSink } from 'weir';
import {
  adminPool,
  connectionOf,
  DIALECTS,
  database,
  INVOKE,
  killSessionRunning,
  lockTable,
  preparedGids,
  quoted,
  rollBackPrepared,
  sinkContext,
  uniqueTable,
} from './databases.ts';

interface Count {
  word: string;
  n: number;
}

function sinkFor(
  dialect: JdbcDialectName,
  table: string,
  sinkId: string,
  mode: 'append' | 'upsert' = 'append',
) {
  return new JdbcExactlyOnceSink({
    connection: connectionOf(dialect),
    table,
    columns: ['word', 'n'],
    row: (c: Count) => ({ word: c.word, n: c.n }),
    mode,
    keyColumns: mode === 'upsert' ? ['word'] : undefined,
    sinkId,
    retry: { maxRetries: 5, initialBackoffMs: 20 },
  });
}

async function setUp(t: import('node:test').TestContext, dialect: JdbcDialectName, primaryKey = false) {
  const admin = adminPool(t, dialect);
  const table = uniqueTable('eo');
  const sinkId = `t${Math.floor(Math.random() * 1e9).toString(36)}`;
  await admin.create(table, `word VARCHAR(20) NOT NULL${primaryKey ? ' PRIMARY KEY' : ''}, n INT NOT NULL`);
  // A failed test must not leave prepared transactions holding locks on its table.
  admin.cleanUp((pool) => rollBackPrepared(pool, `weir.${sinkId}.`));
  const rows = async () =>
    (await admin.rows<Count>(`SELECT word, n FROM ${quoted(dialect, table)} ORDER BY word, n`)).map(
      (r) => `${r.word}=${Number(r.n)}`,
    );
  const prepared = () => preparedGids(admin.pool, `weir.${sinkId}.`);
  return { admin, table, sinkId, rows, prepared };
}

for (const dialect of DIALECTS) {
  describe(`JdbcExactlyOnceSink (${dialect})`, () => {
    it('rows become visible only when the checkpoint that covers them completes', async (t) => {
      if (!(await database(t, dialect))) return;
      const { table, sinkId, rows, prepared } = await setUp(t, dialect);
      const sink = sinkFor(dialect, table, sinkId);
      await sink.open(sinkContext());
      try {
        sink.invoke({ word: 'a', n: 1 }, INVOKE);
        sink.invoke({ word: 'b', n: 1 }, INVOKE);
        sink.snapshotState(1);
        await sink.snapshotStateAsync(1);
        assert.deepEqual(await rows(), [], 'pre-committed: durable, not visible');
        assert.equal((await prepared()).length, 1, 'one prepared transaction for checkpoint 1');
        sink.invoke({ word: 'c', n: 1 }, INVOKE);
        await sink.notifyCheckpointComplete(1);
        assert.deepEqual(await rows(), ['a=1', 'b=1']);
        assert.deepEqual(await prepared(), []);
        // A checkpoint without records prepares nothing.
        sink.snapshotState(2);
        await sink.snapshotStateAsync(2);
        sink.snapshotState(3);
        assert.equal(sink.snapshotStateAsync(3), undefined, 'nothing to write');
        await sink.notifyCheckpointComplete(3);
        assert.deepEqual(await rows(), ['a=1', 'b=1', 'c=1']);
      } finally {
        await sink.close();
      }
      assert.deepEqual(await prepared(), [], 'nothing left prepared');
    });

    it('a restore commits what its checkpoint pre-committed and rolls back later prepared transactions', async (t) => {
      if (!(await database(t, dialect))) return;
      const { table, sinkId, rows, prepared } = await setUp(t, dialect);
      const first = sinkFor(dialect, table, sinkId);
      await first.open(sinkContext(0, 1, 'job1-0'));
      first.invoke({ word: 'a', n: 1 }, INVOKE);
      const state1 = first.snapshotState(1);
      await first.snapshotStateAsync(1);
      // Checkpoint 1 completes, but the notification never arrives (the process dies first).
      first.invoke({ word: 'b', n: 1 }, INVOKE);
      first.snapshotState(2);
      await first.snapshotStateAsync(2);
      // Checkpoint 2 never completes. The process dies: its sessions end, the prepared transactions stay.
      await first.close();
      assert.equal((await prepared()).length, 2);
      assert.deepEqual(await rows(), []);

      const second = sinkFor(dialect, table, sinkId);
      await second.initializeState(structuredClone(state1), sinkContext(0, 1, 'job2-0'));
      await second.open(sinkContext(0, 1, 'job2-0'));
      try {
        assert.deepEqual(await rows(), ['a=1'], 'checkpoint 1 committed by the restore');
        assert.deepEqual(
          await prepared(),
          [],
          "checkpoint 2's transaction rolled back (no checkpoint covers it)",
        );
        // The records after checkpoint 1 are replayed.
        second.invoke({ word: 'b', n: 1 }, INVOKE);
        second.snapshotState(2);
        await second.snapshotStateAsync(2);
        await second.notifyCheckpointComplete(2);
        assert.deepEqual(await rows(), ['a=1', 'b=1'], 'each record once');
      } finally {
        await second.close();
      }

      // A second failure, restored from checkpoint 1 again: committing it again changes nothing.
      const third = sinkFor(dialect, table, sinkId);
      await third.initializeState(structuredClone(state1), sinkContext(0, 1, 'job3-0'));
      await third.open(sinkContext(0, 1, 'job3-0'));
      await third.close();
      assert.deepEqual(await rows(), ['a=1', 'b=1']);
    });

    it('a start without a restore rolls back the prepared transactions of earlier attempts', async (t) => {
      if (!(await database(t, dialect))) return;
      const { table, sinkId, rows, prepared } = await setUp(t, dialect);
      // Two subtasks prepare, then the job fails before any checkpoint completes.
      for (const subtask of [0, 1]) {
        const sink = sinkFor(dialect, table, sinkId);
        await sink.open(sinkContext(subtask, 2, 'job1-0'));
        sink.invoke({ word: `w${subtask}`, n: 1 }, INVOKE);
        sink.snapshotState(1);
        await sink.snapshotStateAsync(1);
        await sink.close();
      }
      assert.equal((await prepared()).length, 2);
      // Restarted at parallelism 1, with nothing to restore: its only subtask sweeps both.
      const restarted = sinkFor(dialect, table, sinkId);
      await restarted.open(sinkContext(0, 1, 'job1-1'));
      await restarted.close();
      assert.deepEqual(await prepared(), []);
      assert.deepEqual(await rows(), []);
    });

    it('upserts in consecutive checkpoints: a key updated again waits for the previous commit, not forever', async (t) => {
      if (!(await database(t, dialect))) return;
      const { table, sinkId, rows } = await setUp(t, dialect, true);
      const sink = sinkFor(dialect, table, sinkId, 'upsert');
      await sink.open(sinkContext());
      try {
        sink.invoke({ word: 'a', n: 1 }, INVOKE);
        sink.snapshotState(1);
        await sink.snapshotStateAsync(1);
        sink.invoke({ word: 'a', n: 2 }, INVOKE);
        sink.invoke({ word: 'a', n: 3 }, INVOKE);
        sink.snapshotState(2);
        // Checkpoint 2's pre-commit waits for the row lock checkpoint 1's prepared transaction holds.
        const preCommit2 = sink.snapshotStateAsync(2);
        await sink.notifyCheckpointComplete(1);
        await preCommit2;
        assert.deepEqual(await rows(), ['a=1']);
        await sink.notifyCheckpointComplete(2);
        assert.deepEqual(await rows(), ['a=3']);
      } finally {
        await sink.close();
      }
    });

    it('a connection killed during a pre-commit repeats the whole transaction, once', async (t) => {
      if (!(await database(t, dialect))) return;
      const { admin, table, sinkId, rows, prepared } = await setUp(t, dialect);
      const sink = sinkFor(dialect, table, sinkId);
      await sink.open(sinkContext());
      const lock = await lockTable(admin.pool, table);
      try {
        for (let i = 0; i < 5; i++) sink.invoke({ word: `w${i}`, n: i }, INVOKE);
        sink.snapshotState(1);
        const preCommit = sink.snapshotStateAsync(1);
        assert.equal(await killSessionRunning(admin.pool, table), 1);
        await lock.release();
        await preCommit;
        assert.ok(sink.retries >= 1, `retried ${sink.retries} times`);
        assert.equal((await prepared()).length, 1);
        await sink.notifyCheckpointComplete(1);
        assert.deepEqual(await rows(), ['w0=0', 'w1=1', 'w2=2', 'w3=3', 'w4=4']);
      } finally {
        await lock.release();
        await sink.close();
      }
    });

    it('without checkpointing, what was written is committed at the end of the input', async (t) => {
      if (!(await database(t, dialect))) return;
      const { table, sinkId, rows, prepared } = await setUp(t, dialect);
      const sink = sinkFor(dialect, table, sinkId);
      await sink.open(sinkContext(0, 1, 'job1-0', false));
      sink.invoke({ word: 'a', n: 1 }, INVOKE);
      await sink.finish();
      await sink.close();
      assert.deepEqual(await rows(), ['a=1']);
      assert.deepEqual(await prepared(), []);
    });
  });
}
