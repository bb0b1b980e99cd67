import type { Row } from '../../../core/row.ts';
import { createTableLookup, type TableLookup } from '../../../core/table-connectors.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import { AbstractStreamOperator } from '../abstract-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { compilePredicate, compileScalar } from './expression-compiler.ts';

/**
 * SQL's lookup join (a temporal join on processing time): each input row computes its key, looks up
 * the table's matching rows through the connector (opened once per task), and emits each joined
 * row (input fields, then the table's) that passes the rest of the condition, with the input row's
 * kind. A LEFT join emits an unmatched row with NULLs for the table's fields. A NULL key matches
 * nothing.
 */
export class SqlLookupJoinOperator extends AbstractStreamOperator {
  private readonly keys: ((values: unknown[]) => unknown)[];
  private readonly tableKeys: number[];
  private readonly residual: ((values: unknown[]) => boolean) | null;
  private readonly left: boolean;
  private readonly width: number;
  private readonly table: TableLookup;
  private readonly keyValues: unknown[];

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-lookup-join');
    const expressions = { now: () => ctx.clock.now() };
    this.keys = (config.keys ?? []).map((k) => compileScalar(k, expressions));
    this.tableKeys = config.tableKeys ?? [];
    this.residual = config.residual ? compilePredicate(config.residual, expressions) : null;
    this.left = config.joinType === 'LEFT';
    this.width = config.table!.columns.length;
    this.table = createTableLookup(config.connector!, config.table!);
    this.keyValues = new Array(this.keys.length);
  }

  override async open(): Promise<void> {
    await super.open();
    await this.table.open();
  }

  processElement(value: unknown, timestamp: number): void {
    const row = value as Row;
    let matched = false;
    let nullKey = false;
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i](row.values);
      if (k === null || k === undefined) nullKey = true;
      this.keyValues[i] = k;
    }
    if (!nullKey) {
      const found = this.table.lookup(this.tableKeys, this.keyValues);
      for (let i = 0; i < found.length; i++) {
        const joined = row.values.concat(found[i]);
        if (this.residual !== null && !this.residual(joined)) continue;
        matched = true;
        this.output.collect({ kind: row.kind, values: joined }, timestamp);
      }
    }
    if (!matched && this.left) {
      const padded = row.values.concat(new Array(this.width).fill(null));
      this.output.collect({ kind: row.kind, values: padded }, timestamp);
    }
  }

  override async close(): Promise<void> {
    await this.table.close?.();
    await super.close();
  }
}
