import { LineFileSink, type LineFileSinkOptions } from './line-file-sink.ts';

export interface TextFileSinkOptions<T> extends LineFileSinkOptions {
  /** Renders a record as one line (default `String(value)`); it should not contain newlines. */
  readonly format?: (value: T) => string;
}

/**
 * Writes each record as one line of text. Files follow the rule of {@link JsonLinesFileSink}:
 * `path` itself with parallelism 1, else `<path>/part-<i>.txt`. Not transactional: see
 * {@link LineFileSink}.
 *
 * @example
 * ```ts
 * words.sinkTo(new TextFileSink('out/words.txt'));
 * counts.sinkTo(new TextFileSink('out/counts/', { format: (c) => `${c.word}\t${c.count}` }));
 * ```
 */
export class TextFileSink<T> extends LineFileSink<T> {
  constructor(path: string, options: TextFileSinkOptions<T> = {}) {
    super(path, '.txt', options.format ?? String, options);
  }
}
