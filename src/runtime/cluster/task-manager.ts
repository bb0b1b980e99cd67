/**
 * A TaskManager process of a standalone cluster (`weir taskmanager`): task slots on worker threads,
 * a data plane for the records its slots exchange with slots of other TaskManagers, and a control
 * connection to the JobManager.
 *
 * Life cycle. It starts its data plane, dials the JobManager's RPC port and registers (its id is
 * new for every start of the process). While registered it deploys what the JobManager sends: for
 * an attempt it fetches the job's artifact (once per job), stores it in `web.upload.dir`, and hands
 * the attempt to its worker-thread gateway, whose slots evaluate the artifact, check their graph
 * against the JobManager's, and reach slots on other TaskManagers through ports bridged to the data
 * plane. If the control connection drops (the JobManager stopped, or heartbeats timed out both
 * ways), the TaskManager ends every slot at once — their job is being restarted elsewhere, and a
 * slot cut off from its JobManager must not go on writing — and registers again as soon as the
 * JobManager answers.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { WeirError } from '../../core/errors.ts';
import { lineLogger, processLogger } from '../../core/logger.ts';
import { logTailAnswer } from '../logging/process-logging.ts';
import type { PrometheusServer } from '../metrics/prometheus-server.ts';
import { startClusterMetrics, TaskMetricsTap } from '../metrics/prometheus-views.ts';
import { DataPlane } from '../network/data-plane.ts';
import {
  connectFrames,
  describeClose,
  type FrameSocket,
  type FrameTlsOptions,
} from '../network/frame-socket.ts';
import type { AttemptDeployment, SlotHandle, SlotListener } from '../scheduler/task-manager-gateway.ts';
import { installArtifactResolution, removeArtifacts, storeArtifact } from './artifact-loader.ts';
import type { ClusterConfig } from './cluster-config.ts';
import {
  assertRpcBindAllowed,
  internalTls,
  JOB_MANAGER_ID,
  readRpc,
  resourcesNow,
  sendRpc,
  TASK_MANAGER_ROLE,
  type ToJobManager,
  type ToTaskManager,
  toWireFailure,
} from './rpc-protocol.ts';
import { serializeError } from './slot-job.ts';
import { defaultSlotHeapMb } from './task-slot-pool.ts';
import { WorkerThreadTaskManager } from './worker-thread-task-manager.ts';

export interface TaskManagerOptions {
  config: ClusterConfig;
  /** The JobManager's RPC address. */
  jobManager: { host: string; port: number };
  /** Weir's version, checked by the JobManager. */
  version: string;
  log?: (line: string) => void;
  /** Its id (see {@link newTaskManagerId}); a new one by default. */
  id?: string;
}

/** One attempt's slots on this TaskManager. */
interface LocalAttempt {
  jobId: string;
  attempt: number;
  indices: number[];
  /** The TaskManagers its other slots run on (a lost one fails the attempt). */
  peers: Set<string>;
  handles: SlotHandle[] | undefined;
  /** Set once discarded or released, also while its artifact is still being fetched. */
  over: boolean;
}

/** How long to wait between attempts to reach the JobManager. */
const RECONNECT_DELAY_MS = 1_000;

export class TaskManager {
  readonly id: string;
  private readonly options: TaskManagerOptions;
  private readonly log: (line: string) => void;
  private readonly dataPlane: DataPlane;
  private readonly gateway: WorkerThreadTaskManager;
  private readonly slots: number;
  private readonly heapMb: number;
  private readonly artifactsDir: string;
  private readonly tls: FrameTlsOptions | undefined;
  private socket: FrameSocket | undefined;
  private readonly attempts = new Map<string, LocalAttempt>();
  /** Placements of the attempts being deployed, for the bridge. */
  private readonly placements = new Map<string, AttemptDeployment['placement']>();
  /** Artifact URLs by job id (fetched once per job). */
  private readonly artifacts = new Map<string, Promise<string>>();
  private readonly fetches = new Map<number, (m: Extract<ToTaskManager, { kind: 'artifact' }>) => void>();
  private nextRequest = 1;
  private closing = false;
  /** The latest metrics of this TaskManager's subtasks, for its Prometheus endpoint. */
  private readonly metricsTap: TaskMetricsTap;
  private metrics: PrometheusServer | undefined;
  private registeredOnce!: () => void;
  /** Resolves on the first registration. */
  readonly registered = new Promise<void>((resolve) => {
    this.registeredOnce = resolve;
  });

