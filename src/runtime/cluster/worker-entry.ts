/**
 * A task slot: a worker thread that runs the subtasks of one job after another (docs/architecture.md).
 * For each job it evaluates the job module itself, so that every function exists here without being
 * serialized; the module's `execute()` hands the plan to `deploy`, which checks that the graph is
 * the coordinator's, builds the subtasks assigned to this slot, wires their channels (in-thread, or
 * to peer slots over MessagePorts), and runs them once the coordinator says every slot is ready.
 * The engine's modules stay loaded and compiled between jobs.
 */
import { parentPort } from 'node:worker_threads';
import type { JobPlan } from '../../api/executor.ts';
import { setExecutionContext } from '../../api/executor.ts';
import { createCheckpointStorage } from '../../checkpoint/checkpoint-storage.ts';
import { loadCheckpointState } from '../../checkpoint/restored-state.ts';
import type { Accumulator } from '../../core/accumulators.ts';
import { previewRecord, WeirError } from '../../core/errors.ts';
import { findUnserializable } from '../../core/serializable.ts';
import type { JobEdge } from '../../graph/job-graph.ts';
import { BatchCodec } from '../network/batch-codec.ts';
import type { InputChannel, OutputChannel } from '../network/channel.ts';
import { LocalChannel } from '../network/channel.ts';
import { PeerLink, RemoteInputChannel, RemoteOutputChannel } from '../network/remote-channel.ts';
import { localValues, mergeAccumulators } from '../scheduler/accumulator-merge.ts';
import { TaskExecutor } from '../scheduler/task-executor.ts';
import type { StreamTask, TaskCheckpointing } from '../task/stream-task.ts';
import { deployTasks } from './deployment.ts';
import {
  type CoordinatorMessage,
  channelKey,
  type SerializedError,
  type WorkerData,
  type WorkerMessage,
  workerOf,
} from './worker-protocol.ts';

const port = parentPort!;
const REMOTE_CREDIT_FACTOR = 4;
const REMOTE_BATCH_FACTOR = 4;

/** The error and its causes (at most 8 deep), each with its own name or code: see SerializedError. */
function serialize(error: unknown, depth = 0): SerializedError {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return {
      code: error instanceof WeirError ? error.code : 'TASK_FAILED',
      weir: error instanceof WeirError,
      name: error.name,
      message: error.message,
      stack: error.stack,
      cause: cause !== undefined && depth < 8 ? serialize(cause, depth + 1) : undefined,
    };
  }
  return { code: 'TASK_FAILED', message: String(error) };
}

/** The part of one job that runs in this slot. */
/** Records a slot may have sent to one collect target that its client has not taken yet. */
const COLLECT_CREDIT = 8_192;

class SlotJob {
  private readonly data: WorkerData;
  private readonly executor = new TaskExecutor();
  private tasks: StreamTask[] = [];
  /**
   * Collect credit: records of each collect operator sent to the job master and not yet taken by
   * its client. Above COLLECT_CREDIT the operators of this slot wait for acknowledgements, which
   * the master holds back while its client is behind: the backlog across threads stays bounded.
   */
  private readonly collectUnacked = new Map<string, number>();
  private readonly collectWaiters = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  private links: PeerLink[] = [];
  private readonly collectCodec = new BatchCodec();
  /** This slot's accumulators merged per name, once its subtasks are done. */
  private accumulators = new Map<string, Accumulator<unknown>>();
  deployed = false;
  failed = false;

  get jobId(): string {
    return this.data.jobId;
  }

  constructor(data: WorkerData) {
    this.data = data;
  }

  private post(
    m: WorkerMessage extends infer M ? (M extends { jobId: string } ? Omit<M, 'jobId'> : never) : never,
  ): void {
    port.postMessage({ ...m, jobId: this.data.jobId });
  }

