import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { WeirError } from '../core/errors.ts';
import type { JobClient } from '../core/job-client.ts';
import { ClusterDispatcher } from '../runtime/cluster/cluster-dispatcher.ts';
import { resourcesNow } from '../runtime/cluster/rpc-protocol.ts';
import { processLogFile } from '../runtime/logging/process-logging.ts';
import { JobMaster } from '../runtime/scheduler/job-master.ts';
import type { TaskManagerInfo } from '../server/dispatcher.ts';
import { createRestServer, type RestServer } from '../server/rest-server.ts';

/** `weir run --web`: where the dashboard listens. */
export interface WebOptions {
  /** Default 8081; 0: a free port. */
  port: number;
  /** Default 127.0.0.1; another address needs `token`. */
  host: string;
  /** `--web-token` or WEIR_REST_TOKEN. */
  token?: string;
}

/** The REST API and dashboard of one `weir run` process, over the jobs of its module. */
export interface WebDashboard {
  url: string;
  /** Shows a job the module started (a local job master; other clients are not shown). */
  adopt(client: JobClient): void;
  close(): Promise<void>;
}

/** The TaskManager id of this process's slots (the local executor's worker-thread TaskManager). */
const LOCAL_TASK_MANAGER = 'local';

/**
 * Starts the same REST server a JobManager runs, in the `weir run` process: its dispatcher holds
 * the jobs the module starts, its one TaskManager is this process's slot threads, and it takes no
 * submissions (a `weir run` serves one module). Cancel and savepoints work as on a cluster;
 * savepoints go inside `savepointDirectory`.
 */
export async function startWebDashboard(
  options: WebOptions,
  settings: { savepointDirectory: string; taskSlots?: number },
): Promise<WebDashboard> {
  const slots = settings.taskSlots ?? availableParallelism();
  const startedAt = Date.now();
  let dispatcher!: ClusterDispatcher;
  const localTaskManager = (): TaskManagerInfo => {
    // The job masters deploy at most `slots` slots each, all on this process.
    let used = 0;
    for (const master of dispatcher.running()) used += master.getSlotTaskManagers().length;
    const r = resourcesNow();
    return {
      id: LOCAL_TASK_MANAGER,
      address: '127.0.0.1',
      dataPort: 0,
      slotsNumber: slots,
      freeSlots: Math.max(0, slots - used),
      timeSinceLastHeartbeat: 0,
      hardware: { cpuCores: r.cpuCores, physicalMemory: r.physicalMemory, freeMemory: r.freeMemory },
      memory: { heapUsed: r.heapUsed, heapTotal: r.heapTotal, rss: r.rss },
    };
  };
  dispatcher = new ClusterDispatcher({
    launcher: {
      launch: async () => {
        throw new WeirError(
          'NOT_SUPPORTED',
          'weir run serves one module and takes no submissions: submit jobs to a JobManager (weir cluster start, then weir submit)',
        );
      },
    },
    resources: { taskManagers: () => [localTaskManager()] },
    config: () => ({
      'rest.bind-address': options.host,
      'rest.port': String(server?.port ?? options.port),
      'state.savepoints.dir': settings.savepointDirectory,
      'taskmanager.numberOfTaskSlots': String(slots),
      'weir.run.started': new Date(startedAt).toISOString(),
    }),
    version: packageVersion(),
  });
  let server: RestServer | undefined;
  server = await createRestServer({
    dispatcher,
    host: options.host,
    port: options.port,
    token: options.token,
    roots: { savepoints: settings.savepointDirectory },
    // GET /jobmanager/log: this process's log file, when it writes one (--log-file).
    logs: { file: processLogFile },
  });
  const shown = server.url;
  return {
    url: `${shown}/`,
    adopt: (client) => {
      if (client instanceof JobMaster) dispatcher.adopt(client);
    },
    close: () => server.close(),
  };
}

function packageVersion(): string {
  // This module is in src/cli or dist/cli: the package.json is two levels up either way.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
