import type { Row } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import { AbstractStreamOperator } from '../abstract-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { compileProjection } from './expression-compiler.ts';

/**
 * SQL's Calc: the projection and filter of a query over rows, compiled once per task into one
 * function of the row's values (expression-compiler.ts). A row passes when the condition is TRUE
 * (not FALSE, not NULL) and keeps its row kind, so a retraction stays a retraction.
 */
export class SqlCalcOperator extends AbstractStreamOperator {
  private readonly calc: (values: unknown[]) => unknown[] | null;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-calc');
    this.calc = compileProjection(config.exprs ?? [], config.condition ?? null, {
      now: () => ctx.clock.now(),
    });
  }

  processElement(value: unknown, timestamp: number): void {
    const row = value as Row;
    const values = this.calc(row.values);
    if (values !== null) this.output.collect({ kind: row.kind, values }, timestamp);
  }
}
