import type { Key } from '../../../core/key.ts';
import { KeyMap } from '../../../core/key-map.ts';
import { type Row, sameValues } from '../../../core/row.ts';
import { keySelectorFromSpec } from '../../../graph/key-selector-spec.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { ValueState } from '../../../state/state.ts';
import type { OperatorContext } from '../operator-context.ts';
import { createAggregates, type SqlAggregates } from './sql-aggregates.ts';
import {
  bufferAccumulators,
  type PendingAccumulators,
  SqlMiniBatchAggregateOperator,
} from './sql-mini-batch-aggregate-operator.ts';
import { sqlStateDescriptor } from './sql-state.ts';

/** A final group's accumulator of the changes in this bundle. */
interface FinalDelta {
  keys: unknown[];
  acc: unknown[];
  timestamp: number;
}

/**
 * Flink's IncrementalGroupAggregate, for split distinct aggregation in two phases: the global phase
 * of the partial aggregate (keyed by group keys and bucket) and the local phase of the final one in
 * one operator. Per bundle, each partial key's local accumulators are merged into its state, and its
 * results before and after go to the final group's accumulator as a retraction and an addition (as
 * the partial aggregate's `-U`/`+U` rows would); at the end of the bundle one `+I` row per final
 * group, `[...final key values, accumulators]`, goes to the final GlobalGroupAggregate. The bundle
 * is emitted before a checkpoint's snapshot.
 */
export class SqlIncrementalGroupAggregateOperator extends SqlMiniBatchAggregateOperator<PendingAccumulators> {
  private readonly partialKeyCount: number;
  private readonly finalKeyCount: number;
  private readonly partial: SqlAggregates;
  private readonly final: SqlAggregates;
  private readonly state: ValueState<unknown[]>;
  /** The final group key of a partial key's values (the planner's key of the final exchange). */
  private readonly finalKeyOf: (row: { values: unknown[] }) => Key;

  constructor(ctx: OperatorContext) {
    const config = operatorConfig(ctx.spec, 'sql-incremental-group-aggregate');
    super(ctx, config.miniBatch, [config.partialAggs, config.finalAggs]);
    this.partialKeyCount = config.partialKeyCount ?? 0;
    this.finalKeyCount = config.finalKeyCount ?? 0;
    this.partial = createAggregates(
      config.partialAggs ?? [],
      config.partialInputTypes ?? [],
      config.partialResultTypes ?? [],
    );
    this.final = createAggregates(
      config.finalAggs ?? [],
      config.finalInputTypes ?? [],
      config.finalResultTypes ?? [],
    );
    this.state = ctx.keyedStateBackend!.getState(
      sqlStateDescriptor<unknown[]>('sql-incremental-group-aggregate', config.stateTtl),
    );
    const finalKeys = Array.from({ length: this.finalKeyCount }, (_, i) => i);
    this.finalKeyOf =
      finalKeys.length === 0 ? () => 0 : keySelectorFromSpec({ kind: 'row-fields', indices: finalKeys });
  }

  processElement(value: unknown, timestamp: number): void {
    const values = (value as Row).values;
    bufferAccumulators(this.buffer, this.keyed!, values, this.partialKeyCount, this.partial, timestamp);
    this.trigger.onRow();
  }

  protected emitBundle(): void {
    const backend = this.keyed!;
    const partial = this.partial;
    const finals = new KeyMap<FinalDelta>();
    for (const [key, pending] of this.buffer) {
      backend.setCurrentKeyAndGroup(key as Key, pending.keyGroup);
      let acc = this.state.value();
      const before = acc === undefined ? null : this.partialRow(pending.keys, acc);
      if (acc === undefined) acc = partial.create();
      partial.merge(acc, pending.acc);
      let after: unknown[] | null = null;
      if (partial.count(acc) <= 0) this.state.clear();
      else {
        after = this.partialRow(pending.keys, acc);
        this.state.update(acc);
      }
      if (before !== null && after !== null && sameValues(before, after)) continue;
      const finalKey = this.finalKeyOf({ values: pending.keys });
      let delta = finals.get(finalKey);
      if (delta === undefined) {
        delta = { keys: pending.keys.slice(0, this.finalKeyCount), acc: this.final.create(), timestamp: 0 };
        finals.set(finalKey, delta);
      }
      if (before !== null) this.final.retract(delta.acc, before);
      if (after !== null) this.final.add(delta.acc, after);
      delta.timestamp = pending.timestamp;
    }
    for (const delta of finals.values()) {
      const values = delta.keys;
      values.push(delta.acc);
      this.output.collect({ kind: '+I', values }, delta.timestamp);
    }
  }

  /** The partial aggregate's output row: its keys, then its results. */
  private partialRow(keys: unknown[], acc: unknown[]): unknown[] {
    const results = this.partial.results(acc);
    const row = new Array<unknown>(keys.length + results.length);
    for (let i = 0; i < keys.length; i++) row[i] = keys[i];
    for (let i = 0; i < results.length; i++) row[keys.length + i] = results[i];
    return row;
  }
}
