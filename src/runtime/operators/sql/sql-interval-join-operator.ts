import type { Key } from '../../../core/key.ts';
import type { Row } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { MapState } from '../../../state/state.ts';
import { MapStateDescriptor } from '../../../state/state-descriptor.ts';
import type { InternalTimerService, Triggerable } from '../../../time/timer-service.ts';
import { AbstractCoStreamOperator } from '../co-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { compilePredicate } from './expression-compiler.ts';

/** A buffered row and whether it has joined (an outer row that never did is padded when it expires). */
interface Buffered {
  values: unknown[];
  matched: boolean;
}

/**
 * SQL's interval join, as Flink's: `lower <= leftTime - rightTime <= upper` between two time
 * attributes of the same kind, plus the equi-join keys both inputs are keyed by.
 *
 * Each side buffers its rows per key in MapState, by time. A new row joins the buffered rows of the
 * other side within its bounds (the residual condition deciding), then is buffered itself while rows
 * of the other side can still match it: a left row at `t` until the operator time passes `t - lower`,
 * a right row at `t` until it passes `t + upper`. The operator time is the watermark (the minimum of
 * both inputs') on event time, the clock on processing time, where a row's time is the time it
 * arrives, as in Flink. A timer at that time drops the rows; an outer row that never joined is then
 * emitted padded with NULLs. A row that comes too late to be buffered (the operator time is already
 * past its last match) still joins the rows that are buffered, and on an outer side is padded at once
 * if none matched. A row with a NULL key (or time) joins nothing, and on an outer side is padded at once.
 *
 * The output is insert-only. Its rows carry the time of their left row as timestamp (of their right
 * row in a RIGHT join, and of the row there is in a padded one), the time attribute the output keeps
 * (join-rules.ts); on event time the watermark is held back by `max(-lower, upper) + 1`, so that no
 * row the join emits is late downstream.
 */
