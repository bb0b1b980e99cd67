import { RATE_WINDOW_MS } from '../../core/task-metrics.ts';

/** The totals a task's rates are computed from; times in ms. */
export interface TaskTotals {
  recordsIn: number;
  recordsOut: number;
  bytesIn: number;
  bytesOut: number;
  busyMs: number;
  idleMs: number;
  backPressuredMs: number;
}

/** A task's Flink-named rates over its recent past. */
export interface TaskRates {
  recordsInPerSecond: number;
  recordsOutPerSecond: number;
  bytesInPerSecond: number;
  bytesOutPerSecond: number;
  busyTimeMsPerSecond: number;
  idleTimeMsPerSecond: number;
  backPressuredTimeMsPerSecond: number;
}

const FIELDS = [
  'recordsIn',
  'recordsOut',
  'bytesIn',
  'bytesOut',
  'busyMs',
  'idleMs',
  'backPressuredMs',
] as const;
/** Samples are taken at most once per this many ms (when the metrics are read, never per record). */
const SAMPLE_INTERVAL_MS = 1_000;

/**
 * The rates of a task, as Flink's MeterView: (total now − total at the start of the window) / the
 * time between, over the last {@link RATE_WINDOW_MS}. Totals are sampled when the metrics are read
 * (every second by the slots), at most once a second, into a small ring; nothing runs on the record
 * path. When the window holds no sample (metrics not read for longer than the window), the rate is
 * over the time since the newest one; before any, since the task was created.
 */
export class TaskRateMeter {
  private readonly times: Float64Array;
  /** FIELDS.length values per sample. */
  private readonly values: Float64Array;
  private head = 0;
  private size = 0;

  /** `now`: monotonic ms (performance.now()), when the totals were all 0. */
  constructor(now: number) {
    const capacity = Math.ceil(RATE_WINDOW_MS / SAMPLE_INTERVAL_MS) + 2;
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity * FIELDS.length);
    this.push(now, undefined);
  }

  /** The rates at `now` (monotonic ms) for `totals`, which are sampled if the last sample is a second old. */
  rates(now: number, totals: TaskTotals): TaskRates {
    const capacity = this.times.length;
    // The base: the oldest sample inside the window, else the newest one.
    const start = now - RATE_WINDOW_MS;
    let base = (this.head + this.size - 1) % capacity;
    for (let i = 0; i < this.size; i++) {
      const slot = (this.head + i) % capacity;
      if (this.times[slot] >= start) {
        base = slot;
        break;
      }
    }
    const span = now - this.times[base];
    const at = base * FIELDS.length;
    const rate = (i: number) =>
      span > 0 ? Math.max(0, ((totals[FIELDS[i]] - this.values[at + i]) * 1000) / span) : 0;
    const out: TaskRates = {
      recordsInPerSecond: rate(0),
      recordsOutPerSecond: rate(1),
      bytesInPerSecond: rate(2),
      bytesOutPerSecond: rate(3),
      busyTimeMsPerSecond: Math.min(1000, rate(4)),
      idleTimeMsPerSecond: Math.min(1000, rate(5)),
      backPressuredTimeMsPerSecond: Math.min(1000, rate(6)),
    };
    const last = (this.head + this.size - 1) % capacity;
    if (now - this.times[last] >= SAMPLE_INTERVAL_MS) this.push(now, totals);
    return out;
  }

  private push(time: number, totals: TaskTotals | undefined): void {
    const capacity = this.times.length;
    if (this.size === capacity) {
      this.head = (this.head + 1) % capacity;
      this.size--;
    }
    const slot = (this.head + this.size) % capacity;
    this.times[slot] = time;
    for (let i = 0; i < FIELDS.length; i++) this.values[slot * FIELDS.length + i] = totals?.[FIELDS[i]] ?? 0;
    this.size++;
  }
}
