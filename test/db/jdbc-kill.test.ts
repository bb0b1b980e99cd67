/**
 * `kill -9` of `weir run` at random moments with exactly-once database sinks, then
 * `--from-checkpoint`: a keyed running count (test/db/jobs/keyed-count-jdbc.ts) upserts the latest
 * count of each key and appends every (key, count). After 5 kills and a resumed run to the end, the
 * counts table must equal the counts computed from the input, and the appended rows must hold every
 * (key, count) exactly once; nothing may stay prepared. Once with PostgreSQL prepared transactions,
 * once with MariaDB XA.
 *
 * As in test/faults/kill-and-resume.test.ts, nothing depends on the machine's speed: the job cannot
 * end before the test releases it, each kill comes after the run completed 1 to 3 new checkpoints
 * (then up to 100 ms later, at random), and the deadlines only bound how long an event may take.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { JdbcDialectName } from 'weir';
import { Children, killRounds, type Run } from '../faults/support.ts';
import { adminPool, database, preparedGids, quoted, rollBackPrepared, uniqueTable } from './databases.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EVENTS = 30_000;
const KEYS = 7;
const KILLS = 5;
const DEADLINE = 180_000;

/** Events of key `k` among 0 .. EVENTS - 1 (event i has key i mod KEYS). */
function expectedCount(k: number): number {
  return Math.floor(EVENTS / KEYS) + (k < EVENTS % KEYS ? 1 : 0);
}

async function killAndResume(t: TestContext, dialect: JdbcDialectName, parallelism: number, seed: number) {
  const admin = adminPool(t, dialect);
  const countsTable = uniqueTable('kill_counts');
  const eventsTable = uniqueTable('kill_events');
  const sinkId = `k${Math.floor(Math.random() * 1e9).toString(36)}`;
  await admin.create(countsTable, 'k INT PRIMARY KEY, n INT NOT NULL');
  await admin.create(eventsTable, 'k INT NOT NULL, n INT NOT NULL');
  admin.cleanUp((pool) => rollBackPrepared(pool, `weir.${sinkId}-`));

  const work = mkdtempSync(join(tmpdir(), 'weir-db-kill-'));
  const checkpoints = join(work, 'checkpoints');
  const release = join(work, 'release');
  const env = {
    ...process.env,
    WEIR_FAULTS_EVENTS: String(EVENTS),
    WEIR_FAULTS_KEYS: String(KEYS),
    WEIR_FAULTS_RATE: '10000',
    WEIR_FAULTS_CHECKPOINTS: checkpoints,
    WEIR_FAULTS_RELEASE: release,
    WEIR_FAULTS_OWNER: String(process.pid),
    WEIR_DB_DIALECT: dialect,
    WEIR_DB_COUNTS: countsTable,
    WEIR_DB_EVENTS: eventsTable,
    WEIR_DB_SINK_ID: sinkId,
  };
  let random = seed;
  const next = () => {
    random = (random * 1103515245 + 12345) % 2 ** 31;
    return random / 2 ** 31;
  };
  const children = new Children();
  const start = (round: number, resume: boolean): Run => {
    const dir = join(work, `round-${round}`);
    mkdirSync(dir);
    const args = ['bin/weir.js', 'run', 'test/db/jobs/keyed-count-jdbc.ts', '-p', String(parallelism)];
    if (resume) args.push('--from-checkpoint', checkpoints);
    return children.spawn(process.execPath, args, { cwd: ROOT, env: { ...env, WEIR_FAULTS_DIR: dir } });
  };
  try {
    const kills = await killRounds({ kills: KILLS, checkpoints, random: next, deadlineMs: DEADLINE, start });
    writeFileSync(release, '');
    const last = start(KILLS, true);
    const end = await last.done;
    assert.equal(end.code, 0, end.stderr);

    const q = (name: string) => quoted(dialect, name);
    const counts = await admin.rows<{ k: number; n: number }>(
      `SELECT k, n FROM ${q(countsTable)} ORDER BY k`,
    );
    const pairs = await admin.rows<{ k: number; n: number; c: number }>(
      `SELECT k, n, COUNT(*) AS c FROM ${q(eventsTable)} GROUP BY k, n`,
    );
    const seen = new Map(pairs.map((p) => [`${Number(p.k)}:${Number(p.n)}`, Number(p.c)]));
    let lost = 0;
    let duplicated = 0;
    for (let k = 0; k < KEYS; k++) {
      for (let n = 1; n <= expectedCount(k); n++) {
        const c = seen.get(`${k}:${n}`) ?? 0;
        if (c === 0) lost++;
        else duplicated += c - 1;
        seen.delete(`${k}:${n}`);
      }
    }
    // Rows for counts that cannot exist are duplicates too (a record counted twice).
    for (const c of seen.values()) duplicated += c;
    console.log(`jdbc exactly-once (${dialect}): ${kills} faults, ${lost} lost, ${duplicated} duplicated`);
    assert.ok(kills >= KILLS);
    assert.equal(lost, 0);
    assert.equal(duplicated, 0);
    assert.deepEqual(
      counts.map((r) => [Number(r.k), Number(r.n)]),
      Array.from({ length: KEYS }, (_, k) => [k, expectedCount(k)]),
      'the upserted counts equal the counts of the input',
    );
    assert.deepEqual(await preparedGids(admin.pool, `weir.${sinkId}-`), [], 'nothing left prepared');
  } finally {
    await children.killAll();
    rmSync(work, { recursive: true, force: true });
  }
}

describe('kill -9 of weir run with exactly-once database sinks, resumed from the retained checkpoint', () => {
  it('PostgreSQL (prepared transactions), parallelism 2: counts equal the input, 0 lost, 0 duplicated', async (t) => {
    if (!(await database(t, 'postgres'))) return;
    await killAndResume(t, 'postgres', 2, 13);
  });
  it('MariaDB (XA), parallelism 2: counts equal the input, 0 lost, 0 duplicated', async (t) => {
    if (!(await database(t, 'mariadb'))) return;
    await killAndResume(t, 'mariadb', 2, 17);
  });
});
