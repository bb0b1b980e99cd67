import { Counter } from '../../../core/accumulators.ts';
import type { Key } from '../../../core/key.ts';
import type { Row } from '../../../core/row.ts';
import { operatorConfig, type SqlWindowOutputField } from '../../../graph/operator-spec.ts';
import type { ValueState } from '../../../state/state.ts';
import type { InternalTimerService, Triggerable } from '../../../time/timer-service.ts';
import { AbstractStreamOperator } from '../abstract-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { createAggregates, type SqlAggregates } from './sql-aggregates.ts';
import { sqlStateDescriptor } from './sql-state.ts';

/** A key's slices: the accumulator of each `step`-long slice with data, by its start. */
type Slices = Record<number, unknown[]>;

const mod = (a: number, b: number): number => ((a % b) + b) % b;

/**
 * SQL's CUMULATE windows (`TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), step, size))`), on event time:
 * every `size` a cycle of windows starts, and its windows all start with it and end a `step`
 * apart: `[start, start + step)`, `[start, start + 2 step)`, ... `[start, start + size)`. Each row
 * goes into one `step`-long slice; when the watermark passes a window's end, the window's result is
 * the merge of its cycle's slices so far (a window is emitted when its cycle has rows), and at the
 * cycle's end the slices go. Rows behind the watermark are late: counted and dropped.
 */
export class SqlCumulateWindowAggregateOperator extends AbstractStreamOperator implements Triggerable {
  private readonly aggs: SqlAggregates;
  private readonly state: ValueState<Slices>;
  private readonly timerService: InternalTimerService;
  private readonly step: number;
  private readonly size: number;
  private readonly offset: number;
  private readonly keyCount: number;
  private readonly layout: SqlWindowOutputField[];
  private readonly late = new Counter();

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-cumulate-window-aggregate');
    this.aggs = createAggregates(config.aggs ?? [], config.inputTypes ?? [], config.resultTypes ?? []);
    this.step = config.step ?? 1;
    this.size = config.size ?? 1;
    this.offset = config.offset ?? 0;
    this.keyCount = config.keyCount ?? 0;
    this.layout = config.output ?? [];
    this.state = ctx.keyedStateBackend!.getState(
      sqlStateDescriptor<Slices>('sql-cumulate-slices', undefined),
    );
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
  }

  override async open(): Promise<void> {
    await super.open();
    this.getRuntimeContext().addAccumulator('numLateRecordsDropped', this.late);
  }

  processElement(value: unknown, timestamp: number): void {
    const row = value as Row;
    const sliceStart = timestamp - mod(timestamp - this.offset, this.step);
    const cycleStart = timestamp - mod(timestamp - this.offset, this.size);
    const cycleEnd = cycleStart + this.size;
    if (cycleEnd - 1 <= this.currentWatermark) {
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
        if (end - 1 > this.currentWatermark) this.timerService.registerEventTimeTimer(end - 1);
      }
    }
    if (row.kind === '-U' || row.kind === '-D') this.aggs.retract(acc, row.values);
    else this.aggs.add(acc, row.values);
    this.state.update(slices);
  }

  onEventTime(key: Key, time: number): void {
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

  onProcessingTime(): void {}
}
