import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { NexmarkGenerator } from '../../src/connectors/nexmark/generator.ts';
import { formatSqlValue } from '../../src/core/sql-value-format.ts';
import { node, repo, weirSql } from './support.ts';

const formatTimestampMillis = (ms: number): string =>
  formatSqlValue(ms, { kind: 'TIMESTAMP', precision: 3, nullable: false });

/**
 * The article's sessions computed without Weir: each bidder's bids by time, a new session after
 * more than a minute without one (windows of a minute that touch merge, as Flink's do).
 */
function expectedSessions(events: number, rate: number): string[] {
  const generator = new NexmarkGenerator({ events, rate });
  const byUser = new Map<number, number[]>();
  for (let id = 1; id <= events; id++) {
    const event = generator.generateEvent(id);
    if (event.kind !== 'bid') continue;
    const times = byUser.get(event.bid.bidder) ?? [];
    times.push(event.bid.dateTime);
    byUser.set(event.bid.bidder, times);
  }
  const rows: string[] = [];
  for (const [user, times] of byUser) {
    times.sort((a, b) => a - b);
    let start = times[0];
    let last = times[0];
    let count = 0;
    for (const t of times) {
      if (t - last > 60_000) {
        rows.push(
          [user, formatTimestampMillis(start), formatTimestampMillis(last + 60_000), count].join('|'),
        );
        start = t;
        count = 0;
      }
      last = t;
      count++;
    }
    rows.push([user, formatTimestampMillis(start), formatTimestampMillis(last + 60_000), count].join('|'));
  }
  return rows.sort();
}

test('weir sql -f runs the article session query (examples/sql/user-sessions.sql) and prints the sessions', async () => {
  const run = await weirSql(['-f', 'examples/sql/user-sessions.sql']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.split('\n');
  assert.deepEqual(lines.slice(0, 2), [
    '[INFO] Execute statement succeeded.',
    '[INFO] Execute statement succeeded.',
  ]);
  assert.match(lines[3], /^\| op \| +userId \| +sessionStart \| +sessionEnd \| +clickCount \|$/);
  const rows = lines
    .filter((l) => l.startsWith('| +I |'))
    .map((l) =>
      l
        .split('|')
        .slice(2, -1)
        .map((c) => c.trim())
        .join('|'),
    )
    .sort();
  // Timestamps print as Flink's client prints TIMESTAMP(3).
  assert.match(
    lines[5],
    /^\| \+I \| +\d+ \| 2026-01-01 \d\d:\d\d:\d\d\.\d{3} \| 2026-01-01 \d\d:\d\d:\d\d\.\d{3} \| +\d+ \|$/,
  );
  const expected = expectedSessions(2000, 10);
  assert.ok(expected.length > 10, 'the example has sessions to show');
  assert.deepEqual(rows, expected);
  assert.match(run.stdout, new RegExp(`Received a total of ${expected.length} rows\\n$`));
});

test('weir sql -f reports a SQL error with its position and exits 1', async () => {
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'weir-sql-'));
  const script = join(dir, 'bad.sql');
  await writeFile(script, "CREATE TABLE t (a INT) WITH ('connector' = 'nexmark');\nSELECT b FROM t;\n");
  const run = await weirSql(['-f', script]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /SQL_VALIDATION_ERROR: unknown column "b" \(available: a\) at line 2, column 8\n {2}SELECT b FROM t;\n {9}\^/,
  );
});

test('weir sql reads statements at its prompt, across lines, in the result mode SET chooses, and goes on after an error', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(node, [join(repo, 'bin/weir.js'), 'sql'], { cwd: repo });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stdin.end(
    [
      "CREATE TABLE t (id BIGINT) WITH ('connector' = 'datagen', 'fields.id.kind' = 'sequence',",
      "  'fields.id.start' = '1', 'fields.id.end' = '3');",
      'SELECT id * 2 AS d',
      'FROM t;',
      "SET 'sql-client.execution.result-mode' = 'changelog';",
      'SELECT nope FROM t;',
      'SELECT id FROM t;',
      'quit;',
      '',
    ].join('\n'),
  );
  const code = await new Promise((resolve) => child.on('exit', resolve));
  assert.equal(code, 0);
  assert.match(stdout, /\| op \| +d \|\n\+-+\+-+\+\n\| \+I \| +2 \|\n\| \+I \| +4 \|\n\| \+I \| +6 \|/);
  assert.match(
    stdout,
    /\[ERROR\] SQL_VALIDATION_ERROR: unknown column "nope" \(available: id\) at line 1, column 8/,
  );
  assert.match(stdout, /\+I\[1\]\n\+I\[2\]\n\+I\[3\]\nReceived a total of 3 rows/);
});
