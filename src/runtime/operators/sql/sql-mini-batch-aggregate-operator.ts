import type { Key } from '../../../core/key.ts';
import { KeyMap } from '../../../core/key-map.ts';
import type { MiniBatchSpec } from '../../../graph/sql-mini-batch-spec.ts';
import type { AggCall } from '../../../sql/plan/rel.ts';
import type { KeyedStateBackend } from '../../../state/keyed-state-backend.ts';
import type { OperatorContext } from '../operator-context.ts';
import { MiniBatchTrigger } from './mini-batch-trigger.ts';
import { SqlAggregateOperator } from './sql-aggregate-operator.ts';
import type { SqlAggregates } from './sql-aggregates.ts';

/**
 * Base of the mini-batch aggregates (Flink's MiniBatchGroupAggFunction and the local, global and
 * incremental phases of two-phase aggregation): each buffers its input per key in `buffer`, of
 * entries `P`, and the bundle ends at the trigger's size or latency (MiniBatchTrigger), on a
 * watermark (before it is forwarded), before a checkpoint's snapshot (so a snapshot holds no
 * buffered rows) and at end of input. Then {@link emitBundle} folds the buffer and emits, and the
 * buffer is cleared.
 *
 * @example
 * class Counts extends SqlMiniBatchAggregateOperator<{ n: number }> {
 *   processElement(value: unknown): void {
 *     const key = this.keyed!.getCurrentKey();
 *     const entry = this.buffer.get(key) ?? { n: 0 };
 *     entry.n++;
 *     this.buffer.set(key, entry);
 *     this.trigger.onRow();
 *   }
 *   protected emitBundle(): void {
 *     for (const [key, { n }] of this.buffer) this.output.collect({ kind: '+I', values: [key, n] }, 0);
 *   }
 * }
 */
export abstract class SqlMiniBatchAggregateOperator<P> extends SqlAggregateOperator {
  /** The current bundle, by key. */
  protected readonly buffer = new KeyMap<P>();
  /** Ends the bundle: call `onRow()` after buffering each row. */
  protected readonly trigger: MiniBatchTrigger;

  constructor(
    ctx: OperatorContext,
    miniBatch: Partial<MiniBatchSpec> | undefined,
    aggCalls: readonly (readonly AggCall[] | undefined)[],
  ) {
    super(ctx, aggCalls);
    this.trigger = new MiniBatchTrigger(miniBatch, ctx, () => this.finishBundle());
  }

  /** Folds the (non-empty) buffer of the bundle that ends and emits its output. */
  protected abstract emitBundle(): void;

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
    this.emitBundle();
    this.buffer.clear();
  }
}

/** The local phase's accumulators of one key merged in the current bundle (global phases). */
export interface PendingAccumulators {
  /** The key's values. */
  keys: unknown[];
  acc: unknown[];
  /** The timestamp of the key's last row. */
  timestamp: number;
  keyGroup: number;
}

/**
 * Buffers a local phase's row, `[...key values (keyCount), accumulators]`, for the current key:
 * the first row of a key in the bundle is taken as it is (the local phase made its accumulator for
 * this row alone), later ones are merged into it.
 */
export function bufferAccumulators(
  buffer: KeyMap<PendingAccumulators>,
  backend: KeyedStateBackend,
  values: unknown[],
  keyCount: number,
  aggs: SqlAggregates,
  timestamp: number,
): void {
  const acc = values[keyCount] as unknown[];
  const key: Key = backend.getCurrentKey();
  const pending = buffer.get(key);
  if (pending === undefined) {
    const keyGroup = backend.getCurrentKeyGroup();
    buffer.set(key, { keys: values.slice(0, keyCount), acc, timestamp, keyGroup });
  } else {
    aggs.merge(pending.acc, acc);
    pending.timestamp = timestamp;
  }
}
