/**
 * A worker thread running task slots (DESIGN.md §2.1). It evaluates the job module itself, so that
 * every function exists here without being serialized; the module's `execute()` hands the plan to
 * `deploy`, which checks that the graph is the coordinator's, builds the subtasks assigned to this
 * worker, wires their channels (in-thread, or to peer workers over MessagePorts), and runs them
 * once the coordinator says every worker is ready.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Accumulator } from '../../api/accumulators.ts';
import type { JobPlan } from '../../api/executor.ts';
import { setExecutionContext } from '../../api/executor.ts';
import { WeirError } from '../../core/errors.ts';
import type { JobEdge } from '../../graph/job-graph.ts';
import { BatchCodec } from '../network/batch-codec.ts';
import type { InputChannel, OutputChannel } from '../network/channel.ts';
import { LocalChannel } from '../network/channel.ts';
import { PeerLink, RemoteInputChannel, RemoteOutputChannel } from '../network/remote-channel.ts';
import { TaskExecutor } from '../scheduler/task-executor.ts';
import type { StreamTask } from '../task/stream-task.ts';
import { deployTasks } from './deployment.ts';
import {
  type CoordinatorMessage,
  channelKey,
  type SerializedError,
  type WorkerData,
  type WorkerMessage,
  workerOf,
} from './worker-protocol.ts';

const data = workerData as WorkerData;
const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);

function serialize(error: unknown): SerializedError {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return {
      code: error instanceof WeirError ? error.code : 'TASK_FAILED',
      message: error.message,
      stack: error.stack,
      cause:
        cause instanceof Error
          ? `${cause.name}: ${cause.message}`
          : cause === undefined
            ? undefined
            : String(cause),
    };
  }
  return { code: 'TASK_FAILED', message: String(error) };
}

const executor = new TaskExecutor();
let tasks: StreamTask[] = [];
let deployed = false;
let failed = false;

function fail(error: unknown): void {
  if (failed) return;
  failed = true;
  executor.stop();
  post({ type: 'failed', error: serialize(error) });
}

function deploy(plan: JobPlan): void {
  if (deployed) return;
  deployed = true;
  try {
    const graphJson = JSON.stringify(plan.graph);
    if (graphJson !== data.graphJson) {
      throw new WeirError(
        'GRAPH_MISMATCH',
        `worker thread ${data.workerIndex + 1} built a different job graph than the coordinator: a job module must build the same graph every time it is evaluated (no randomness, I/O or environment-dependent branches before execute())`,
      );
    }
    const { graph } = plan;
    const maxP = Math.max(...graph.vertices.map((v) => v.parallelism));
    const edgeIndex = new Map(graph.edges.map((e, i) => [e.id, i]));
    const links = new Map<number, PeerLink>();
    const codecs = new Map<number, BatchCodec>();
    const link = (w: number): PeerLink => {
      let l = links.get(w);
      if (!l) links.set(w, (l = new PeerLink(data.peers[w])));
      return l;
    };
    const codecFor = (w: number): BatchCodec => {
      let c = codecs.get(w);
      if (!c) codecs.set(w, (c = new BatchCodec()));
      return c;
    };
    const local = new Map<number, LocalChannel>();
    const capacity = graph.config.channelCapacity;
    const wakeup = executor.wakeup;
    const here = (w: number) => w === data.workerIndex;
    const localChannel = (k: number) => {
      let ch = local.get(k);
      if (!ch) local.set(k, (ch = new LocalChannel(capacity, wakeup, wakeup)));
      return ch;
    };
    const output = (edge: JobEdge, p: number, c: number): OutputChannel => {
      const k = channelKey(edgeIndex.get(edge.id)!, p, c, maxP);
      const consumer = workerOf(c, data.workerCount);
      return here(consumer)
        ? localChannel(k)
        : new RemoteOutputChannel(k, capacity, link(consumer), codecFor(consumer), wakeup);
    };
    const input = (edge: JobEdge, p: number, c: number): InputChannel => {
      const k = channelKey(edgeIndex.get(edge.id)!, p, c, maxP);
      const producer = workerOf(p, data.workerCount);
      return here(producer)
        ? localChannel(k)
        : new RemoteInputChannel(k, link(producer), codecFor(producer), wakeup);
    };
    // Ports of peers this worker exchanges nothing with are closed, so they do not keep it alive.
    tasks = deployTasks({
      jobId: data.jobId,
      graph,
      functions: plan.functions,
      clock: plan.clock,
      wakeup,
      runsHere: (_vertex, subtask) => here(workerOf(subtask, data.workerCount)),
      channels: { input, output },
      splits: new Map(Object.entries(data.splits)),
      sendToClient: (uid, values, subtask) => post({ type: 'collect', uid, subtask, values }),
      onStateChange: (task) => {
        if (task.state === 'failed') fail(task.failure);
      },
    });
    for (const task of tasks) executor.add(task);
    for (const [w, p] of Object.entries(data.peers)) if (!links.has(Number(w))) p.close();
    post({
      type: 'deployed',
      subtasks: tasks.map((t) => `${t.name} ${t.subtaskIndex + 1}/${t.parallelism}`),
    });
  } catch (error) {
    fail(error);
  }
}

async function start(): Promise<void> {
  await Promise.all(tasks.map((t) => t.open()));
  const metrics = setInterval(() => post({ type: 'metrics', tasks: tasks.map((t) => t.metrics()) }), 1000);
  metrics.unref();
  await executor.run();
  clearInterval(metrics);
  if (failed) return;
  const failedTask = tasks.find((t) => t.state === 'failed');
  if (failedTask) {
    fail(failedTask.failure);
    return;
  }
  const accumulators: Array<[string, unknown]> = [];
  for (const task of tasks) {
    for (const map of task.accumulators) {
      for (const [name, acc] of map as Map<string, Accumulator<unknown>>)
        accumulators.push([name, acc.getLocalValue()]);
    }
  }
  post({ type: 'done', accumulators, tasks: tasks.map((t) => t.metrics()) });
}

port.on('message', (m: CoordinatorMessage) => {
  if (m.type === 'start') {
    start().catch(fail);
  } else if (m.type === 'cancel') {
    executor.stop();
    void Promise.all(tasks.map((t) => t.cancel())).finally(() => post({ type: 'cancelled' }));
  }
});

setExecutionContext({
  parallelism: data.parallelism,
  jobModule: data.jobModule,
  worker: { jobIndex: data.jobIndex, deploy },
});

try {
  await import(data.jobModule);
} catch (error) {
  fail(error);
}
if (!deployed && !failed) {
  fail(
    new WeirError(
      'GRAPH_MISMATCH',
      `worker thread ${data.workerIndex + 1} evaluated ${data.jobModule} but it did not submit job number ${data.jobIndex + 1}: the module must call execute() the same way every time`,
    ),
  );
}
