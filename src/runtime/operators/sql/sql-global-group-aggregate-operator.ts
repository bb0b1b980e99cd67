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

interface GroupState {
  acc: unknown[];
  prev: unknown[] | null;
}

/** The local accumulators of one key merged in the current bundle. */
interface Pending {
  keys: unknown[];
  acc: unknown[];
  timestamp: number;
  keyGroup: number;
}

/**
 * The global phase of two-phase group aggregation (Flink's GlobalGroupAggregate): keyed by the
 * group key, it merges the local phase's accumulators (`[...key values, accumulators]` rows) per
 * bundle, then per key reads its state once, merges the bundle's accumulator into it, writes it
 * once and emits the group's change as the one-phase aggregate does (`+I`, `-U`/`+U`, `-D` when
 * the group's rows, net of retractions, are gone). The bundle is emitted before a checkpoint's
 * snapshot.
 */
export class SqlGlobalGroupAggregateOperator extends AbstractStreamOperator {
  private readonly keyCount: number;
  private readonly aggs: SqlAggregates;
  private readonly state: ValueState<GroupState>;
  private readonly buffer = new KeyMap<Pending>();
  private readonly trigger: MiniBatchTrigger;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-global-group-aggregate');
    this.keyCount = config.keyCount ?? 0;
    this.aggs = createAggregates(config.aggs ?? [], config.inputTypes ?? [], config.resultTypes ?? []);
    this.state = ctx.keyedStateBackend!.getState(
      sqlStateDescriptor<GroupState>('sql-global-group-aggregate', config.stateTtl),
    );
    this.trigger = new MiniBatchTrigger(config.miniBatch, ctx, () => this.finishBundle());
  }

  processElement(value: unknown, timestamp: number): void {
    const values = (value as Row).values;
    const acc = values[this.keyCount] as unknown[];
    const backend = this.keyed!;
    const key = backend.getCurrentKey();
    const pending = this.buffer.get(key);
    if (pending === undefined) {
      // The local phase made this accumulator for this row alone: the bundle takes it as it is.
      const keyGroup = backend.getCurrentKeyGroup();
      this.buffer.set(key, { keys: values.slice(0, this.keyCount), acc, timestamp, keyGroup });
    } else {
      this.aggs.merge(pending.acc, acc);
      pending.timestamp = timestamp;
    }
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

  private finishBundle(): void {
    this.trigger.reset();
    if (this.buffer.size === 0) return;
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
    this.buffer.clear();
  }
}
