import type { Key } from '../../../core/key.ts';
import type { Row } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { ValueState } from '../../../state/state.ts';
import { ValueStateDescriptor } from '../../../state/state-descriptor.ts';
import { ceilTo, dropFront, floorTo, gcd, lowerBound, mod } from '../../../time/windows/time-arithmetic.ts';
import type { TimeWindow } from '../../../time/windows/window.ts';
import type { WindowAssigner } from '../../../time/windows/window-assigner.ts';
import { windowAssignerFromSpec } from '../../../time/windows/window-assigner-spec.ts';
import type { OperatorContext } from '../operator-context.ts';
import { SqlAggregateOperator } from './sql-aggregate-operator.ts';
import { createAggregates, type SqlAggregates } from './sql-aggregates.ts';

/** A key's slices; the shape of the sliced window operator's state (sliced-window-operator.ts). */
interface KeySlices {
  /** Slice starts, ascending. */
  starts: number[];
  /** The accumulator of each slice (parallel to `starts`). */
  values: unknown[][];
  /** The key's next due time: the end − 1 of the next window of its slices to fire (Infinity: none). */
  timer: number;
  windowStates: undefined;
}

/** The keys due at one time, in the order they became due, with their key groups. */
interface DueKeys {
  keys: Key[];
  groups: number[];
}

/**
 * SQL's TUMBLE and HOP aggregates on event time, by slices (docs/windows-slicing.md): each row
 * updates the accumulator of one slice of length gcd(size, slide), and when the watermark passes a
 * window's end − 1, the window's result is the merge of its slices, emitted as the plan lays it out
 * (group keys, aggregate results, window start, end and rowtime `end − 1`). A row behind the
 * watermark in every window it falls in is late: counted (`numLateRecordsDropped`) and dropped.
 *
 * The state per key is the sliced window operator's (its slices and its next due time), but the
 * operator does not use the timer service: every key's windows end at the same few times, so the
 * keys due at a time are kept in one array per time, and the watermark walks the arrays in time
 * order. A key whose due time moves earlier (a row of an earlier slice) is listed again; its old
 * entry is skipped, as it no longer matches the key's due time. The arrays are not in snapshots:
 * on restore they are rebuilt from the keys' due times. So a key costs an array push per window it
 * fires, not a hash-map insert and delete in a timer queue.
 */
export class SqlSlicingWindowAggregateOperator extends SqlAggregateOperator {
  private readonly aggs: SqlAggregates;
  private readonly state: ValueState<KeySlices>;
  private readonly assigner: WindowAssigner<unknown, TimeWindow>;
  private readonly size: number;
  private readonly slide: number;
  private readonly offset: number;
  private readonly sliceSize: number;
  /** Window ends are `endPhase` modulo the slide. */
  private readonly endPhase: number;
  private readonly keyCount: number;
  /** The output row's fields, as the plan lays them out: what each is (FIELD_*) and its index. */
  private readonly fields: Uint8Array;
  private readonly indexes: Int32Array;
  private readonly late = this.lateRecordsCounter();
  /** Keys by due time, and the due times listed, ascending. */
  private readonly due = new Map<number, DueKeys>();
  private readonly dueTimes: number[] = [];
  /** The time and keys last listed at (NaN: none, or fired since). */
  private lastDueTime = Number.NaN;
  private lastDue: DueKeys | undefined = undefined;
  /** The slice of the last row, and the first end of its windows (NaN: none yet). */
  private lastSliceStart = Number.NaN;
  private lastFirstEnd = Number.NaN;

  constructor(ctx: OperatorContext) {
    const config = operatorConfig(ctx.spec, 'sql-slicing-window-aggregate');
    super(ctx, [config.aggs]);
    this.aggs = createAggregates(
      config.aggs ?? [],
      config.inputTypes ?? [],
      config.resultTypes ?? [],
      config.insertOnly === true,
    );
    const spec = config.assigner!;
    if (spec.kind !== 'sliding-event-time' && spec.kind !== 'tumbling-event-time')
      throw new Error(`the slicing window aggregate takes event-time TUMBLE and HOP, not ${spec.kind}`);
    this.assigner = windowAssignerFromSpec(spec) as WindowAssigner<unknown, TimeWindow>;
    this.size = Number(spec.size);
    this.slide = spec.kind === 'sliding-event-time' ? Number(spec.slide) : this.size;
    this.offset = Number(spec.offset ?? 0);
    this.sliceSize = gcd(this.size, this.slide);
    this.endPhase = mod(this.offset + this.size, this.slide);
    this.keyCount = config.keyCount ?? 0;
    const layout = config.output ?? [];
    this.fields = Uint8Array.from(layout, (o) =>
      o.kind === 'agg'
        ? FIELD_AGG
        : o.kind === 'key'
          ? FIELD_KEY
          : o.prop === 'start'
            ? FIELD_START
            : o.prop === 'end'
              ? FIELD_END
              : FIELD_ROWTIME,
    );
    this.indexes = Int32Array.from(layout, (o) => (o.kind === 'window' ? -1 : o.index));
    this.state = ctx.keyedStateBackend!.getState(new ValueStateDescriptor<KeySlices>('_slices'));
  }