export class SqlIntervalJoinOperator extends AbstractCoStreamOperator implements Triggerable {
  private readonly leftRows: MapState<number, Buffered[]>;
  private readonly rightRows: MapState<number, Buffered[]>;
  private readonly timerService: InternalTimerService;
  private readonly residual: ((values: unknown[]) => boolean) | null;
  private readonly leftKeys: number[];
  private readonly rightKeys: number[];
  private readonly leftTime: number;
  private readonly rightTime: number;
  private readonly lower: number;
  private readonly upper: number;
  private readonly rowtime: boolean;
  private readonly leftOuter: boolean;
  private readonly rightOuter: boolean;
  private readonly leftNulls: unknown[];
  private readonly rightNulls: unknown[];
  /** A RIGHT join's rows carry the right row's time; the others' the left row's. */
  private readonly rightTimestamps: boolean;
  private readonly delay: number;
  private readonly late = this.lateRecordsCounter();

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-interval-join');
    const type = config.joinType ?? 'INNER';
    this.leftOuter = type === 'LEFT' || type === 'FULL';
    this.rightOuter = type === 'RIGHT' || type === 'FULL';
    this.rightTimestamps = type === 'RIGHT';
    this.leftKeys = config.leftKeys ?? [];
    this.rightKeys = config.rightKeys ?? [];
    this.leftTime = config.leftTime ?? 0;
    this.rightTime = config.rightTime ?? 0;
    this.lower = config.lowerBound ?? 0;
    this.upper = config.upperBound ?? 0;
    this.rowtime = config.rowtime ?? true;
    this.leftNulls = new Array(config.leftWidth ?? 0).fill(null);
    this.rightNulls = new Array(config.rightWidth ?? 0).fill(null);
    this.delay = Math.max(-this.lower, this.upper, 0) + 1;
    this.residual = config.residual
      ? compilePredicate(config.residual, { now: () => ctx.clock.now() })
      : null;
    const backend = ctx.keyedStateBackend!;
    this.leftRows = backend.getMapState(new MapStateDescriptor<number, Buffered[]>('sql-interval-join-left'));
    this.rightRows = backend.getMapState(
      new MapStateDescriptor<number, Buffered[]>('sql-interval-join-right'),
    );
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
  }

  processElement(value: unknown): void {
    this.process((value as Row).values, true);
  }

  processElement2(value: unknown): void {
    this.process((value as Row).values, false);
  }

  /** Rows behind the watermark may still come: the output watermark waits for them. */
  override processWatermark(time: number): void {
    this.currentWatermark = time;
    this.keyed?.setCurrentWatermark(time);
    this.timerService.advanceWatermark(time);
    this.output.emitWatermark(this.rowtime && Number.isFinite(time) ? time - this.delay : time);
  }

  /** The operator time: the watermark on event time, the clock on processing time. */
  private operatorTime(): number {
    return this.rowtime ? this.currentWatermark : this.ctx.clock.now();
  }

  private process(values: unknown[], left: boolean): void {
    const ownOuter = left ? this.leftOuter : this.rightOuter;
    const keys = left ? this.leftKeys : this.rightKeys;
    const time = this.rowtime
      ? (values[left ? this.leftTime : this.rightTime] as number | null)
      : this.ctx.clock.now();
    let nullKey = time == null;
    for (let i = 0; i < keys.length && !nullKey; i++) nullKey = values[keys[i]] == null;
    if (nullKey) {
      if (ownOuter) this.emitPadded(values, left);
      return;
    }
    const t = time as number;
    // The other side's times this row matches.
    const from = left ? t - this.upper : t + this.lower;
    const to = left ? t - this.lower : t + this.upper;
    const other = left ? this.rightRows : this.leftRows;
    const otherOuter = left ? this.rightOuter : this.leftOuter;
    const residual = this.residual;
    let matched = false;
    for (const [otherTime, bucket] of other.entries()) {
      if (otherTime < from || otherTime > to) continue;
      let changed = false;
      for (let i = 0; i < bucket.length; i++) {
        const b = bucket[i];
        const joined = left ? values.concat(b.values) : b.values.concat(values);
        if (residual !== null && !residual(joined)) continue;
        matched = true;
        this.output.collect({ kind: '+I', values: joined }, left !== this.rightTimestamps ? t : otherTime);
        if (otherOuter && !b.matched) {
          b.matched = true;
          changed = true;
        }
      }
      // Backends that copy values on write need the put; the heap backend keeps the same array.
      if (changed) other.put(otherTime, bucket);
    }
    // Kept while rows of the other side can still match: until the operator time passes `expires`.
    const expires = left ? t - this.lower : t + this.upper;
    if (this.operatorTime() < expires) {
      const own = left ? this.leftRows : this.rightRows;
      const bucket = own.get(t);
      if (bucket === undefined) own.put(t, [{ values, matched }]);
      else {
        bucket.push({ values, matched });
        own.put(t, bucket);
      }
      if (this.rowtime) this.timerService.registerEventTimeTimer(expires + 1);
      else this.timerService.registerProcessingTimeTimer(expires + 1);
    } else if (ownOuter && !matched) this.emitPadded(values, left);
    else if (!matched) this.late.add(1); // joined nothing and never will: dropped
  }

  onEventTime(_key: Key, time: number): void {
    this.expire(time);
  }

  onProcessingTime(_key: Key, time: number): void {
    this.expire(time);
  }

  /** Drops the rows whose last match is behind `time`, padding the outer ones that never joined. */
  private expire(time: number): void {
    const leftAt = time - 1 + this.lower;
    const rightAt = time - 1 - this.upper;
    const left = this.leftRows.get(leftAt);
    if (left !== undefined) {
      this.leftRows.remove(leftAt);
      if (this.leftOuter) for (const b of left) if (!b.matched) this.emitPadded(b.values, true);
    }
    const right = this.rightRows.get(rightAt);
    if (right !== undefined) {
      this.rightRows.remove(rightAt);
      if (this.rightOuter) for (const b of right) if (!b.matched) this.emitPadded(b.values, false);
    }
  }

  private emitPadded(values: unknown[], left: boolean): void {
    const time = this.rowtime ? values[left ? this.leftTime : this.rightTime] : this.ctx.clock.now();
    this.output.collect(
      { kind: '+I', values: left ? values.concat(this.rightNulls) : this.leftNulls.concat(values) },
      typeof time === 'number' ? time : this.currentWatermark,
    );
  }
}
