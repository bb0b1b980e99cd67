/**
 * Records a source skips because it cannot read them (`onError: 'skip'`) are counted as Flink's
 * `numRecordsInErrors`: in total and per source in the job result, and in the source subtasks'
 * `recordsInErrors` metric.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CsvSource, JsonLinesSource, StreamExecutionEnvironment, WatermarkStrategy } from 'weir';
import { CollectSink } from 'weir/testing';

describe('records in errors', () => {
  it('counts skipped records per source in the job result and in the source tasks metrics', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-records-in-errors-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // A directory of two files: one source, two splits, read by two subtasks.
    const csvDir = join(dir, 'csv');
    mkdirSync(csvDir);
    writeFileSync(join(csvDir, 'a.csv'), 'id,amount\n1,10\n2,x\n');
    writeFileSync(join(csvDir, 'b.csv'), 'id,amount\n3,y\n4,40\nshort\n');
    const jsonl = join(dir, 'clicks.jsonl');
    writeFileSync(jsonl, '{"id":5}\n{oops\n');

    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    const sink = new CollectSink<Record<string, unknown>>();
    const types = { id: 'number', amount: 'number' } as const;
    env
      .fromSource(new CsvSource(csvDir, { types, onError: 'skip' }), WatermarkStrategy.noWatermarks(), 'tx')
      .union(
        env.fromSource(
          new JsonLinesSource(jsonl, { onError: 'skip' }),
          WatermarkStrategy.noWatermarks(),
          'clicks',
        ),
      )
      .sinkTo(sink);
    const client = await env.executeAsync('skips');
    const result = await client.getJobExecutionResult();

    assert.equal(result.getAccumulatorResult('numRecordsInErrors'), 4);
    assert.deepEqual(
      result.getRecordsInErrors().sort((a, b) => a.source.localeCompare(b.source)),
      [
        { source: 'clicks', count: 1, policy: 'onError: skip' },
        { source: 'tx', count: 3, policy: 'onError: skip' },
      ],
    );
    assert.equal(sink.values.length, 3, 'the good records, none lost');
    const sources = client.getMetrics().filter((m) => m.recordsInErrors !== undefined);
    assert.equal(
      sources.reduce((sum, m) => sum + (m.recordsInErrors ?? 0), 0),
      4,
      JSON.stringify(client.getMetrics()),
    );
  });

  it('reports nothing for sources that fail on bad records (the default)', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromElements(1, 2).sinkTo(new CollectSink<number>());
    const result = await env.execute('clean');
    assert.deepEqual(result.getRecordsInErrors(), []);
    assert.equal(result.getAccumulatorResult('numRecordsInErrors'), undefined);
  });
});
