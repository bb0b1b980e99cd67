import type { Key } from '../../../core/key.ts';
import type { Row } from '../../../core/row.ts';
import { keySelectorFromSpec } from '../../../graph/key-selector-spec.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { OperatorContext } from '../operator-context.ts';
import { createAggregates, type SqlAggregates } from './sql-aggregates.ts';
import { SqlMiniBatchAggregateOperator } from './sql-mini-batch-aggregate-operator.ts';

/** A group's accumulators in the current bundle, with its key values and last timestamp. */
interface LocalGroup {
  keys: unknown[];
  acc: unknown[];
  timestamp: number;
}

/**
 * The local phase of two-phase group aggregation (Flink's LocalGroupAggregate, with
 * `table.optimizer.agg-phase-strategy` AUTO or TWO_PHASE and mini-batch on): before the hash
 * exchange, each subtask folds the rows of a bundle into one accumulator per group (retractions
 * included: counts may go below zero, to be merged into the global accumulator) and, when the
 * bundle ends, emits one `+I` row per group, `[...group key values, accumulators]`. It keeps no
 * state: the bundle is emitted before every checkpoint's snapshot.
 */
export class SqlLocalGroupAggregateOperator extends SqlMiniBatchAggregateOperator<LocalGroup> {
  private readonly groupKeys: number[];
  private readonly aggs: SqlAggregates;
  private readonly keyOf: (row: Row) => Key;

  constructor(ctx: OperatorContext) {
    const config = operatorConfig(ctx.spec, 'sql-local-group-aggregate');
    super(ctx, config.miniBatch, [config.aggs]);
    this.groupKeys = config.groupKeys ?? [];
    this.aggs = createAggregates(config.aggs ?? [], config.inputTypes ?? [], config.resultTypes ?? []);
    this.keyOf =
      this.groupKeys.length === 0
        ? () => 0
        : keySelectorFromSpec({ kind: 'row-fields', indices: this.groupKeys });
  }

  processElement(value: unknown, timestamp: number): void {
    const row = value as Row;
    const key = this.keyOf(row);
    let group = this.buffer.get(key);
    if (group === undefined) {
      const keys = this.groupKeys;
      const values = new Array<unknown>(keys.length);
      for (let i = 0; i < keys.length; i++) values[i] = row.values[keys[i]];
      group = { keys: values, acc: this.aggs.create(), timestamp };
      this.buffer.set(key, group);
    }
    if (row.kind === '-U' || row.kind === '-D') this.aggs.retract(group.acc, row.values);
    else this.aggs.add(group.acc, row.values);
    group.timestamp = timestamp;
    this.trigger.onRow();
  }

  protected emitBundle(): void {
    for (const group of this.buffer.values()) {
      const values = group.keys;
      values.push(group.acc);
      this.output.collect({ kind: '+I', values }, group.timestamp);
    }
  }
}
