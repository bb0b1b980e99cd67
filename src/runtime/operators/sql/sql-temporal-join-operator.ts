import type { Key } from '../../../core/key.ts';
import type { Row } from '../../../core/row.ts';
import { NO_TIMESTAMP } from '../../../core/stream-element.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { ValueState } from '../../../state/state.ts';
import type { InternalTimerService, Triggerable } from '../../../time/timer-service.ts';
import { AbstractCoStreamOperator } from '../co-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { compilePredicate } from './expression-compiler.ts';
import { sqlStateDescriptor } from './sql-state.ts';

/**
 * What one join key holds: the left rows waiting for the watermark (arrival order), the versions
 * of the right row by ascending time (`null` values: deleted at that time), and the key's one
 * pending event-time timer (null: none).
 */
interface TemporalJoinState {
  left: Row[];
  times: number[];
  versions: (unknown[] | null)[];
  timer: number | null;
}

/**
 * SQL's event-time temporal join (`JOIN versioned FOR SYSTEM_TIME AS OF left.rowtime ON ...`), as
 * Flink's: both inputs are keyed by the equality columns of the ON condition (they hold the
 * versioned table's primary key). The right input's rows are versions of the key's row, each valid
 * from its row time on: `+I` and `+U` start a version, `-D` ends the row's validity (`-U` carries
 * nothing new: the `+U` after it starts the next version). Left rows wait in state until the
 * watermark (the smaller of both inputs') reaches their time; then, in the order they arrived,
 * each is joined with the version valid at its time (the latest with a time <= the row's), if the
 * rest of the ON condition holds; a LEFT join emits a row without such a version padded with
 * NULLs. Joined rows have the left row's kind and time. Versions older than the latest one at or
 * before the watermark are dropped. A left row behind the watermark is not dropped: it is joined at
 * the next watermark, with the versions kept by then (as Flink's). A row with a NULL key matches
 * nothing.
 *
 * @example
 * // SELECT o.order_id, r.rate FROM orders o
 * //   LEFT JOIN rates FOR SYSTEM_TIME AS OF o.order_time AS r ON o.currency = r.currency
 * // rates: +I EUR 114 @09:00, +I EUR 119 @11:15; orders: EUR @10:15, EUR @11:20
 * // at watermark 11:20 → +I [o1, 114], +I [o2, 119]
 */
export class SqlTemporalJoinOperator extends AbstractCoStreamOperator implements Triggerable {
  private readonly state: ValueState<TemporalJoinState>;
  private readonly timerService: InternalTimerService;
  private readonly residual: ((values: unknown[]) => boolean) | null;
  private readonly leftOuter: boolean;
  private readonly leftTime: number;
  private readonly rightTime: number;
  private readonly rightKeys: number[];
  private readonly rightNulls: unknown[];

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-temporal-join');
    this.leftOuter = config.joinType === 'LEFT';
    this.leftTime = config.leftTime ?? 0;
    this.rightTime = config.rightTime ?? 0;
    this.rightKeys = config.rightKeys ?? [];
    this.rightNulls = new Array(config.rightWidth ?? 0).fill(null);
    this.residual = config.residual
      ? compilePredicate(config.residual, { now: () => ctx.clock.now() })
      : null;
    this.state = ctx.keyedStateBackend!.getState(
      sqlStateDescriptor<TemporalJoinState>('sql-temporal-join', config.stateTtl),
    );
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
  }

  /** A left row: kept until the watermark reaches its time. */
  processElement(value: unknown): void {
    const row = value as Row;
    const time = row.values[this.leftTime];
    if (typeof time !== 'number') {
      // No time: no version is valid for it.
      if (this.leftOuter) this.emit(row, this.rightNulls, NO_TIMESTAMP);
      return;
    }
    const state = this.state.value() ?? { left: [], times: [], versions: [], timer: null };
    state.left.push(row);
    this.schedule(state, time);
    this.state.update(state);
  }

  /** A right row: a version of the key's row from its time on. */
  processElement2(value: unknown): void {
    const row = value as Row;
    if (row.kind === '-U') return;
    const values = row.values;
    for (let i = 0; i < this.rightKeys.length; i++) if (values[this.rightKeys[i]] == null) return;
    const time = values[this.rightTime];
    if (typeof time !== 'number') return;
    const state = this.state.value() ?? { left: [], times: [], versions: [], timer: null };
    const times = state.times;
    const version = row.kind === '-D' ? null : values;
    // Versions mostly come in time order: search from the end.
    let i = times.length - 1;
    while (i >= 0 && times[i] > time) i--;
    if (i >= 0 && times[i] === time) state.versions[i] = version;
    else if (i === times.length - 1) {
      times.push(time);
      state.versions.push(version);
    } else {
      times.splice(i + 1, 0, time);
      state.versions.splice(i + 1, 0, version);
    }
    this.schedule(state, time);
    this.state.update(state);
  }

  /** Keeps the key's one timer at the earliest time something is due. */
  private schedule(state: TemporalJoinState, time: number): void {
    if (state.timer !== null && state.timer <= time) return;
    if (state.timer !== null) this.timerService.deleteEventTimeTimer(state.timer);
    this.timerService.registerEventTimeTimer(time);
    state.timer = time;
  }

  onEventTime(_key: Key, _time: number): void {
    const state = this.state.value();
    if (state === undefined) return;
    state.timer = null;
    const watermark = this.currentWatermark;
    const { times, versions } = state;
    let next = Number.POSITIVE_INFINITY;
    let kept = 0;
    const left = state.left;
    for (let i = 0; i < left.length; i++) {
      const row = left[i];
      const time = row.values[this.leftTime] as number;
      if (time > watermark) {
        left[kept++] = row;
        if (time < next) next = time;
        continue;
      }
      const at = latestAtOrBefore(times, time);
      const version = at < 0 ? null : versions[at];
      if (version !== null && (this.residual === null || this.residual(row.values.concat(version)))) {
        this.emit(row, version, time);
      } else if (this.leftOuter) this.emit(row, this.rightNulls, time);
    }
    left.length = kept;
    // Of the versions at or before the watermark only the latest can still be joined.
    const from = latestAtOrBefore(times, watermark);
    let drop = Math.max(from, 0);
    // A deletion with nothing before it is the same as no version at all.
    if (drop < times.length && versions[drop] === null && times[drop] <= watermark) drop++;
    if (drop > 0) {
      times.splice(0, drop);
      versions.splice(0, drop);
    }
    // Versions can go again once the watermark passes the next one.
    if (times.length > 1 && times[1] < next) next = times[1];
    if (times.length > 0 && versions[0] === null && times[0] < next) next = times[0];
    if (left.length === 0 && times.length === 0) {
      this.state.clear();
      return;
    }
    if (next !== Number.POSITIVE_INFINITY) this.schedule(state, next);
    this.state.update(state);
  }

  onProcessingTime(): void {}

  private emit(left: Row, right: unknown[], time: number): void {
    this.output.collect({ kind: left.kind, values: left.values.concat(right) }, time);
  }
}

/** The index of the latest time <= `time` in ascending `times`, or -1. */
function latestAtOrBefore(times: number[], time: number): number {
  let lo = 0;
  let hi = times.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] <= time) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
