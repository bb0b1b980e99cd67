import { type FileHandle, open } from 'node:fs/promises';
import { WeirError } from '../../core/errors.ts';
import {
  type InputStatus,
  type ReaderOutput,
  releaseSplitOutput,
  type SourceReader,
  type SourceReaderContext,
  splitOutput,
} from '../../core/source.ts';
import { Availability } from '../collection/availability.ts';
import { type FileChunk, readChunk } from './file-chunk.ts';
import type { FileSplit } from './file-split.ts';

/** Bytes read per chunk (the reader holds at most two chunks per file: current and prefetched). */
export const DEFAULT_CHUNK_SIZE = 1 << 20;

interface OpenFile {
  readonly split: FileSplit;
  handle: FileHandle | undefined;
  size: number;
  chunk: FileChunk | undefined;
  /** Index in `chunk.data` of the next line. */
  pos: number;
  /** Lines consumed so far. */
  line: number;
  next: FileChunk | undefined;
  closed: boolean;
}

/**
 * Reads files line by line. Files are opened and read in chunks in the background, the next chunk
 * while the current one is emitted; `pollNext` only scans bytes for newlines and decodes lines, and
 * returns 'nothing-available' while a chunk is still loading. Lines end with `\n` or `\r\n`; a last
 * line without newline counts; a UTF-8 byte order mark at the start of a file is dropped.
 * Subclasses decode a line into records. Each file's records go to its split's output (its own
 * watermarks); a file read to its end is released.
 *
 * @example
 * ```ts
 * class UpperCaseReader extends LineFileReader<string> {
 *   protected decodeLine(line: string, output: ReaderOutput<string>): void {
 *     output.collect(line.toUpperCase());
 *   }
 * }
 * ```
 */
export abstract class LineFileReader<T> implements SourceReader<T, FileSplit> {
  protected readonly context: SourceReaderContext;
  /** File of the line being decoded. */
  protected path = '';
  /** 1-based number of the line being decoded. */
  protected lineNumber = 0;
  private readonly chunkSize: number;
  private readonly queue: FileSplit[] = [];
  private readonly availability = new Availability();
  private file: OpenFile | undefined;
  private noMore = false;
  private closed = false;
  private failure: unknown;

  constructor(context: SourceReaderContext, chunkSize = DEFAULT_CHUNK_SIZE) {
    this.context = context;
    this.chunkSize = chunkSize;
  }

  /** Decodes one line (without its line ending) and emits its records to `output` (the file's split's). */
  protected abstract decodeLine(line: string, output: ReaderOutput<T>): void;

  /** A split starts (fresh or restored): restore per-file decoding state from it. */
  protected beginSplit(_split: FileSplit): void {}

  /** Adds per-file decoding state to a split being snapshotted. */
  protected snapshotSplit(split: FileSplit): FileSplit {
    return split;
  }

  pollNext(output: ReaderOutput<T>, maxRecords: number): InputStatus {
    if (this.failure !== undefined) throw this.failure;
    const max = Math.max(1, maxRecords);
    let lines = 0;
    while (lines < max) {
      const file = this.file ?? this.openNext();
      if (file === undefined) return this.noMore ? 'end' : this.waiting();
      const chunk = file.chunk;
      if (chunk === undefined) return this.waiting();
      const data = chunk.data;
      const end = data.length;
      if (file.pos >= end) {
        if (chunk.eof) {
          this.finishFile(file);
          releaseSplitOutput(output, file.split.splitId);
        } else if (file.next !== undefined) this.advanceChunk(file, file.next);
        else return this.waiting();
        continue;
      }
      // Resolved once per poll and chunk, not per line.
      const out = splitOutput(output, file.split.splitId);
      while (file.pos < end && lines < max) {
        const start = file.pos;
        const newline = data.indexOf(10, start);
        let stop = newline === -1 ? end : newline;
        file.pos = newline === -1 ? end : newline + 1;
        if (stop > start && data[stop - 1] === 13) stop--;
        this.lineNumber = ++file.line;
        lines++;
        this.decodeLine(data.toString('utf8', start, stop), out);
      }
    }
    return 'more';
  }

  isAvailable(): Promise<void> {
    return this.availability.whenAvailable();
  }