  override async open(): Promise<void> {
    await super.open();
    // Restored keys: list each at its due time.
    const keyed = this.keyed!;
    for (const key of Array.from(keyed.keys('_slices'))) {
      keyed.setCurrentKey(key);
      const slices = this.state.value();
      if (slices !== undefined && slices.timer !== Number.POSITIVE_INFINITY) this.listDue(slices.timer);
    }
  }

  processElement(value: unknown, timestamp: number): void {
    // The assigner throws its error for a missing or invalid timestamp.
    if (!Number.isFinite(timestamp)) this.assigner.assignWindows(value, timestamp, NO_CONTEXT);
    // Rows mostly fall in the slice of the row before: its bounds are kept (no float modulo).
    let sliceStart = this.lastSliceStart;
    let firstEnd = this.lastFirstEnd;
    if (!(timestamp >= sliceStart && timestamp < sliceStart + this.sliceSize)) {
      sliceStart = floorTo(timestamp, this.offset, this.sliceSize);
      firstEnd = ceilTo(sliceStart + this.sliceSize, this.endPhase, this.slide);
      this.lastSliceStart = sliceStart;
      this.lastFirstEnd = firstEnd;
    }
    const watermark = this.currentWatermark;
    let due = firstEnd - 1;
    if (due <= watermark) {
      // Some of the slice's windows have fired: the row counts in those still to come, if any.
      const lastEnd = floorTo(sliceStart, this.offset, this.slide) + this.size;
      if (lastEnd - 1 <= watermark) {
        this.late.add(1);
        return;
      }
      due = ceilTo(watermark + 2, this.endPhase, this.slide) - 1;
    }
    const row = value as Row;
    const slices = this.state.value();
    if (slices === undefined) {
      // A key's first row: its arrays are made to size (a splice into an empty array reserves 17).
      const acc = this.aggs.create();
      this.state.update({ starts: [sliceStart], values: [acc], timer: due, windowStates: undefined });
      this.listDue(due);
      if (row.kind === '-U' || row.kind === '-D') this.aggs.retract(acc, row.values);
      else this.aggs.add(acc, row.values);
      return;
    }
    const starts = slices.starts;
    // Rows mostly go to the newest slice: search from the end.
    let i = starts.length - 1;
    while (i >= 0 && starts[i] > sliceStart) i--;
    let acc: unknown[];
    if (i >= 0 && starts[i] === sliceStart) {
      acc = slices.values[i];
    } else {
      acc = this.aggs.create();
      starts.splice(i + 1, 0, sliceStart);
      slices.values.splice(i + 1, 0, acc);
      if (due < slices.timer) {
        slices.timer = due;
        this.listDue(due);
      }
    }
    if (row.kind === '-U' || row.kind === '-D') this.aggs.retract(acc, row.values);
    else this.aggs.add(acc, row.values);
  }

  override processWatermark(time: number): void {
    // A watermark's firing still under way (only a chained operator could get here first) ends first.
    const pending = this.pendingFiring;
    if (pending !== undefined) while (pending()) {}
    this.currentWatermark = time;
    this.keyed!.setCurrentWatermark(time);
    if (!this.fireDue()) {
      this.output.emitWatermark(time);
      return;
    }
    // Many keys due: the task fires them piece by piece as downstream takes the rows, then the
    // watermark follows them.
    const work = (): boolean => {
      if (this.pendingFiring !== work) return false;
      if (this.fireDue()) return true;
      this.pendingFiring = undefined;
      this.output.emitWatermark(time);
      return false;
    };
    this.pendingFiring = work;
    if (this.ctx.deferWork !== undefined) this.ctx.deferWork(work);
    else while (work()) {}
  }

  /** The rest of a watermark's firing, while the task has it (see processWatermark). */
  private pendingFiring: (() => boolean) | undefined = undefined;

  /** The keys being fired: those due at `at`, from `next` on. */
  private firing: (DueKeys & { at: number; next: number }) | undefined = undefined;

