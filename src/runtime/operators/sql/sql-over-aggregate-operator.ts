import type { Key } from '../../../core/key.ts';
import type { Row } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { ValueState } from '../../../state/state.ts';
import type { InternalTimerService, Triggerable } from '../../../time/timer-service.ts';
import type { OperatorContext } from '../operator-context.ts';
import { SqlAggregateOperator } from './sql-aggregate-operator.ts';
import { createAggregates, type SqlAggregates } from './sql-aggregates.ts';
import { sqlStateDescriptor } from './sql-state.ts';

/** A partition's state: the rows waiting for the watermark, and the window's rows and accumulators. */
interface OverState {
  /** Rows not processed yet, by event time (event-time windows only). */
  pending: Record<number, unknown[][]>;
  acc: unknown[];
  /** The rows in the window, oldest first, with their times: retracted as the window moves on. */
  times: number[];
  rows: unknown[][];
}

/**
 * SQL's OVER aggregation, as Flink's: per partition, each row gets the aggregates of its window of
 * rows, in the order of the time attribute. On event time a row waits in state until the watermark
 * passes its time (rows behind the watermark are late: counted and dropped), then the rows of that
 * time are processed in arrival order; on processing time each row goes at once.
 *
 * - `ROWS BETWEEN n PRECEDING AND CURRENT ROW`: the row and the n rows before it.
 * - `RANGE BETWEEN INTERVAL t PRECEDING AND CURRENT ROW`: the rows of the last t ms, the row's peers
 *   (rows of the same time) included, so peers get the same result.
 * - `UNBOUNDED PRECEDING`: every row so far.
 */
export class SqlOverAggregateOperator extends SqlAggregateOperator implements Triggerable {
  private readonly aggs: SqlAggregates;
  private readonly state: ValueState<OverState>;
  private readonly timerService: InternalTimerService;
  private readonly rowtime: boolean;
  private readonly rowsFrame: boolean;
  private readonly preceding: number | null;
  private readonly time: number;
  private readonly late = this.lateRecordsCounter();

  constructor(ctx: OperatorContext) {
    const config = operatorConfig(ctx.spec, 'sql-over-aggregate');
    super(ctx, [config.aggs]);
    this.aggs = createAggregates(config.aggs ?? [], config.inputTypes ?? [], config.resultTypes ?? []);
    this.rowtime = config.rowtime ?? true;
    this.rowsFrame = config.unit === 'ROWS';
    this.preceding = config.preceding ?? null;
    this.time = config.time ?? 0;
    this.state = ctx.keyedStateBackend!.getState(
      sqlStateDescriptor<OverState>('sql-over-aggregate', config.stateTtl),
    );
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
  }

  private partition(): OverState {
    return this.state.value() ?? { pending: {}, acc: this.aggs.create(), times: [], rows: [] };
  }

  processElement(value: unknown, timestamp: number): void {
    const row = value as Row;
    const state = this.partition();
    if (!this.rowtime) {
      this.emit(state, [row.values], this.ctx.clock.now(), timestamp);
      this.state.update(state);
      return;
    }
    const time = row.values[this.time] as number;
    if (time <= this.currentWatermark) {
      this.late.add(1);
      return;
    }
    const at = state.pending[time];
    if (at === undefined) {
      state.pending[time] = [row.values];
      this.timerService.registerEventTimeTimer(time);
    } else at.push(row.values);
    this.state.update(state);
  }

  onEventTime(_key: Key, time: number): void {
    const state = this.state.value();
    const rows = state?.pending[time];
    if (state === undefined || rows === undefined) return;
    delete state.pending[time];
    this.emit(state, rows, time, time);
    this.state.update(state);
  }

  onProcessingTime(): void {}

  /** Processes the rows of one time in arrival order, emitting each with its window's aggregates. */
  private emit(state: OverState, rows: unknown[][], time: number, timestamp: number): void {
    const aggs = this.aggs;
    if (this.rowsFrame) {
      for (const values of rows) {
        aggs.add(state.acc, values);
        this.output.collect({ kind: '+I', values: values.concat(aggs.results(state.acc)) }, timestamp);
        if (this.preceding === null) continue;
        state.rows.push(values);
        if (state.rows.length > this.preceding) aggs.retract(state.acc, state.rows.shift()!);
      }
      return;
    }
    // RANGE: the row's peers are in its window; rows older than the range leave it.
    for (const values of rows) aggs.add(state.acc, values);
    if (this.preceding !== null) {
      const oldest = time - this.preceding;
      while (state.times.length > 0 && state.times[0] < oldest) {
        state.times.shift();
        aggs.retract(state.acc, state.rows.shift()!);
      }
      for (const values of rows) {
        state.times.push(time);
        state.rows.push(values);
      }
    }
    const results = aggs.results(state.acc);
    for (const values of rows) this.output.collect({ kind: '+I', values: values.concat(results) }, timestamp);
  }
}
