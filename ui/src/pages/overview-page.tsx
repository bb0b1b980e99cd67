/** The cluster at a glance: TaskManagers, slots, jobs by state, and every job. */
import type { OverviewEvent } from '../api/types.ts';
import { formatDuration, formatTime } from '../format.ts';
import { href } from '../hooks/use-route.ts';

export function OverviewPage({ data }: { data: OverviewEvent | undefined }) {
  if (data === undefined) return <p>Loading…</p>;
  const { overview, jobs } = data;
  const sorted = [...jobs].sort((a, b) => b['start-time'] - a['start-time']);
  return (
    <>
      <h1>Overview</h1>
      <section aria-labelledby="cluster-title">
        <h2 id="cluster-title">Cluster</h2>
        <dl class="stats">
          <Stat label="TaskManagers" value={overview.taskmanagers} />
          <Stat label="Slots total" value={overview['slots-total']} />
          <Stat label="Slots available" value={overview['slots-available']} />
          <Stat label="Jobs running" value={overview['jobs-running']} />
          <Stat label="Jobs finished" value={overview['jobs-finished']} />
          <Stat label="Jobs canceled" value={overview['jobs-cancelled']} />
          <Stat label="Jobs failed" value={overview['jobs-failed']} />
        </dl>
        <p class="version">Weir {overview['weir-version']}</p>
      </section>
      <section aria-labelledby="jobs-title">
        <h2 id="jobs-title">Jobs</h2>
        <div class="table-scroll">
          <table class="jobs-table">
            <caption>All jobs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Parallelism</th>
                <th scope="col">ID</th>
              </tr>
            </thead>
            <tbody>
              {sorted.length === 0 && (
                <tr>
                  <td colSpan={6}>No jobs.</td>
                </tr>
              )}
              {sorted.map((job) => (
                <tr key={job.jid}>
                  <th scope="row">
                    <a href={href('jobs', job.jid)}>{job.name}</a>
                  </th>
                  <td>
                    <span class={`state state-${job.state.toLowerCase()}`}>{job.state}</span>
                  </td>
                  <td>{formatTime(job['start-time'])}</td>
                  <td>{formatDuration(job.duration)}</td>
                  <td>{job.parallelism}</td>
                  <td>
                    <code>{job.jid}</code>
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

function Stat({ label, value }: { label: string; value: number }) {
  return (
    <div class="stat">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
