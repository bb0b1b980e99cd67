/**
 * A job: its header (name, state, actions), tabs, and the tab's page. One event stream
 * (`GET /jobs/:jobid/events`) feeds every tab, so switching tabs does not reconnect.
 */
import { useRef, useState } from 'preact/hooks';
import type { JobEvent } from '../api/types.ts';
import { ConnectionStatus } from '../components/connection-status.tsx';
import { JobActions } from '../components/job-actions.tsx';
import { formatDuration, formatTime } from '../format.ts';
import { useEventStream } from '../hooks/use-event-stream.ts';
import { href } from '../hooks/use-route.ts';
import { RateHistory, type VertexRate } from '../rate-history.ts';
import { CheckpointsPage } from './checkpoints-page.tsx';
import { ExceptionsPage } from './exceptions-page.tsx';
import { JobGraphPage } from './job-graph-page.tsx';
import { WatermarksPage } from './watermarks-page.tsx';

const TABS = [
  { id: 'graph', label: 'Graph' },
  { id: 'watermarks', label: 'Watermarks' },
  { id: 'checkpoints', label: 'Checkpoints' },
  { id: 'exceptions', label: 'Exceptions' },
];

export function JobView({
  jobId,
  tab,
  vertexId,
}: {
  jobId: string;
  tab: string;
  vertexId: string | undefined;
}) {
  const history = useRef(new RateHistory());
  const [rates, setRates] = useState(new Map<string, VertexRate>());
  const stream = useEventStream<JobEvent>(`/jobs/${encodeURIComponent(jobId)}/events`, 'job', (event) =>
    setRates(history.current.add(event.job)),
  );
  const event = stream.data;
  const job = event?.job;

  return (
    <div class="job">
      <header class="job-header">
        <div>
          <h1>{job?.name ?? jobId}</h1>
          <p class="job-meta">
            {job !== undefined && (
              <>
                <span class={`state state-${job.state.toLowerCase()}`}>{job.state}</span> · id{' '}
                <code>{job.jid}</code> · started {formatTime(job['start-time'])} · running{' '}
                {formatDuration(job.duration)} · restarts {job.restarts}
              </>
            )}
          </p>
        </div>
        <ConnectionStatus status={stream.status} detail={stream.detail} />
      </header>
      {job !== undefined && <JobActions jobId={jobId} state={job.state} />}
      <nav class="tabs" aria-label="Job views">
        {TABS.map((t) => (
          <a
            key={t.id}
            href={href('jobs', jobId, ...(t.id === 'graph' ? [] : [t.id]))}
            aria-current={tab === t.id ? 'page' : undefined}
          >
            {t.label}
          </a>
        ))}
      </nav>
      {event === undefined ? (
        <p>
          {stream.status === 'disconnected' ? `Cannot reach the job: ${stream.detail ?? ''}` : 'Loading…'}
        </p>
      ) : tab === 'watermarks' ? (
        <WatermarksPage event={event} />
      ) : tab === 'checkpoints' ? (
        <CheckpointsPage statistics={event.checkpoints ?? undefined} />
      ) : tab === 'exceptions' ? (
        <ExceptionsPage exceptions={event.exceptions ?? undefined} />
      ) : (
        <JobGraphPage event={event} rates={rates} history={history.current} vertexId={vertexId} />
      )}
    </div>
  );
}
