import type { Key } from '../../../core/key.ts';
import type { Row } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { TableWindow } from '../../../sql/plan/rel.ts';
import type { MapState } from '../../../state/state.ts';
import { MapStateDescriptor } from '../../../state/state-descriptor.ts';
import type { InternalTimerService, Triggerable } from '../../../time/timer-service.ts';
import { AbstractStreamOperator } from '../abstract-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { compileProjection } from './expression-compiler.ts';
import { comparator, ranks } from './sql-rank-operator.ts';
import { forEachWindow } from './sql-window-join-operator.ts';

/**
 * SQL's window Top-N and window deduplication, as Flink's: keyed by the partition keys other than
 * window_start and window_end, it keeps each window's candidates (by window_end) in order, and when
 * the watermark passes the window's end (`end - 1`) it emits the window's Top-N once, insert-only,
 * each row with its rank as the last field and `end - 1` as timestamp, and drops the window.
 *
 * Only rows that can still rank are kept: at most N for ROW_NUMBER (ties by arrival, the earlier
 * first; a deduplication that keeps the last row puts the newer first), the rows of rank at most N
 * for RANK and DENSE_RANK (ties can keep more). A row whose window has fired already is late:
 * counted (`numLateRecordsDropped`) and dropped. Right over a window table function (TUMBLE, HOP,
 * CUMULATE) the operator assigns each row's windows from its time field and runs the projections
 * and filters in between on each row of each window.
 */
export class SqlWindowRankOperator extends AbstractStreamOperator implements Triggerable {
  private readonly rows: MapState<number, unknown[][]>;
  private readonly compare: (a: unknown[], b: unknown[]) => number;
  private readonly limit: number;
  private readonly newerFirst: boolean;
  private readonly rankFn: 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK';
  private readonly end: number;
  private readonly assign: {
    window: TableWindow;
    time: number;
    calc: (values: unknown[]) => unknown[] | null;
  } | null;
  private readonly timerService: InternalTimerService;
  private readonly late = this.lateRecordsCounter();

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-window-rank');
    this.compare = comparator(config.orderBy ?? []);
    this.limit = config.limit ?? 1;
    this.newerFirst = config.dedup === 'last';
    this.rankFn = config.rankFn ?? 'ROW_NUMBER';
    this.end = config.end ?? 0;
    const a = config.assign ?? null;
    this.assign = a && {
      window: a.window,
      time: a.time,
      calc: compileProjection(a.exprs, a.condition, { now: () => ctx.clock.now() }),
    };
    this.rows = ctx.keyedStateBackend!.getMapState(
      new MapStateDescriptor<number, unknown[][]>('sql-window-rank'),
    );
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
  }

  processElement(value: unknown): void {
    const values = (value as Row).values;
    const assign = this.assign;
    if (assign === null) {
      this.add(values, values[this.end] as number);
      return;
    }
    const time = values[assign.time] as number | null;
    if (time == null) return;
    forEachWindow(assign.window, time, (start, end) => {
      const row = assign.calc(values.concat(start, end, end - 1));
      if (row !== null) this.add(row, row[this.end] as number);
    });
  }

  private add(values: unknown[], end: number): void {
    if (end - 1 <= this.currentWatermark) {
      this.late.add(1);
      return;
    }
    const kept = this.rows.get(end);
    if (kept === undefined) {
      this.rows.put(end, [values]);
      this.timerService.registerEventTimeTimer(end - 1);
      return;
    }
    // The first kept row this one goes before: strictly after it in order, or equal when newer wins.
    const compare = this.compare;
    const newerFirst = this.newerFirst;
    let at = kept.length;
    for (let i = 0; i < kept.length; i++) {
      const c = compare(values, kept[i]);
      if (c < 0 || (c === 0 && newerFirst)) {
        at = i;
        break;
      }
    }
    if (this.rankFn === 'ROW_NUMBER') {
      if (at >= this.limit) return;
      kept.splice(at, 0, values);
      if (kept.length > this.limit) kept.length = this.limit;
    } else {
      kept.splice(at, 0, values);
      // Ranks only grow as rows come: a row past the limit never ranks again.
      const r = ranks(kept, compare, this.rankFn === 'DENSE_RANK');
      let n = kept.length;
      while (n > 0 && r[n - 1] > this.limit) n--;
      kept.length = n;
    }
    this.rows.put(end, kept);
  }

  onEventTime(_key: Key, time: number): void {
    const end = time + 1;
    const kept = this.rows.get(end);
    if (kept === undefined) return;
    this.rows.remove(end);
    const r = this.rankFn === 'ROW_NUMBER' ? null : ranks(kept, this.compare, this.rankFn === 'DENSE_RANK');
    for (let i = 0; i < kept.length; i++) {
      const rank = r === null ? i + 1 : r[i];
      if (rank > this.limit) break;
      const values = kept[i].slice();
      values.push(rank);
      this.output.collect({ kind: '+I', values }, time);
    }
  }

  onProcessingTime(): void {}
}
