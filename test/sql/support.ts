/**
 * What the SQL suite's tests share: the `weir sql` client run as a user runs it, and the datagen
 * table and result checks of the savepoint tests.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Row } from '../../src/core/row.ts';
import { materialize } from '../../src/sql/result-printer.ts';
import type { TableEnvironment } from '../../src/sql/table-environment.ts';

/** The repository's root. */
export const repo = join(import.meta.dirname, '../..');
/** The Node.js that runs `weir`: this one when it is Node 24, the repository's otherwise. */
export const node = process.version.startsWith('v24')
  ? process.execPath
  : join(repo, 'node_modules/.bin/node');

/**
 * Runs `weir sql <args>` (bin/weir.js) in a child process from the repository's root, to its end.
 *
 * @example
 * const run = await weirSql(['-f', 'examples/sql/user-sessions.sql']);
 * assert.equal(run.code, 0, run.stderr);
 */
export function weirSql(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      node,
      [join(repo, 'bin/weir.js'), 'sql', ...args],
      { cwd: repo, timeout: 120_000 },
      (_e, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** Table `t (id, k, v)` of the savepoint tests: ids 1 to 20,000 at `rate` rows/s, 10 keys `k`, `v` in 0..99. */
export const datagenTable = (rate: number): string => `CREATE TABLE t (id BIGINT, k INT, v INT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '${rate}',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '20000',
  'fields.k.min' = '0', 'fields.k.max' = '9', 'fields.v.min' = '0', 'fields.v.max' = '99')`;

/** The rows a changelog ends with, as sorted JSON of their values. */
export const finalRows = (changelog: Row[]): string[] =>
  materialize(changelog)
    .map((r) => JSON.stringify(r.values))
    .sort();

/** The last `+I`/`+U` row of each key (the first field) of a changelog. */
export function lastRowPerKey(changelog: Row[]): Map<unknown, Row> {
  const last = new Map<unknown, Row>();
  for (const row of changelog) if (row.kind === '+I' || row.kind === '+U') last.set(row.values[0], row);
  return last;
}

/**
 * Runs `query` with a checkpoint every 100 ms and, once it has emitted `changes` changes, stops it
 * with a savepoint into `dir`; what it emitted up to its stop, and the savepoint's path.
 *
 * @example
 * const { path } = await stopWithSavepointAfter(tEnv, 'SELECT k, COUNT(*) FROM t GROUP BY k', 1_000, dir);
 * await resumed.executeSql(`SET 'execution.savepoint.path' = '${path}'`);
 */
export async function stopWithSavepointAfter(
  tEnv: TableEnvironment,
  query: string,
  changes: number,
  dir: string,
): Promise<{ changelog: Row[]; path: string }> {
  await tEnv.executeSql("SET 'execution.checkpointing.interval' = '100 ms'");
  const result = await tEnv.executeSql(query);
  const changelog: Row[] = [];
  let savepoint: Promise<string> | undefined;
  for await (const row of result.collect()) {
    changelog.push(row);
    if (changelog.length === changes) savepoint = result.jobClient!.stopWithSavepoint!(dir);
  }
  assert.ok(savepoint, `the job emitted ${changes} changes before it ended`);
  return { changelog, path: await savepoint };
}
