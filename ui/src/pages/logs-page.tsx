/**
 * The JobManager's and each TaskManager's log: the tail of the text the server returns, refreshed on
 * demand or every two seconds while "follow" is on.
 */
import { useEffect, useState } from 'preact/hooks';
import { getText } from '../api/client.ts';
import type { OverviewEvent } from '../api/types.ts';
import { href } from '../hooks/use-route.ts';

const TAIL_LINES = 1000;

export function LogsPage({ data, source }: { data: OverviewEvent | undefined; source: string }) {
  const [text, setText] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [follow, setFollow] = useState(false);
  const [tick, setTick] = useState(0);
  const path = `${source === 'jobmanager' ? '/jobmanager' : `/taskmanagers/${encodeURIComponent(source)}`}/log?lines=${TAIL_LINES}`;

  useEffect(() => {
    let stale = false;
    getText(path)
      .then((t) => {
        if (stale) return;
        setText(t.split('\n').slice(-TAIL_LINES).join('\n'));
        setError(undefined);
      })
      .catch((e: Error) => !stale && setError(e.message));
    return () => {
      stale = true;
    };
  }, [path, tick]);

  useEffect(() => {
    if (!follow) return;
    const timer = setInterval(() => setTick((t) => t + 1), 2000);
    return () => clearInterval(timer);
  }, [follow]);

  const sources = [
    { id: 'jobmanager', label: 'JobManager' },
    ...(data?.taskmanagers ?? []).map((tm) => ({ id: tm.id, label: `TaskManager ${tm.id}` })),
  ];
  return (
    <>
      <h1>Logs</h1>
      <nav aria-label="Log sources">
        <ul class="log-sources">
          {sources.map((s) => (
            <li key={s.id}>
              <a href={href('logs', s.id)} aria-current={s.id === source ? 'page' : undefined}>
                {s.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <section aria-labelledby="log-title">
        <header class="section-header">
          <h2 id="log-title">{source === 'jobmanager' ? 'JobManager' : `TaskManager ${source}`} log</h2>
          <button type="button" onClick={() => setTick((t) => t + 1)}>
            Refresh log
          </button>
          <label>
            <input
              type="checkbox"
              checked={follow}
              onChange={(e) => setFollow((e.target as HTMLInputElement).checked)}
            />{' '}
            Follow
          </label>
        </header>
        {error !== undefined && <p class="error">Log unavailable: {error}</p>}
        {text !== undefined && (
          <pre class="log" tabindex={0}>
            {text}
          </pre>
        )}
      </section>
    </>
  );
}
