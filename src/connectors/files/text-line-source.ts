import type { Boundedness, ReaderOutput, Source, SourceReaderContext } from '../../core/source.ts';
import { type FileSplit, listFileSplits } from './file-split.ts';
import { LineFileReader } from './line-file-reader.ts';

/**
 * A bounded source of the lines of a file, or of every file in a directory (recursively, in name
 * order, one split per file), like Flink's `FileSource.forRecordStreamFormat(new TextLineInputFormat(), path)`.
 * Each line is emitted without its `\n` or `\r\n`, empty lines included; a split's position is a
 * byte offset and a line number, so errors name `file "logs/a.log" line 12` and restores resume
 * at that line.
 *
 * @example
 * ```ts
 * env.fromSource(new TextLineSource('data/access-logs'), WatermarkStrategy.noWatermarks(), 'logs')
 *   .filter((line) => line.includes(' 500 '));
 * ```
 */
export class TextLineSource implements Source<string, FileSplit> {
  readonly boundedness: Boundedness = 'bounded';
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  createSplits(_parallelism: number): Promise<FileSplit[]> {
    return listFileSplits(this.path);
  }

  createReader(context: SourceReaderContext): TextLineReader {
    return new TextLineReader(context);
  }
}

/**
 * The reader of {@link TextLineSource}: emits each line as it is.
 *
 * @example
 * ```ts
 * const reader = new TextLineSource('logs').createReader(context);
 * reader.addSplits(await new TextLineSource('logs').createSplits(1));
 * ```
 */
export class TextLineReader extends LineFileReader<string> {
  protected decodeLine(line: string, output: ReaderOutput<string>): void {
    output.collect(line);
  }
}
