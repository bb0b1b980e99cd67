import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { taskFailureOf } from '../../core/task-failure.ts';
import { drain, ListOutput, readAll, readerContext, take } from '../test-support.ts';
import type { CsvReader } from './csv-reader.ts';
import { CsvSource } from './csv-source.ts';
import type { FileSplit } from './file-split.ts';

const fixtures = join(import.meta.dirname, '../../../test/fixtures/files');
const txTypes = { id: 'number', amount: 'number', flagged: 'boolean' } as const;

describe('CsvSource', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weir-csv-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function csvFile(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  it('reads rows as objects keyed by the header, with types, quotes and \\r\\n', async () => {
    const { values } = await readAll(new CsvSource(join(fixtures, 'tx.csv'), { types: txTypes }));
    assert.deepEqual(values, [
      [
        { id: 1, user: 'Smith, Jo', amount: 12.5, flagged: false },
        { id: 2, user: 'say "hi"', amount: null, flagged: true },
        { id: 3, user: 'plain', amount: -300, flagged: true },
      ],
    ]);
  });

  it('keeps every field a string without types', async () => {
    const { values } = await readAll(new CsvSource(join(fixtures, 'tx.csv')));
    assert.deepEqual(values[0][0], { id: '1', user: 'Smith, Jo', amount: '12.50', flagged: 'false' });
  });

  it('fails on a row with the wrong number of fields, naming file and line', async () => {
    const path = join(fixtures, 'tx-bad.csv');
    await assert.rejects(readAll(new CsvSource(path, { types: { amount: 'number' } })), {
      code: 'DESERIALIZATION_FAILED',
      message: `cannot parse CSV at file "${path}" line 3: expected 3 fields, found 4`,
    });
  });

  it('fails on a number that does not parse, naming file, line and column', async () => {
    const path = await csvFile('bad-number.csv', 'id,amount\n1,10\n2,12.5.1\n');
    await assert.rejects(readAll(new CsvSource(path, { types: { amount: 'number' } })), {
      code: 'DESERIALIZATION_FAILED',
      message: `cannot parse CSV at file "${path}" line 3 column "amount": expected a number, found "12.5.1"`,
    });
    // The row and its position also travel as data (the REST API's exception history shows them).
    await assert.rejects(readAll(new CsvSource(path, { types: { amount: 'number' } })), (error) => {
      assert.deepEqual(taskFailureOf(error), { record: '2,12.5.1', position: `file "${path}" line 3` });
      return true;
    });
  });

  it('fails on a bad boolean and on a broken quote', async () => {
    const bool = await csvFile('bad-bool.csv', 'ok\nyes\n');
    await assert.rejects(readAll(new CsvSource(bool, { types: { ok: 'boolean' } })), {
      message: `cannot parse CSV at file "${bool}" line 2 column "ok": expected true or false, found "yes"`,
    });
    const quote = await csvFile('bad-quote.csv', 'a,b\n1,"multi\nline"\n');
    await assert.rejects(readAll(new CsvSource(quote)), {
      message: `cannot parse CSV at file "${quote}" line 2 column "b": unterminated quoted field (a quoted field cannot span lines)`,
    });
  });

  it("skips and counts bad rows with onError 'skip'", async () => {
    const source = new CsvSource<{ id: string; amount: number }>(join(fixtures, 'tx-bad.csv'), {
      types: { amount: 'number' },
      onError: 'skip',
    });
    const { values, readers } = await readAll(source);
    assert.deepEqual(
      values[0].map((r) => [r.id, r.amount]),
      [
        ['1', 10],
        ['4', 4],
      ],
    );
    assert.equal((readers[0] as CsvReader<unknown>).skippedRecords, 2);
  });

  it('reads files without a header using the columns option, and other delimiters', async () => {
    const path = await csvFile('no-header.csv', 'a;1\n\nb;2');
    const source = new CsvSource(path, {
      header: false,
      columns: ['name', 'n'],
      delimiter: ';',
      types: { n: 'number' },
    });
    assert.deepEqual((await readAll(source)).values, [
      [
        { name: 'a', n: 1 },
        { name: 'b', n: 2 },
      ],
    ]);
  });

  it('lets the columns option rename the header, which is then skipped', async () => {
    const source = new CsvSource(join(fixtures, 'tx-bad.csv'), { columns: ['x', 'y', 'z'], onError: 'skip' });
    assert.deepEqual((await readAll(source)).values[0][0], { x: '1', y: 'a', z: '10' });
  });

  it('builds records with parse instead, and turns its errors into DESERIALIZATION_FAILED', async () => {
    const path = await csvFile('parse.csv', 'p,q\n3,4\n-,5\n');
    const parse = (fields: string[], header: readonly string[]) => {
      if (fields[0] === '-') throw new Error('no dash please');
      return { [header[0]]: Number(fields[0]) * Number(fields[1]) };
    };
    await assert.rejects(readAll(new CsvSource(path, { parse })), {
      code: 'DESERIALIZATION_FAILED',
      message: `cannot parse CSV at file "${path}" line 3: no dash please`,
    });
    const { values } = await readAll(new CsvSource(path, { parse, onError: 'skip' }));
    assert.deepEqual(values, [[{ p: 12 }]]);
  });

  it('rejects contradictory options and types naming unknown columns', async () => {
    for (const make of [
      () => new CsvSource('x.csv', { header: false }),
      () => new CsvSource('x.csv', { delimiter: '"' }),
      () => new CsvSource('x.csv', { delimiter: '' }),
      () => new CsvSource('x.csv', { types: {}, parse: (f) => f }),
      () => new CsvSource('x.csv', { columns: ['a', 'a'] }),
      () => new CsvSource('x.csv', { columns: ['a'], types: { b: 'number' } }),
    ]) {
      assert.throws(make, (e) => isWeirError(e, 'INVALID_ARGUMENT'));
    }
    const path = join(fixtures, 'tx.csv');
    await assert.rejects(readAll(new CsvSource(path, { types: { amout: 'number' } })), {
      code: 'INVALID_ARGUMENT',
      message: `CSV types name column "amout", which is not in the header of file "${path}" (id, user, amount, flagged)`,
    });
  });

  it('keeps the header in the snapshot, so a restored split knows its columns', async () => {
    const source = new CsvSource(join(fixtures, 'tx.csv'), { types: txTypes });
    const [split] = await source.createSplits(1);
    const reader = source.createReader(readerContext(0, 1));
    reader.addSplits([split]);
    const out = new ListOutput<Record<string, unknown>>();
    await take(reader, out, 1);
    const state = reader.snapshotState(1) as FileSplit[];
    await reader.close();
    assert.deepEqual(state[0].header, ['id', 'user', 'amount', 'flagged']);
    assert.equal(state[0].line, 2);

    const restored = source.createReader(readerContext(0, 1));
    restored.addSplits(state);
    restored.noMoreSplits();
    await drain(restored, out);
    assert.deepEqual(
      out.values.map((r) => r.id),
      [1, 2, 3],
    );
  });
});
