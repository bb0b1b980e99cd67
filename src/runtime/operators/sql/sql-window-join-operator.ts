import { WeirError } from '../../../core/errors.ts';
import type { Key } from '../../../core/key.ts';
import type { Row } from '../../../core/row.ts';
import { operatorConfig, type SqlWindowJoinSide } from '../../../graph/operator-spec.ts';
import type { TableWindow } from '../../../sql/plan/rel.ts';
import type { MapState } from '../../../state/state.ts';
import { MapStateDescriptor } from '../../../state/state-descriptor.ts';
import type { InternalTimerService, Triggerable } from '../../../time/timer-service.ts';
import { AbstractCoStreamOperator } from '../co-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { compilePredicate, compileProjection } from './expression-compiler.ts';

/** How one input's rows become the rows of their windows. */
interface Side {
  end: number;
  /** Right over a window table function: the windows of a row's time and the side's row of each. */
  assign: {
    window: TableWindow;
    time: number;
    calc: (values: unknown[]) => unknown[] | null;
  } | null;
  rows: MapState<number, unknown[][]>;
  keys: number[];
}

/**
 * SQL's window join, as Flink's: two windowed inputs joined on their window_start and window_end
 * (and the equi-join keys both inputs are keyed by). The rows of each input are buffered per key and
 * window (by window_end), and when the watermark passes the window's end (`end - 1`) its rows are
 * joined, the residual condition deciding, and dropped: every result comes once, at the end of its
 * window, and no state outlives its window. INNER, LEFT, RIGHT and FULL OUTER: a row of an outer side
 * that joined no row of its window is emitted padded with NULLs when the window fires; a row with a
 * NULL key joins nothing. SEMI (ANTI): each left row with (without) a match in its window, as it is.
 * A row whose window has fired already is late: counted and dropped.
 *
 * An input right from a window table function (TUMBLE, HOP, CUMULATE on event time) gets its windows
 * here, from its time field, and the projections and filters between the table function and the join
 * run on each row of each window. The output is insert-only, each row with its window's `end - 1`
 * as timestamp.
 */
