/** Checkpoint counts, the latest completed and restored, the history table and a duration chart. */
import type { CheckpointingStatistics } from '../api/types.ts';
import { TimeChart } from '../components/time-chart.tsx';
import { formatBytes, formatDuration, formatTime } from '../format.ts';

export function CheckpointsPage({ statistics }: { statistics: CheckpointingStatistics | undefined }) {
  if (statistics === undefined) return <p>No checkpoint statistics (is checkpointing enabled?).</p>;
  const { counts, latest } = statistics;
  const history = [...statistics.history].sort((a, b) => b.id - a.id);
  const completed = [...history].filter((c) => c.status === 'COMPLETED').reverse();
  return (
    <>
      <section aria-labelledby="checkpoint-counts-title">
        <h2 id="checkpoint-counts-title">Checkpoints</h2>
        <dl class="stats">
          <Stat label="Completed" value={counts.completed} />
          <Stat label="In progress" value={counts.in_progress} />
          <Stat label="Failed" value={counts.failed} />
          <Stat label="Restored" value={counts.restored} />
          <Stat label="Total" value={counts.total} />
        </dl>
        <p>
          Latest completed:{' '}
          {latest.completed === null ? (
            'none'
          ) : (
            <>
              #{latest.completed.id} in {formatDuration(latest.completed.end_to_end_duration)}
              {latest.completed.external_path !== '' && (
                <>
                  {' '}
                  at <code>{latest.completed.external_path}</code>
                </>
              )}
            </>
          )}
          {latest.restored !== null && (
            <>
              {' '}
              · restored from #{latest.restored.id} <code>{latest.restored.external_path}</code>
            </>
          )}
          {latest.failure !== null && <span class="error"> · latest failure: {latest.failure}</span>}
        </p>
      </section>
      <section aria-labelledby="checkpoint-chart-title">
        <h2 id="checkpoint-chart-title">Duration</h2>
        <TimeChart
          title="End-to-end duration of completed checkpoints, by checkpoint id"
          time={false}
          data={[completed.map((c) => c.id), completed.map((c) => c.end_to_end_duration)]}
          series={[{ label: 'duration (ms)', colour: '#1f77b4' }]}
          yLabel="ms"
        />
      </section>
      <section aria-labelledby="checkpoint-history-title">
        <h2 id="checkpoint-history-title">History</h2>
        <div class="table-scroll">
          <table class="checkpoint-history">
            <caption>Recent checkpoints and savepoints, newest first</caption>
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">Status</th>
                <th scope="col">Type</th>
                <th scope="col">Triggered</th>
                <th scope="col">Duration</th>
                <th scope="col">State size</th>
                <th scope="col">Alignment</th>
                <th scope="col">Path or failure</th>
              </tr>
            </thead>
            <tbody>
              {history.map((c) => (
                <tr key={c.id} class={`checkpoint-${c.status.toLowerCase()}`}>
                  <th scope="row">{c.id}</th>
                  <td>{c.status}</td>
                  <td>{c.is_savepoint ? 'savepoint' : 'checkpoint'}</td>
                  <td>{formatTime(c.trigger_timestamp)}</td>
                  <td>{c.status === 'IN_PROGRESS' ? '…' : formatDuration(c.end_to_end_duration)}</td>
                  <td>{formatBytes(c.state_size)}</td>
                  <td>{formatDuration(c.alignment_duration)}</td>
                  <td>
                    {c.failure_message ?? (c.external_path === null ? '–' : <code>{c.external_path}</code>)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function Stat({ label, value }: { label: string; value: number | string }) {
  return (
    <div class="stat">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
