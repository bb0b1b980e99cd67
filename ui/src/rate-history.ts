/**
 * Records/s per vertex over time, kept by the dashboard (the server keeps no history): one sample per
 * job update, the last {@link CAPACITY} samples. Uses the server's rates when it sends them, else
 * derives them from the record counters of consecutive updates.
 */
import type { JobDetails } from './api/types.ts';

const CAPACITY = 600;

export interface VertexRate {
  in: number | undefined;
  out: number | undefined;
}

export class RateHistory {
  /** Sample times, seconds since the epoch (uPlot's time scale). */
  readonly times: number[] = [];
  readonly rates = new Map<string, { in: Array<number | null>; out: Array<number | null> }>();
  private previous: { now: number; counts: Map<string, [number, number]> } | undefined;

  /** Adds a sample for `job` and returns the current rates per vertex id. */
  add(job: JobDetails): Map<string, VertexRate> {
    const current = new Map<string, VertexRate>();
    const counts = new Map<string, [number, number]>();
    const elapsed = this.previous === undefined ? 0 : (job.now - this.previous.now) / 1000;
    for (const v of job.vertices) {
      const read = v.metrics['read-records'];
      const write = v.metrics['write-records'];
      counts.set(v.id, [read, write]);
      const before = this.previous?.counts.get(v.id);
      const derived = (i: 0 | 1, value: number) =>
        before === undefined || elapsed <= 0 ? undefined : Math.max(0, (value - before[i]) / elapsed);
      current.set(v.id, {
        in: v.metrics['read-records-per-second'] ?? derived(0, read),
        out: v.metrics['write-records-per-second'] ?? derived(1, write),
      });
    }
    if (this.previous !== undefined && job.now <= this.previous.now) return current;
    this.previous = { now: job.now, counts };
    this.times.push(job.now / 1000);
    for (const [id, rate] of current) {
      let series = this.rates.get(id);
      if (series === undefined) {
        // A vertex seen for the first time has no values for the earlier samples.
        series = { in: this.times.slice(1).map(() => null), out: this.times.slice(1).map(() => null) };
        this.rates.set(id, series);
      }
      series.in.push(rate.in ?? null);
      series.out.push(rate.out ?? null);
    }
    if (this.times.length > CAPACITY) {
      this.times.shift();
      for (const series of this.rates.values()) {
        series.in.shift();
        series.out.shift();
      }
    }
    return current;
  }
}
