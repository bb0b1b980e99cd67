import { WeirError } from '../../core/errors.ts';
import type { OnBadRecord } from './bad-record-policy.ts';

export type CsvColumnType = 'string' | 'number' | 'boolean';

export interface CsvOptions<T> {
  /** The first non-blank line of each file names the columns (default true). */
  readonly header?: boolean;
  /** Column names; with `header: true` they replace the header line's names, which is then skipped. */
  readonly columns?: readonly string[];
  /** Field delimiter (default `,`). */
  readonly delimiter?: string;
  /**
   * Column types; unnamed columns are strings. A number is a decimal literal (`-1.5`, `2e3`), a
   * boolean is `true` or `false` in any case; an empty field in such a column reads as `null`.
   */
  readonly types?: Readonly<Record<string, CsvColumnType>>;
  /** Builds the record from the raw fields instead (replaces `types`); `header` is `[]` without names. */
  readonly parse?: (fields: string[], header: readonly string[]) => T;
  /** A row that cannot be decoded fails the job ('fail', the default) or is skipped and counted. */
  readonly onError?: OnBadRecord;
}

/** Options with defaults applied, shared by the source and its readers. */
export interface ResolvedCsvOptions<T> {
  readonly header: boolean;
  readonly columns: readonly string[] | undefined;
  readonly delimiter: string;
  readonly types: Readonly<Record<string, CsvColumnType>>;
  readonly parse: ((fields: string[], header: readonly string[]) => T) | undefined;
  readonly onError: OnBadRecord;
}

/** Applies defaults and checks the options (INVALID_ARGUMENT when they contradict). */
export function resolveCsvOptions<T>(options: CsvOptions<T>): ResolvedCsvOptions<T> {
  const delimiter = options.delimiter ?? ',';
  if (delimiter === '' || /["\r\n]/.test(delimiter)) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `CSV delimiter must be non-empty, without quotes or newlines: ${JSON.stringify(delimiter)}`,
    );
  }
  const header = options.header ?? true;
  if (!header && options.columns === undefined && options.parse === undefined) {
    throw new WeirError('INVALID_ARGUMENT', 'CsvSource without a header line needs `columns` or `parse`');
  }
  if (options.parse !== undefined && options.types !== undefined) {
    throw new WeirError('INVALID_ARGUMENT', 'CsvSource takes `types` or `parse`, not both');
  }
  const resolved = {
    header,
    columns: options.columns?.slice(),
    delimiter,
    types: { ...options.types },
    parse: options.parse,
    onError: options.onError ?? 'fail',
  };
  if (resolved.columns !== undefined) checkColumns(resolved.columns, resolved.types, 'the `columns` option');
  return resolved;
}

/** Throws unless column names are unique and every typed column exists. */
export function checkColumns(
  names: readonly string[],
  types: Readonly<Record<string, CsvColumnType>>,
  where: string,
): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new WeirError('INVALID_ARGUMENT', `column "${name}" appears twice in ${where}`);
    seen.add(name);
  }
  for (const name of Object.keys(types)) {
    if (!seen.has(name)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `CSV types name column "${name}", which is not in ${where} (${names.join(', ')})`,
      );
    }
  }
}