export class SqlWindowJoinOperator extends AbstractCoStreamOperator implements Triggerable {
  private readonly left: Side;
  private readonly right: Side;
  private readonly timerService: InternalTimerService;
  private readonly residual: ((values: unknown[]) => boolean) | null;
  private readonly leftOuter: boolean;
  private readonly rightOuter: boolean;
  /** SEMI or ANTI: the left rows with (without) a match, as they are; else null. */
  private readonly semi: 'SEMI' | 'ANTI' | null;
  private readonly leftNulls: unknown[];
  private readonly rightNulls: unknown[];
  private readonly late = this.lateRecordsCounter();

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-window-join');
    const type = config.joinType ?? 'INNER';
    this.leftOuter = type === 'LEFT' || type === 'FULL';
    this.rightOuter = type === 'RIGHT' || type === 'FULL';
    this.semi = type === 'SEMI' || type === 'ANTI' ? type : null;
    this.leftNulls = new Array(config.leftWidth ?? 0).fill(null);
    this.rightNulls = new Array(config.rightWidth ?? 0).fill(null);
    const expressions = { now: () => ctx.clock.now() };
    this.residual = config.residual ? compilePredicate(config.residual, expressions) : null;
    const backend = ctx.keyedStateBackend!;
    const side = (spec: SqlWindowJoinSide | undefined, keys: number[] | undefined, name: string): Side => ({
      end: spec?.end ?? 0,
      assign: spec?.assign
        ? {
            window: spec.assign.window,
            time: spec.assign.time,
            calc: compileProjection(spec.assign.exprs, spec.assign.condition, expressions),
          }
        : null,
      rows: backend.getMapState(new MapStateDescriptor<number, unknown[][]>(name)),
      keys: keys ?? [],
    });
    this.left = side(config.left, config.leftKeys, 'sql-window-join-left');
    this.right = side(config.right, config.rightKeys, 'sql-window-join-right');
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
  }

  processElement(value: unknown): void {
    this.process(this.left, (value as Row).values);
  }

  processElement2(value: unknown): void {
    this.process(this.right, (value as Row).values);
  }

  private process(side: Side, values: unknown[]): void {
    const assign = side.assign;
    if (assign === null) {
      this.add(side, values, values[side.end] as number);
      return;
    }
    const time = values[assign.time] as number | null;
    if (time == null) return;
    forEachWindow(assign.window, time, (start, end) => {
      const row = assign.calc(values.concat(start, end, end - 1));
      if (row !== null) this.add(side, row, row[side.end] as number);
    });
  }

  private add(side: Side, values: unknown[], end: number): void {
    if (end - 1 <= this.currentWatermark) {
      this.late.add(1);
      return;
    }
    const bucket = side.rows.get(end);
    if (bucket === undefined) side.rows.put(end, [values]);
    else {
      bucket.push(values);
      side.rows.put(end, bucket);
    }
    this.timerService.registerEventTimeTimer(end - 1);
  }

  onEventTime(_key: Key, time: number): void {
    const end = time + 1;
    const left = this.left.rows.get(end) ?? [];
    const right = this.right.rows.get(end) ?? [];
    this.left.rows.remove(end);
    this.right.rows.remove(end);
    if (this.semi !== null) {
      for (const l of left)
        if (this.hasMatch(l, right) === (this.semi === 'SEMI'))
          this.output.collect({ kind: '+I', values: l }, time);
      return;
    }
    const residual = this.residual;
    const rightMatched = this.rightOuter ? new Array<boolean>(right.length).fill(false) : null;
    for (const l of left) {
      let matched = false;
      if (!hasNull(l, this.left.keys)) {
        for (let j = 0; j < right.length; j++) {
          const r = right[j];
          if (hasNull(r, this.right.keys)) continue;
          const joined = l.concat(r);
          if (residual !== null && !residual(joined)) continue;
          matched = true;
          if (rightMatched !== null) rightMatched[j] = true;
          this.output.collect({ kind: '+I', values: joined }, time);
        }
      }
      if (!matched && this.leftOuter)
        this.output.collect({ kind: '+I', values: l.concat(this.rightNulls) }, time);
    }
    if (rightMatched !== null) {
      for (let j = 0; j < right.length; j++)
        if (!rightMatched[j])
          this.output.collect({ kind: '+I', values: this.leftNulls.concat(right[j]) }, time);
    }
  }

  onProcessingTime(): void {}

  private hasMatch(l: unknown[], right: unknown[][]): boolean {
    if (hasNull(l, this.left.keys)) return false;
    const residual = this.residual;
    for (const r of right) {
      if (hasNull(r, this.right.keys)) continue;
      if (residual === null || residual(l.concat(r))) return true;
    }
    return false;
  }
}

function hasNull(values: unknown[], keys: number[]): boolean {
  for (let i = 0; i < keys.length; i++) if (values[keys[i]] == null) return true;
  return false;
}

const mod = (a: number, m: number): number => ((a % m) + m) % m;

/** Calls `f(start, end)` for each window of the window table function `w` that holds time `t`. */
export function forEachWindow(w: TableWindow, t: number, f: (start: number, end: number) => void): void {
  switch (w.kind) {
    case 'tumble': {
      const start = t - mod(t - w.offset, w.size);
      f(start, start + w.size);
      return;
    }
    case 'hop': {
      // Earliest window first, as Flink's sliding assigner lists them.
      const last = t - mod(t - w.offset, w.slide);
      let first = last;
      while (first - w.slide > t - w.size) first -= w.slide;
      for (let start = first; start <= last; start += w.slide) f(start, start + w.size);
      return;
    }
    case 'cumulate': {
      const start = t - mod(t - w.offset, w.size);
      for (let end = start + w.step; end <= start + w.size; end += w.step) if (end > t) f(start, end);
      return;
    }
    case 'session':
      throw new WeirError(
        'SQL_UNSUPPORTED',
        'SESSION windows are assigned by merging, not by time: a window join cannot assign them',
      );
  }
}
