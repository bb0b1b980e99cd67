import type { Key } from '../../../core/key.ts';
import type { Row } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { ValueState } from '../../../state/state.ts';
import type { OperatorContext } from '../operator-context.ts';
import { emitGroupChange, groupResultRow } from './group-aggregate-changes.ts';
import { createAggregates, type SqlAggregates } from './sql-aggregates.ts';
import { SqlMiniBatchAggregateOperator } from './sql-mini-batch-aggregate-operator.ts';
import { sqlStateDescriptor } from './sql-state.ts';

/** A group's state: its accumulators and the result row last emitted for it (as the one-phase operator's). */
interface GroupState {
  acc: unknown[];
  prev: unknown[] | null;
}

/** The rows of one key in the current bundle, the timestamp of the last, and the key's group. */
interface Pending {
  rows: Row[];
  timestamp: number;
  keyGroup: number;
}

/**
 * SQL's GROUP BY with `table.exec.mini-batch.enabled`, as Flink's MiniBatchGroupAggFunction: rows
 * are buffered per key, and when the bundle ends (MiniBatchTrigger: size or processing-time latency;
 * also a watermark, a checkpoint and end of input) each key's state is read once, its rows folded
 * into the accumulators in arrival order, the state written once, and one change emitted per key:
 * `+I` for a new group, `-U`/`+U` when its result changed, `-D` when it emptied. Retractions at the
 * head of a key's rows for a group that holds nothing are dropped, as in Flink. The bundle is
 * emitted before a checkpoint's snapshot is taken, so a snapshot holds no buffered rows.
 */
export class SqlMiniBatchGroupAggregateOperator extends SqlMiniBatchAggregateOperator<Pending> {
  private readonly groupKeys: number[];
  private readonly aggs: SqlAggregates;
  private readonly state: ValueState<GroupState>;

  constructor(ctx: OperatorContext) {
    const config = operatorConfig(ctx.spec, 'sql-mini-batch-group-aggregate');
    super(ctx, config.miniBatch, [config.aggs]);
    this.groupKeys = config.groupKeys ?? [];
    this.aggs = createAggregates(config.aggs ?? [], config.inputTypes ?? [], config.resultTypes ?? []);
    // The one-phase operator's state name: a savepoint taken with mini-batch off restores with it on.
    this.state = ctx.keyedStateBackend!.getState(
      sqlStateDescriptor<GroupState>('sql-group-aggregate', config.stateTtl),
    );
  }

  processElement(value: unknown, timestamp: number): void {
    const backend = this.keyed!;
    const key = backend.getCurrentKey();
    let pending = this.buffer.get(key);
    if (pending === undefined) {
      pending = { rows: [], timestamp, keyGroup: backend.getCurrentKeyGroup() };
      this.buffer.set(key, pending);
    }
    pending.rows.push(value as Row);
    pending.timestamp = timestamp;
    this.trigger.onRow();
  }

  /** Folds every buffered key's rows into its state and emits one change per key. */
  protected emitBundle(): void {
    const backend = this.keyed!;
    for (const [key, pending] of this.buffer) {
      backend.setCurrentKeyAndGroup(key as Key, pending.keyGroup);
      this.fold(pending.rows, pending.timestamp);
    }
  }

  private fold(rows: Row[], timestamp: number): void {
    const aggs = this.aggs;
    let group = this.state.value();
    let i = 0;
    if (group === undefined) {
      // No accumulator is made for retractions: of a group that holds nothing (its state expired).
      while (i < rows.length && (rows[i].kind === '-U' || rows[i].kind === '-D')) i++;
      if (i === rows.length) return;
      group = { acc: aggs.create(), prev: null };
    }
    for (; i < rows.length; i++) {
      const row = rows[i];
      if (row.kind === '-U' || row.kind === '-D') aggs.retract(group.acc, row.values);
      else aggs.add(group.acc, row.values);
    }
    const prev = group.prev;
    if (aggs.count(group.acc) <= 0) {
      emitGroupChange(this.output, prev, null, timestamp);
      this.state.clear();
      return;
    }
    const next = groupResultRow(this.groupKeys, rows[rows.length - 1].values, aggs.results(group.acc));
    group.prev = next;
    this.state.update(group);
    emitGroupChange(this.output, prev, next, timestamp);
  }
}
