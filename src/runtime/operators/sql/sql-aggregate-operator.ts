import type { AggCall } from '../../../sql/plan/rel.ts';
import { AbstractStreamOperator } from '../abstract-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { loadUserAggregates } from './sql-user-aggregates.ts';

/**
 * Base of the SQL operators that run aggregate calls (group, OVER and cumulate aggregates, the
 * phases of two-phase and split aggregation): when the operator opens, before its first row, it
 * imports the modules of the user aggregate functions its calls name (sql-user-aggregates.ts).
 * The window aggregates, which extend the window operators, do the same in their own `open()`.
 *
 * @example
 * class MyAggregate extends SqlAggregateOperator {
 *   constructor(ctx: OperatorContext) {
 *     const config = operatorConfig(ctx.spec, 'sql-group-aggregate');
 *     super(ctx, [config.aggs]);
 *   }
 * }
 */
export abstract class SqlAggregateOperator extends AbstractStreamOperator {
  private readonly aggCalls: readonly (readonly AggCall[] | undefined)[];

  /** `aggCalls`: every list of aggregate calls the operator runs (most have one). */
  constructor(ctx: OperatorContext, aggCalls: readonly (readonly AggCall[] | undefined)[]) {
    super(ctx);
    this.aggCalls = aggCalls;
  }

  override async open(): Promise<void> {
    for (const calls of this.aggCalls) await loadUserAggregates(calls);
    await super.open();
  }
}