  private constructor(
    options: TaskManagerOptions,
    dataPlane: DataPlane,
    id: string,
    tls: FrameTlsOptions | undefined,
  ) {
    const { config } = options;
    this.options = options;
    this.id = id;
    this.tls = tls;
    this.log = options.log ?? lineLogger(processLogger());
    this.dataPlane = dataPlane;
    this.metricsTap = new TaskMetricsTap(id);
    this.slots = config.taskmanager.numberOfTaskSlots;
    this.heapMb = config.taskmanager.memory.slot.heap.size ?? defaultSlotHeapMb(this.slots);
    this.artifactsDir = config.web.upload.dir;
    this.gateway = new WorkerThreadTaskManager({
      id,
      description: `TaskManager ${id} (${config.taskmanager.host})`,
      heapMb: this.heapMb,
      bridge: (jobId, attempt, from, to) => this.bridge(jobId, attempt, from, to),
    });
    dataPlane.on('peer-lost', (peerId, reason) => this.peerLost(peerId, reason));
    dataPlane.on('refused', (error) => this.log(`weir: data plane refused a connection: ${error.message}`));
  }

  /** Starts the data plane, then keeps registering with the JobManager until closed. */
  static async start(options: TaskManagerOptions): Promise<TaskManager> {
    const { config } = options;
    assertRpcBindAllowed(
      config.taskmanager.bindHost,
      config.security.rpc.secret,
      'the data plane',
      'taskmanager.bind-host',
    );
    const id = options.id ?? newTaskManagerId();
    const tls = internalTls(config);
    installArtifactResolution(config.web.upload.dir);
    const dataPlane = await DataPlane.start({
      id,
      host: config.taskmanager.bindHost,
      port: config.taskmanager.data.port,
      secret: config.security.rpc.secret,
      tls,
      heartbeat: { intervalMs: config.heartbeat.interval, timeoutMs: config.heartbeat.timeout },
    });
    const tm = new TaskManager(options, dataPlane, id, tls);
    try {
      tm.metrics = await startClusterMetrics(config, [{ kind: 'taskmanager', view: tm.metricsTap }], tm.log);
    } catch (error) {
      await dataPlane.close();
      throw error;
    }
    void tm.connectLoop();
    return tm;
  }

  /** Where the data plane listens, as advertised to other TaskManagers. */
  get dataAddress(): { host: string; port: number } {
    return { host: this.options.config.taskmanager.host, port: this.dataPlane.address.port };
  }

  /** Ends every slot and the connections. */
  async close(): Promise<void> {
    this.closing = true;
    this.socket?.close('the TaskManager is shutting down');
    await this.discardAll();
    await this.dataPlane.close();
    await this.metrics?.close();
  }

  private async connectLoop(): Promise<void> {
    const { host, port } = this.options.jobManager;
    const { config } = this.options;
    let failures = 0;
    while (!this.closing) {
      let socket: FrameSocket;
      try {
        socket = await connectFrames({
          host,
          port,
          id: this.id,
          role: TASK_MANAGER_ROLE,
          expectPeerId: JOB_MANAGER_ID,
          secret: config.security.rpc.secret,
          tls: this.tls,
          heartbeat: { intervalMs: config.heartbeat.interval, timeoutMs: config.heartbeat.timeout },
        });
      } catch (error) {
        const e = error as WeirError;
        if (e.code === 'UNAUTHORIZED') {
          this.log(`weir: ${e.message}: check security.rpc.secret`);
          process.exitCode = 1;
          await this.close();
          return;
        }
        // One line when the JobManager becomes unreachable, then one every minute.
        if (failures++ % 60 === 0)
          this.log(`weir: cannot reach the JobManager at ${host}:${port}: ${e.message}; retrying`);
        await new Promise((r) => setTimeout(r, RECONNECT_DELAY_MS));
        continue;
      }
      failures = 0;
      if (this.closing) {
        socket.close('the TaskManager is shutting down');
        return;
      }
      const reason = await this.session(socket);
      if (this.closing) return;
      this.log(
        `weir: TaskManager ${this.id} lost the JobManager (${reason}): ending its slots, registering again`,
      );
      await this.discardAll();
    }
  }