  /** Fires up to {@link FIRE_PIECE} due keys; true when more are due. */
  private fireDue(): boolean {
    const keyed = this.keyed!;
    const dueTimes = this.dueTimes;
    let budget = FIRE_PIECE;
    for (;;) {
      let firing = this.firing;
      if (firing === undefined) {
        if (dueTimes.length === 0 || dueTimes[0] > this.currentWatermark) return false;
        const at = dueTimes.shift()!;
        const { keys, groups } = this.due.get(at)!;
        this.due.delete(at);
        if (at === this.lastDueTime) this.lastDueTime = Number.NaN;
        firing = this.firing = { keys, groups, at, next: 0 };
      }
      const { keys, groups, at } = firing;
      while (firing.next < keys.length) {
        if (budget-- === 0) return true;
        const i = firing.next++;
        keyed.setCurrentKeyAndGroup(keys[i], groups[i]);
        this.onDue(keys[i], at);
      }
      this.firing = undefined;
    }
  }

  /** Lists the current key at `time`. */
  private listDue(time: number): void {
    // Keys mostly become due at the time the key before did.
    let entry = time === this.lastDueTime ? this.lastDue : this.due.get(time);
    if (entry === undefined) {
      entry = { keys: [], groups: [] };
      this.due.set(time, entry);
      const times = this.dueTimes;
      let i = times.length;
      while (i > 0 && times[i - 1] > time) i--;
      times.splice(i, 0, time);
    }
    this.lastDueTime = time;
    this.lastDue = entry;
    entry.keys.push(this.keyed!.getCurrentKey());
    entry.groups.push(this.keyed!.getCurrentKeyGroup());
  }

  /** Fires the key's window ending at `time` + 1, drops the slices no window needs, lists the key again. */
  private onDue(key: Key, due: number): void {
    const slices = this.state.value();
    // Not due then any more (listed again at an earlier time, which has passed).
    if (slices === undefined || slices.timer !== due) return;
    const starts = slices.starts;
    // The key's later windows that the watermark has passed too fire now, in order, rather than
    // after the key is listed and found again for each (a watermark that jumps, as at the end of
    // the input, fires every window of a key: five per key for a 10 s window sliding by 2 s).
    for (let time = due; ; ) {
      const end = time + 1;
      if (mod(end - this.endPhase, this.slide) === 0) this.fire(key, slices, end - this.size);
      // Slices whose last window ends at `end` or before are no longer needed.
      const keepFrom = floorTo(end - this.size, this.offset, this.slide) + this.slide;
      const drop = lowerBound(starts, keepFrom);
      if (drop === starts.length) {
        this.state.clear();
        return;
      }
      if (drop > 0) {
        dropFront(starts, drop);
        dropFront(slices.values, drop);
      }
      // The next window end after `end` of a window holding a slice.
      const next = ceilTo(end + 1, this.endPhase, this.slide);
      const at = lowerBound(starts, next - this.size);
      if (at === starts.length) {
        slices.timer = Number.POSITIVE_INFINITY;
        return;
      }
      const first = starts[at];
      const nextEnd = first < next ? next : ceilTo(first + this.sliceSize, this.endPhase, this.slide);
      slices.timer = nextEnd - 1;
      if (nextEnd - 1 > this.currentWatermark) {
        this.listDue(nextEnd - 1);
        return;
      }
      time = nextEnd - 1;
    }
  }

  /** Emits the key's window starting at `start` if it holds a slice: the merge of its slices. */
  private fire(key: Key, slices: KeySlices, start: number): void {
    const end = start + this.size;
    const starts = slices.starts;
    const values = slices.values;
    let i = lowerBound(starts, start);
    if (i === starts.length || starts[i] >= end) return;
    let acc: unknown[];
    if (i + 1 === starts.length || starts[i + 1] >= end) {
      acc = values[i];
    } else {
      acc = this.aggs.create();
      for (; i < starts.length && starts[i] < end; i++) this.aggs.merge(acc, values[i]);
    }
    const { fields, indexes } = this;
    const out = new Array<unknown>(fields.length);
    for (let f = 0; f < fields.length; f++) {
      switch (fields[f]) {
        case FIELD_AGG:
          out[f] = this.aggs.result(acc, indexes[f]);
          break;
        case FIELD_KEY:
          out[f] =
            this.keyCount === 1
              ? Array.isArray(key)
                ? null
                : key
              : (key as unknown as unknown[])[indexes[f]];
          break;
        case FIELD_START:
          out[f] = start;
          break;
        case FIELD_END:
          out[f] = end;
          break;
        default:
          out[f] = end - 1;
      }
    }
    this.output.collect({ kind: '+I', values: out }, end - 1);
  }
}

const FIELD_AGG = 0;
const FIELD_KEY = 1;
const FIELD_START = 2;
const FIELD_END = 3;
const FIELD_ROWTIME = 4;

/** Keys fired per piece of a watermark's work (see processWatermark). */
const FIRE_PIECE = 512;

const NO_CONTEXT = { getCurrentProcessingTime: () => Date.now() };