  /**
   * Collected records go to the client thread through the codec of exchanges, so that they arrive
   * as they would at the next task: registered classes keep their class, and what cannot cross
   * fails here as it would there.
   */
  private encodeForClient(uid: string, values: unknown[]): Uint8Array | Float64Array {
    try {
      return this.collectCodec.encode({ kind: 'records', values, timestamps: null }).values;
    } catch (error) {
      for (const value of values) {
        const found = findUnserializable(value);
        if (found === undefined) continue;
        throw new WeirError(
          'UNSERIALIZABLE_RECORD',
          `collect operator uid ${uid} got a record that cannot be sent to the client: ${found.path} is ${found.found}; record ${previewRecord(value)}`,
        );
      }
      throw error;
    }
  }

  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.executor.stop();
    this.post({ type: 'failed', error: serialize(error) });
  }

  deploy(plan: JobPlan): void {
    if (this.deployed) return;
    this.deployed = true;
    void this.deployAsync(plan);
  }

  private async deployAsync(plan: JobPlan): Promise<void> {
    const data = this.data;
    try {
      const restore = data.restore
        ? await loadCheckpointState(data.restore.directory, data.restore.metadata)
        : undefined;
      const checkpointing: TaskCheckpointing | undefined = data.checkpointing
        ? {
            mode: data.checkpointing.mode,
            storage: createCheckpointStorage(data.checkpointing.storage),
            acknowledge: (task, id, entry) => this.post({ type: 'ack', task, id, entry }),
            decline: (task, id, reason, failure) => this.post({ type: 'decline', task, id, reason, failure }),
          }
        : undefined;
      const graphJson = JSON.stringify(plan.graph);
      if (graphJson !== data.graphJson) {
        const types = (json: string) =>
          JSON.stringify((JSON.parse(json) as JobPlan['graph']).config.types ?? []);
        if (types(graphJson) !== types(data.graphJson)) {
          throw new WeirError(
            'GRAPH_MISMATCH',
            `worker thread ${data.workerIndex + 1} registered the types ${types(graphJson)}, the coordinator ${types(data.graphJson)}: every thread evaluates the job module, so call env.registerType for the same classes, unconditionally, before execute()`,
          );
        }
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
      // Credits return from another thread only when it next yields to its event loop: a remote
      // channel gets more of them, so that the producer is not stalled by that latency.
      const remoteCapacity = capacity * REMOTE_CREDIT_FACTOR;
      const remoteBatch = graph.config.batchSize * REMOTE_BATCH_FACTOR;
      const wakeup = this.executor.wakeup;
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
          : new RemoteOutputChannel(
              k,
              remoteCapacity,
              link(consumer),
              codecFor(consumer),
              wakeup,
              remoteBatch,
            );
      };
      const input = (edge: JobEdge, p: number, c: number): InputChannel => {
        const k = channelKey(edgeIndex.get(edge.id)!, p, c, maxP);
        const producer = workerOf(p, data.workerCount);
        return here(producer)
          ? localChannel(k)
          : new RemoteInputChannel(k, link(producer), codecFor(producer), wakeup);
      };
      this.tasks = deployTasks({
        jobId: data.jobId,
        graph,
        functions: plan.functions,
        clock: plan.clock,
        wakeup,
        runsHere: (_vertex, subtask) => here(workerOf(subtask, data.workerCount)),
        channels: { input, output },
        splits: new Map(Object.entries(data.splits)),
        sendToClient: (uid, values, subtask) => {
          const encoded = this.encodeForClient(uid, values);
          this.collectUnacked.set(uid, (this.collectUnacked.get(uid) ?? 0) + values.length);
          this.post({ type: 'collect', uid, subtask, values: encoded });
        },
        clientBlocked: (uid) => this.collectBlocked(uid),
        onStateChange: (task) => {
          if (task.state === 'failed') this.fail(task.failure);
          else if (task.state === 'finished') this.post({ type: 'task-finished', task: task.taskKey });
        },
        attemptNumber: data.attemptNumber,
        checkpointing,
        restore,
      });
      for (const task of this.tasks) this.executor.add(task);
      // Ports of peers this slot exchanges nothing with are closed right away.
      for (const [w, p] of Object.entries(data.peers)) if (!links.has(Number(w))) p.close();
      this.links = [...links.values()];
      this.post({
        type: 'deployed',
        subtasks: this.tasks.map((t) => `${t.name} ${t.subtaskIndex + 1}/${t.parallelism}`),
      });
    } catch (error) {
      this.fail(error);
    }
  }

  async run(): Promise<void> {
    await Promise.all(this.tasks.map((t) => t.open()));
    const metrics = setInterval(
      () => this.post({ type: 'metrics', tasks: this.tasks.map((t) => t.metrics()) }),
      1000,
    );
    metrics.unref();
    await this.executor.run();
    clearInterval(metrics);
    if (this.failed) return;
    const failedTask = this.tasks.find((t) => t.state === 'failed');
    if (failedTask) {
      this.fail(failedTask.failure);
      return;
    }
    this.accumulators = mergeAccumulators(this.tasks.flatMap((t) => t.accumulators));
    const accumulators = [...localValues(this.accumulators)];
    for (const l of this.links) l.close();
    // What print() wrote must reach the main thread's stdout before the job is reported done.
    await flushStdio();
    this.post({ type: 'done', accumulators, tasks: this.tasks.map((t) => t.metrics()) });
  }

  triggerCheckpoint(id: number, savepoint: boolean, location: string): void {
    for (const t of this.tasks) if (t.isSource) t.triggerCheckpoint(id, savepoint, location);
  }

  private collectBlocked(uid: string): Promise<void> | undefined {
    if ((this.collectUnacked.get(uid) ?? 0) < COLLECT_CREDIT) return undefined;
    let waiter = this.collectWaiters.get(uid);
    if (waiter === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      waiter = { promise, resolve };
      this.collectWaiters.set(uid, waiter);
    }
    return waiter.promise;
  }

  collectAcknowledged(uid: string, count: number): void {
    const left = (this.collectUnacked.get(uid) ?? 0) - count;
    this.collectUnacked.set(uid, Math.max(0, left));
    if (left < COLLECT_CREDIT) {
      this.collectWaiters.get(uid)?.resolve();
      this.collectWaiters.delete(uid);
    }
  }

  /** Merges other slots' local values into this slot's accumulators (see accumulator-merge.ts). */
  mergeAccumulators(values: Array<[string, unknown[]]>): void {
    try {
      const merged: Array<[string, unknown]> = [];
      for (const [name, others] of values) {
        const accumulator = this.accumulators.get(name)!;
        for (const value of others) accumulator.merge(value);
        merged.push([name, accumulator.getLocalValue()]);
      }
      this.post({ type: 'accumulators-merged', accumulators: merged });
    } catch (error) {
      this.fail(error);
    }
  }

  notifyCheckpoint(id: number, complete: boolean): void {
    for (const t of this.tasks) {
      if (complete) t.notifyCheckpointComplete(id);
      else t.notifyCheckpointAborted(id);
    }
  }

  async cancel(): Promise<void> {
    this.executor.stop();
    await Promise.all(this.tasks.map((t) => t.cancel()));
    for (const l of this.links) l.close();
    this.post({ type: 'cancelled' });
  }
}