  /** One registration, until its connection closes; resolves with why it closed. */
  private session(socket: FrameSocket): Promise<string> {
    this.socket = socket;
    const { config } = this.options;
    // Its machine and memory for the JobManager's REST API, with each heartbeat interval.
    const reporting = setInterval(
      () => sendRpc(socket, { kind: 'resources', resources: resourcesNow() }),
      config.heartbeat.interval,
    );
    reporting.unref();
    return new Promise((resolve) => {
      socket.handle({
        frame: (_type, body) => this.receive(socket, readRpc<ToTaskManager>(body)),
        close: (reason) => {
          clearInterval(reporting);
          if (this.socket === socket) this.socket = undefined;
          for (const fetch of this.fetches.values())
            fetch({ kind: 'artifact', request: 0, error: 'connection lost' });
          this.fetches.clear();
          resolve(describeClose(reason));
        },
      });
      sendRpc(socket, {
        kind: 'register',
        taskManager: {
          id: this.id,
          dataHost: config.taskmanager.host,
          dataPort: this.dataPlane.address.port,
          slots: this.slots,
          slotHeapMb: this.heapMb,
          pid: process.pid,
          hostname: hostname(),
          version: this.options.version,
          resources: resourcesNow(),
        },
      });
    });
  }

  private receive(socket: FrameSocket, m: ToTaskManager): void {
    switch (m.kind) {
      case 'registered': {
        const { host, port } = this.options.jobManager;
        const data = this.dataAddress;
        this.log(
          `weir: TaskManager ${this.id} registered at ${host}:${port} (${this.slots} slots, data ${data.host}:${data.port})`,
        );
        this.registeredOnce();
        return;
      }
      case 'refused':
        this.log(`weir: the JobManager refused TaskManager ${this.id}: ${m.reason}`);
        process.exitCode = 1;
        void this.close();
        return;
      case 'deploy':
        void this.deploy(socket, m.deployment, m.indices);
        return;
      case 'post': {
        const a = this.attempts.get(attemptKey(m.jobId, m.attempt));
        const handle = a?.handles?.find((h) => h.index === m.slot);
        handle?.post(m.message);
        return;
      }
      case 'release': {
        const key = attemptKey(m.jobId, m.attempt);
        const a = this.attempts.get(key);
        if (!a) return;
        a.over = true;
        this.attempts.delete(key);
        this.metricsTap.ended(m.jobId, m.attempt);
        if (a.handles) this.gateway.release(a.handles);
        this.dataPlane.unbridge(m.jobId, m.attempt);
        return;
      }
      case 'discard':
        void this.discard(attemptKey(m.jobId, m.attempt)).then(() =>
          sendRpc(socket, { kind: 'discarded', request: m.request }),
        );
        return;
      case 'job-ended':
        this.artifacts.delete(m.jobId);
        removeArtifacts(this.artifactsDir, m.jobId);
        return;
      case 'log-tail':
        void logTailAnswer(m.lines).then((answer) =>
          sendRpc(socket, { kind: 'log-tail', request: m.request, ...answer }),
        );
        return;
      case 'artifact':
        this.fetches.get(m.request)?.(m);
        this.fetches.delete(m.request);
        return;
    }
  }

