/** The failure that ended or restarted the job, and the history, with the failing record and where it came from. */
import type { ExceptionEntry, JobExceptions } from '../api/types.ts';
import { formatTime } from '../format.ts';

export function ExceptionsPage({ exceptions }: { exceptions: JobExceptions | undefined }) {
  if (exceptions === undefined) return <p>No exception data.</p>;
  const entries = [...exceptions['all-exceptions']].sort((a, b) => b.timestamp - a.timestamp);
  return (
    <>
      <section aria-labelledby="root-exception-title">
        <h2 id="root-exception-title">Root exception</h2>
        {exceptions['root-exception'] === null ? (
          <p>The job has not failed.</p>
        ) : (
          <>
            <p>At {formatTime(exceptions.timestamp)}</p>
            <pre class="exception">{exceptions['root-exception']}</pre>
          </>
        )}
      </section>
      <section aria-labelledby="exception-history-title">
        <h2 id="exception-history-title">History</h2>
        {entries.length === 0 ? (
          <p>No exceptions.</p>
        ) : (
          <ol class="exception-history">
            {entries.map((e, i) => (
              <ExceptionItem key={`${e.timestamp}-${i}`} entry={e} />
            ))}
          </ol>
        )}
        {exceptions.truncated && <p>Older exceptions were dropped.</p>}
      </section>
    </>
  );
}

function ExceptionItem({ entry }: { entry: ExceptionEntry }) {
  const record = text(entry.record);
  const position = text(entry.position);
  return (
    <li>
      <p>
        <strong>{entry.code}</strong> at {formatTime(entry.timestamp)}
        {entry.taskName != null && <> in {entry.taskName}</>}
        {entry.location != null && <> ({entry.location})</>}
        {entry.source != null && <> from {entry.source}</>}
      </p>
      {position !== undefined && (
        <p>
          Position: <code>{position}</code>
        </p>
      )}
      {record !== undefined && (
        <>
          <p>Record:</p>
          <pre class="record">{record}</pre>
        </>
      )}
      <details>
        <summary>Exception</summary>
        <pre class="exception">{entry.exception}</pre>
      </details>
    </li>
  );
}

/** A field the server may send as a string or as structured data. */
function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
