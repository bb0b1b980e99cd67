/**
 * Metric families for the Prometheus exposition, built afresh at every scrape from the snapshots
 * the runtime already keeps (nothing is recorded per record for Prometheus). Names and labels follow
 * Flink's Prometheus reporter: `weir_` + the scope (`jobmanager_job`, `taskmanager_job_task_operator`)
 * + the metric's name, every character outside `[a-zA-Z0-9:_]` replaced by `_`, and the scope's
 * variables (`job_name`, `subtask_index`, ...) as labels. As in Flink, counters, gauges and meters
 * are exported as gauges (a meter as its rate) and histograms as summaries with quantile labels.
 */
import type { HistogramSnapshot } from '../../core/task-metrics.ts';

/** A label set: names already valid. */
export type Labels = Readonly<Record<string, string>>;

/** One sample line; `metricName` is set for a summary's `_count`. */
export interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** One family (one `# TYPE` block). */
export interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'summary';
  values: Sample[];
}

/** Flink's histogram quantiles, as the summary's `quantile` labels. */
const QUANTILES: ReadonlyArray<[number, keyof HistogramSnapshot]> = [
  [0.5, 'p50'],
  [0.75, 'p75'],
  [0.95, 'p95'],
  [0.98, 'p98'],
  [0.99, 'p99'],
  [0.999, 'p999'],
];

/** A metric name: Flink's reporter replaces every character outside `[a-zA-Z0-9:_]` with `_`. */
export function metricName(text: string): string {
  const name = text.replace(/[^a-zA-Z0-9:_]/g, '_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/**
 * A label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved by Prometheus), and not
 * `quantile` (the summaries' own label). Flink's `<key>` variables lose their brackets.
 */
export function labelName(text: string): string {
  let name = text.replace(/^<(.*)>$/, '$1').replace(/[^a-zA-Z0-9_]/g, '_');
  if (name === '' || /^[0-9]/.test(name)) name = `_${name}`;
  if (name.startsWith('__')) name = `x${name}`;
  return name === 'quantile' ? 'quantile_' : name;
}

/**
 * The families of one scrape. A sample whose value is undefined or null is left out (a metric the
 * runtime does not know yet is absent, not 0); so is a second sample with the same labels, and a
 * sample whose name is already a family of another type (a user metric named like a built-in one):
 * either would make Prometheus reject the whole scrape.
 */
export class FamilySet {
  /** When the scrape started (epoch ms), for values relative to now (watermark lag, uptime). */
  readonly now: number;
  private readonly families = new Map<string, Family>();
  private readonly seen = new Map<string, Set<string>>();
  private readonly warn: (line: string) => void;

  constructor(now: number, warn: (line: string) => void = () => {}) {
    this.now = now;
    this.warn = warn;
  }

  /** A gauge sample. */
  gauge(name: string, help: string, labels: Labels, value: number | null | undefined): void {
    if (value === undefined || value === null || typeof value !== 'number') return;
    const family = this.family(name, help, 'gauge');
    if (family === undefined || !this.first(name, labels)) return;
    family.values.push({ labels: { ...labels }, value });
  }

  /** A summary of a histogram's statistics: one sample per quantile and `_count`. */
  summary(name: string, help: string, labels: Labels, stats: HistogramSnapshot | undefined): void {
    if (stats === undefined) return;
    const family = this.family(name, help, 'summary');
    if (family === undefined || !this.first(name, labels)) return;
    for (const [quantile, key] of QUANTILES) {
      family.values.push({ labels: { ...labels, quantile }, value: stats[key] });
    }
    family.values.push({ metricName: `${name}_count`, labels: { ...labels }, value: stats.count });
  }

  /** The families collected, in the order first seen. */
  all(): IterableIterator<Family> {
    return this.families.values();
  }

  has(name: string): boolean {
    return this.families.has(name);
  }

  private family(name: string, help: string, type: Family['type']): Family | undefined {
    let family = this.families.get(name);
    if (family === undefined) {
      family = { name, help, type, values: [] };
      this.families.set(name, family);
    } else if (family.type !== type) {
      this.warn(`weir: metric ${name} is both a ${family.type} and a ${type}: the ${type} is not exported`);
      return undefined;
    }
    return family;
  }

  private first(name: string, labels: Labels): boolean {
    let seen = this.seen.get(name);
    if (seen === undefined) this.seen.set(name, (seen = new Set()));
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }
}
