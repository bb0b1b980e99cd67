/**
 * The dashboard's frame: a skip link, the banner with the connection state, the main navigation and
 * the page for the current route. The overview stream (`GET /events`) stays open on every page: it
 * feeds the overview, TaskManager and log pages and says whether the dashboard is live.
 */
import type { OverviewEvent } from './api/types.ts';
import { ConnectionStatus } from './components/connection-status.tsx';
import { useEventStream } from './hooks/use-event-stream.ts';
import { href, useRoute } from './hooks/use-route.ts';
import { JobView } from './pages/job-view.tsx';
import { LogsPage } from './pages/logs-page.tsx';
import { OverviewPage } from './pages/overview-page.tsx';
import { SubmitPage } from './pages/submit-page.tsx';
import { TaskManagersPage } from './pages/taskmanagers-page.tsx';
import { TokenPage } from './pages/token-page.tsx';

const NAV = [
  { route: 'overview', label: 'Overview' },
  { route: 'submit', label: 'Submit job' },
  { route: 'taskmanagers', label: 'TaskManagers' },
  { route: 'logs', label: 'Logs' },
  { route: 'token', label: 'Access token' },
];

export function App() {
  const route = useRoute();
  const overview = useEventStream<OverviewEvent>('/events', 'overview');
  const page = route[0] ?? 'overview';
  const active = page === 'jobs' ? 'overview' : page;

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="banner">
        <span class="brand">Weir</span>
        <ConnectionStatus status={overview.status} detail={overview.detail} />
      </header>
      <nav class="main-nav" aria-label="Main">
        <ul>
          {NAV.map((item) => (
            <li key={item.route}>
              <a href={href(item.route)} aria-current={active === item.route ? 'page' : undefined}>
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabindex={-1}>
        {overview.status === 'disconnected' && overview.detail === 'HTTP 401' && page !== 'token' && (
          <p class="notice">
            The server requires a token: enter it on the <a href={href('token')}>Access token</a> page.
          </p>
        )}
        {page === 'jobs' && route[1] !== undefined ? (
          <JobView
            key={route[1]}
            jobId={route[1]}
            tab={route[2] === 'vertices' ? 'graph' : (route[2] ?? 'graph')}
            vertexId={route[2] === 'vertices' ? route[3] : undefined}
          />
        ) : page === 'submit' ? (
          <SubmitPage />
        ) : page === 'taskmanagers' ? (
          <TaskManagersPage data={overview.data} />
        ) : page === 'logs' ? (
          <LogsPage data={overview.data} source={route[1] ?? 'jobmanager'} />
        ) : page === 'token' ? (
          <TokenPage />
        ) : (
          <OverviewPage data={overview.data} />
        )}
      </main>
    </>
  );
}
