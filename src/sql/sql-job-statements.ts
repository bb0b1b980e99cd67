/**
 * The results of Flink's job statements: `SHOW JOBS` (job id, job name, status, start time) and
 * `STOP JOB '<id>' [WITH SAVEPOINT] [WITH DRAIN]` (the savepoint's path, when one was taken).
 * Without `WITH SAVEPOINT`, as in Flink, the job is cancelled.
 */
import { insertRow, type Row } from '../core/row.ts';
import type { StopJobStatement } from './ast.ts';
import type { SqlJobExecutor } from './sql-job-executor.ts';
import { type RowField, T } from './types.ts';

/** A statement's result as a table. */
export interface StatementRows {
  schema: RowField[];
  rows: Row[];
}

/** `SHOW JOBS`: the executor's jobs, oldest first; the start time as Flink shows it, in UTC. */
export async function showJobsRows(executor: SqlJobExecutor): Promise<StatementRows> {
  const jobs = (await executor.listJobs()).sort((a, b) => a.startTime - b.startTime);
  return {
    schema: ['job id', 'job name', 'status', 'start time'].map((name) => ({ name, type: T.string(false) })),
    rows: jobs.map((j) =>
      insertRow([j.jobId, j.jobName, j.status, new Date(j.startTime).toISOString().slice(0, 23)]),
    ),
  };
}

/** `STOP JOB`: the savepoint path as a one-row table, or null when the job was cancelled without one. */
export async function stopJobRows(
  executor: SqlJobExecutor,
  statement: StopJobStatement,
  savepointDir: string | undefined,
): Promise<StatementRows | null> {
  const path = await executor.stopJob(statement.jobId, {
    savepoint: statement.withSavepoint,
    drain: statement.withDrain,
    savepointDir: savepointDir === '' ? undefined : savepointDir,
  });
  if (path === null) return null;
  return { schema: [{ name: 'savepoint path', type: T.string(false) }], rows: [insertRow([path])] };
}
