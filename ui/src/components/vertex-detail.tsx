/**
 * One vertex opened from the graph: its subtasks and their metrics (`GET /jobs/:jobid/vertices/:vid`),
 * refreshed with every update of the job.
 */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api/client.ts';
import type { SubtaskDetails, VertexDetails } from '../api/types.ts';
import { formatBytes, formatCount, formatPercent, formatRate, formatWatermark } from '../format.ts';

export function VertexDetail({
  jobId,
  vertexId,
  tick,
  onClose,
}: {
  jobId: string;
  vertexId: string;
  tick: number;
  onClose(): void;
}) {
  const [details, setDetails] = useState<VertexDetails | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let stale = false;
    getJson<VertexDetails>(`/jobs/${encodeURIComponent(jobId)}/vertices/${encodeURIComponent(vertexId)}`)
      .then((d) => {
        if (!stale) {
          setDetails(d);
          setError(undefined);
        }
      })
      .catch((e: Error) => !stale && setError(e.message));
    return () => {
      stale = true;
    };
  }, [jobId, vertexId, tick]);

  return (
    <section class="vertex-detail" aria-labelledby="vertex-detail-title">
      <header class="section-header">
        <h2 id="vertex-detail-title">{details?.name ?? vertexId}</h2>
        <button type="button" onClick={onClose}>
          Close vertex details
        </button>
      </header>
      {error !== undefined && <p class="error">Subtasks unavailable: {error}</p>}
      {details?.operators !== undefined && details.operators.length > 0 && (
        <p class="operators">
          Operators (chained, head first):{' '}
          {details.operators.map((o, i) => (
            <span key={o.uid}>
              {i > 0 && ' → '}
              {o.name} <span class="operator-kind">({o.kind})</span>
            </span>
          ))}
          {details.maxParallelism !== undefined && <> · max parallelism {details.maxParallelism}</>}
        </p>
      )}
      {details !== undefined && (
        <div class="table-scroll">
          <table class="subtasks-table">
            <caption>
              Subtasks of {details.name} (parallelism {details.parallelism})
            </caption>
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th scope="col" key={c.label}>
                    {c.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {details.subtasks.map((subtask) => {
                const m = (subtask.metrics ?? {}) as SubtaskMetrics;
                return (
                  <tr key={subtask.subtask}>
                    <th scope="row">{subtask.subtask}</th>
                    {COLUMNS.slice(1).map((c) => (
                      <td key={c.label}>{c.value(subtask, m)}</td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The TaskMetrics fields the table shows (src/core/task-metrics.ts); any may be absent. */
interface SubtaskMetrics {
  recordsIn?: number;
  recordsOut?: number;
  recordsInPerSecond?: number;
  recordsOutPerSecond?: number;
  busyTimeMsPerSecond?: number;
  backPressuredTimeMsPerSecond?: number;
  inputQueue?: number;
  currentInputWatermark?: number | null;
  currentOutputWatermark?: number | null;
  stateSize?: number;
  lateRecordsDropped?: number;
}

const COLUMNS: Array<{ label: string; value: (s: SubtaskDetails, m: SubtaskMetrics) => string }> = [
  { label: 'Subtask', value: (s) => String(s.subtask) },
  { label: 'Status', value: (s) => String(s.status ?? '–') },
  { label: 'TaskManager', value: (s) => String(s['taskmanager-id'] ?? '–') },
  { label: 'Back-pressure', value: (s) => String(s['backpressure-level'] ?? '–') },
  { label: 'Records in', value: (_, m) => formatCount(m.recordsIn) },
  { label: 'Records out', value: (_, m) => formatCount(m.recordsOut) },
  { label: 'In/s', value: (_, m) => formatRate(m.recordsInPerSecond) },
  { label: 'Out/s', value: (_, m) => formatRate(m.recordsOutPerSecond) },
  { label: 'Busy', value: (_, m) => formatPercent(perSecond(m.busyTimeMsPerSecond)) },
  { label: 'Back-pressured', value: (_, m) => formatPercent(perSecond(m.backPressuredTimeMsPerSecond)) },
  { label: 'Input queue', value: (_, m) => formatCount(m.inputQueue) },
  { label: 'Input watermark', value: (_, m) => formatWatermark(m.currentInputWatermark) },
  { label: 'Output watermark', value: (_, m) => formatWatermark(m.currentOutputWatermark) },
  { label: 'State size', value: (_, m) => formatBytes(m.stateSize) },
  { label: 'Late records dropped', value: (_, m) => formatCount(m.lateRecordsDropped) },
];

function perSecond(msPerSecond: number | undefined): number | undefined {
  return msPerSecond === undefined ? undefined : msPerSecond / 1000;
}
