/**
 * Drives sources through the SPI the way the runtime does, for connector tests: splits for a
 * parallelism, assigned round-robin to readers, each polled until 'end', awaiting `isAvailable()`
 * whenever it has nothing.
 */
import type { ReaderOutput, Source, SourceReader, SourceReaderContext, SourceSplit } from '../core/source.ts';

export interface ReadOptions {
  /** Parallelism the splits are created for (default 1). */
  readonly parallelism?: number;
  /** Number of readers (default `parallelism`). */
  readonly readers?: number;
  /** `maxRecords` per poll (default 100). */
  readonly maxRecords?: number;
  /** The readers' processing-time clock (default `Date.now`). */
  readonly now?: () => number;
  /** Fails the read after this many polls, so a reader that never ends fails the test (default 1e6). */
  readonly maxPolls?: number;
}

export interface ReadResult<T, S extends SourceSplit> {
  /** Records emitted by each reader, in order. */
  readonly values: T[][];
  /** Timestamps passed with those records. */
  readonly timestamps: (number | undefined)[][];
  readonly readers: SourceReader<T, S>[];
  readonly splits: S[];
}

export function readerContext(
  subtaskIndex: number,
  parallelism: number,
  now: () => number = Date.now,
): SourceReaderContext {
  return { subtaskIndex, parallelism, now, sourceName: 'test-source' };
}

/**
 * An output that keeps what it is given.
 *
 * @example
 * ```ts
 * const out = new ListOutput<number>();
 * reader.pollNext(out, 10);
 * assert.deepEqual(out.values, [1, 2, 3]);
 * ```
 */
export class ListOutput<T> implements ReaderOutput<T> {
  readonly values: T[] = [];
  readonly timestamps: (number | undefined)[] = [];

  collect(value: T, timestamp?: number): void {
    this.values.push(value);
    this.timestamps.push(timestamp);
  }
}

/** Reads a source to the end with `readers` readers; see {@link ReadOptions}. */
export async function readAll<T, S extends SourceSplit>(
  source: Source<T, S>,
  options: ReadOptions = {},
): Promise<ReadResult<T, S>> {
  const parallelism = options.parallelism ?? 1;
  const count = options.readers ?? parallelism;
  const splits = await source.createSplits(parallelism);
  const readers: SourceReader<T, S>[] = [];
  for (let i = 0; i < count; i++) {
    readers.push(source.createReader(readerContext(i, count, options.now)));
  }
  for (const reader of readers) await reader.start?.();
  for (let i = 0; i < splits.length; i++) readers[i % count].addSplits([splits[i]]);
  for (const reader of readers) reader.noMoreSplits();
  const outputs = readers.map(() => new ListOutput<T>());
  try {
    await Promise.all(readers.map((reader, i) => drain(reader, outputs[i], options)));
  } finally {
    for (const reader of readers) await reader.close?.();
  }
  return {
    values: outputs.map((o) => o.values),
    timestamps: outputs.map((o) => o.timestamps),
    readers,
    splits,
  };
}

/** Polls one reader until 'end'. */
export async function drain<T>(
  reader: SourceReader<T, any>,
  output: ReaderOutput<T>,
  options: Pick<ReadOptions, 'maxRecords' | 'maxPolls'> = {},
): Promise<void> {
  const maxRecords = options.maxRecords ?? 100;
  const maxPolls = options.maxPolls ?? 1_000_000;
  for (let polls = 0; polls < maxPolls; polls++) {
    const status = reader.pollNext(output, maxRecords);
    if (status === 'end') return;
    if (status === 'nothing-available') await reader.isAvailable();
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`reader did not end within ${maxPolls} polls`);
}

/** Polls until `count` records were emitted (or the reader ends), for stopping midway. */
export async function take<T>(
  reader: SourceReader<T, any>,
  output: ListOutput<T>,
  count: number,
  maxRecords = 100,
): Promise<void> {
  while (output.values.length < count) {
    const status = reader.pollNext(output, Math.min(maxRecords, count - output.values.length));
    if (status === 'end') return;
    if (status === 'nothing-available') await reader.isAvailable();
  }
}
