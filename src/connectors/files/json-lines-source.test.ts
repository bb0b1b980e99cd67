import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { drain, readAll, readerContext } from '../test-support.ts';
import { type JsonLinesReader, JsonLinesSource } from './json-lines-source.ts';

const fixtures = join(import.meta.dirname, '../../../test/fixtures/files');

interface Payment {
  user: string;
  amount: number;
}

describe('JsonLinesSource', () => {
  it('parses one JSON value per line and skips blank lines', async () => {
    const { values } = await readAll(new JsonLinesSource<Payment>(join(fixtures, 'payments.jsonl')));
    assert.deepEqual(values, [
      [
        { user: 'a', amount: 5 },
        { user: 'b', amount: 7 },
        { user: 'c', amount: 9 },
      ],
    ]);
  });

  it('fails on a bad line with DESERIALIZATION_FAILED naming file, line and reason', async () => {
    const path = join(fixtures, 'payments-bad.jsonl');
    await assert.rejects(readAll(new JsonLinesSource(path)), (e) => {
      assert.ok(isWeirError(e, 'DESERIALIZATION_FAILED'));
      assert.match(e.message, new RegExp(`^cannot parse JSON at file "${path}" line 2: .+`));
      assert.ok(e.cause instanceof SyntaxError);
      return true;
    });
  });

  it("skips and counts bad lines with onError 'skip'", async () => {
    const source = new JsonLinesSource<Payment>(join(fixtures, 'payments-bad.jsonl'), { onError: 'skip' });
    const { values, readers } = await readAll(source);
    assert.deepEqual(
      values[0].map((p) => p.user),
      ['a', 'c'],
    );
    const reader = readers[0] as JsonLinesReader<Payment>;
    assert.equal(reader.skippedRecords, 2);
    assert.deepEqual(reader.metrics, { skippedRecords: 2 });
  });

  it("does not mistake a failure downstream for a bad line, even with onError 'skip'", async () => {
    const path = join(fixtures, 'payments.jsonl');
    const reader = new JsonLinesSource(path, { onError: 'skip' }).createReader(readerContext(0, 1));
    reader.addSplits([{ splitId: path, path, offset: 0, line: 0 }]);
    reader.noMoreSplits();
    const failing = {
      collect: () => {
        throw new Error(`map failed at ${reader.currentPosition()}`);
      },
    };
    await assert.rejects(drain(reader, failing), { message: `map failed at file "${path}" line 1` });
    assert.equal(reader.skippedRecords, 0);
    await reader.close();
  });
});
