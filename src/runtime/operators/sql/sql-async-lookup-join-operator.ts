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
import { compilePredicate, compileScalar } from './expression-compiler.ts';

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
  private readonly keys: ((values: unknown[]) => unknown)[];
  private readonly tableKeys: number[];
  private readonly residual: ((values: unknown[]) => boolean) | null;
  private readonly left: boolean;
  private readonly width: number;
  private readonly table: AsyncTableLookup;
  private readonly tableName: string;
  private readonly timeoutMs: number;

  constructor(ctx: OperatorContext) {
    const config = operatorConfig(ctx.spec, 'sql-async-lookup-join');
    const expressions = { now: () => ctx.clock.now() };
    this.keys = (config.keys ?? []).map((k) => compileScalar(k, expressions));
    this.tableKeys = config.tableKeys ?? [];
    this.residual = config.residual ? compilePredicate(config.residual, expressions) : null;
    this.left = config.joinType === 'LEFT';
    this.width = config.table!.columns.length;
    this.table = createAsyncTableLookup(config.connector!, config.table!);
    this.tableName = config.table!.table;
    this.timeoutMs = Number(config.timeout ?? 0);
  }

  async open(context: RuntimeContext): Promise<void> {
    await this.table.open({
      keys: this.tableKeys,
      subtaskIndex: context.getIndexOfThisSubtask(),
      parallelism: context.getNumberOfParallelSubtasks(),
      now: () => context.currentProcessingTime(),
    });
  }

  async close(): Promise<void> {
    await this.table.close?.();
  }

  asyncInvoke(row: Row, resultFuture: ResultFuture<Row>): void {
    const values = new Array<unknown>(this.keys.length);
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i](row.values);
      if (k === null || k === undefined) {
        this.join(row, NO_ROWS, resultFuture);
        return;
      }
      values[i] = k;
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
    const out: Row[] = [];
    try {
      for (let i = 0; i < found.length; i++) {
        const joined = row.values.concat(found[i]);
        if (this.residual !== null && !this.residual(joined)) continue;
        out.push({ kind: row.kind, values: joined });
      }
    } catch (error) {
      future.completeExceptionally(error);
      return;
    }
    if (out.length === 0 && this.left) {
      out.push({ kind: row.kind, values: row.values.concat(new Array(this.width).fill(null)) });
    }
    future.complete(out);
  }
}

const NO_ROWS: unknown[][] = [];

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
