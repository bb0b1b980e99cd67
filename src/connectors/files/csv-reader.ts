import type { Counter } from '../../core/accumulators.ts';
import { WeirError } from '../../core/errors.ts';
import { escapeMessage, inputExcerpt } from '../../core/input-excerpt.ts';
import { countRecordsInErrors, type ReaderOutput, type SourceReaderContext } from '../../core/source.ts';
import { withFailedRecord } from '../../core/task-failure.ts';
import { type FileReaderMetrics, isBlank } from './bad-record-policy.ts';
import { CsvSyntaxError, splitCsvLine } from './csv-line.ts';
import { type CsvColumnType, checkColumns, type ResolvedCsvOptions } from './csv-options.ts';
import type { FileSplit } from './file-split.ts';
import { LineFileReader } from './line-file-reader.ts';

const NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * Decodes CSV lines into records. The header line of each file is read once and kept in the split,
 * so a split restored from a checkpoint knows its columns without reading the header again.
 *
 * @example
 * ```ts
 * const reader = new CsvSource('tx.csv', { onError: 'skip' }).createReader(context);
 * // ... after polling:
 * reader.skippedRecords; // rows that could not be decoded
 * ```
 */
export class CsvReader<T> extends LineFileReader<T> {
  readonly metrics: FileReaderMetrics = { skippedRecords: 0 };
  private readonly options: ResolvedCsvOptions<T>;
  /** Names the records use: the `columns` option, or the header line. */
  private names: readonly string[] | undefined;
  private kinds: CsvColumnType[] = [];
  /** The current file's header line, once read. */
  private header: readonly string[] | undefined;
  private awaitingHeader = false;

  /** The job's count of skipped rows (numRecordsInErrors), with `onError: 'skip'`. */
  private readonly errors: Counter | undefined;

  constructor(context: SourceReaderContext, options: ResolvedCsvOptions<T>) {
    super(context);
    this.options = options;
    this.errors = options.onError === 'skip' ? countRecordsInErrors(context, 'onError: skip') : undefined;
  }

  /** Rows skipped by this reader because they could not be decoded. */
  get skippedRecords(): number {
    return this.metrics.skippedRecords;
  }

  protected override beginSplit(split: FileSplit): void {
    this.header = split.header;
    this.awaitingHeader = this.options.header && split.header === undefined;
    this.useColumns(this.options.columns ?? split.header);
  }

  protected override snapshotSplit(split: FileSplit): FileSplit {
    return this.header === undefined ? split : { ...split, header: this.header };
  }

  protected decodeLine(line: string, output: ReaderOutput<T>): void {
    if (isBlank(line)) return;
    if (this.awaitingHeader) {
      this.readHeader(line);
      return;
    }
    let record: T;
    try {
      record = this.decode(line);
    } catch (error) {
      if (
        this.options.onError === 'skip' &&
        error instanceof WeirError &&
        error.code === 'DESERIALIZATION_FAILED'
      ) {
        this.metrics.skippedRecords++;
        this.errors?.add(1);
        return;
      }
      // The row and where it is, as data for the REST API's exception history.
      if (error instanceof WeirError && error.code === 'DESERIALIZATION_FAILED') {
        throw withFailedRecord(error, line, `file "${this.path}" line ${this.lineNumber}`);
      }
      throw error;
    }
    output.collect(record);
  }

  private readHeader(line: string): void {
    const fields = this.split(line);
    this.awaitingHeader = false;
    this.header = fields;
    if (this.options.columns === undefined) {
      checkColumns(fields, this.options.types, `the header of file "${this.path}"`);
      this.useColumns(fields);
    }
  }

  private useColumns(names: readonly string[] | undefined): void {
    this.names = names;
    this.kinds = names === undefined ? [] : names.map((name) => this.options.types[name] ?? 'string');
  }

  private decode(line: string): T {
    const fields = this.split(line);
    const names = this.names;
    if (names !== undefined && fields.length !== names.length) {
      throw this.error(undefined, `expected ${names.length} fields, found ${fields.length}`);
    }
    const parse = this.options.parse;
    if (parse !== undefined) {
      try {
        return parse(fields, names ?? []);
      } catch (error) {
        throw this.error(undefined, escapeMessage((error as Error)?.message ?? String(error)), error);
      }
    }
    const kinds = this.kinds;
    const record: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i];
      const kind = kinds[i];
      record[names![i]] =
        kind === 'string' ? field : kind === 'number' ? this.toNumber(field, i) : this.toBoolean(field, i);
    }
    return record as T;
  }

  private split(line: string): string[] {
    try {
      return splitCsvLine(line, this.options.delimiter);
    } catch (error) {
      if (error instanceof CsvSyntaxError) throw this.error(error.column, error.message);
      throw error;
    }
  }

  private toNumber(field: string, column: number): number | null {
    if (field.length === 0) return null;
    if (!NUMBER.test(field)) throw this.error(column, `expected a number, found ${inputExcerpt(field)}`);
    return Number(field);
  }

  private toBoolean(field: string, column: number): boolean | null {
    if (field.length === 0) return null;
    const lower = field.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw this.error(column, `expected true or false, found ${inputExcerpt(field)}`);
  }

  private error(column: number | undefined, reason: string, cause?: unknown): WeirError {
    const name = column === undefined ? undefined : this.names?.[column];
    const where =
      column === undefined ? '' : name === undefined ? ` column ${column + 1}` : ` column "${name}"`;
    return new WeirError(
      'DESERIALIZATION_FAILED',
      `cannot parse CSV at file "${this.path}" line ${this.lineNumber}${where}: ${reason}`,
      cause === undefined ? undefined : { cause },
    );
  }
}
