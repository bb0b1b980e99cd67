import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import '../../index.ts';
import type { Row } from '../../core/row.ts';
import type { InvokeContext, SinkContext } from '../../core/sink.ts';
import { TableEnvironment } from '../../sql/table-environment.ts';
import { rows } from '../../sql/test-support.ts';
import { ExactlyOnceFileSink } from './exactly-once-file-sink.ts';
import { listFileSplits } from './file-split.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weir-fs-sink-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const invoke: InvokeContext = { timestamp: undefined, currentWatermark: Number.NEGATIVE_INFINITY };

function sinkContext(subtaskIndex: number, parallelism: number, attemptTag: string): SinkContext {
  return {
    subtaskIndex,
    parallelism,
    operatorName: 'Sink(table=[t])',
    now: () => 0,
    addAccumulator: () => {},
    checkpointing: true,
    attemptTag,
  };
}

const sorted = (rs: Row[]) => rs.map((r) => `${r.kind}${JSON.stringify(r.values)}`).sort();

const INPUT = [
  '1,alice,2026-01-01 10:00:00.000,12.5',
  '2,bob,2026-01-01 10:00:01.250,',
  '3,"carol, jr",2026-01-02 00:00:00.000,7.0',
  '4,,2026-01-03 23:59:59.999,0.25',
];

async function withInput(format: 'csv' | 'json'): Promise<TableEnvironment> {
  writeFileSync(join(dir, 'in.csv'), `${INPUT.join('\n')}\n`);
  const tEnv = TableEnvironment.create({ parallelism: 2 });
  const columns = 'id BIGINT, name STRING, ts TIMESTAMP(3), amount DOUBLE';
  await tEnv.executeSql(
    `CREATE TABLE input (${columns}) WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'in.csv')}', 'format' = 'csv')`,
  );
  await tEnv.executeSql(
    `CREATE TABLE output (${columns}) WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'out')}', 'format' = '${format}')`,
  );
  return tEnv;
}

