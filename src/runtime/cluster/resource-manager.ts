import { WeirError } from '../../core/errors.ts';
import type { TaskManagerInfo } from '../../server/dispatcher.ts';
import { describeClose, type FrameSocket } from '../network/frame-socket.ts';
import type { SlotProvider, TaskManagerGateway } from '../scheduler/task-manager-gateway.ts';
import { RemoteTaskManager } from './remote-task-manager.ts';
import {
  readRpc,
  sendRpc,
  type TaskManagerResources,
  type ToJobManager,
  type ToTaskManager,
} from './rpc-protocol.ts';

export interface ResourceManagerOptions {
  /** `slot.request.timeout`: how long a job waits for a free slot when there is none. */
  slotRequestTimeoutMs: number;
  /** Weir's version: a TaskManager of another version is refused. */
  version: string;
  /** The artifact of a job, for the TaskManagers that fetch it. */
  artifactOf(jobId: string): { name: string; code: string; sha256: string } | undefined;
  log(line: string): void;
}

/**
 * The JobManager's resource manager of a standalone cluster: it registers the TaskManagers that
 * connect (rpc-protocol.ts), notices when one is lost, and grants their slots to jobs.
 *
 * Slot grants follow the job master's contract (SlotProvider): a job gets as many free slots as
 * it asks for, or fewer when fewer are free (its subtasks then share them), so that after the loss
 * of a TaskManager the job restarts at once on the slots that remain. Only when no slot is free does
 * a request wait, for TaskManagers to register or jobs to end, at most `slot.request.timeout`;
 * then it fails with NOT_ENOUGH_SLOTS.
 *
 * A TaskManager is lost when its connection drops or no frame (heartbeats included) arrived within
 * `heartbeat.timeout` (the frame socket closes it then). A TaskManager that registers again, after
 * its connection dropped or a restart, is a new TaskManager: what ran on the old one has failed.
 */
export class ResourceManager implements SlotProvider {
  private readonly options: ResourceManagerOptions;
  private readonly registered = new Map<string, RemoteTaskManager>();
  /** Slots granted per TaskManager. */
  private readonly used = new Map<RemoteTaskManager, number>();
  private readonly waiting = new Set<() => void>();
  /** What each TaskManager last said of its machine and memory. */
  private readonly resources = new WeakMap<RemoteTaskManager, TaskManagerResources>();

  constructor(options: ResourceManagerOptions) {
    this.options = options;
  }

  /** A TaskManager's control connection, after the handshake: it must register first. */
  accept(socket: FrameSocket): void {
    let tm: RemoteTaskManager | undefined;
    socket.handle({
      frame: (_type, body) => {
        const m = readRpc<ToJobManager>(body);
        if (tm) {
          if (m.kind === 'fetch-artifact') this.sendArtifact(tm, m.request, m.jobId);
          else if (m.kind === 'resources') this.resources.set(tm, m.resources);
          else tm.receive(m);
          return;
        }
        if (m.kind !== 'register') {
          socket.close(`expected a registration, got "${m.kind}"`);
          return;
        }
        const r = m.taskManager;
        if (r.version !== this.options.version) {
          sendRpc(socket, {
            kind: 'refused',
            reason: `the JobManager runs Weir ${this.options.version}, the TaskManager ${r.version}`,
          });
          socket.close('version mismatch');
          return;
        }
        const previous = this.registered.get(r.id);
        if (previous) {
          this.lose(
            previous,
            new WeirError(
              'TASKMANAGER_LOST',
              `${previous.description} registered again: its earlier connection is over`,
            ),
          );
        }
        tm = new RemoteTaskManager(r, socket);
        this.resources.set(tm, r.resources);
        this.registered.set(r.id, tm);
        this.used.set(tm, 0);
        sendRpc(socket, { kind: 'registered' });
        this.options.log(
          `weir: ${tm.description} registered from ${socket.remote}: ${r.slots} slot(s), data plane ${r.dataHost}:${r.dataPort}`,
        );
        this.wake();
      },
      close: (reason) => {
        if (!tm) return;
        this.lose(
          tm,
          new WeirError('TASKMANAGER_LOST', `${tm.description} was lost: ${describeClose(reason)}`),
        );
      },
    });
  }

