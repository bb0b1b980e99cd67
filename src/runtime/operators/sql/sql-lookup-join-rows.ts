import type { Row } from '../../../core/row.ts';
import type { SqlLookupJoinOperatorConfig } from '../../../graph/operator-spec.ts';
import type { OperatorContext } from '../operator-context.ts';
import { compilePredicate, compileScalar } from './expression-compiler.ts';

/** Where {@link LookupJoinRows.join} puts the joined rows: the operator's output, or a list. */
export interface JoinedRowSink {
  collect(row: Row, timestamp: number): void;
}

/**
 * What the lookup joins (sql-lookup-join-operator.ts, and its async form
 * sql-async-lookup-join-operator.ts) do with a row around the lookup: compute its key, and join
 * the table's rows found for it.
 *
 * @example
 * const rows = new LookupJoinRows(config, ctx);
 * if (rows.keyValues(row.values, keyValues)) found = table.lookup(rows.tableKeys, keyValues);
 * rows.join(row, found, output, timestamp);
 */
export class LookupJoinRows {
  /** The table's fields the key values are looked up in. */
  readonly tableKeys: number[];
  private readonly keys: ((values: unknown[]) => unknown)[];
  private readonly residual: ((values: unknown[]) => boolean) | null;
  private readonly left: boolean;
  private readonly tableNulls: unknown[];

  constructor(config: Partial<SqlLookupJoinOperatorConfig>, ctx: OperatorContext) {
    const expressions = { now: () => ctx.clock.now() };
    this.keys = (config.keys ?? []).map((k) => compileScalar(k, expressions));
    this.tableKeys = config.tableKeys ?? [];
    this.residual = config.residual ? compilePredicate(config.residual, expressions) : null;
    this.left = config.joinType === 'LEFT';
    this.tableNulls = new Array(config.table!.columns.length).fill(null);
  }

  /** How many key values a row has. */
  get keyCount(): number {
    return this.keys.length;
  }

  /** Writes the key values of an input row to `out`; false when one is NULL: it matches nothing. */
  keyValues(values: unknown[], out: unknown[]): boolean {
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i](values);
      if (k === null || k === undefined) return false;
      out[i] = k;
    }
    return true;
  }

  /**
   * Collects each joined row (the input row's fields, then a found row's) that passes the rest of
   * the condition, with the input row's kind; for a LEFT join with none, the input row padded with
   * NULLs for the table's fields.
   */
  join(row: Row, found: readonly unknown[][], out: JoinedRowSink, timestamp: number): void {
    let matched = false;
    for (let i = 0; i < found.length; i++) {
      const joined = row.values.concat(found[i]);
      if (this.residual !== null && !this.residual(joined)) continue;
      matched = true;
      out.collect({ kind: row.kind, values: joined }, timestamp);
    }
    if (!matched && this.left)
      out.collect({ kind: row.kind, values: row.values.concat(this.tableNulls) }, timestamp);
  }
}
