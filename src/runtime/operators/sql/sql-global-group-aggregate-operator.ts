import type { Key } from '../../../core/key.ts';
import type { Row } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { ValueState } from '../../../state/state.ts';
import type { OperatorContext } from '../operator-context.ts';
import { emitGroupChange } from './group-aggregate-changes.ts';
import { createAggregates, type SqlAggregates } from './sql-aggregates.ts';
import {
  bufferAccumulators,
  type PendingAccumulators,
  SqlMiniBatchAggregateOperator,
} from './sql-mini-batch-aggregate-operator.ts';
import { sqlStateDescriptor } from './sql-state.ts';

interface GroupState {
  acc: unknown[];
  prev: unknown[] | null;
}

/**
 * The global phase of two-phase group aggregation (Flink's GlobalGroupAggregate): keyed by the
 * group key, it merges the local phase's accumulators (`[...key values, accumulators]` rows) per
 * bundle, then per key reads its state once, merges the bundle's accumulator into it, writes it
 * once and emits the group's change as the one-phase aggregate does (`+I`, `-U`/`+U`, `-D` when
 * the group's rows, net of retractions, are gone). The bundle is emitted before a checkpoint's
 * snapshot.
 */
export class SqlGlobalGroupAggregateOperator extends SqlMiniBatchAggregateOperator<PendingAccumulators> {
  private readonly keyCount: number;
  private readonly aggs: SqlAggregates;
  private readonly state: ValueState<GroupState>;

  constructor(ctx: OperatorContext) {
    const config = operatorConfig(ctx.spec, 'sql-global-group-aggregate');
    super(ctx, config.miniBatch, [config.aggs]);
    this.keyCount = config.keyCount ?? 0;
    this.aggs = createAggregates(config.aggs ?? [], config.inputTypes ?? [], config.resultTypes ?? []);
    this.state = ctx.keyedStateBackend!.getState(
      sqlStateDescriptor<GroupState>('sql-global-group-aggregate', config.stateTtl),
    );
  }

  processElement(value: unknown, timestamp: number): void {
    bufferAccumulators(this.buffer, this.keyed!, (value as Row).values, this.keyCount, this.aggs, timestamp);
    this.trigger.onRow();
  }

  protected emitBundle(): void {
    const backend = this.keyed!;
    const aggs = this.aggs;
    for (const [key, pending] of this.buffer) {
      backend.setCurrentKeyAndGroup(key as Key, pending.keyGroup);
      let group = this.state.value();
      if (group === undefined) group = { acc: aggs.create(), prev: null };
      aggs.merge(group.acc, pending.acc);
      const prev = group.prev;
      if (aggs.count(group.acc) <= 0) {
        emitGroupChange(this.output, prev, null, pending.timestamp);
        this.state.clear();
        continue;
      }
      const results = aggs.results(group.acc);
      const next = pending.keys;
      for (let i = 0; i < results.length; i++) next.push(results[i]);
      group.prev = next;
      this.state.update(group);
      emitGroupChange(this.output, prev, next, pending.timestamp);
    }
  }
}
