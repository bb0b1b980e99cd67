import type { Row } from '../../../core/row.ts';
import { createTableLookup, type TableLookup } from '../../../core/table-connectors.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import { AbstractStreamOperator } from '../abstract-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { LookupJoinRows } from './sql-lookup-join-rows.ts';

/**
 * SQL's lookup join (a temporal join on processing time): each input row computes its key, looks up
 * the table's matching rows through the connector (opened once per task), and emits each joined
 * row (input fields, then the table's) that passes the rest of the condition, with the input row's
 * kind. A LEFT join emits an unmatched row with NULLs for the table's fields. A NULL key matches
 * nothing.
 */
export class SqlLookupJoinOperator extends AbstractStreamOperator {
  private readonly rows: LookupJoinRows;
  private readonly table: TableLookup;
  private readonly keyValues: unknown[];

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-lookup-join');
    this.rows = new LookupJoinRows(config, ctx);
    this.table = createTableLookup(config.connector!, config.table!);
    this.keyValues = new Array(this.rows.keyCount);
  }

  override async open(): Promise<void> {
    await super.open();
    await this.table.open();
  }

  processElement(value: unknown, timestamp: number): void {
    const row = value as Row;
    const rows = this.rows;
    const found = rows.keyValues(row.values, this.keyValues)
      ? this.table.lookup(rows.tableKeys, this.keyValues)
      : NO_ROWS;
    rows.join(row, found, this.output, timestamp);
  }

  override async close(): Promise<void> {
    await this.table.close?.();
    await super.close();
  }
}

const NO_ROWS: unknown[][] = [];