describe('filesystem table sink', () => {
  for (const format of ['csv', 'json'] as const) {
    it(`INSERT INTO a ${format} table, read back with the filesystem source: the same rows`, async () => {
      const tEnv = await withInput(format);
      await (await tEnv.executeSql('INSERT INTO output SELECT * FROM input')).await();
      const files = readdirSync(join(dir, 'out'));
      assert.ok(files.length > 0);
      for (const f of files)
        assert.match(f, /^part-[0-9a-z]+-\d+-\d+-\d+$/, 'part-<uuid>-<subtask>-<n>, nothing hidden');
      assert.deepEqual(
        sorted(await rows(tEnv, 'SELECT * FROM output')),
        sorted(await rows(tEnv, 'SELECT * FROM input')),
      );
      // A second INSERT appends new part files.
      await (await tEnv.executeSql('INSERT INTO output SELECT * FROM input WHERE id > 2')).await();
      assert.equal((await rows(tEnv, 'SELECT * FROM output')).length, INPUT.length + 2);
    });
  }

  it('writes CSV as Flink does: quotes where needed, NULL as an empty field', async () => {
    const tEnv = await withInput('csv');
    await (await tEnv.executeSql('INSERT INTO output SELECT * FROM input')).await();
    const lines = readdirSync(join(dir, 'out')).flatMap((f) =>
      readFileSync(join(dir, 'out', f), 'utf8')
        .split('\n')
        .filter(Boolean),
    );
    assert.deepEqual(lines.sort(), [
      '1,alice,2026-01-01 10:00:00.000,12.5',
      '2,bob,2026-01-01 10:00:01.250,',
      '3,"carol, jr",2026-01-02 00:00:00.000,7',
      '4,,2026-01-03 23:59:59.999,0.25',
    ]);
  });

  it('a checkpointed run commits a part file per checkpoint and leaves nothing in progress', async () => {
    const tEnv = TableEnvironment.create({ parallelism: 1 });
    await tEnv.executeSql("SET 'execution.checkpointing.interval' = '50 ms'");
    await tEnv.executeSql(`CREATE TABLE numbers (id BIGINT) WITH ('connector' = 'datagen',
      'rows-per-second' = '1000', 'number-of-rows' = '600', 'fields.id.kind' = 'sequence',
      'fields.id.start' = '1', 'fields.id.end' = '600')`);
    await tEnv.executeSql(
      `CREATE TABLE archive (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'archive')}', 'format' = 'json')`,
    );
    await (await tEnv.executeSql('INSERT INTO archive SELECT id FROM numbers')).await();
    const files = readdirSync(join(dir, 'archive'));
    assert.deepEqual(
      files.filter((f) => f.startsWith('.')),
      [],
      'no in-progress or pending file is left',
    );
    assert.ok(files.length > 1, `a part file per checkpoint (got ${files.join(', ')})`);
    const back = await rows(tEnv, 'SELECT id FROM archive');
    assert.deepEqual(
      back.map((r) => r.values[0]).sort((a, b) => (a as number) - (b as number)),
      Array.from({ length: 600 }, (_, i) => i + 1),
    );
  });

  it('part files in progress and pre-committed are hidden from readers until their checkpoint completes', async () => {
    const out = join(dir, 't');
    const sink = new ExactlyOnceFileSink<string>(out, { format: (s) => s, extension: '', naming: 'flink' });
    sink.open(sinkContext(3, 4, 'c0ffee00-0'));
    sink.invoke('a', invoke);
    assert.deepEqual(readdirSync(out), ['.part-c0ffee00-0-3-0.inprogress']);
    assert.deepEqual(await listFileSplits(out), [], 'a reader sees no file');
    sink.snapshotState(1);
    assert.deepEqual(readdirSync(out), ['.part-c0ffee00-0-3-0.pending']);
    assert.deepEqual(await listFileSplits(out), []);
    sink.notifyCheckpointComplete(1);
    assert.deepEqual(readdirSync(out), ['part-c0ffee00-0-3-0']);
    assert.equal(readFileSync(join(out, 'part-c0ffee00-0-3-0'), 'utf8'), 'a\n');
    sink.close();
  });

  it("with Flink's naming, a restore commits what the checkpoint pre-committed and deletes the rest", () => {
    const out = join(dir, 'r');
    const make = () =>
      new ExactlyOnceFileSink<string>(out, { format: (s) => s, extension: '', naming: 'flink' });
    const states: unknown[] = [];
    for (const subtask of [0, 1]) {
      const sink = make();
      sink.open(sinkContext(subtask, 2, 'a-0'));
      sink.invoke(`s${subtask}-before`, invoke);
      states.push(...sink.snapshotState(1));
      sink.invoke(`s${subtask}-after`, invoke); // lost with the failure
    }
    const restored = [0, 1].map((subtask) => {
      const sink = make();
      sink.initializeState(states, sinkContext(subtask, 2, 'a-1'));
      sink.open(sinkContext(subtask, 2, 'a-1'));
      return sink;
    });
    assert.deepEqual(readdirSync(out).sort(), ['part-a-0-0-0', 'part-a-0-1-0']);
    assert.deepEqual(
      readdirSync(out).map((f) => readFileSync(join(out, f), 'utf8')),
      ['s0-before\n', 's1-before\n'],
    );
    for (const sink of restored) sink.close();
  });

  it("with Flink's naming, a restart without a restore deletes the earlier attempts' hidden files of its subtask only", () => {
    const out = join(dir, 'x');
    const make = () =>
      new ExactlyOnceFileSink<string>(out, { format: (s) => s, extension: '', naming: 'flink' });
    const first = make();
    first.open(sinkContext(0, 2, 'job1-0'));
    first.invoke('pre-committed for a checkpoint that failed', invoke);
    first.snapshotState(1);
    first.invoke('in progress', invoke);
    const other = make();
    other.open(sinkContext(1, 2, 'job1-0'));
    other.invoke('x', invoke);
    const otherJob = make();
    otherJob.open(sinkContext(0, 1, 'job2-0'));
    otherJob.invoke('y', invoke);
    const again = make();
    again.open(sinkContext(0, 2, 'job1-1'));
    again.invoke('replayed', invoke);
    assert.deepEqual(readdirSync(out).sort(), [
      '.part-job1-0-1-0.inprogress',
      '.part-job1-1-0-0.inprogress',
      '.part-job2-0-0-0.inprogress',
    ]);
  });

  it('refuses updates, PARTITIONED BY and rolling policies at planning, naming the table', async () => {
    const tEnv = await withInput('csv');
    assert.throws(
      () =>
        tEnv.explainSql('INSERT INTO output SELECT 1, name, MAX(ts), SUM(amount) FROM input GROUP BY name'),
      {
        message:
          /Table sink 'default_catalog\.default_database\.output' doesn't support consuming update changes which is produced by node GroupAggregate/,
      },
    );
    await tEnv.executeSql(
      `CREATE TABLE parts (id BIGINT, dt STRING) PARTITIONED BY (dt) WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'p')}', 'format' = 'csv')`,
    );
    assert.throws(() => tEnv.explainSql('INSERT INTO parts SELECT id, name FROM input'), {
      code: 'SQL_UNSUPPORTED',
      message: /table "parts": Weir's filesystem sink does not write partitioned tables yet/,
    });
    await tEnv.executeSql(
      `CREATE TABLE rolled (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '${join(dir, 'r')}', 'format' = 'csv', 'sink.rolling-policy.file-size' = '1MB')`,
    );
    assert.throws(() => tEnv.explainSql('INSERT INTO rolled SELECT id FROM input'), {
      code: 'SQL_UNSUPPORTED',
      message:
        /table "rolled": 'sink.rolling-policy.file-size' is not supported: Weir's filesystem sink rolls a part file on every checkpoint/,
    });
  });
});
