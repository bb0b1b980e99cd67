import type { Key } from '../../../core/key.ts';
import type { Row } from '../../../core/row.ts';
import { operatorConfig, type SqlWindowOutputField } from '../../../graph/operator-spec.ts';
import type { ValueState } from '../../../state/state.ts';
import type { InternalTimerService, Triggerable } from '../../../time/timer-service.ts';
import type { OperatorContext } from '../operator-context.ts';
import { SqlAggregateOperator } from './sql-aggregate-operator.ts';
import { createAggregates, type SqlAggregates } from './sql-aggregates.ts';
import { sqlStateDescriptor } from './sql-state.ts';

/** A key's slices: the accumulator of each `step`-long slice with data, by its start. */
type Slices = Record<number, unknown[]>;

const mod = (a: number, b: number): number => ((a % b) + b) % b;

/**
 * SQL's CUMULATE windows (`TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), step, size))`): every `size` a
 * cycle of windows starts, and its windows all start with it and end a `step` apart: `[start, start
 * + step)`, `[start, start + 2 step)`, ... `[start, start + size)`. Each row goes into one
 * `step`-long slice; when time passes a window's end, the window's result is the merge of its
 * cycle's slices so far (a window is emitted when its cycle has rows), and at the cycle's end the
 * slices go. On event time (a rowtime column) the watermark passes the ends, and rows behind it are
 * late: counted and dropped. On processing time (a `PROCTIME()` column) a row is in the slice of the
 * clock's time when it arrives and the clock ends the windows; no row is late.
 */
export class SqlCumulateWindowAggregateOperator extends SqlAggregateOperator implements Triggerable {
  private readonly aggs: SqlAggregates;
  private readonly state: ValueState<Slices>;
  private readonly timerService: InternalTimerService;
  private readonly step: number;
  private readonly size: number;
  private readonly offset: number;
  private readonly keyCount: number;
  private readonly layout: SqlWindowOutputField[];
  private readonly late = this.lateRecordsCounter();
  private readonly rowtime: boolean;
  /** Processing time: the latest timer fired (windows ending at it + 1 or before are done). */
  private processingTimeFired = Number.NEGATIVE_INFINITY;

  constructor(ctx: OperatorContext) {
    const config = operatorConfig(ctx.spec, 'sql-cumulate-window-aggregate');
    super(ctx, [config.aggs]);
    this.aggs = createAggregates(config.aggs ?? [], config.inputTypes ?? [], config.resultTypes ?? []);
    this.step = config.step ?? 1;
    this.size = config.size ?? 1;
    this.offset = config.offset ?? 0;
    this.keyCount = config.keyCount ?? 0;
    this.layout = config.output ?? [];
    this.rowtime = config.rowtime ?? true;
    this.state = ctx.keyedStateBackend!.getState(
      sqlStateDescriptor<Slices>('sql-cumulate-slices', undefined),
    );
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
  }

  processElement(value: unknown, rowtime: number): void {
    const row = value as Row;
    // A row that comes in the millisecond whose windows just fired counts in those still to come.
    const timestamp = this.rowtime ? rowtime : Math.max(this.ctx.clock.now(), this.processingTimeFired + 1);
    const sliceStart = timestamp - mod(timestamp - this.offset, this.step);
    const cycleStart = timestamp - mod(timestamp - this.offset, this.size);
    const cycleEnd = cycleStart + this.size;
    if (this.rowtime && cycleEnd - 1 <= this.currentWatermark) {
      this.late.add(1);
      return;
    }
    const slices = this.state.value() ?? {};
    let acc = slices[sliceStart];
    if (acc === undefined) {
      acc = this.aggs.create();
      slices[sliceStart] = acc;
      // Every window of the cycle from this slice's end on holds the slice.
      for (let end = sliceStart + this.step; end <= cycleEnd; end += this.step) {
        if (!this.rowtime) this.timerService.registerProcessingTimeTimer(end - 1);
        else if (end - 1 > this.currentWatermark) this.timerService.registerEventTimeTimer(end - 1);
      }
    }
    if (row.kind === '-U' || row.kind === '-D') this.aggs.retract(acc, row.values);
    else this.aggs.add(acc, row.values);
    this.state.update(slices);
  }

  onEventTime(key: Key, time: number): void {
    if (this.rowtime) this.fire(key, time);
  }

  onProcessingTime(key: Key, time: number): void {
    if (this.rowtime) return;
    if (time > this.processingTimeFired) this.processingTimeFired = time;
    this.fire(key, time);
  }

  /** Emits the window ending at `time` + 1; at the cycle's end its slices go. */
  private fire(key: Key, time: number): void {
    const slices = this.state.value();
    if (slices === undefined) return;
    const end = time + 1;
    const cycleStart = time - mod(time - this.offset, this.size);
    const merged = this.aggs.create();
    let any = false;
    for (let start = cycleStart; start < end; start += this.step) {
      const acc = slices[start];
      if (acc === undefined) continue;
      this.aggs.merge(merged, acc);
      any = true;
    }
    if (any) {
      const results = this.aggs.results(merged);
      const values = new Array<unknown>(this.layout.length);
      for (let i = 0; i < this.layout.length; i++) {
        const o = this.layout[i];
        if (o.kind === 'agg') values[i] = results[o.index];
        else if (o.kind === 'key')
          values[i] =
            this.keyCount === 1 ? (Array.isArray(key) ? null : key) : (key as unknown as unknown[])[o.index];
        else values[i] = o.prop === 'start' ? cycleStart : o.prop === 'end' ? end : time;
      }
      this.output.collect({ kind: '+I', values }, time);
    }
    if (end === cycleStart + this.size) {
      for (let start = cycleStart; start < end; start += this.step) delete slices[start];
      if (Object.keys(slices).length === 0) this.state.clear();
      else this.state.update(slices);
    }
  }
}
