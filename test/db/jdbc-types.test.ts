/**
 * The type mapping of docs/jdbc.md, written by JdbcSink and read back with the drivers' defaults:
 * numbers, bigints, strings, booleans, Dates, bytes, null and JSON objects.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JdbcSink } from 'weir';
import {
  adminPool,
  connectionOf,
  DIALECTS,
  database,
  quoted,
  sinkContext,
  uniqueTable,
} from './databases.ts';

interface Everything {
  id: number;
  big: bigint;
  price: string;
  ok: boolean;
  at: Date;
  bytes: Uint8Array;
  note: string | null;
  doc: { tags: string[]; n: number };
}

const value: Everything = {
  id: 1,
  big: 9_007_199_254_740_993n,
  price: '12.34',
  ok: true,
  at: new Date('2026-12-03T04:05:06.789Z'),
  bytes: new Uint8Array([0, 1, 254, 255]),
  note: null,
  doc: { tags: ['a', 'b'], n: 2 },
};

for (const dialect of DIALECTS) {
  describe(`type mapping (${dialect})`, () => {
    it('writes every documented JavaScript type and reads it back', async (t) => {
      if (!(await database(t, dialect))) return;
      const admin = adminPool(t, dialect);
      const table = uniqueTable('types');
      await admin.create(
        table,
        dialect === 'postgres'
          ? 'id INT PRIMARY KEY, big BIGINT, price NUMERIC(10, 2), ok BOOLEAN, at TIMESTAMPTZ(3), bytes BYTEA, note TEXT, doc JSONB'
          : 'id INT PRIMARY KEY, big BIGINT, price DECIMAL(10, 2), ok BOOLEAN, at DATETIME(3), bytes VARBINARY(16), note TEXT, doc JSON',
      );
      const sink = new JdbcSink({
        connection: connectionOf(dialect),
        table,
        columns: ['id', 'big', 'price', 'ok', 'at', 'bytes', 'note', 'doc'],
        row: (e: Everything) => e,
      });
      await sink.open(sinkContext());
      sink.invoke(value);
      await sink.finish();
      await sink.close();
      const [row] = await admin.rows<Record<string, unknown>>(`SELECT * FROM ${quoted(dialect, table)}`);
      assert.equal(String(row.big), '9007199254740993', 'a bigint beyond 2^53 stays exact (as a string)');
      assert.equal(String(row.price), '12.34');
      assert.equal(Boolean(row.ok), true);
      assert.ok(row.at instanceof Date);
      assert.equal(row.at.toISOString(), '2026-12-03T04:05:06.789Z');
      assert.ok(Buffer.isBuffer(row.bytes));
      assert.deepEqual([...row.bytes], [0, 1, 254, 255]);
      assert.equal(row.note, null);
      const doc = typeof row.doc === 'string' ? JSON.parse(row.doc) : row.doc;
      assert.deepEqual(doc, { tags: ['a', 'b'], n: 2 });
    });
  });
}
