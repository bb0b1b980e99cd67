import './file-connectors.ts';
import './file-table-connector.ts';
import './file-table-sink.ts';

export type { FileReaderMetrics, OnBadRecord } from './bad-record-policy.ts';
export type { CsvColumnType, CsvOptions } from './csv-options.ts';
export { CsvReader } from './csv-reader.ts';
export { CsvSource } from './csv-source.ts';
export {
  ExactlyOnceFileSink,
  type ExactlyOnceFileSinkOptions,
  type PartFileTransaction,
} from './exactly-once-file-sink.ts';
export type { FileSplit } from './file-split.ts';
export { JsonLinesFileSink } from './json-lines-file-sink.ts';
export { type JsonLinesOptions, JsonLinesReader, JsonLinesSource } from './json-lines-source.ts';
export { LineFileSink, type LineFileSinkOptions, partFilePath } from './line-file-sink.ts';
export { TextFileSink, type TextFileSinkOptions } from './text-file-sink.ts';
export { TextLineReader, TextLineSource } from './text-line-source.ts';
