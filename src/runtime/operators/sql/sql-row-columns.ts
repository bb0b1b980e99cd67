import type { SqlType } from '../../../core/sql-type.ts';

/**
 * Rows of one join input kept column-wise, in chains: the rows of a key are linked by index in
 * arrival order, and the key's state holds only the index of its first row (a small integer, no
 * object). A numeric column (every SQL type held as a JS number: integers, floating point, DECIMAL,
 * DATE, TIME, TIMESTAMP, intervals) goes into Float64Array chunks, any other into plain arrays, so
 * that keeping a row allocates nothing and the old generation holds a few large arrays instead of
 * one array (and one boxed number per timestamp) per row. A numeric column's value that is not a
 * number (NULL) is kept aside by row index. Rows are rebuilt as arrays only when read.
 *
 * Storage only grows: a chain that is read back out (its key's rows went into row form) leaves its
 * slots unused until {@link clear}.
 */
export class SqlRowColumns {
  readonly width: number;
  /** Rows stored, including the slots of chains read back out. */
  count = 0;
  private readonly numeric: boolean[];
  /** Per column: Float64Array chunks (numeric columns) or array chunks. */
  private readonly chunks: Array<Array<Float64Array | unknown[]>>;
  /** Per numeric column: its values that are not numbers, by row index (null for others). */
  private readonly boxed: Array<Map<number, unknown> | null>;
  /** Next row of the chain (-1: the last), by row index. */
  private readonly nextChunks: Int32Array[] = [];
  /** At a chain's first row: the chain's last row (appends go there). */
  private readonly lastChunks: Int32Array[] = [];

  constructor(types: readonly SqlType[]) {
    this.width = types.length;
    this.numeric = types.map((t) => NUMBER_KINDS.has(t.kind));
    this.chunks = types.map(() => []);
    this.boxed = this.numeric.map((n) => (n ? new Map() : null));
  }

  /** Stores `values` as the first row of a new chain; returns the chain's index. */
  start(values: readonly unknown[]): number {
    const i = this.put(values);
    this.nextChunks[i >>> CHUNK_BITS][i & CHUNK_MASK] = -1;
    this.lastChunks[i >>> CHUNK_BITS][i & CHUNK_MASK] = i;
    return i;
  }

  /** Appends `values` to the chain starting at `head`. */
  append(head: number, values: readonly unknown[]): void {
    const i = this.put(values);
    this.nextChunks[i >>> CHUNK_BITS][i & CHUNK_MASK] = -1;
    const last = this.lastChunks[head >>> CHUNK_BITS];
    const tail = last[head & CHUNK_MASK];
    this.nextChunks[tail >>> CHUNK_BITS][tail & CHUNK_MASK] = i;
    last[head & CHUNK_MASK] = i;
  }

  /** The row after `i` in its chain, or -1. */
  next(i: number): number {
    return this.nextChunks[i >>> CHUNK_BITS][i & CHUNK_MASK];
  }

  /** Writes row `i`'s values into `out` from position `at`. */
  readInto(i: number, out: unknown[], at: number): void {
    const chunk = i >>> CHUNK_BITS;
    const slot = i & CHUNK_MASK;
    for (let c = 0; c < this.width; c++) {
      const boxed = this.boxed[c];
      out[at + c] =
        boxed !== null && boxed.size > 0 && boxed.has(i) ? boxed.get(i) : this.chunks[c][chunk][slot];
    }
  }

  /** Row `i` as a new array. */
  read(i: number): unknown[] {
    const row = new Array<unknown>(this.width);
    this.readInto(i, row, 0);
    return row;
  }

  /** The rows of the chain starting at `head`, in arrival order, as arrays. */
  readChain(head: number): unknown[][] {
    const rows: unknown[][] = [];
    for (let i = head; i >= 0; i = this.next(i)) rows.push(this.read(i));
    return rows;
  }

  /** Drops every row (the chains' indexes become invalid). */
  clear(): void {
    this.count = 0;
    for (const column of this.chunks) column.length = 0;
    for (const boxed of this.boxed) boxed?.clear();
    this.nextChunks.length = 0;
    this.lastChunks.length = 0;
  }

  private put(values: readonly unknown[]): number {
    const i = this.count++;
    const chunk = i >>> CHUNK_BITS;
    const slot = i & CHUNK_MASK;
    if (slot === 0) this.grow();
    for (let c = 0; c < this.width; c++) {
      const v = values[c];
      if (this.numeric[c]) {
        if (typeof v === 'number') (this.chunks[c][chunk] as Float64Array)[slot] = v;
        else this.boxed[c]!.set(i, v);
      } else {
        (this.chunks[c][chunk] as unknown[])[slot] = v;
      }
    }
    return i;
  }

  private grow(): void {
    for (let c = 0; c < this.width; c++)
      this.chunks[c].push(this.numeric[c] ? new Float64Array(CHUNK_SIZE) : new Array(CHUNK_SIZE).fill(null));
    this.nextChunks.push(new Int32Array(CHUNK_SIZE));
    this.lastChunks.push(new Int32Array(CHUNK_SIZE));
  }
}

const CHUNK_BITS = 16;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

/** SQL types whose values are JS numbers (core/sql-type.ts). */
const NUMBER_KINDS: ReadonlySet<SqlType['kind']> = new Set([
  'TINYINT',
  'SMALLINT',
  'INT',
  'BIGINT',
  'FLOAT',
  'DOUBLE',
  'DECIMAL',
  'DATE',
  'TIME',
  'TIMESTAMP',
  'TIMESTAMP_LTZ',
  'INTERVAL_DAY_TIME',
  'INTERVAL_YEAR_MONTH',
]);
