import type { JobExecutionResult } from '../core/job-execution-result.ts';

/**
 * What `weir run` prints when a job ends whose sources skipped records they could not read
 * (`onError: 'skip'`, a Kafka source's skip or dead-letter policy): one line per source, on stderr,
 * so a skip is never silent even when nobody reads the job's accumulators.
 *
 * @example
 * ```ts
 * reportRecordsInErrors(await client.getJobExecutionResult());
 * // weir: skipped 3 bad records in source "csv" (onError: skip)
 * ```
 */
export function reportRecordsInErrors(
  result: JobExecutionResult,
  write: (line: string) => void = (line) => console.error(line),
): void {
  for (const { source, count, policy } of result.getRecordsInErrors()) {
    write(`weir: skipped ${count} bad record${count === 1 ? '' : 's'} in source "${source}" (${policy})`);
  }
}
