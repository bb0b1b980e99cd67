import type { Row } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { ValueState } from '../../../state/state.ts';
import type { OperatorContext } from '../operator-context.ts';
import { emitGroupChange, groupResultRow } from './group-aggregate-changes.ts';
import { SqlAggregateOperator } from './sql-aggregate-operator.ts';
import { createAggregates, type SqlAggregates } from './sql-aggregates.ts';
import { sqlStateDescriptor } from './sql-state.ts';

/** A group's state: its accumulators and the result row last emitted for it. */
interface GroupState {
  acc: unknown[];
  prev: unknown[] | null;
}

/**
 * SQL's GROUP BY without a window, as Flink's group aggregate: keyed by the group key, it keeps
 * each group's accumulators and the last result it emitted, and turns every input change into an
 * output change: the first row of a group emits `+I`, a later change `-U` of the old result and
 * `+U` of the new one (nothing when the result is unchanged), the retraction of a group's last row
 * `-D`. Input rows may themselves be retractions (`-U`, `-D`), which the accumulators take back.
 */
export class SqlGroupAggregateOperator extends SqlAggregateOperator {
  private readonly groupKeys: number[];
  private readonly aggs: SqlAggregates;
  private readonly state: ValueState<GroupState>;

  constructor(ctx: OperatorContext) {
    const config = operatorConfig(ctx.spec, 'sql-group-aggregate');
    super(ctx, [config.aggs]);
    this.groupKeys = config.groupKeys ?? [];
    this.aggs = createAggregates(
      config.aggs ?? [],
      config.inputTypes ?? [],
      config.resultTypes ?? [],
      config.insertOnly === true,
    );
    this.state = ctx.keyedStateBackend!.getState(
      sqlStateDescriptor<GroupState>('sql-group-aggregate', config.stateTtl),
    );
  }

  processElement(value: unknown, timestamp: number): void {
    const row = value as Row;
    const retract = row.kind === '-U' || row.kind === '-D';
    let group = this.state.value();
    if (group === undefined) {
      // A retraction of a group that holds nothing (its state expired) changes nothing.
      if (retract) return;
      group = { acc: this.aggs.create(), prev: null };
    }
    if (retract) this.aggs.retract(group.acc, row.values);
    else this.aggs.add(group.acc, row.values);
    const prev = group.prev;
    if (this.aggs.count(group.acc) <= 0) {
      emitGroupChange(this.output, prev, null, timestamp);
      this.state.clear();
      return;
    }
    const next = groupResultRow(this.groupKeys, row.values, this.aggs.results(group.acc));
    group.prev = next;
    this.state.update(group);
    emitGroupChange(this.output, prev, next, timestamp);
  }
}
