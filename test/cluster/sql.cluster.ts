/**
 * Weir SQL on a standalone cluster (`npm run test:cluster`): `weir sql -m host:port -f script.sql`
 * plans each INSERT and statement set on the client and submits its job graph to a JobManager with
 * two TaskManagers of two slots each, all on 127.0.0.1, as a user does.
 *
 * - A datagen-to-print INSERT runs to its end on the TaskManagers, which print exactly its rows;
 *   the client does not wait for it (Flink's default, `table.dml-sync` false), and `SHOW JOBS`
 *   lists it, then as FINISHED.
 * - A statement set reading a CSV file through the filesystem connector, with a user function whose
 *   module (and the module it imports) travel in the job's artifact, waits for its job with
 *   `SET 'table.dml-sync' = 'true'`.
 * - `STOP JOB '<id>' WITH SAVEPOINT` stops an unbounded job and prints the savepoint's path, as in
 *   Flink's documentation; `STOP JOB '<id>'` cancels one.
 * - A SELECT is refused with what to do instead: the REST API cannot stream results to a client.
 * - A bad `-m` is a usage error, and a `-m` where no JobManager answers is CLUSTER_UNAVAILABLE.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, lines, ROOT, StandaloneCluster } from './cluster-support.ts';

const TOKEN = `token-${process.pid}-${Math.random().toString(36).slice(2)}`;
const SECRET = `secret-${process.pid}-${Math.random().toString(36).slice(2)}`;

/** `weir sql <args>` as a user runs it; its exit code and output. */
function weirSql(
  args: readonly string[],
  token: string | undefined = TOKEN,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.WEIR_REST_TOKEN;
  if (token !== undefined) env.WEIR_REST_TOKEN = token;
  const cli = spawn(process.execPath, [join(ROOT, 'bin/weir.js'), 'sql', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  cli.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  cli.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => cli.kill('SIGKILL'), 120_000);
  return new Promise((resolve) =>
    cli.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** The rows a print table with `identifier` wrote on the TaskManagers, without the subtask prefix. */
function printed(stdout: string, identifier: string): string[] {
  const prefix = new RegExp(`^${identifier}(?::\\d+)?> `);
  return lines(stdout)
    .filter((line) => prefix.test(line))
    .map((line) => line.replace(prefix, ''))
    .sort();
}

describe('weir sql -m: SQL jobs on a standalone cluster', () => {
  let cluster: StandaloneCluster | undefined;
  let work = '';
  let script = 0;

  /** Writes a script into the test's directory and runs `weir sql -m <cluster> -f` on it. */
  async function run(sql: string) {
    const file = join(work, `script-${++script}.sql`);
    writeFileSync(file, sql);
    return weirSql(['-m', cluster!.url, '-f', file]);
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'weir-sql-cluster-'));
    cluster = await StandaloneCluster.start({
      placement: { kind: 'loopback', taskManagers: 2 },
      slots: 2,
      work,
      token: TOKEN,
      secret: SECRET,
    });
  });

  after(async () => {
    await cluster?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('submits an INSERT without waiting for it; the job runs to its end and SHOW JOBS lists it', {
    timeout: 180_000,
  }, async () => {
    const c = cluster!;
    const result = await run(`
      CREATE TABLE numbers (n BIGINT) WITH (
        'connector' = 'datagen', 'number-of-rows' = '100',
        'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '100');
      CREATE TABLE squares (n BIGINT, sq BIGINT) WITH ('connector' = 'print', 'print-identifier' = 'squares');
      SET 'parallelism.default' = '2';
      INSERT INTO squares SELECT n, n * n FROM numbers WHERE MOD(n, 10) = 0;
      SHOW JOBS;
    `);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\[INFO\] Submitting SQL update statement to the cluster\.\.\./);
    assert.match(
      result.stdout,
      /\[INFO\] SQL update statement has been successfully submitted to the cluster:/,
    );
    const jobId = /^Job ID: (\S+)$/m.exec(result.stdout)?.[1];
    assert.ok(jobId, result.stdout);
    // SHOW JOBS, right after: the job, whatever its state by then.
    assert.match(result.stdout, /\| job id\s+\| job name\s+\| status\s+\| start time\s+\|/);
    assert.match(result.stdout, new RegExp(`\\| ${jobId} \\|.*INSERT INTO squares`));

    await c.waitForJob(jobId, (job) => job.state === 'FINISHED', 'the INSERT job to finish');
    const expected = Array.from({ length: 10 }, (_, i) => (i + 1) * 10)
      .map((n) => `+I[${n}, ${n * n}]`)
      .sort();
    await c.until(
      () => printed(c.taskManagerStdout(), 'squares').length >= expected.length,
      30_000,
      'the TaskManagers to print every row',
    );
    assert.deepEqual(printed(c.taskManagerStdout(), 'squares'), expected);

    const shown = await run('SHOW JOBS;');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`\\| ${jobId} \\|.*\\| FINISHED +\\|`));
  });

  it('ships user functions, reads files, and with table.dml-sync waits for a statement set', {
    timeout: 180_000,
  }, async () => {
    const c = cluster!;
    const people = join(work, 'people.csv');
    writeFileSync(people, '1,ada\n2,Grace\n3,edsger\n4,Barbara\n5,alan\n');
    const result = await run(`
      CREATE TEMPORARY FUNCTION shout AS '${join(ROOT, 'test/cluster/jobs/sql-udfs.ts')}#shout';
      CREATE TABLE people (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '${people}', 'format' = 'csv');
      CREATE TABLE loud (id INT, name STRING) WITH ('connector' = 'print', 'print-identifier' = 'loud');
      CREATE TABLE quiet (id INT, name STRING) WITH ('connector' = 'print', 'print-identifier' = 'quiet');
      SET 'table.dml-sync' = 'true';
      EXECUTE STATEMENT SET BEGIN
        INSERT INTO loud SELECT id, shout(name) FROM people WHERE MOD(id, 2) = 1;
        INSERT INTO quiet SELECT id, LOWER(name) FROM people WHERE MOD(id, 2) = 0;
      END;
    `);
    assert.equal(result.code, 0, result.stderr);
    const jobId = /Job ID: (\S+)/.exec(result.stdout)?.[1];
    assert.ok(jobId, result.stdout);
    assert.match(result.stdout, /\[INFO\] Complete execution of the SQL update statement\./);
    // The client waited: the job has ended by now.
    assert.equal((await c.client.job(jobId)).state, 'FINISHED');
    await c.until(
      () =>
        printed(c.taskManagerStdout(), 'loud').length + printed(c.taskManagerStdout(), 'quiet').length >= 5,
      30_000,
      'the TaskManagers to print every row',
    );
    assert.deepEqual(printed(c.taskManagerStdout(), 'loud'), [
      '+I[1, ADA!]',
      '+I[3, EDSGER!]',
      '+I[5, ALAN!]',
    ]);
    assert.deepEqual(printed(c.taskManagerStdout(), 'quiet'), ['+I[2, grace]', '+I[4, barbara]']);
  });

  it("with table.dml-sync, a job that fails on the cluster fails the script with the job's error", {
    timeout: 180_000,
  }, async () => {
    const c = cluster!;
    const bad = join(work, 'bad.csv');
    writeFileSync(bad, '1,ada\nseven,grace\n');
    const result = await run(`
      CREATE TABLE people (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '${bad}', 'format' = 'csv');
      CREATE TABLE out_people (id INT, name STRING) WITH ('connector' = 'blackhole');
      SET 'table.dml-sync' = 'true';
      INSERT INTO out_people SELECT id, name FROM people;
      SHOW JOBS;
    `);
    assert.equal(result.code, 1, result.stdout);
    const jobId = /Job ID: (\S+)/.exec(result.stdout)?.[1];
    assert.ok(jobId, result.stdout);
    assert.equal((await c.client.job(jobId)).state, 'FAILED');
    assert.match(result.stderr, new RegExp(`job ${jobId} \\("INSERT INTO out_people.*"\\) failed: `));
    assert.match(
      result.stderr,
      /DESERIALIZATION_FAILED: job \S+ \(".*"\) failed: table "people" \(\S+bad\.csv\)/,
    );
    // The script stops at the failure, as Flink's client does.
    assert.doesNotMatch(result.stdout, /\| job id/);
  });

  it("STOP JOB ... WITH SAVEPOINT stops a job and prints the savepoint's path; STOP JOB cancels", {
    timeout: 180_000,
  }, async () => {
    const c = cluster!;
    const endless = `
      CREATE TABLE ticks (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '50');
      CREATE TABLE drain (n BIGINT) WITH ('connector' = 'blackhole');
      -- Weir takes savepoints of jobs with checkpointing only.
      SET 'execution.checkpointing.interval' = '10 min';
      INSERT INTO drain SELECT n FROM ticks;
    `;
    const started = await Promise.all([run(endless), run(endless)]);
    const [first, second] = started.map((r) => {
      assert.equal(r.code, 0, r.stderr);
      return /^Job ID: (\S+)$/m.exec(r.stdout)![1];
    });
    for (const id of [first, second]) {
      await c.waitForJob(
        id,
        (job) => job.state === 'RUNNING' && job.vertices.every((v) => v.status === 'RUNNING'),
        'the job to run',
      );
    }

    const stopped = await run(`STOP JOB '${first}' WITH SAVEPOINT;`);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, /\| savepoint path\s+\|/);
    assert.match(
      stopped.stdout,
      new RegExp(`\\| ${join(work, 'savepoints').replaceAll('/', '\\/')}\\/\\S+ \\|`),
    );
    const ended = await c.waitForJob(first, (job) => job.state !== 'RUNNING', 'the job to stop', 60_000, []);
    assert.notEqual(ended.state, 'FAILED');

    const cancelled = await run(`STOP JOB '${second}';`);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, /\[INFO\] Execute statement succeeded\./);
    await c.waitForJob(second, (job) => job.state === 'CANCELED', 'the job to be cancelled', 60_000, [
      'FAILED',
    ]);
  });

  it('refuses a SELECT, whose rows cannot come back from the cluster, saying what to do', async () => {
    const result = await run(`
      CREATE TABLE numbers (n BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '3');
      SELECT n FROM numbers;
    `);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /SQL_UNSUPPORTED/);
    assert.match(result.stderr, /cannot come back from the cluster/);
    assert.match(result.stderr, /INSERT INTO/);
  });
});

describe('weir sql -m: usage', () => {
  it('refuses a -m that is not host:port or an http(s) URL, before reaching any cluster', async () => {
    for (const bad of ['ftp://127.0.0.1:8081', 'localhost:port', 'http://']) {
      const result = await weirSql(['-m', bad, '-f', '/dev/null']);
      assert.equal(result.code, 1, `${bad}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, /CLI_USAGE/, bad);
      assert.match(result.stderr, /-m \(--jobmanager\) must be the JobManager's REST address/, bad);
    }
  });

  it('says so when no JobManager answers at -m', async () => {
    const port = await freePort();
    const result = await weirSql(['-m', `127.0.0.1:${port}`, '-f', '/dev/null']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /CLUSTER_UNAVAILABLE/);
    assert.match(result.stderr, new RegExp(`no JobManager at http://127\\.0\\.0\\.1:${port}`));
  });
});
