import type { Gauge, Histogram, Meter } from '../../api/metrics.ts';
import type { HistogramSnapshot, MetricSnapshot } from '../../core/task-metrics.ts';
import type { MetricRegistry, RegisteredMetric } from './metric-registry.ts';

/**
 * The user metrics of a task as plain data, grouped by the uid of the operator that registered them
 * (the `operator_id` variable of their scope). Read when a snapshot is taken, never per record: a
 * gauge's `getValue()` runs here, and one that throws (or returns something that is neither a
 * number nor a string) shows null rather than failing the snapshot.
 */
export function snapshotUserMetrics(registry: MetricRegistry): Map<string, MetricSnapshot[]> {
  const byOperator = new Map<string, MetricSnapshot[]>();
  for (const entry of registry.metrics()) {
    const uid = entry.scope.operator_id ?? '';
    let list = byOperator.get(uid);
    if (list === undefined) byOperator.set(uid, (list = []));
    list.push(snapshotMetric(entry));
  }
  return byOperator;
}

function snapshotMetric(entry: RegisteredMetric): MetricSnapshot {
  const { name } = entry;
  const scope = { ...entry.scope };
  switch (entry.kind) {
    case 'counter':
      return { kind: 'counter', name, scope, count: (entry.metric as { getCount(): number }).getCount() };
    case 'gauge':
      return { kind: 'gauge', name, scope, value: gaugeValue(entry.metric as Gauge<unknown>) };
    case 'meter': {
      const meter = entry.metric as Meter;
      return { kind: 'meter', name, scope, count: meter.getCount(), rate: finite(meter.getRate()) };
    }
    case 'histogram':
      return { kind: 'histogram', name, scope, statistics: histogramSnapshot(entry.metric as Histogram) };
  }
}

function gaugeValue(gauge: Gauge<unknown>): number | string | null {
  try {
    const value = gauge.getValue();
    if (typeof value === 'number') return Number.isFinite(value) ? value : null;
    if (typeof value === 'string') return value;
    if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
    return null;
  } catch {
    return null;
  }
}

/** A histogram's statistics; an empty one is all zeros (its NaNs would not survive JSON). */
export function histogramSnapshot(histogram: Histogram): HistogramSnapshot {
  const s = histogram.getStatistics();
  return {
    count: histogram.getCount(),
    min: finite(s.getMin()),
    max: finite(s.getMax()),
    mean: finite(s.getMean()),
    stddev: finite(s.getStdDev()),
    p50: finite(s.getQuantile(0.5)),
    p75: finite(s.getQuantile(0.75)),
    p95: finite(s.getQuantile(0.95)),
    p98: finite(s.getQuantile(0.98)),
    p99: finite(s.getQuantile(0.99)),
    p999: finite(s.getQuantile(0.999)),
  };
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}
