import type {
  InputStatus,
  ReaderOutput,
  Source,
  SourceReader,
  SourceReaderContext,
  SourceReaderMetrics,
  SourceSplit,
} from './source.ts';

/**
 * A source whose records are those of another source mapped one to one: a table source reads a
 * connector's records and turns each into a row. Splits, positions, checkpoints and boundedness are
 * the inner source's. The mapping output of each inner output is made once, never per record.
 */
export function mapSource<T, R, S extends SourceSplit>(
  source: Source<T, S>,
  map: (value: T) => R,
): Source<R, S> {
  const mapped: Source<R, S> = {
    boundedness: source.boundedness,
    createSplits: (parallelism) => source.createSplits(parallelism),
    createReader: (context: SourceReaderContext) => new MappedReader(source.createReader(context), map),
  };
  if (source.maxParallelism !== undefined) Object.assign(mapped, { maxParallelism: source.maxParallelism });
  if (source.assignSplit)
    mapped.assignSplit = (split, parallelism) => source.assignSplit!(split, parallelism);
  return mapped;
}

class MappingOutput<T, R> implements ReaderOutput<T> {
  private readonly target: ReaderOutput<R>;
  private readonly map: (value: T) => R;
  private readonly splits = new Map<string, MappingOutput<T, R>>();

  constructor(target: ReaderOutput<R>, map: (value: T) => R) {
    this.target = target;
    this.map = map;
    if (target.createOutputForSplit === undefined) {
      // Keep the shape of the target: no split outputs if it has none.
      this.createOutputForSplit = undefined;
      this.releaseOutputForSplit = undefined;
    }
  }

  collect(value: T, timestamp?: number): void {
    this.target.collect(this.map(value), timestamp);
  }

  createOutputForSplit?(splitId: string): ReaderOutput<T> {
    let out = this.splits.get(splitId);
    if (out === undefined) {
      out = new MappingOutput(this.target.createOutputForSplit!(splitId), this.map);
      this.splits.set(splitId, out);
    }
    return out;
  }

  releaseOutputForSplit?(splitId: string): void {
    this.splits.delete(splitId);
    this.target.releaseOutputForSplit?.(splitId);
  }
}

class MappedReader<T, R, S extends SourceSplit> implements SourceReader<R, S> {
  private readonly inner: SourceReader<T, S>;
  private readonly map: (value: T) => R;
  private lastTarget: ReaderOutput<R> | undefined;
  private lastOutput: MappingOutput<T, R> | undefined;

  constructor(inner: SourceReader<T, S>, map: (value: T) => R) {
    this.inner = inner;
    this.map = map;
    if (inner.start) this.start = () => inner.start!();
    if (inner.close) this.close = () => inner.close!();
    if (inner.notifyCheckpointComplete)
      this.notifyCheckpointComplete = (id) => inner.notifyCheckpointComplete!(id);
    if (inner.currentPosition) this.currentPosition = () => inner.currentPosition!();
    if (inner.readerMetrics) this.readerMetrics = () => inner.readerMetrics!();
  }

  start?(): void | Promise<void>;
  close?(): void | Promise<void>;
  notifyCheckpointComplete?(checkpointId: number): void;
  currentPosition?(): string | undefined;
  readerMetrics?(): SourceReaderMetrics;

  pollNext(output: ReaderOutput<R>, maxRecords: number): InputStatus {
    if (output !== this.lastTarget) {
      this.lastTarget = output;
      this.lastOutput = new MappingOutput(output, this.map);
    }
    return this.inner.pollNext(this.lastOutput!, maxRecords);
  }

  isAvailable(): Promise<void> {
    return this.inner.isAvailable();
  }

  addSplits(splits: S[]): void {
    this.inner.addSplits(splits);
  }

  noMoreSplits(): void {
    this.inner.noMoreSplits();
  }

  snapshotState(checkpointId: number): S[] {
    return this.inner.snapshotState(checkpointId);
  }
}
