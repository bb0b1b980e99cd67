import type { Row } from '../../../core/row.ts';
import { loadUserFunctions } from '../../../core/user-function.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import { AbstractStreamOperator } from '../abstract-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { compileProjection } from './expression-compiler.ts';

/**
 * SQL's Calc: the projection and filter of a query over rows, compiled once per task into one
 * function of the row's values (expression-compiler.ts). A row passes when the condition is TRUE
 * (not FALSE, not NULL) and keeps its row kind, so a retraction stays a retraction. User functions
 * are imported from their modules when the task opens, then compiled in like the built-ins.
 */
export class SqlCalcOperator extends AbstractStreamOperator {
  private calc: ((values: unknown[]) => unknown[] | null) | undefined;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-calc');
    if (Object.keys(config.functions ?? {}).length === 0) this.calc = this.compile(new Map());
  }

  private compile(
    functions: Map<string, (...args: unknown[]) => unknown>,
  ): (values: unknown[]) => unknown[] | null {
    const config = operatorConfig(this.ctx.spec, 'sql-calc');
    return compileProjection(config.exprs ?? [], config.condition ?? null, {
      now: () => this.ctx.clock.now(),
      userFunction: (name) => functions.get(name),
    });
  }

  override async open(): Promise<void> {
    await super.open();
    if (this.calc !== undefined) return;
    const functions = await loadUserFunctions(operatorConfig(this.ctx.spec, 'sql-calc').functions ?? {});
    this.calc = this.compile(functions);
  }

  processElement(value: unknown, timestamp: number): void {
    const row = value as Row;
    const values = this.calc!(row.values);
    if (values !== null) this.output.collect({ kind: row.kind, values }, timestamp);
  }
}
