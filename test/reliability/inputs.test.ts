/**
 * Bad input, as a user meets it through `weir run`:
 * - records skipped with `onError: 'skip'` are counted, per source, in the job result and in a line
 *   `weir run` prints at the end (before: counted nowhere, the run looked clean);
 * - `-p 1e1` is refused as a usage error (before: taken as 10);
 * - a file truncated while it is read fails the job with IO_ERROR and exit 1 (before: exit 0 with
 *   the lines read up to the truncation, a quarter of the file).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { lineMatching, Workspace } from './support.ts';

/** A CSV and a JSON lines source, both skipping bad records; the job prints its result's counts. */
const SKIPPING_JOB = `
import { CsvSource, JsonLinesSource, StreamExecutionEnvironment, WatermarkStrategy } from 'weir';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
const csv = env.fromSource(
  new CsvSource(process.env.CSV, { types: { id: 'number', amount: 'number' }, onError: 'skip' }),
  WatermarkStrategy.noWatermarks(), 'csv');
const jsonl = env.fromSource(new JsonLinesSource(process.env.JSONL, { onError: 'skip' }),
  WatermarkStrategy.noWatermarks(), 'clicks');
csv.union(jsonl).map((r) => 'record ' + JSON.stringify(r)).print();
const result = await env.execute('skipping');
console.log('total ' + result.getAccumulatorResult('numRecordsInErrors'));
console.log('by source ' + JSON.stringify(result.getRecordsInErrors()));
`;

/** Every line of the file goes through a map that truncates the file at line 100. */
const TRUNCATING_JOB = `
import { truncateSync } from 'node:fs';
import { StreamExecutionEnvironment } from 'weir';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
let seen = 0;
env.readTextFile(process.env.INPUT)
  .map((line) => { if (++seen === 100) truncateSync(process.env.INPUT, 1_000); return line; })
  .filter(() => false)
  .print();
await env.execute('truncated-while-read');
`;

const DEADLINE = 120_000;

describe('reliability: bad input', () => {
  for (const parallelism of ['1', '2']) {
    it(`counts skipped records per source, in the job result and at the end of weir run (-p ${parallelism})`, {
      timeout: DEADLINE,
    }, async (t) => {
      const ws = new Workspace('skips');
      t.after(() => ws.dispose());
      const csv = ws.path('tx.csv');
      writeFileSync(csv, 'id,amount\n1,10\n2,x\n3,30\nbad\n4,40\n5,"y"\n6,60\n7,70\n');
      const jsonl = ws.path('clicks.jsonl');
      writeFileSync(jsonl, '{"id":100}\n{not json\n{"id":101}\n');
      const job = ws.job('skipping.ts', SKIPPING_JOB);

      const { code, stdout, stderr } = await ws.run(['run', job, '-p', parallelism], {
        CSV: csv,
        JSONL: jsonl,
      });

      assert.equal(code, 0, stderr);
      const lines = stderr.split('\n').filter((l) => l.startsWith('weir: skipped'));
      assert.deepEqual(lines.sort(), [
        'weir: skipped 1 bad record in source "clicks" (onError: skip)',
        'weir: skipped 3 bad records in source "csv" (onError: skip)',
      ]);
      assert.equal(lineMatching(stdout, /^total /), 'total 4');
      const bySource = JSON.parse(lineMatching(stdout, /^by source /)!.slice('by source '.length));
      assert.deepEqual(
        bySource.sort((a: { source: string }, b: { source: string }) => a.source.localeCompare(b.source)),
        [
          { source: 'clicks', count: 1, policy: 'onError: skip' },
          { source: 'csv', count: 3, policy: 'onError: skip' },
        ],
      );
      // Nothing else was lost: every good record came through.
      const records = stdout
        .split('\n')
        .filter((l) => l.includes('record '))
        .map((l) => JSON.parse(l.slice(l.indexOf('record ') + 'record '.length)).id)
        .sort((a: number, b: number) => a - b);
      assert.deepEqual(records, [1, 3, 4, 6, 7, 100, 101]);
      ws.assertNothingLeftInTmp();
    });
  }

  it('prints no skip line when nothing was skipped', { timeout: DEADLINE }, async (t) => {
    const ws = new Workspace('no-skips');
    t.after(() => ws.dispose());
    const csv = ws.path('tx.csv');
    writeFileSync(csv, 'id,amount\n1,10\n');
    const jsonl = ws.path('clicks.jsonl');
    writeFileSync(jsonl, '{"id":100}\n');
    const { code, stdout, stderr } = await ws.run(['run', ws.job('skipping.ts', SKIPPING_JOB)], {
      CSV: csv,
      JSONL: jsonl,
    });
    assert.equal(code, 0, stderr);
    assert.equal(lineMatching(stderr, /skipped/), undefined);
    assert.equal(lineMatching(stdout, /^by source /), 'by source []');
  });

  it('refuses -p 1e1 as a usage error instead of running with 10', { timeout: DEADLINE }, async (t) => {
    const ws = new Workspace('p-1e1');
    t.after(() => ws.dispose());
    const job = ws.job('job.ts', TRUNCATING_JOB);
    const { code, stdout, stderr } = await ws.run(['run', job, '-p', '1e1'], { INPUT: ws.path('none') });
    assert.equal(code, 1);
    assert.match(stderr, /CLI_USAGE: --parallelism must be a positive integer, got "1e1"/);
    assert.doesNotMatch(stderr, /running in process/, 'no job was started');
    assert.equal(stdout, '');
    ws.assertNothingLeftInTmp();
  });

  it('fails with IO_ERROR and exit 1 when the file is truncated while it is read', {
    timeout: DEADLINE,
  }, async (t) => {
    const ws = new Workspace('truncated');
    t.after(() => ws.dispose());
    const input = ws.path('big.txt');
    // 8 MB: the reader holds two 1 MB chunks at most, so most of the file is read after the truncation.
    const line = `${'x'.repeat(99)}\n`;
    writeFileSync(input, line.repeat(80_000));
    const { code, stderr } = await ws.run(['run', ws.job('job.ts', TRUNCATING_JOB)], { INPUT: input });
    assert.equal(code, 1, stderr);
    assert.match(stderr, /IO_ERROR/);
    assert.match(stderr, /shrank while it was read: it had 8000000 bytes/);
    assert.ok(stderr.includes(input), 'the message names the file');
    ws.assertNothingLeftInTmp();
  });
});
