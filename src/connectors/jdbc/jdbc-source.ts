import { WeirError } from '../../core/errors.ts';
import type { Boundedness, Source, SourceReaderContext } from '../../core/source.ts';
import { jdbcDialect } from './jdbc-dialect.ts';
import { jdbcError } from './jdbc-errors.ts';
import { resolveJdbcOptions } from './jdbc-options.ts';
import { createJdbcPool } from './jdbc-pool.ts';
import type { JdbcRow, JdbcSourceOptions, ResolvedJdbcSourceOptions } from './jdbc-source-options.ts';
import { JdbcSourceReader } from './jdbc-source-reader.ts';
import { discoveredBound, type JdbcSourceSplit, planRanges, toBound } from './jdbc-source-split.ts';

/**
 * A bounded, parallel source of the rows of a PostgreSQL or MariaDB/MySQL table, split by ranges
 * of a numeric column as Flink's JDBC source with `partitionColumn`, `lowerBound`, `upperBound`
 * and `numPartitions`. Each reader pages through its ranges with keyset paging (`ORDER BY keys
 * LIMIT n`, then `WHERE keys > last`), so a checkpoint holds the last key read of each range and a
 * restored job resumes after it: no row is read twice and none is skipped, as long as the rows
 * already read do not change. Pages are separate statements, not one snapshot: rows inserted or
 * updated during the read may or may not be seen.
 *
 * A query that fails after its retries fails the job with SOURCE_FAILED, naming the source, the
 * table and range, the database (never the password) and the statement.
 *
 * @example
 * ```ts
 * const orders = new JdbcSource({
 *   connection: { dialect: 'postgres', url: 'postgres://app@127.0.0.1:5432/shop' },
 *   table: 'orders',
 *   columns: ['id', 'customer', 'total'],
 *   partitionColumn: 'id',
 *   numPartitions: 8,
 *   mapRow: (row) => ({ id: Number(row.id), customer: String(row.customer), total: Number(row.total) }),
 * });
 * env.fromSource(orders, WatermarkStrategy.noWatermarks(), 'orders').setParallelism(4);
 * ```
 */
export class JdbcSource<T = JdbcRow> implements Source<T, JdbcSourceSplit> {
  readonly boundedness: Boundedness = 'bounded';
  private readonly options: ResolvedJdbcSourceOptions<T>;
  private readonly lowerBound: bigint | undefined;
  private readonly upperBound: bigint | undefined;
  private readonly numPartitions: number | undefined;

  constructor(options: JdbcSourceOptions<T>) {
    resolveJdbcOptions(options.connection);
    const name = (value: unknown, what: string): string => {
      if (typeof value !== 'string' || value.length === 0) {
        throw new WeirError('INVALID_ARGUMENT', `JdbcSource: ${what} must be a non-empty string`);
      }
      return value;
    };
    const table = name(options.table, 'table');
    const partitionColumn = name(options.partitionColumn, 'partitionColumn');
    const keyColumns = (options.keyColumns ?? [partitionColumn]).map((c) => name(c, 'a key column'));
    if (keyColumns.length === 0) {
      throw new WeirError('INVALID_ARGUMENT', 'JdbcSource: keyColumns must name at least one column');
    }
    const columns = options.columns?.map((c) => name(c, 'a column'));
    const fetchSize = options.fetchSize ?? 1_000;
    if (!Number.isInteger(fetchSize) || fetchSize < 1) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `JdbcSource: fetchSize must be a positive integer, got ${fetchSize}`,
      );
    }
    const numPartitions = options.numPartitions;
    if (numPartitions !== undefined && !(Number.isInteger(numPartitions) && numPartitions >= 1)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `JdbcSource: numPartitions must be a positive integer, got ${numPartitions}`,
      );
    }
    this.lowerBound =
      options.lowerBound === undefined ? undefined : toBound(options.lowerBound, 'lowerBound');
    this.upperBound =
      options.upperBound === undefined ? undefined : toBound(options.upperBound, 'upperBound');
    if (this.lowerBound !== undefined && this.upperBound !== undefined && this.upperBound < this.lowerBound) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `JdbcSource: lowerBound ${this.lowerBound} is above upperBound ${this.upperBound}`,
      );
    }
    this.numPartitions = numPartitions;
    this.options = {
      connection: options.connection,
      table,
      columns,
      partitionColumn,
      keyColumns,
      where: options.where,
      fetchSize,
      mapRow: options.mapRow ?? ((row) => row as T),
      retry: options.retry,
    };
  }

  /**
   * `numPartitions` ranges (default `parallelism`) of the bounds, discovered first if not given.
   * An empty table (no bounds to discover) has no splits.
   */
  async createSplits(parallelism: number): Promise<JdbcSourceSplit[]> {
    let lower = this.lowerBound;
    let upper = this.upperBound;
    if (lower === undefined || upper === undefined) {
      const found = await this.discoverBounds();
      if (found === undefined) return [];
      lower ??= found.min;
      upper ??= found.max;
      if (upper < lower) return [];
    }
    return planRanges(lower, upper, this.numPartitions ?? Math.max(1, parallelism));
  }

  createReader(context: SourceReaderContext): JdbcSourceReader<T> {
    return new JdbcSourceReader<T>(context, this.options);
  }

  /** `SELECT MIN(c), MAX(c)` over the rows read; undefined when there are none. */
  private async discoverBounds(): Promise<{ min: bigint; max: bigint } | undefined> {
    const { connection, table, partitionColumn, where } = this.options;
    const d = jdbcDialect(connection.dialect);
    const column = d.quoteIdentifier(partitionColumn);
    const sql = `SELECT MIN(${column}) AS lo, MAX(${column}) AS hi FROM ${d.quoteTable(table)}${where === undefined ? '' : ` WHERE ${where}`}`;
    const pool = createJdbcPool({ ...connection, poolSize: 1 });
    try {
      let rows: { lo: unknown; hi: unknown }[];
      try {
        rows = await pool.query<{ lo: unknown; hi: unknown }>(sql);
      } catch (error) {
        throw jdbcError(error, {
          pool,
          action: `cannot find the bounds of column "${partitionColumn}" of table "${table}"`,
          statement: sql,
          code: 'SOURCE_FAILED',
        });
      }
      const { lo, hi } = rows[0] ?? {};
      if (lo === null || lo === undefined || hi === null || hi === undefined) return undefined;
      return {
        min: discoveredBound(lo, 'min', partitionColumn),
        max: discoveredBound(hi, 'max', partitionColumn),
      };
    } finally {
      await pool.end().catch(() => {});
    }
  }
}
