import type { Key } from '../../../core/key.ts';
import { KeyMap } from '../../../core/key-map.ts';
import type { Row } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { ValueState } from '../../../state/state.ts';
import { AbstractStreamOperator } from '../abstract-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { emitGroupChange } from './group-aggregate-changes.ts';
import { MiniBatchTrigger } from './mini-batch-trigger.ts';
import { createAggregates, type SqlAggregates } from './sql-aggregates.ts';
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
export class SqlMiniBatchGroupAggregateOperator extends AbstractStreamOperator {
  private readonly groupKeys: number[];
  private readonly aggs: SqlAggregates;
  private readonly state: ValueState<GroupState>;
  private readonly buffer = new KeyMap<Pending>();
  private readonly trigger: MiniBatchTrigger;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-mini-batch-group-aggregate');
    this.groupKeys = config.groupKeys ?? [];
    this.aggs = createAggregates(config.aggs ?? [], config.inputTypes ?? [], config.resultTypes ?? []);
    // The one-phase operator's state name: a savepoint taken with mini-batch off restores with it on.
    this.state = ctx.keyedStateBackend!.getState(
      sqlStateDescriptor<GroupState>('sql-group-aggregate', config.stateTtl),
    );
    this.trigger = new MiniBatchTrigger(config.miniBatch, ctx, () => this.finishBundle());
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

  override processWatermark(time: number): void {
    this.finishBundle();
    super.processWatermark(time);
  }

  override endInput(): void {
    this.finishBundle();
  }

  snapshotState(_checkpointId: number): void {
    this.finishBundle();
  }

  override async close(): Promise<void> {
    this.trigger.reset();
    await super.close();
  }

  /** Folds every buffered key's rows into its state and emits one change per key. */
  private finishBundle(): void {
    this.trigger.reset();
    if (this.buffer.size === 0) return;
    const backend = this.keyed!;
    for (const [key, pending] of this.buffer) {
      backend.setCurrentKeyAndGroup(key as Key, pending.keyGroup);
      this.fold(pending.rows, pending.timestamp);
    }
    this.buffer.clear();
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
    const next = this.resultRow(rows[rows.length - 1].values, group.acc);
    group.prev = next;
    this.state.update(group);
    emitGroupChange(this.output, prev, next, timestamp);
  }

  private resultRow(input: unknown[], acc: unknown[]): unknown[] {
    const keys = this.groupKeys;
    const results = this.aggs.results(acc);
    const out = new Array<unknown>(keys.length + results.length);
    for (let i = 0; i < keys.length; i++) out[i] = input[keys[i]];
    for (let i = 0; i < results.length; i++) out[keys.length + i] = results[i];
    return out;
  }
}
