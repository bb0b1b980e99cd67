/**
 * A task slot: a worker thread that runs the subtasks of one job after another (docs/architecture.md).
 * For each job it evaluates the job module itself, so that every function exists here without being
 * serialized; the module's `execute()` hands the plan to `deploy`, which checks that the graph is
 * the coordinator's, builds the subtasks assigned to this slot, wires their channels (in-thread, or
 * to peer slots over MessagePorts), and runs them once the coordinator says every slot is ready.
 * A job graph that is data all through comes without a module (`jobModule` empty): the slot then
 * builds the job from the graph itself. The engine's modules stay loaded and compiled between jobs.
 */
import { fileURLToPath } from 'node:url';
import { parentPort } from 'node:worker_threads';
import { setExecutionContext } from '../../api/executor.ts';
import { systemClock } from '../../core/clock.ts';
import { WeirError } from '../../core/errors.ts';
import { resolveGraphFunctions } from '../../graph/graph-functions.ts';
import type { JobGraph } from '../../graph/job-graph.ts';
import { initThreadLogging } from '../logging/process-logging.ts';
import { installArtifactResolution } from './artifact-loader.ts';
import { deliverToSlot, SlotJob } from './slot-job.ts';
import type { CoordinatorMessage, WorkerData, WorkerMessage } from './worker-protocol.ts';

const port = parentPort!;
// Before anything logs: this slot writes to its process's log file, if it has one.
initThreadLogging();
let current: SlotJob | undefined;

const evaluated = new Map<string, number>();

/**
 * The URL this slot evaluates a job module under for one job. A module is evaluated once per URL,
 * and a slot lives across jobs: the module of a job that calls execute() twice is still waiting in
 * its first execute() here (which never settles in a slot), so its second job needs a fresh
 * evaluation, under the module's URL with a `weir-evaluation` query (which `import.meta.url` then
 * shows). The modules it imports are shared.
 */
function evaluationUrl(moduleUrl: string): string {
  const count = (evaluated.get(moduleUrl) ?? 0) + 1;
  evaluated.set(moduleUrl, count);
  if (count === 1 || !URL.canParse(moduleUrl)) return moduleUrl;
  const url = new URL(moduleUrl);
  url.searchParams.set('weir-evaluation', String(count));
  return url.href;
}

async function startJob(data: WorkerData): Promise<void> {
  if (data.artifactsDir !== undefined) installArtifactResolution(data.artifactsDir);
  if (data.args !== undefined)
    process.argv = [process.argv[0], fileURLToPathOrSelf(data.jobModule), ...data.args];
  for (const key of Object.keys(process.env)) if (!(key in data.env)) delete process.env[key];
  Object.assign(process.env, data.env);
  const job = new SlotJob(data, { post: (m: WorkerMessage) => port.postMessage(m) });
  current = job;
  if (data.jobModule === '') {
    // No module: the graph is all data. The package entry registers the connector factories.
    try {
      await engine;
      const graph = JSON.parse(data.graphJson) as JobGraph;
      job.deploy({ graph, functions: resolveGraphFunctions(graph), clock: systemClock });
    } catch (error) {
      job.fail(error);
    }
    return;
  }
  setExecutionContext({
    parallelism: data.parallelism,
    jobModule: data.jobModule,
    worker: { jobIndex: data.jobIndex, deploy: (plan) => job.deploy(plan) },
  });
  // The module's own execute() never resolves here (the coordinator owns the job): do not await it.
  import(evaluationUrl(data.jobModule)).then(
    () => {
      if (!job.deployed && !job.failed) {
        job.fail(
          new WeirError(
            'GRAPH_MISMATCH',
            `${job.description} evaluated ${data.jobModule} but it did not submit job number ${data.jobIndex + 1}: the module must call execute() the same way every time`,
          ),
        );
      }
    },
    (error) => job.fail(error),
  );
}

// The package's entry point, which every job module imports ('weir'): loaded while the slot waits
// for its first job (a slot started ahead of need loads it while the main thread loads the job).
const engine = import('../../index.ts');
engine.catch(() => {});

port.on('message', (m: CoordinatorMessage) => {
  if (m.type === 'job') {
    void startJob(m.data);
    return;
  }
  if (current) deliverToSlot(current, m);
});

function fileURLToPathOrSelf(url: string): string {
  return url.startsWith('file:') ? fileURLToPath(url) : url;
}
