/**
 * User metrics, as Flink's `getRuntimeContext().getMetricGroup()`: counters, gauges, histograms and
 * meters that a function registers in its operator's metric group, usually in `open()`, and updates
 * on its own records. The framework adds no work per record: a metric costs only what its owner
 * does with it (a counter's `inc()` is one addition; a meter reads the clock on `markEvent()`).
 *
 * A group has a scope: its components (`host`, `taskmanager`, TaskManager id, job, operator,
 * subtask, then the user's `addGroup` names) join with dots into a metric's identifier; its
 * variables (`job_name`, `operator_name`, `subtask_index`, ... and the user's `addGroup(key, value)`
 * pairs) are what a reporter turns into labels.
 */
import { type Clock, SystemClock } from '../core/clock.ts';

/** A metric that counts: `inc`/`dec` by one or by `n`. */
export interface Counter {
  inc(n?: number): void;
  dec(n?: number): void;
  getCount(): number;
}

/** A metric whose value is read when it is reported: an object with `getValue()`. */
export interface Gauge<T> {
  getValue(): T;
}

/** A metric that measures a throughput: events per second over a time span. */
export interface Meter {
  markEvent(n?: number): void;
  /** Events per second over the meter's time span. */
  getRate(): number;
  /** Events marked since the meter was created. */
  getCount(): number;
}

/** Statistics over a histogram's current sample. */
export interface HistogramStatistics {
  /** The value below which a fraction `quantile` (0..1) of the sample lies. */
  getQuantile(quantile: number): number;
  /** The sample, in the order the values came. */
  getValues(): number[];
  size(): number;
  getMean(): number;
  /** The sample's standard deviation (divided by n − 1). */
  getStdDev(): number;
  getMax(): number;
  getMin(): number;
}

/** A metric that records a distribution of values (latencies, sizes). */
export interface Histogram {
  update(value: number): void;
  /** Values recorded since the histogram was created (not only those in the sample). */
  getCount(): number;
  getStatistics(): HistogramStatistics;
}

/** Any metric a group holds. */
export type Metric = Counter | Gauge<unknown> | Histogram | Meter;

/**
 * The metrics of one operator instance (one subtask of an operator), and nested groups under it.
 * Registering a name twice in one group returns the metric registered first (with one warning), as
 * Flink keeps the first and ignores the duplicate; registering it as another kind of metric throws.
 */
export interface MetricGroup {
  /** A counter; a `SimpleCounter` unless one is given. */
  counter(name: string): Counter;
  counter<C extends Counter>(name: string, counter: C): C;
  /** A gauge: an object with `getValue()`, or a function that returns the value. */
  gauge<T>(name: string, gauge: Gauge<T> | (() => T)): Gauge<T>;
  /** A histogram; a `DescriptiveStatisticsHistogram` over the last 1024 values unless one is given. */
  histogram(name: string): Histogram;
  histogram<H extends Histogram>(name: string, histogram: H): H;
  /** A meter; a `MeterView` over 60 s on the task's clock unless one is given. */
  meter(name: string): Meter;
  meter<M extends Meter>(name: string, meter: M): M;
  /** A nested group named `name` (the same group when called again with the same name). */
  addGroup(name: string): MetricGroup;
  /** A nested key-value group: `key` and `value` in the scope, `key=value` in the variables. */
  addGroup(key: string, value: string): MetricGroup;
  /** The scope's components, e.g. `['host', 'taskmanager', '4211', 'orders', 'Map', '0']`. */
  getScopeComponents(): readonly string[];
  /** The scope's variables, e.g. `{ job_name: 'orders', operator_name: 'Map', subtask_index: '0' }`. */
  getAllVariables(): Readonly<Record<string, string>>;
  /** The metric's full name: the scope's components and `name`, joined by dots. */
  getMetricIdentifier(name: string): string;
}

/** A counter held in one number. */
export class SimpleCounter implements Counter {
  private count = 0;
  inc(n = 1): void {
    this.count += n;
  }
  dec(n = 1): void {
    this.count -= n;
  }
  getCount(): number {
    return this.count;
  }
}

/** Samples a meter keeps: one a second at most. */
const SAMPLE_INTERVAL_MS = 1_000;

/** Options of a `MeterView`. */
export interface MeterViewOptions {
  /** Seconds over which the rate is measured (default 60). */
  timeSpanSeconds?: number;
  /** A counter the meter counts with (its events are the counter's count); a new one by default. */
  counter?: Counter;
  /** Where time comes from; the system clock by default (the task's clock in `getMetricGroup().meter()`). */
  clock?: Pick<Clock, 'now'>;
}

/**
 * A meter that measures the rate of its count over the last `timeSpanSeconds`, as Flink's
 * `MeterView`: (count now − count a time span ago) / time span. During the first time span the
 * count "a time span ago" is the count the meter started with, so the rate rises to its level as
 * the span fills. The count is
 * sampled at most once a second, when an event is marked or the rate is read.
 */
export class MeterView implements Meter {
  private readonly counter: Counter;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly spanMs: number;
  /** A ring of (time, count) samples, oldest at `head`. */
  private readonly times: Float64Array;
  private readonly counts: Float64Array;
  private head = 0;
  private size = 0;

