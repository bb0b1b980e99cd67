import type { Counter } from '../../core/accumulators.ts';
import { WeirError } from '../../core/errors.ts';
import { escapeMessage } from '../../core/input-excerpt.ts';
import {
  type Boundedness,
  countRecordsInErrors,
  type ReaderOutput,
  type Source,
  type SourceReaderContext,
} from '../../core/source.ts';
import { withFailedRecord } from '../../core/task-failure.ts';
import { type FileReaderMetrics, isBlank, type OnBadRecord } from './bad-record-policy.ts';
import { type FileSplit, listFileSplits } from './file-split.ts';
import { LineFileReader } from './line-file-reader.ts';

export interface JsonLinesOptions {
  /**
   * A line that is not valid JSON fails the job with DESERIALIZATION_FAILED naming file, line and
   * reason ('fail', the default), or is skipped and counted in the reader's `metrics.skippedRecords`.
   */
  readonly onError?: OnBadRecord;
}

/**
 * A bounded source of JSON values, one per line ([JSON Lines](https://jsonlines.org)), from a file
 * or every file in a directory (recursively, in name order, one split per file). Blank lines are
 * skipped. The parsed value is not validated: `T` is what you promise the lines hold.
 *
 * @example
 * ```ts
 * interface Payment { user: string; amount: number; ts: number }
 * const payments = new JsonLinesSource<Payment>('data/payments.jsonl', { onError: 'skip' });
 * env.fromSource(payments, WatermarkStrategy.forMonotonousTimestamps<Payment>().withTimestampAssigner((p) => p.ts), 'payments');
 * // a bad line without onError 'skip':
 * // DESERIALIZATION_FAILED: cannot parse JSON at file "data/payments.jsonl" line 7: Unexpected token ...
 * ```
 */
export class JsonLinesSource<T = unknown> implements Source<T, FileSplit> {
  readonly boundedness: Boundedness = 'bounded';
  readonly path: string;
  private readonly onError: OnBadRecord;

  constructor(path: string, options: JsonLinesOptions = {}) {
    this.path = path;
    this.onError = options.onError ?? 'fail';
  }

  createSplits(_parallelism: number): Promise<FileSplit[]> {
    return listFileSplits(this.path);
  }

  createReader(context: SourceReaderContext): JsonLinesReader<T> {
    return new JsonLinesReader<T>(context, this.onError);
  }
}

/**
 * The reader of {@link JsonLinesSource}: parses each non-blank line with `JSON.parse`.
 *
 * @example
 * ```ts
 * const reader = new JsonLinesSource('in.jsonl', { onError: 'skip' }).createReader(context);
 * // ... after polling:
 * reader.metrics.skippedRecords; // lines that were not JSON
 * ```
 */
export class JsonLinesReader<T> extends LineFileReader<T> {
  readonly metrics: FileReaderMetrics = { skippedRecords: 0 };
  private readonly onError: OnBadRecord;

  /** The job's count of skipped lines (numRecordsInErrors), with `onError: 'skip'`. */
  private readonly errors: Counter | undefined;

  constructor(context: SourceReaderContext, onError: OnBadRecord) {
    super(context);
    this.onError = onError;
    this.errors = onError === 'skip' ? countRecordsInErrors(context, 'onError: skip') : undefined;
  }

  /** Lines skipped by this reader because they were not valid JSON. */
  get skippedRecords(): number {
    return this.metrics.skippedRecords;
  }

  protected decodeLine(line: string, output: ReaderOutput<T>): void {
    if (isBlank(line)) return;
    let value: T;
    try {
      value = JSON.parse(line) as T;
    } catch (error) {
      if (this.onError === 'skip') {
        this.metrics.skippedRecords++;
        this.errors?.add(1);
        return;
      }
      throw withFailedRecord(
        new WeirError(
          'DESERIALIZATION_FAILED',
          `cannot parse JSON at file "${this.path}" line ${this.lineNumber}: ${escapeMessage((error as Error).message)}`,
          { cause: error },
        ),
        line,
        `file "${this.path}" line ${this.lineNumber}`,
      );
    }
    output.collect(value);
  }
}