  async allocate(wanted: number): Promise<TaskManagerGateway[]> {
    const deadline = Date.now() + this.options.slotRequestTimeoutMs;
    for (;;) {
      const granted = this.grant(wanted);
      if (granted.length > 0) return granted;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiting.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiting.add(wake);
      });
    }
    const total = this.totalSlots();
    throw new WeirError(
      'NOT_ENOUGH_SLOTS',
      total === 0
        ? `no TaskManager registered within slot.request.timeout (${this.options.slotRequestTimeoutMs} ms): start one with "weir taskmanager --jobmanager <host:port>"`
        : `no free slot within slot.request.timeout (${this.options.slotRequestTimeoutMs} ms): all ${total} slot(s) of ${this.registered.size} TaskManager(s) are in use`,
    );
  }

  free(gateways: TaskManagerGateway[]): void {
    for (const g of gateways) {
      const tm = g as RemoteTaskManager;
      const n = this.used.get(tm);
      if (n !== undefined && n > 0) this.used.set(tm, n - 1);
    }
    this.wake();
  }

  /** For GET /taskmanagers. */
  taskManagers(): TaskManagerInfo[] {
    return [...this.registered.values()].map((tm) => {
      const r = this.resources.get(tm);
      return {
        id: tm.id,
        address: tm.dataAddress.host,
        dataPort: tm.dataAddress.port,
        slotsNumber: tm.slotCount,
        freeSlots: tm.slotCount - (this.used.get(tm) ?? 0),
        timeSinceLastHeartbeat: tm.sinceLastHeartbeat,
        hardware: {
          cpuCores: r?.cpuCores ?? 0,
          physicalMemory: r?.physicalMemory ?? 0,
          freeMemory: r?.freeMemory ?? 0,
        },
        memory: { heapUsed: r?.heapUsed ?? 0, heapTotal: r?.heapTotal ?? 0, rss: r?.rss ?? 0 },
      };
    });
  }

  /**
   * For GET /taskmanagers/:id/log: the last `lines` lines of a registered TaskManager's log file,
   * asked over its control connection; undefined when no TaskManager `id` is registered.
   */
  taskManagerLog(id: string, lines: number, timeoutMs: number): Promise<string> | undefined {
    return this.registered.get(id)?.logTail(lines, timeoutMs);
  }

  /** Sends a control message to every registered TaskManager. */
  broadcast(message: ToTaskManager): void {
    for (const tm of this.registered.values()) tm.send(message);
  }

  /** Every registered TaskManager loses its connection (the JobManager shuts down). */
  close(reason: string): void {
    for (const tm of [...this.registered.values()]) {
      this.lose(tm, new WeirError('TASKMANAGER_LOST', `${tm.description}: ${reason}`));
    }
  }

  /** Up to `wanted` free slots, TaskManager by TaskManager (slots of one exchange records in memory). */
  private grant(wanted: number): RemoteTaskManager[] {
    const granted: RemoteTaskManager[] = [];
    const ordered = [...this.registered.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const tm of ordered) {
      let free = tm.slotCount - (this.used.get(tm) ?? 0);
      while (free > 0 && granted.length < wanted) {
        granted.push(tm);
        free--;
      }
      this.used.set(tm, tm.slotCount - free);
    }
    return granted;
  }

  private totalSlots(): number {
    let total = 0;
    for (const tm of this.registered.values()) total += tm.slotCount;
    return total;
  }

  private lose(tm: RemoteTaskManager, error: WeirError): void {
    if (this.registered.get(tm.id) !== tm) return;
    this.registered.delete(tm.id);
    this.used.delete(tm);
    this.options.log(`weir: ${error.message}`);
    tm.lose(error);
  }

  private sendArtifact(tm: RemoteTaskManager, request: number, jobId: string): void {
    const artifact = this.options.artifactOf(jobId);
    tm.send(
      artifact
        ? { kind: 'artifact', request, artifact }
        : { kind: 'artifact', request, error: `the JobManager has no artifact of job ${jobId}` },
    );
  }

  private wake(): void {
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const w of waiting) w();
  }
}
