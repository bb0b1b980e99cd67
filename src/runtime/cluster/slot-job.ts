import type { JobPlan } from '../../api/executor.ts';
import { createCheckpointStorage } from '../../checkpoint/checkpoint-storage.ts';
import { loadCheckpointState } from '../../checkpoint/restored-state.ts';
import type { Accumulator } from '../../core/accumulators.ts';
import { previewRecord, WeirError } from '../../core/errors.ts';
import { findUnserializable } from '../../core/serializable.ts';
import { taskFailureOf } from '../../core/task-failure.ts';
import type { TaskMetrics } from '../../core/task-metrics.ts';
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

/**
 * The part of one job attempt that runs in one task slot: it checks that the job module built the
 * job master's graph, builds the subtasks assigned to the slot, wires their channels (in-thread, or
 * to peer slots over MessagePorts), runs them once the master says every slot is ready, and reports
 * to the master through its host: a worker thread posts to its parent, a slot in the master's own
 * thread calls the master directly.
 */
export interface SlotHost {
  post(message: WorkerMessage): void;
  /**
   * Set where the slot runs in the master's thread: the failure goes as it is (the master's
   * client gets the very error a user function threw as the cause), not serialized.
   */
  fail?(error: unknown): void;
  /**
   * Set where the slot runs in its client's thread: collected records go to the client as they
   * are (no copy), and its back-pressure applies directly. Otherwise they are encoded and posted.
   */
  collect?: {
    send(uid: string, values: unknown[], subtask: number): void;
    blocked(uid: string): Promise<void> | undefined;
  };
}

const REMOTE_CREDIT_FACTOR = 4;
const REMOTE_BATCH_FACTOR = 4;

/** The error and its causes (at most 8 deep), each with its own name or code: see SerializedError. */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return {
      code: error instanceof WeirError ? error.code : 'TASK_FAILED',
      weir: error instanceof WeirError,
      name: error.name,
      message: error.message,
      stack: error.stack,
      cause: cause !== undefined && depth < 8 ? serializeError(cause, depth + 1) : undefined,
      taskFailure: depth === 0 ? taskFailureOf(error) : undefined,
    };
  }
  return { code: 'TASK_FAILED', message: String(error) };
}

/** The part of one job that runs in this slot. */
/** Records a slot may have sent to one collect target that its client has not taken yet. */
const COLLECT_CREDIT = 8_192;

export class SlotJob {
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

  /** For messages: "worker thread 2", or the TaskManager's slot. */
  get description(): string {
    return this.data.description ?? `worker thread ${this.data.workerIndex + 1}`;
  }

  get jobId(): string {
    return this.data.jobId;
  }

  private readonly host: SlotHost;

  constructor(data: WorkerData, host: SlotHost) {
    this.data = data;
    this.host = host;
  }

  private post(
    m: WorkerMessage extends infer M ? (M extends { jobId: string } ? Omit<M, 'jobId'> : never) : never,
  ): void {
    this.host.post({ ...m, jobId: this.data.jobId } as WorkerMessage);
  }

  /** Current metrics of this slot's subtasks. */
  metrics(): TaskMetrics[] {
    return this.tasks.map((t) => t.metrics());
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
    if (this.host.fail) this.host.fail(error);
    else this.post({ type: 'failed', error: serializeError(error) });
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
            acknowledge: (task, id, entry, alignmentMs) =>
              this.post({ type: 'ack', task, id, entry, alignmentMs }),
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
            `${this.description} registered the types ${types(graphJson)}, the coordinator ${types(data.graphJson)}: every thread evaluates the job module, so call env.registerType for the same classes, unconditionally, before execute()`,
          );
        }
        throw new WeirError(
          'GRAPH_MISMATCH',
          `${this.description} built a different job graph than the coordinator: a job module must build the same graph every time it is evaluated (no randomness, I/O or environment-dependent branches before execute())`,
        );
      }
      // The cluster's metrics.latency.interval, where the job did not set its own (compared above
      // without it: every thread builds the job's graph, the coordinator's settings come on top).
      const graph =
        data.latencyTrackingInterval !== undefined && plan.graph.config.latencyTrackingInterval === undefined
          ? {
              ...plan.graph,
              config: { ...plan.graph.config, latencyTrackingInterval: data.latencyTrackingInterval },
            }
          : plan.graph;
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
          if (this.host.collect) {
            this.host.collect.send(uid, values, subtask);
            return;
          }
          const encoded = this.encodeForClient(uid, values);
          this.collectUnacked.set(uid, (this.collectUnacked.get(uid) ?? 0) + values.length);
          this.post({ type: 'collect', uid, subtask, values: encoded });
        },
        clientBlocked: (uid) =>
          this.host.collect ? this.host.collect.blocked(uid) : this.collectBlocked(uid),
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
    // What print() wrote on a slot thread must reach the main thread's stdout before the job is
    // reported done (a slot in the master's thread wrote to it already).
    if (!this.host.collect) await flushStdio();
    this.post({ type: 'done', accumulators, tasks: this.tasks.map((t) => t.metrics()) });
  }

  triggerCheckpoint(id: number, savepoint: boolean, location: string, synchronous = false): void {
    for (const t of this.tasks) if (t.isSource) t.triggerCheckpoint(id, savepoint, location, synchronous);
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

/** Hands a message of the job master to the slot's job (messages of another job are ignored). */
export function deliverToSlot(job: SlotJob, m: Exclude<CoordinatorMessage, { type: 'job' }>): void {
  switch (m.type) {
    case 'start':
      job.run().catch((error) => job.fail(error));
      return;
    case 'cancel':
      void job.cancel();
      return;
  }
  if (job.jobId !== m.jobId) return;
  switch (m.type) {
    case 'trigger-checkpoint':
      job.triggerCheckpoint(m.id, m.savepoint, m.location, m.synchronous === true);
      return;
    case 'checkpoint-complete':
    case 'checkpoint-aborted':
      job.notifyCheckpoint(m.id, m.type === 'checkpoint-complete');
      return;
    case 'collect-ack':
      job.collectAcknowledged(m.uid, m.count);
      return;
    case 'merge-accumulators':
      job.mergeAccumulators(m.values);
      return;
  }
}
