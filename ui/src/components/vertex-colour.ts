/**
 * How the job graph colours a vertex, as Flink's web UI does: back-pressure first (a task that waits
 * for buffers downstream is the symptom to see), then how busy it is (the cause is usually the
 * busiest vertex downstream of the back-pressured ones), else idle.
 */
import type { JobVertex } from '../api/types.ts';

export type VertexLoad = 'backpressured' | 'busy' | 'idle';

export function vertexLoad(vertex: JobVertex): VertexLoad {
  const level = vertex['backpressure-level'] ?? levelOf(vertex.metrics['backpressure-ratio']);
  if (level === 'high') return 'backpressured';
  if ((vertex.metrics['busy-ratio'] ?? 0) >= 0.1 || level === 'low') return 'busy';
  return 'idle';
}

/** Flink's thresholds: a back-pressure ratio up to 10% is ok, up to 50% low, above high. */
function levelOf(ratio: number | undefined): 'ok' | 'low' | 'high' {
  if (ratio === undefined || ratio <= 0.1) return 'ok';
  return ratio <= 0.5 ? 'low' : 'high';
}

export function vertexFill(vertex: JobVertex): string {
  const load = vertexLoad(vertex);
  if (load === 'backpressured') {
    const ratio = vertex.metrics['backpressure-ratio'] ?? 1;
    return `hsl(2 ${60 + Math.round(ratio * 25)}% ${78 - Math.round(ratio * 18)}%)`;
  }
  if (load === 'busy') {
    const busy = vertex.metrics['busy-ratio'] ?? 0.1;
    return `hsl(32 95% ${85 - Math.round(busy * 30)}%)`;
  }
  return 'hsl(210 40% 88%)';
}

export const LEGEND: Array<{ label: string; fill: string }> = [
  { label: 'Back-pressured (high)', fill: 'hsl(2 80% 62%)' },
  { label: 'Busy (shade: busy time)', fill: 'hsl(32 95% 65%)' },
  { label: 'Idle', fill: 'hsl(210 40% 88%)' },
];