  constructor(options: MeterViewOptions = {}) {
    const seconds = options.timeSpanSeconds ?? 60;
    if (!(seconds > 0)) throw new RangeError(`a meter's time span must be positive, not ${seconds}`);
    this.counter = options.counter ?? new SimpleCounter();
    this.clock = options.clock ?? new SystemClock();
    this.spanMs = seconds * 1_000;
    const capacity = Math.ceil(this.spanMs / SAMPLE_INTERVAL_MS) + 2;
    this.times = new Float64Array(capacity);
    this.counts = new Float64Array(capacity);
    this.push(this.clock.now(), this.counter.getCount());
  }

  markEvent(n = 1): void {
    this.counter.inc(n);
    this.sample(this.clock.now());
  }

  getCount(): number {
    return this.counter.getCount();
  }

  getRate(): number {
    const now = this.clock.now();
    this.sample(now);
    // The count at the start of the window: the newest sample at or before it, or the count the
    // meter started with while the first span is not over.
    const start = now - this.spanMs;
    let base = this.counts[this.head];
    for (let i = 1; i < this.size; i++) {
      const slot = (this.head + i) % this.times.length;
      if (this.times[slot] > start) break;
      base = this.counts[slot];
    }
    return (this.counter.getCount() - base) / (this.spanMs / 1_000);
  }

  private sample(now: number): void {
    const last = (this.head + this.size - 1) % this.times.length;
    if (now - this.times[last] < SAMPLE_INTERVAL_MS) return;
    this.push(now, this.counter.getCount());
  }

  private push(time: number, count: number): void {
    const capacity = this.times.length;
    if (this.size === capacity) {
      this.head = (this.head + 1) % capacity;
      this.size--;
    }
    const slot = (this.head + this.size) % capacity;
    this.times[slot] = time;
    this.counts[slot] = count;
    this.size++;
  }
}

/**
 * A histogram over a sliding window of the last `windowSize` values (default 1024), as Flink's
 * `DescriptiveStatisticsHistogram`. Updating it stores one number; statistics are computed when
 * read, from a copy of the window.
 */
export class DescriptiveStatisticsHistogram implements Histogram {
  private readonly window: Float64Array;
  private count = 0;

  constructor(windowSize = 1024) {
    if (!Number.isInteger(windowSize) || windowSize < 1) {
      throw new RangeError(`a histogram's window size must be a positive integer, not ${windowSize}`);
    }
    this.window = new Float64Array(windowSize);
  }

  update(value: number): void {
    this.window[this.count % this.window.length] = value;
    this.count++;
  }

  getCount(): number {
    return this.count;
  }

  getStatistics(): HistogramStatistics {
    const n = Math.min(this.count, this.window.length);
    const values = new Array<number>(n);
    // Oldest first: once the window is full, the oldest value is the one the next update overwrites.
    const first = this.count > n ? this.count % n : 0;
    for (let i = 0; i < n; i++) values[i] = this.window[(first + i) % n];
    return new SampleStatistics(values);
  }
}

/**
 * Statistics over a sample. Empty: min and max are 0, mean, standard deviation and quantiles NaN.
 * Quantiles interpolate between the closest ranks at position q·(n + 1), as the default estimator
 * of Flink's histogram statistics.
 */
class SampleStatistics implements HistogramStatistics {
  private readonly values: number[];
  private sorted: Float64Array | undefined;

  constructor(values: number[]) {
    this.values = values;
  }

  getQuantile(quantile: number): number {
    if (!(quantile >= 0 && quantile <= 1)) {
      throw new RangeError(`a quantile is between 0 and 1, not ${quantile}`);
    }
    const sorted = this.sortedValues();
    const n = sorted.length;
    if (n === 0) return Number.NaN;
    if (n === 1) return sorted[0];
    const pos = quantile * (n + 1);
    if (pos < 1) return sorted[0];
    if (pos >= n) return sorted[n - 1];
    const lower = sorted[Math.floor(pos) - 1];
    const upper = sorted[Math.floor(pos)];
    return lower + (pos - Math.floor(pos)) * (upper - lower);
  }

  getValues(): number[] {
    return this.values.slice();
  }

  size(): number {
    return this.values.length;
  }

  getMean(): number {
    const n = this.values.length;
    if (n === 0) return Number.NaN;
    let sum = 0;
    for (const v of this.values) sum += v;
    return sum / n;
  }

  getStdDev(): number {
    const n = this.values.length;
    if (n === 0) return Number.NaN;
    if (n === 1) return 0;
    const mean = this.getMean();
    let squares = 0;
    for (const v of this.values) squares += (v - mean) * (v - mean);
    return Math.sqrt(squares / (n - 1));
  }

  getMax(): number {
    const sorted = this.sortedValues();
    return sorted.length === 0 ? 0 : sorted[sorted.length - 1];
  }

  getMin(): number {
    const sorted = this.sortedValues();
    return sorted.length === 0 ? 0 : sorted[0];
  }

  private sortedValues(): Float64Array {
    if (this.sorted === undefined) this.sorted = Float64Array.from(this.values).sort();
    return this.sorted;
  }
}
