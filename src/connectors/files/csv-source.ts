import type { Boundedness, Source, SourceReaderContext } from '../../core/source.ts';
import { type CsvOptions, type ResolvedCsvOptions, resolveCsvOptions } from './csv-options.ts';
import { CsvReader } from './csv-reader.ts';
import { type FileSplit, listFileSplits } from './file-split.ts';

/**
 * A bounded source of CSV rows as objects keyed by column name, from a file or every file in a
 * directory (recursively, in name order, one split per file). Quoting follows RFC 4180 (quoted
 * fields may hold the delimiter and doubled quotes `""`), but a quoted field may not span lines:
 * records are lines. Blank lines are skipped.
 *
 * A row with the wrong number of fields, a bad quote or a value that does not fit its column's type
 * fails with DESERIALIZATION_FAILED naming file, line, column and reason, or with
 * `onError: 'skip'` is skipped and counted: in the job result's `numRecordsInErrors` accumulator
 * (`getRecordsInErrors()` per source), in the source task's `recordsInErrors` metric, and at the end
 * of `weir run` ("weir: skipped 3 bad records in source ...").
 *
 * @example
 * ```ts
 * // data/tx.csv:  id,user,amount,flagged
 * //               1,"Smith, Jo",12.50,false
 * const tx = new CsvSource<{ id: number; user: string; amount: number; flagged: boolean }>('data/tx.csv', {
 *   types: { id: 'number', amount: 'number', flagged: 'boolean' },
 * });
 * env.fromSource(tx, WatermarkStrategy.noWatermarks(), 'transactions');
 * // a bad row: DESERIALIZATION_FAILED: cannot parse CSV at file "data/tx.csv" line 9 column "amount":
 * //            expected a number, found "12,50"
 * ```
 */
export class CsvSource<T = Record<string, unknown>> implements Source<T, FileSplit> {
  readonly boundedness: Boundedness = 'bounded';
  readonly path: string;
  private readonly options: ResolvedCsvOptions<T>;

  constructor(path: string, options: CsvOptions<T> = {}) {
    this.path = path;
    this.options = resolveCsvOptions(options);
  }

  createSplits(_parallelism: number): Promise<FileSplit[]> {
    return listFileSplits(this.path);
  }

  createReader(context: SourceReaderContext): CsvReader<T> {
    return new CsvReader<T>(context, this.options);
  }
}