  addSplits(splits: FileSplit[]): void {
    this.queue.push(...splits);
    this.availability.notify();
  }

  noMoreSplits(): void {
    this.noMore = true;
    this.availability.notify();
  }

  snapshotState(_checkpointId: number): FileSplit[] {
    const splits: FileSplit[] = [];
    const file = this.file;
    if (file !== undefined) {
      const offset = file.chunk === undefined ? file.split.offset : file.chunk.offset + file.pos;
      splits.push(this.snapshotSplit({ ...file.split, offset, line: file.line }));
    }
    for (const split of this.queue) splits.push(split);
    return splits;
  }

  currentPosition(): string | undefined {
    return this.path === '' ? undefined : `file "${this.path}" line ${this.lineNumber}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    const file = this.file;
    this.file = undefined;
    if (file !== undefined) await this.closeFile(file);
  }

  private waiting(): InputStatus {
    this.availability.markWaiting();
    return 'nothing-available';
  }

  private openNext(): OpenFile | undefined {
    const split = this.queue.shift();
    if (split === undefined) return undefined;
    const file: OpenFile = {
      split,
      handle: undefined,
      size: 0,
      chunk: undefined,
      pos: 0,
      line: split.line,
      next: undefined,
      closed: false,
    };
    this.file = file;
    this.path = split.path;
    this.lineNumber = split.line;
    this.beginSplit(split);
    this.load(file);
    return file;
  }

  private async load(file: OpenFile): Promise<void> {
    try {
      const handle = await open(file.split.path, 'r');
      if (file.closed) return await handle.close();
      file.handle = handle;
      file.size = (await handle.stat()).size;
      if (file.split.offset > file.size) {
        throw new Error(
          `the file has ${file.size} bytes, fewer than the ${file.split.offset} already read (it was truncated)`,
        );
      }
      const chunk = await readChunk(handle, file.split.offset, this.readSize(file, file.split.offset));
      if (file.closed) return;
      checkNotShrunk(file, chunk);
      const bom =
        chunk.offset === 0 && chunk.data[0] === 0xef && chunk.data[1] === 0xbb && chunk.data[2] === 0xbf;
      this.advanceChunk(file, chunk);
      if (bom) file.pos = 3;
    } catch (error) {
      this.fail(file, error);
    }
    this.availability.notify();
  }

  private advanceChunk(file: OpenFile, chunk: FileChunk): void {
    file.chunk = chunk;
    file.next = undefined;
    file.pos = 0;
    if (chunk.eof || file.handle === undefined) return;
    const offset = chunk.offset + chunk.data.length;
    readChunk(file.handle, offset, this.readSize(file, offset)).then(
      (next) => {
        try {
          checkNotShrunk(file, next);
          file.next = next;
        } catch (error) {
          this.fail(file, error);
        }
        this.availability.notify();
      },
      (error: unknown) => {
        this.fail(file, error);
        this.availability.notify();
      },
    );
  }

  /** One byte more than what is left, so a file's last chunk is known to be the last at once. */
  private readSize(file: OpenFile, offset: number): number {
    return Math.min(this.chunkSize, Math.max(1, file.size - offset + 1));
  }

  private finishFile(file: OpenFile): void {
    this.file = undefined;
    this.closeFile(file).catch((error: unknown) => this.fail(file, error));
  }

  /** `FileHandle.close` waits for pending reads; a handle still opening is closed by `load`. */
  private async closeFile(file: OpenFile): Promise<void> {
    file.closed = true;
    const handle = file.handle;
    file.handle = undefined;
    await handle?.close();
  }

  private fail(file: OpenFile, error: unknown): void {
    if (this.closed || this.failure !== undefined) return;
    this.failure = new WeirError(
      'IO_ERROR',
      `cannot read file "${file.split.path}": ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * A file that ends before the size it had when it was opened was truncated or replaced while being
 * read: an error, not a shorter input that would end the job as if it were complete.
 */
function checkNotShrunk(file: OpenFile, chunk: FileChunk): void {
  const end = chunk.offset + chunk.data.length;
  if (chunk.eof && end < file.size) {
    throw new Error(`the file shrank while it was read: it had ${file.size} bytes, it ends at ${end}`);
  }
}
