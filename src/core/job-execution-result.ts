import type { SourceRecordsInErrors } from './accumulators.ts';
import { RECORDS_IN_ERRORS_BY_SOURCE } from './source.ts';

/** The records one source could not read (skipped or dead-lettered), from {@link JobExecutionResult.getRecordsInErrors}. */
export interface RecordsInErrors extends SourceRecordsInErrors {
  /** The source's name (the name given to `fromSource`). */
  source: string;
}

/**
 * What `execute()` resolves to once a job has finished.
 *
 * Records a source could not read and skipped (`onError: 'skip'` of the file sources, a Kafka
 * source's `'skip'` or dead-letter policy) are counted, as Flink's `numRecordsInErrors`: in total
 * by `getAccumulatorResult('numRecordsInErrors')`, per source by {@link getRecordsInErrors}.
 *
 * @example
 * ```ts
 * const result = await env.execute('import');
 * result.getAccumulatorResult<number>('numRecordsInErrors'); // 3 (all sources)
 * result.getRecordsInErrors(); // [{ source: 'csv', count: 3, policy: 'onError: skip' }]
 * ```
 */
export class JobExecutionResult {
  readonly jobId: string;
  readonly jobName: string;
  /** Wall-clock run time of the job in milliseconds. */
  readonly netRuntime: number;
  private readonly accumulators: ReadonlyMap<string, unknown>;

  constructor(
    jobId: string,
    jobName: string,
    netRuntime: number,
    accumulators: ReadonlyMap<string, unknown>,
  ) {
    this.jobId = jobId;
    this.jobName = jobName;
    this.netRuntime = netRuntime;
    this.accumulators = accumulators;
  }

  getJobID(): string {
    return this.jobId;
  }
  getNetRuntime(): number {
    return this.netRuntime;
  }
  getAccumulatorResult<V = unknown>(name: string): V | undefined {
    return this.accumulators.get(name) as V | undefined;
  }
  /** Per source, the records it could not read and skipped; sources that skipped none are left out. */
  getRecordsInErrors(): RecordsInErrors[] {
    const bySource = this.accumulators.get(RECORDS_IN_ERRORS_BY_SOURCE) as
      | Record<string, SourceRecordsInErrors>
      | undefined;
    if (bySource === undefined) return [];
    return Object.entries(bySource)
      .filter(([, entry]) => entry.count > 0)
      .map(([source, entry]) => ({ source, count: entry.count, policy: entry.policy }));
  }
  getAllAccumulatorResults(): Record<string, unknown> {
    return Object.fromEntries(this.accumulators);
  }
}
