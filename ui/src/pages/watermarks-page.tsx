/**
 * Watermarks per vertex and subtask: input and output watermark, how far each lags behind the
 * vertex's newest, and the input channel holding the subtask back. A task's input watermark is the
 * minimum over its active input channels, so an event-time window downstream cannot fire until the
 * slowest channel advances: that channel is highlighted.
 */
import type { JobEvent, SubtaskWatermarks, VertexWatermarks } from '../api/types.ts';
import { formatDuration, formatWatermark } from '../format.ts';

export function WatermarksPage({ event }: { event: JobEvent }) {
  const all = event.watermarks ?? {};
  return (
    <section aria-labelledby="watermarks-title">
      <h2 id="watermarks-title">Watermarks</h2>
      {event.job.vertices.map((vertex) => {
        const marks = all[vertex.id];
        return <VertexWatermarksTable key={vertex.id} name={vertex.name} marks={marks} />;
      })}
    </section>
  );
}

function VertexWatermarksTable({ name, marks }: { name: string; marks: VertexWatermarks | undefined }) {
  const subtasks = marks?.subtasks ?? [];
  const newest = Math.max(
    ...subtasks.map((s) => s.currentOutputWatermark ?? s.currentInputWatermark ?? -Infinity),
  );
  return (
    <div class="table-scroll watermarks-vertex">
      <table>
        <caption>{name}</caption>
        <thead>
          <tr>
            <th scope="col">Subtask</th>
            <th scope="col">Input watermark</th>
            <th scope="col">Output watermark</th>
            <th scope="col">Lag behind the newest subtask</th>
            <th scope="col">Slowest input channel</th>
          </tr>
        </thead>
        <tbody>
          {subtasks.length === 0 && (
            <tr>
              <td colSpan={5}>No watermarks reported.</td>
            </tr>
          )}
          {subtasks.map((s) => {
            const slowestSubtask = marks?.slowestSubtask === s.subtask;
            return (
              <tr key={s.subtask} class={slowestSubtask ? 'slowest' : undefined}>
                <th scope="row">
                  {s.subtask}
                  {slowestSubtask && <span class="badge">slowest subtask</span>}
                </th>
                <td>{formatWatermark(s.currentInputWatermark)}</td>
                <td>{formatWatermark(s.currentOutputWatermark)}</td>
                <td>{lag(s, newest)}</td>
                <td>
                  <SlowestInput subtask={s} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function lag(s: SubtaskWatermarks, newest: number): string {
  const own = s.currentOutputWatermark ?? s.currentInputWatermark;
  if (own === null || own === undefined || !Number.isFinite(newest)) return '–';
  return formatDuration(newest - own);
}

function SlowestInput({ subtask }: { subtask: SubtaskWatermarks }) {
  const slowest = subtask.slowestInput;
  const channels = subtask.channels ?? [];
  if (slowest === undefined || slowest === null)
    return <span>{channels.length === 0 ? 'no inputs (source)' : '–'}</span>;
  const others = channels.filter(
    (c) => !c.idle && !(c.input === slowest.input && c.channel === slowest.channel),
  );
  return (
    <div class="slowest-input">
      <mark>
        input {slowest.input}, channel {slowest.channel}: {formatWatermark(slowest.watermark)}
      </mark>
      {others.length > 0 && <p class="note">window cannot fire until this input advances</p>}
      {others.length === 0 && (
        <p class="note">the only active input: window cannot fire until this input advances</p>
      )}
    </div>
  );
}
