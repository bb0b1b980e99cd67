import { DescriptiveStatisticsHistogram } from '../../api/metrics.ts';
import type { LatencyMarker } from '../../core/stream-element.ts';
import type { HistogramSnapshot } from '../../core/task-metrics.ts';
import { histogramSnapshot } from '../metrics/user-metric-snapshot.ts';

/**
 * Flink's `metrics.latency.history-size`: the latencies each histogram keeps. Percentiles are over
 * the last 128 markers (with a 10 ms interval, the last 1.3 s of one source subtask).
 */
export const LATENCY_HISTORY_SIZE = 128;

/**
 * The latency of the markers that reach one sink operator of a subtask: `now - markedTime` in ms,
 * as Flink's LatencyStats at granularity `single` (one histogram per sink operator and subtask,
 * whatever source subtask a marker came from). It measures the time a marker took from its source
 * through the channel queues and the tasks' loops; not the time records spend inside operators that
 * buffer them (windows, async I/O), which markers bypass. Sources and sinks on different machines
 * add their clock skew to it.
 */
export class LatencyStats {
  private readonly histogram = new DescriptiveStatisticsHistogram(LATENCY_HISTORY_SIZE);
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  report(marker: LatencyMarker): void {
    this.histogram.update(this.now() - marker.markedTime);
  }

  /** Statistics over the last {@link LATENCY_HISTORY_SIZE} markers; undefined before the first. */
  snapshot(): HistogramSnapshot | undefined {
    return this.histogram.getCount() === 0 ? undefined : histogramSnapshot(this.histogram);
  }
}
