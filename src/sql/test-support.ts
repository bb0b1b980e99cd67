/**
 * Helpers of the SQL tests that run statements through a TableEnvironment.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Row } from '../core/row.ts';
import type { TableEnvironment } from './table-environment.ts';

/**
 * The rows a query's result collects, in the order they come.
 *
 * @example
 * assert.deepEqual(await rows(tEnv, 'SELECT 1'), [{ kind: '+I', values: [1] }]);
 */
export async function rows(tEnv: TableEnvironment, sql: string): Promise<Row[]> {
  const out: Row[] = [];
  for await (const row of (await tEnv.executeSql(sql)).collect()) out.push(row);
  return out;
}

/**
 * A temporary directory for the tests of this file: made before them, removed after them. Returns
 * the path of a file in it.
 *
 * @example
 * const file = tempFiles('weir-window-join-');
 * test('...', async () => { await writeFile(file('left.csv'), '...'); });
 */
export function tempFiles(prefix: string): (name: string) => string {
  let dir: string | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return (name) => join(dir!, name);
}
