import type { AsyncFunctionObject, ResultFuture } from '../../../api/async-function.ts';
import type { RuntimeContext } from '../../../api/runtime-context.ts';
import { WeirError } from '../../../core/errors.ts';
import type { Row } from '../../../core/row.ts';
import {
  type AsyncTableLookup,
  createAsyncTableLookup,
  type TableLookupFuture,
} from '../../../core/table-connectors.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import { AsyncWaitOperator } from '../async-wait-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { type JoinedRowSink, LookupJoinRows } from './sql-lookup-join-rows.ts';

/**
 * SQL's lookup join on a table looked up through I/O (the `jdbc` connector), as Flink runs an async
 * lookup join: an Async I/O operator (async-wait-operator.ts) around a function that computes the
 * input row's key, asks the table for its rows, and completes with the joined rows (input fields,
 * then the table's) that pass the rest of the condition, with the input row's kind. A LEFT join
 * completes an unmatched row with NULLs for the table's fields; a NULL key matches nothing. The
 * operator brings capacity, back-pressure, timeouts, order (`ordered`: rows leave in input order, as
 * Flink's default `table.exec.async-lookup.output-mode`) and checkpoints of the rows in flight.
 */
export class SqlAsyncLookupJoinOperator extends AsyncWaitOperator {
  constructor(ctx: OperatorContext) {
    super({ ...ctx, functions: { ...ctx.functions, fn: new SqlLookupJoinFunction(ctx) } });
  }
}

/** The lookup join's per-row work, as an async function of the Async I/O operator. */
class SqlLookupJoinFunction implements AsyncFunctionObject<Row, Row> {
  private readonly rows: LookupJoinRows;
  private readonly table: AsyncTableLookup;
  private readonly tableName: string;
  private readonly timeoutMs: number;

  constructor(ctx: OperatorContext) {
    const config = operatorConfig(ctx.spec, 'sql-async-lookup-join');
    this.rows = new LookupJoinRows(config, ctx);
    this.table = createAsyncTableLookup(config.connector!, config.table!);
    this.tableName = config.table!.table;
    this.timeoutMs = Number(config.timeout ?? 0);
  }

  async open(context: RuntimeContext): Promise<void> {
    await this.table.open({
      keys: this.rows.tableKeys,
      subtaskIndex: context.getIndexOfThisSubtask(),
      parallelism: context.getNumberOfParallelSubtasks(),
      now: () => context.currentProcessingTime(),
    });
  }

  async close(): Promise<void> {
    await this.table.close?.();
  }

  asyncInvoke(row: Row, resultFuture: ResultFuture<Row>): void {
    const values = new Array<unknown>(this.rows.keyCount);
    if (!this.rows.keyValues(row.values, values)) {
      this.join(row, NO_ROWS, resultFuture);
      return;
    }
    this.table.lookup(values, new JoinFuture(this, row, resultFuture));
  }

  /** A lookup that took longer than the operator's timeout fails the job, naming the table. */
  timeout(_row: Row, resultFuture: ResultFuture<Row>): void {
    resultFuture.completeExceptionally(
      new WeirError(
        'USER_FUNCTION_FAILED',
        `the lookup in table "${this.tableName}" timed out after ${this.timeoutMs} ms (table.exec.async-lookup.timeout)`,
      ),
    );
  }

  /** The joined rows of `row` and the table's `found` rows. */
  join(row: Row, found: unknown[][], future: ResultFuture<Row>): void {
    const out = new JoinedRows();
    try {
      this.rows.join(row, found, out, 0);
    } catch (error) {
      future.completeExceptionally(error);
      return;
    }
    future.complete(out.rows);
  }
}

const NO_ROWS: unknown[][] = [];

/** The joined rows of one input row, for its future. */
class JoinedRows implements JoinedRowSink {
  readonly rows: Row[] = [];

  collect(row: Row): void {
    this.rows.push(row);
  }
}

/** Joins the rows found for one input row, then completes the operator's future. */
class JoinFuture implements TableLookupFuture {
  private readonly fn: SqlLookupJoinFunction;
  private readonly row: Row;
  private readonly future: ResultFuture<Row>;

  constructor(fn: SqlLookupJoinFunction, row: Row, future: ResultFuture<Row>) {
    this.fn = fn;
    this.row = row;
    this.future = future;
  }

  complete(rows: unknown[][]): void {
    this.fn.join(this.row, rows, this.future);
  }

  completeExceptionally(error: unknown): void {
    this.future.completeExceptionally(error);
  }
}