function flushStdio(): Promise<unknown> {
  return Promise.all(
    [process.stdout, process.stderr].map((s) => new Promise<void>((r) => s.write('', () => r()))),
  );
}

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
  for (const key of Object.keys(process.env)) if (!(key in data.env)) delete process.env[key];
  Object.assign(process.env, data.env);
  const job = new SlotJob(data);
  current = job;
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
            `worker thread ${data.workerIndex + 1} evaluated ${data.jobModule} but it did not submit job number ${data.jobIndex + 1}: the module must call execute() the same way every time`,
          ),
        );
      }
    },
    (error) => job.fail(error),
  );
}

// The package's entry point, which every job module imports ('weir'): loaded while the slot waits
// for its first job (a slot started ahead of need loads it while the main thread loads the job).
void import('../../index.ts');

port.on('message', (m: CoordinatorMessage) => {
  switch (m.type) {
    case 'job':
      void startJob(m.data);
      return;
    case 'start':
      if (current) {
        const job = current;
        job.run().catch((error) => job.fail(error));
      }
      return;
    case 'cancel':
      if (current) void current.cancel();
      return;
    case 'trigger-checkpoint':
      if (current?.jobId === m.jobId) current.triggerCheckpoint(m.id, m.savepoint, m.location);
      return;
    case 'checkpoint-complete':
    case 'checkpoint-aborted':
      if (current?.jobId === m.jobId) current.notifyCheckpoint(m.id, m.type === 'checkpoint-complete');
      return;
    case 'collect-ack':
      if (current?.jobId === m.jobId) current.collectAcknowledged(m.uid, m.count);
      return;
    case 'merge-accumulators':
      if (current?.jobId === m.jobId) current.mergeAccumulators(m.values);
      return;
  }
});
