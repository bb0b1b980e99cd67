import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { WeirError } from '../../core/errors.ts';
import type { InvokeContext, Sink, SinkContext } from '../../core/sink.ts';

export interface LineFileSinkOptions {
  /** Characters buffered before they are written (default 256 Ki); the rest is written at finish/close. */
  readonly bufferSize?: number;
}

/**
 * Where a subtask writes: `path` itself when the sink runs with parallelism 1 and `path` does not end
 * with a path separator; otherwise `path` is a directory and subtask i writes `<path>/part-<i><extension>`.
 */
export function partFilePath(path: string, extension: string, context: SinkContext): string {
  const directory = path.endsWith('/') || path.endsWith(sep) || context.parallelism > 1;
  return directory ? join(path, `part-${context.subtaskIndex}${extension}`) : path;
}

/**
 * Writes one line per record to a file per subtask (see {@link partFilePath}), creating parent
 * directories and truncating the file when the sink opens. Lines are buffered and written in
 * batches; `invoke` returns a Promise only when it issued a write, so the runtime's in-flight limit
 * throttles the task while the disk catches up. Writes are not tied to checkpoints: after a restart
 * the file is written again from the start, so use this sink for bounded jobs, tests and debugging,
 * not for exactly-once output.
 *
 * @example
 * ```ts
 * // one CSV-ish line per record
 * stream.sinkTo(new LineFileSink<Trade>('out/trades.csv', '.csv', (t) => `${t.id},${t.price}`));
 * ```
 */
export class LineFileSink<T> implements Sink<T> {
  readonly path: string;
  readonly maxInFlight = 2;
  private readonly extension: string;
  private readonly format: (value: T) => string;
  private readonly bufferSize: number;
  private file = '';
  private handle: FileHandle | undefined;
  private position = 0;
  private lines: string[] = [];
  private buffered = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    path: string,
    extension: string,
    format: (value: T) => string,
    options: LineFileSinkOptions = {},
  ) {
    this.path = path;
    this.extension = extension;
    this.format = format;
    this.bufferSize = options.bufferSize ?? 256 * 1024;
  }

  /** The file this subtask writes, once opened. */
  get filePath(): string {
    return this.file;
  }

  async open(context: SinkContext): Promise<void> {
    this.file = partFilePath(this.path, this.extension, context);
    try {
      await mkdir(dirname(this.file), { recursive: true });
      this.handle = await open(this.file, 'w');
    } catch (error) {
      throw new WeirError(
        'IO_ERROR',
        `cannot open file "${this.file}" for writing: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  invoke(value: T, _context: InvokeContext): void | Promise<void> {
    const line = this.format(value);
    this.lines.push(line);
    this.buffered += line.length + 1;
    if (this.buffered >= this.bufferSize) return this.flush();
  }

  finish(): Promise<void> {
    return this.flush();
  }

  async close(): Promise<void> {
    const handle = this.handle;
    if (handle === undefined) return;
    try {
      await this.flush();
    } finally {
      this.handle = undefined;
      await handle.close();
    }
  }

  /** Writes the buffered lines after the writes already issued. */
  flush(): Promise<void> {
    if (this.lines.length > 0) {
      const data = Buffer.from(this.lines.join('\n') + '\n', 'utf8');
      this.lines = [];
      this.buffered = 0;
      this.writing = this.writing.then(() => this.write(data));
    }
    return this.writing;
  }

  private async write(data: Buffer): Promise<void> {
    const handle = this.handle;
    if (handle === undefined) throw new WeirError('SINK_FAILED', `file sink for "${this.path}" is not open`);
    try {
      for (let done = 0; done < data.length; ) {
        const { bytesWritten } = await handle.write(data, done, data.length - done, this.position);
        done += bytesWritten;
        this.position += bytesWritten;
      }
    } catch (error) {
      throw new WeirError('IO_ERROR', `cannot write file "${this.file}": ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