  private async deploy(socket: FrameSocket, deployment: AttemptDeployment, indices: number[]): Promise<void> {
    const { jobId, attemptNumber: attempt } = deployment.data;
    const key = attemptKey(jobId, attempt);
    const peers = new Set(deployment.placement.map((p) => p.taskManager).filter((id) => id !== this.id));
    const local: LocalAttempt = { jobId, attempt, indices, peers, handles: undefined, over: false };
    this.attempts.set(key, local);
    this.metricsTap.deployed(jobId, attempt, deployment.data.graphJson);
    const send = (message: ToJobManager) => {
      if (!local.over) sendRpc(socket, message);
    };
    let url: string;
    try {
      url = await this.artifact(socket, jobId);
    } catch (error) {
      const e = new WeirError(
        'CLUSTER_UNAVAILABLE',
        `TaskManager ${this.id} cannot get the artifact of job ${jobId}: ${(error as Error).message}`,
        { cause: error },
      );
      for (const slot of indices) {
        send({
          kind: 'slot-failure',
          jobId,
          attempt,
          slot,
          failure: { kind: 'failed', error: serializeError(e) },
        });
      }
      return;
    }
    if (local.over) return; // discarded while the artifact was on its way
    const listener: SlotListener = {
      message: (slot, message) => {
        if (!local.over) this.metricsTap.message(jobId, attempt, message);
        send({ kind: 'slot-message', jobId, attempt, slot, message });
      },
      failure: (slot, failure) =>
        send({ kind: 'slot-failure', jobId, attempt, slot, failure: toWireFailure(failure, serializeError) }),
    };
    this.placements.set(key, deployment.placement);
    try {
      local.handles = this.gateway.deploy(
        {
          data: { ...deployment.data, jobModule: url, artifactsDir: this.artifactsDir },
          placement: deployment.placement,
        },
        indices,
        listener,
      );
    } finally {
      this.placements.delete(key);
    }
  }

  /** The local URL of the job's artifact, fetched from the JobManager the first time. */
  private artifact(socket: FrameSocket, jobId: string): Promise<string> {
    let url = this.artifacts.get(jobId);
    if (!url) {
      const request = this.nextRequest++;
      url = new Promise<string>((resolve, reject) => {
        this.fetches.set(request, (m) => {
          if (m.artifact) resolve(storeArtifact(this.artifactsDir, m.artifact, jobId));
          else reject(new Error(m.error ?? 'no artifact'));
        });
      });
      // A failed fetch is tried again by the next attempt.
      url.catch(() => this.artifacts.delete(jobId));
      this.artifacts.set(jobId, url);
      sendRpc(socket, { kind: 'fetch-artifact', request, jobId });
    }
    return url;
  }

  /** The port through which slot `from` reaches slot `to` on another TaskManager: bridged to the data plane. */
  private bridge(jobId: string, attempt: number, from: number, to: number) {
    const target = this.placements.get(attemptKey(jobId, attempt))?.[to];
    if (!target?.data) return undefined;
    const { port1, port2 } = new MessageChannel();
    this.dataPlane.bridge(
      {
        jobId,
        attempt,
        from,
        to,
        peer: { id: target.taskManager, host: target.data.host, port: target.data.port },
      },
      port1,
    );
    return port2;
  }

  /**
   * The connection to another TaskManager dropped: each attempt with slots there fails (its
   * channels are cut), which the JobManager answers with a restart.
   */
  private peerLost(peerId: string, reason: string): void {
    const socket = this.socket;
    if (!socket) return;
    for (const a of this.attempts.values()) {
      if (a.over || !a.peers.has(peerId)) continue;
      const error = new WeirError(
        'TASKMANAGER_LOST',
        `TaskManager ${this.id} lost its data connection to TaskManager ${peerId}: ${reason}`,
      );
      sendRpc(socket, {
        kind: 'slot-failure',
        jobId: a.jobId,
        attempt: a.attempt,
        slot: a.indices[0],
        failure: { kind: 'lost', error: serializeError(error) },
      });
    }
  }

  private async discard(key: string): Promise<void> {
    const a = this.attempts.get(key);
    if (!a) return;
    a.over = true;
    this.attempts.delete(key);
    this.metricsTap.ended(a.jobId, a.attempt);
    if (a.handles) await this.gateway.discard(a.handles);
    this.dataPlane.unbridge(a.jobId, a.attempt);
  }

  private async discardAll(): Promise<void> {
    await Promise.all([...this.attempts.keys()].map((key) => this.discard(key)));
  }
}

/** A TaskManager id, unique in the cluster and new for every start: `tm-<host>-<pid>-<random>`. */
export function newTaskManagerId(): string {
  return `tm-${hostname().replace(/[^A-Za-z0-9-]/g, '-')}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

function attemptKey(jobId: string, attempt: number): string {
  return `${jobId}/${attempt}`;
}
