import assert from 'node:assert/strict';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import type { ReaderOutput } from '../../core/source.ts';
import { drain, ListOutput, readAll, readerContext, take } from '../test-support.ts';
import type { FileSplit } from './file-split.ts';
import { TextLineReader, TextLineSource } from './text-line-source.ts';

const fixtures = join(import.meta.dirname, '../../../test/fixtures/files');

/** Reads one file with a tiny chunk size, so every chunk boundary case is hit. */
async function readSmallChunks(path: string, chunkSize: number, maxRecords = 3): Promise<string[]> {
  const reader = new TextLineReader(readerContext(0, 1), chunkSize);
  reader.addSplits([{ splitId: path, path, offset: 0, line: 0 }]);
  reader.noMoreSplits();
  const out = new ListOutput<string>();
  await drain(reader, out, { maxRecords });
  await reader.close();
  return out.values;
}

describe('TextLineSource', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weir-text-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('emits each line without \\n or \\r\\n, keeps empty lines and a last line without newline', async () => {
    const { values } = await readAll(new TextLineSource(join(fixtures, 'lines-crlf.txt')));
    assert.deepEqual(values, [['first', 'second', '', 'last without newline']]);
  });

  it('emits nothing for an empty file, and one empty line for a lone newline', async () => {
    assert.deepEqual((await readAll(new TextLineSource(join(fixtures, 'empty.txt')))).values, [[]]);
    const path = join(dir, 'newline.txt');
    await writeFile(path, '\n');
    assert.deepEqual((await readAll(new TextLineSource(path))).values, [['']]);
  });

  it('drops a UTF-8 byte order mark at the start of a file', async () => {
    const path = join(dir, 'bom.txt');
    await writeFile(path, '\uFEFFhello\nworld\n');
    assert.deepEqual((await readAll(new TextLineSource(path))).values, [['hello', 'world']]);
  });

  it('reads a directory recursively in name order, one split per file, skipping . and _ names', async () => {
    const logs = join(fixtures, 'logs');
    const source = new TextLineSource(logs);
    const splits = await source.createSplits(2);
    assert.deepEqual(
      splits.map((s) => s.splitId),
      [join(logs, 'a.txt'), join(logs, 'b.txt'), join(logs, 'nested', 'c.txt')],
    );
    assert.deepEqual(splits[0], {
      splitId: join(logs, 'a.txt'),
      path: join(logs, 'a.txt'),
      offset: 0,
      line: 0,
    });
    const { values } = await readAll(source, { parallelism: 2 });
    assert.deepEqual(values, [['a1', 'a2', 'n1', 'n2'], ['b1']]);
  });

  it('fails with IO_ERROR naming the path when it does not exist', async () => {
    const missing = join(dir, 'missing');
    await assert.rejects(
      Promise.resolve(new TextLineSource(missing).createSplits(1)),
      (e) => isWeirError(e, 'IO_ERROR') && e.message.startsWith(`cannot list files at "${missing}"`),
    );
  });

  it('fails pollNext with IO_ERROR when a split names a file that is gone', async () => {
    const reader = new TextLineReader(readerContext(0, 1));
    const gone = join(dir, 'gone.txt');
    reader.addSplits([{ splitId: gone, path: gone, offset: 0, line: 0 }]);
    reader.noMoreSplits();
    await assert.rejects(
      drain(reader, new ListOutput<string>()),
      (e) => isWeirError(e, 'IO_ERROR') && e.message.startsWith(`cannot read file "${gone}"`),
    );
  });

  it('fails with IO_ERROR when the file shrinks while it is read, instead of ending early', async () => {
    const path = join(dir, 'shrinks.txt');
    const lines = Array.from({ length: 1000 }, (_, i) => `line-${String(i).padStart(4, '0')}`);
    await writeFile(path, `${lines.join('\n')}\n`);
    const reader = new TextLineReader(readerContext(0, 1), 100);
    reader.addSplits([{ splitId: path, path, offset: 0, line: 0 }]);
    reader.noMoreSplits();
    const out = new ListOutput<string>();
    await take(reader, out, 5);
    // Read one chunk ahead at most: every chunk after the next is read from the truncated file.
    await truncate(path, 50);
    await assert.rejects(
      drain(reader, out),
      (e) =>
        isWeirError(e, 'IO_ERROR') &&
        e.message.includes(`cannot read file "${path}"`) &&
        /shrank while it was read: it had 10000 bytes/.test(e.message),
    );
    assert.ok(out.values.length < 1000, 'the job did not see the whole file');
    await reader.close();
  });

  it('fails with IO_ERROR when a restored position lies past the end of the file', async () => {
    const path = join(dir, 'truncated.txt');
    await writeFile(path, 'a\nb\n');
    const reader = new TextLineReader(readerContext(0, 1));
    reader.addSplits([{ splitId: path, path, offset: 500, line: 40 }]);
    reader.noMoreSplits();
    await assert.rejects(
      drain(reader, new ListOutput<string>()),
      (e) => isWeirError(e, 'IO_ERROR') && /has 4 bytes, fewer than the 500 already read/.test(e.message),
    );
    await reader.close();
  });

  it('reads lines across chunk boundaries, longer than a chunk, with multi-byte characters', async () => {
    const lines = ['short', 'a much longer line than the chunk', '', 'ünïcödé ✓ 😀', 'x'.repeat(100), 'end'];
    const path = join(dir, 'chunks.txt');
    await writeFile(path, lines.join('\r\n'));
    for (const chunkSize of [1, 2, 7, 16, 1 << 20]) {
      assert.deepEqual(await readSmallChunks(path, chunkSize), lines, `chunk size ${chunkSize}`);
    }
  });

  it('snapshots byte offset and line number, and resumes from any point', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i + 1} ${'é'.repeat(i % 5)}`);
    const path = join(dir, 'resume.txt');
    await writeFile(path, lines.join('\n') + '\n');
    for (const stopAfter of [0, 1, 13, 39, 40]) {
      const first = new TextLineReader(readerContext(0, 1), 32);
      first.addSplits([{ splitId: path, path, offset: 0, line: 0 }]);
      const out = new ListOutput<string>();
      await take(first, out, stopAfter, 5);
      const state = first.snapshotState(1) as FileSplit[];
      await first.close();
      assert.equal(state.length, 1);
      assert.equal(state[0].line, stopAfter);
      assert.equal(
        state[0].offset,
        Buffer.byteLength(lines.slice(0, stopAfter).join('\n')) + (stopAfter > 0 ? 1 : 0),
      );

      const second = new TextLineReader(readerContext(0, 1), 32);
      second.addSplits(state);
      second.noMoreSplits();
      const seen: string[] = [];
      await drain(second, { collect: (line: string) => seen.push(`${second.currentPosition()}: ${line}`) });
      out.values.push(...seen.map((s) => s.slice(s.indexOf(': ') + 2)));
      assert.deepEqual(out.values, lines, `stopped after ${stopAfter}`);
      if (stopAfter < 40) assert.equal(seen[0], `file "${path}" line ${stopAfter + 1}: ${lines[stopAfter]}`);
    }
  });

  it('keeps unread splits in the snapshot as they were assigned', async () => {
    const source = new TextLineSource(join(fixtures, 'logs'));
    const splits = await source.createSplits(1);
    const reader = source.createReader(readerContext(0, 1));
    reader.addSplits(splits);
    const out = new ListOutput<string>();
    await take(reader, out, 1);
    assert.deepEqual(
      reader.snapshotState(1).map((s) => [s.splitId, s.line]),
      [
        [splits[0].path, 1],
        [splits[1].path, 0],
        [splits[2].path, 0],
      ],
    );
    await reader.close();
  });

  it("emits each file's lines through its split output, looked up once per poll and chunk, and releases finished files", async () => {
    const a = join(dir, 'split-a.txt');
    const b = join(dir, 'split-b.txt');
    await writeFile(a, 'a1\na2\na3\n');
    await writeFile(b, 'b1\nb2\n');
    const reader = new TextLineReader(readerContext(0, 1));
    reader.addSplits([
      { splitId: a, path: a, offset: 0, line: 0 },
      { splitId: b, path: b, offset: 0, line: 0 },
    ]);
    reader.noMoreSplits();
    const lines: Array<[string, string]> = [];
    const released: string[] = [];
    let lookups = 0;
    const output: ReaderOutput<string> = {
      collect: (line) => lines.push(['main', line]),
      createOutputForSplit(splitId) {
        lookups++;
        return { collect: (line) => lines.push([splitId, line]) };
      },
      releaseOutputForSplit: (splitId) => released.push(splitId),
    };
    let polls = 0;
    for (;;) {
      const status = reader.pollNext(output, 100);
      polls++;
      if (status === 'end') break;
      if (status === 'nothing-available') await reader.isAvailable();
    }
    await reader.close();
    assert.deepEqual(lines, [
      [a, 'a1'],
      [a, 'a2'],
      [a, 'a3'],
      [b, 'b1'],
      [b, 'b2'],
    ]);
    assert.deepEqual(released, [a, b]);
    assert.ok(lookups <= polls, `${lookups} look-ups in ${polls} polls`);
  });

  it('emits at most maxRecords lines per poll', async () => {
    const reader = new TextLineSource('unused').createReader(readerContext(0, 1));
    const path = join(fixtures, 'lines-crlf.txt');
    reader.addSplits([{ splitId: path, path, offset: 0, line: 0 }]);
    const out = new ListOutput<string>();
    assert.equal(reader.pollNext(out, 2), 'nothing-available'); // the file is opening
    await reader.isAvailable();
    assert.equal(reader.pollNext(out, 2), 'more');
    assert.deepEqual(out.values, ['first', 'second']);
    await reader.close();
  });
});
