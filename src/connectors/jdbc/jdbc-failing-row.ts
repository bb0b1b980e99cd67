import type { JdbcPool } from './jdbc-pool.ts';

/**
 * Which row of a failed multi-row write the database refuses, and its own error: each row is
 * written alone by the one-row `statement`, in a transaction that is then rolled back, so nothing is
 * left behind. Undefined when every row passes alone (the write failed for another reason, e.g. its
 * size or a timeout) or the rows cannot be tried.
 *
 * @example
 * const failing = await findFailingRow(pool, rows, 'INSERT INTO t (a, b) VALUES ($1, $2)', (r) => r);
 * if (failing) console.log(failing.row, failing.error);
 */
export async function findFailingRow<R>(
  pool: JdbcPool,
  rows: readonly R[],
  statement: string,
  parameters: (row: R) => unknown[],
): Promise<{ row: R; error: unknown } | undefined> {
  try {
    return await pool.withConnection(async (connection) => {
      await connection.query('BEGIN');
      try {
        for (const row of rows) {
          try {
            await connection.query(statement, parameters(row));
          } catch (error) {
            return { row, error };
          }
        }
        return undefined;
      } finally {
        await connection.query('ROLLBACK').catch(() => {});
      }
    });
  } catch {
    return undefined;
  }
}
