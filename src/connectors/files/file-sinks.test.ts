import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import type { InvokeContext, Sink, SinkContext } from '../../core/sink.ts';
import { readAll } from '../test-support.ts';
import { JsonLinesFileSink } from './json-lines-file-sink.ts';
import { JsonLinesSource } from './json-lines-source.ts';
import { TextFileSink } from './text-file-sink.ts';

const invokeContext: InvokeContext = { timestamp: undefined, currentWatermark: Number.NEGATIVE_INFINITY };

function sinkContext(subtaskIndex: number, parallelism: number): SinkContext {
  return {
    subtaskIndex,
    parallelism,
    operatorName: 'test-sink',
    now: Date.now,
    addAccumulator: () => {},
    checkpointing: false,
    attemptTag: 'test-0',
  };
}

/** Runs a sink the way the runtime does: open, invoke each record (awaiting returned promises), finish, close. */
async function runSink<T>(sink: Sink<T>, records: T[], subtaskIndex = 0, parallelism = 1): Promise<void> {
  await sink.open?.(sinkContext(subtaskIndex, parallelism));
  for (const record of records) await sink.invoke(record, invokeContext);
  await sink.finish?.();
  await sink.close?.();
}

describe('JsonLinesFileSink', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weir-sink-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one JSON line per record to path with parallelism 1, creating parent directories', async () => {
    const path = join(dir, 'a', 'b', 'out.jsonl');
    const records = [{ user: 'a', amount: 5 }, { user: 'ü', amount: 7.5 }, 'text', null];
    const sink = new JsonLinesFileSink(path);
    await runSink(sink, records);
    assert.equal(sink.filePath, path);
    assert.equal(
      await readFile(path, 'utf8'),
      '{"user":"a","amount":5}\n{"user":"ü","amount":7.5}\n"text"\nnull\n',
    );
    assert.deepEqual((await readAll(new JsonLinesSource(path))).values, [records]);
  });

  it('writes part-<subtask>.jsonl files in path with parallelism > 1', async () => {
    const path = join(dir, 'parts');
    await Promise.all([
      runSink(new JsonLinesFileSink(path), [{ n: 0 }, { n: 2 }], 0, 2),
      runSink(new JsonLinesFileSink(path), [{ n: 1 }], 1, 2),
    ]);
    assert.deepEqual(await readdir(path), ['part-0.jsonl', 'part-1.jsonl']);
    assert.equal(await readFile(join(path, 'part-0.jsonl'), 'utf8'), '{"n":0}\n{"n":2}\n');
    assert.equal(await readFile(join(path, 'part-1.jsonl'), 'utf8'), '{"n":1}\n');
  });

  it('treats a path ending with / as a directory even with parallelism 1', async () => {
    const sink = new JsonLinesFileSink(`${join(dir, 'single')}/`);
    await runSink(sink, [1]);
    assert.equal(sink.filePath, join(dir, 'single', 'part-0.jsonl'));
    assert.equal(await readFile(sink.filePath, 'utf8'), '1\n');
  });

  it('buffers lines and writes only when the buffer is full, then at finish', async () => {
    const path = join(dir, 'buffered.jsonl');
    const sink = new JsonLinesFileSink<number>(path, { bufferSize: 10 });
    await sink.open(sinkContext(0, 1));
    const results = [1000, 2000, 3000, 4000].map((n) => sink.invoke(n, invokeContext));
    assert.deepEqual(
      results.map((r) => r instanceof Promise),
      [false, true, false, true],
    );
    await Promise.all(results);
    assert.equal(await readFile(path, 'utf8'), '1000\n2000\n3000\n4000\n');
    sink.invoke(5, invokeContext);
    assert.equal(await readFile(path, 'utf8'), '1000\n2000\n3000\n4000\n');
    await sink.finish();
    await sink.close();
    assert.equal(await readFile(path, 'utf8'), '1000\n2000\n3000\n4000\n5\n');
  });

  it('truncates an existing file when it opens', async () => {
    const path = join(dir, 'old.jsonl');
    await writeFile(path, 'left over from an earlier run, longer than the new content\n');
    await runSink(new JsonLinesFileSink(path), [{ fresh: true }]);
    assert.equal(await readFile(path, 'utf8'), '{"fresh":true}\n');
  });

  it('fails with SINK_FAILED for a record JSON cannot represent', async () => {
    const path = join(dir, 'bad.jsonl');
    const sink = new JsonLinesFileSink<unknown>(path);
    await sink.open(sinkContext(0, 1));
    assert.throws(
      () => sink.invoke({ id: 1n }, invokeContext),
      (e) => isWeirError(e, 'SINK_FAILED'),
    );
    assert.throws(
      () => sink.invoke(undefined, invokeContext),
      (e) => isWeirError(e, 'SINK_FAILED') && e.message.includes('has no JSON form'),
    );
    await sink.close();
  });

  it('fails with IO_ERROR when the file cannot be created', async () => {
    const blocker = join(dir, 'blocker');
    await writeFile(blocker, 'a file, not a directory');
    await assert.rejects(
      Promise.resolve(new JsonLinesFileSink(join(blocker, 'out.jsonl')).open(sinkContext(0, 1))),
      (e) => isWeirError(e, 'IO_ERROR') && e.message.startsWith('cannot open file'),
    );
  });
});

describe('TextFileSink', () => {
  it('writes one line per record, formatted with String or the format option', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-text-sink-'));
    try {
      await runSink(new TextFileSink(join(dir, 'words.txt')), ['a', 1, true]);
      assert.equal(await readFile(join(dir, 'words.txt'), 'utf8'), 'a\n1\ntrue\n');
      const counts = join(dir, 'counts');
      await runSink(
        new TextFileSink<{ w: string; n: number }>(counts, { format: (c) => `${c.w}\t${c.n}` }),
        [{ w: 'x', n: 2 }],
        1,
        3,
      );
      assert.equal(await readFile(join(counts, 'part-1.txt'), 'utf8'), 'x\t2\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
