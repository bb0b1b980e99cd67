import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { waitFor } from '../../test/runtime/helpers.ts';
import '../index.ts';
import type { JobClient } from '../api/executor.ts';
import type { Row } from '../core/row.ts';
import { parseScript } from './parser/parser.ts';
import { TableEnvironment, type TableResult } from './table-environment.ts';

async function rows(result: TableResult): Promise<unknown[][]> {
  const out: Row[] = [];
  for await (const row of result.collect()) out.push(row);
  return out.map((r) => r.values);
}

describe('job statements (SHOW JOBS, STOP JOB)', () => {
  it("parses STOP JOB '<id>' with WITH SAVEPOINT and WITH DRAIN in either order", () => {
    const stop = (sql: string) => parseScript(sql)[0].statement;
    assert.deepEqual(
      { ...stop("STOP JOB '228d70913eab60dda85c5e7f78b5782c'"), pos: undefined },
      {
        kind: 'stop-job',
        jobId: '228d70913eab60dda85c5e7f78b5782c',
        withSavepoint: false,
        withDrain: false,
        pos: undefined,
      },
    );
    assert.deepEqual(
      { ...stop("stop job 'j' with drain with savepoint"), pos: undefined },
      { kind: 'stop-job', jobId: 'j', withSavepoint: true, withDrain: true, pos: undefined },
    );
    assert.throws(() => parseScript('STOP JOB j'), {
      code: 'SQL_PARSE_ERROR',
      message: /job's id as a string/,
    });
    assert.throws(() => parseScript("STOP JOB 'j' WITH STATE"), {
      code: 'SQL_PARSE_ERROR',
      message: /SAVEPOINT or DRAIN/,
    });
  });

  it("lists the session's jobs on the local cluster, and STOP JOB without a savepoint cancels one", async () => {
    const tEnv = TableEnvironment.create({ taskSlots: 1 });
    await tEnv.executeSql(
      "CREATE TABLE ticks (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '20')",
    );
    await tEnv.executeSql("CREATE TABLE drain (n BIGINT) WITH ('connector' = 'blackhole')");
    assert.deepEqual(await rows(await tEnv.executeSql('SHOW JOBS')), []);
    const insert = await tEnv.executeSql('INSERT INTO drain SELECT n FROM ticks');
    const jobId = insert.jobClient!.jobId;
    const listed = await tEnv.executeSql('SHOW JOBS');
    assert.deepEqual(
      listed.schema.map((f) => f.name),
      ['job id', 'job name', 'status', 'start time'],
    );
    const [job] = await rows(listed);
    assert.equal(job[0], jobId);
    assert.equal(job[1], 'INSERT INTO drain SELECT n FROM ticks');
    assert.match(String(job[2]), /^(CREATED|RUNNING)$/);
    assert.match(String(job[3]), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);

    const stopped = await tEnv.executeSql(`STOP JOB '${jobId}'`);
    assert.equal(stopped.resultKind, 'SUCCESS');
    await assert.rejects(insert.await(), { code: 'JOB_CANCELLED' });
    assert.equal((await rows(await tEnv.executeSql('SHOW JOBS')))[0][2], 'CANCELED');
  });

  it("refuses to move a session's jobs to another target with SET", async () => {
    const tEnv = TableEnvironment.create();
    await tEnv.executeSql("SET 'execution.target' = 'local'");
    await assert.rejects(tEnv.executeSql("SET 'execution.target' = 'remote'"), {
      code: 'SQL_UNSUPPORTED',
      message: /on the local cluster.*weir sql -m host:port/,
    });
    await assert.rejects(tEnv.executeSql("SET 'rest.address' = '10.0.0.1'"), { code: 'SQL_UNSUPPORTED' });
  });

  it('refuses STOP JOB of a job the session did not start', async () => {
    const tEnv = TableEnvironment.create();
    await assert.rejects(tEnv.executeSql("STOP JOB 'nope'"), { code: 'JOB_NOT_FOUND' });
  });

  it("Flink's example: SET 'state.savepoints.dir', then STOP JOB ... WITH SAVEPOINT shows the savepoint path", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-stop-job-'));
    let client: JobClient | undefined;
    try {
      const tEnv = TableEnvironment.create({ taskSlots: 1 });
      await tEnv.executeSql(
        "CREATE TABLE ticks (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '20')",
      );
      await tEnv.executeSql("CREATE TABLE drain (n BIGINT) WITH ('connector' = 'blackhole')");
      await tEnv.executeSql("SET 'execution.checkpointing.interval' = '100 ms'");
      const insert = await tEnv.executeSql('INSERT INTO drain SELECT n FROM ticks');
      client = insert.jobClient!;
      const jobId = client.jobId;
      // A savepoint needs the job running: its first checkpoint shows that it is.
      await waitFor(
        () => (client!.getCheckpointStatistics?.().completed ?? 0) > 0,
        `a completed checkpoint of job ${jobId}`,
        30_000,
      );
      await assert.rejects(tEnv.executeSql(`STOP JOB '${jobId}' WITH DRAIN`), { code: 'NOT_SUPPORTED' });
      await assert.rejects(tEnv.executeSql(`STOP JOB '${jobId}' WITH SAVEPOINT`), {
        code: 'INVALID_CONFIG',
        message: /state\.savepoints\.dir/,
      });
      await tEnv.executeSql(`SET 'state.savepoints.dir' = '${dir}'`);
      const stopped = await tEnv.executeSql(`STOP JOB '${jobId}' WITH SAVEPOINT`);
      assert.deepEqual(
        stopped.schema.map((f) => f.name),
        ['savepoint path'],
      );
      const [[path]] = await rows(stopped);
      assert.ok(String(path).startsWith(dir), String(path));
      assert.ok(existsSync(String(path)));
      await insert.await().catch(() => {});
    } finally {
      if (client?.getJobStatus() === 'running') await client.cancel();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
