/** What a file source does with a line it cannot decode: fail the job (default) or skip and count it. */
export type OnBadRecord = 'fail' | 'skip';

/** Counters of a file reader, read by tests and metric reporters. */
export interface FileReaderMetrics {
  /** Lines skipped because they could not be decoded (only with `onError: 'skip'`). */
  skippedRecords: number;
}

/** True for an empty line or one of only spaces and tabs. */
export function isBlank(line: string): boolean {
  if (line.length === 0) return true;
  const first = line.charCodeAt(0);
  return (first === 32 || first === 9) && line.trim().length === 0;
}
