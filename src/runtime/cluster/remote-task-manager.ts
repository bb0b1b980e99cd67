import { WeirError } from '../../core/errors.ts';
import type { FrameSocket } from '../network/frame-socket.ts';
import { deserialize } from '../scheduler/job-master.ts';
import type {
  AttemptDeployment,
  SlotFailure,
  SlotHandle,
  SlotListener,
  TaskManagerGateway,
} from '../scheduler/task-manager-gateway.ts';
import {
  sendRpc,
  type TaskManagerRegistration,
  type ToJobManager,
  type WireSlotFailure,
} from './rpc-protocol.ts';

/** One deployed slot of a remote TaskManager, as the JobManager tracks it. */
interface RemoteSlot {
  index: number;
  listener: SlotListener;
  /** Waiting for the slot to report its tasks cancelled, or to be gone. */
  waiters: Set<(outcome: 'cancelled' | 'exited') => void>;
}

/**
 * A TaskManager process, as the JobManager reaches it: the gateway of its slots over its control
 * connection (rpc-protocol.ts). Deploying sends the attempt to the TaskManager, which fetches the
 * job's artifact, evaluates it on its slot threads and wires their channels, through its data
 * plane, to the slots on other TaskManagers; from then on the slots' messages travel both ways
 * tagged with their attempt and slot.
 *
 * When the TaskManager is lost (its connection dropped or its heartbeats stopped) every slot it
 * ran fails with TASKMANAGER_LOST, and the job master restarts the job on the slots that remain.
 */
export class RemoteTaskManager implements TaskManagerGateway {
  readonly id: string;
  readonly description: string;
  readonly dataAddress: { host: string; port: number };
  readonly registration: TaskManagerRegistration;
  readonly registeredAt = Date.now();
  private readonly socket: FrameSocket;
  private readonly slots = new Map<string, RemoteSlot>();
  private readonly requests = new Map<number, () => void>();
  /** Pending `log-tail` requests, by request number. */
  private readonly logTails = new Map<number, (answer: { text?: string; error?: string }) => void>();
  private readonly attemptOf = new WeakMap<SlotHandle, { jobId: string; attempt: number }>();
  private nextRequest = 1;
  private lostError: WeirError | undefined;

  constructor(registration: TaskManagerRegistration, socket: FrameSocket) {
    this.registration = registration;
    this.socket = socket;
    this.id = registration.id;
    this.description = `TaskManager ${registration.id} (${registration.dataHost})`;
    this.dataAddress = { host: registration.dataHost, port: registration.dataPort };
  }

  /** The number of slots it offers. */
  get slotCount(): number {
    return this.registration.slots;
  }

  /** Milliseconds since anything (a heartbeat included) arrived from it. */
  get sinceLastHeartbeat(): number {
    return Math.max(0, Date.now() - this.socket.lastReceivedAt);
  }

  get lost(): boolean {
    return this.lostError !== undefined;
  }

  deploy(deployment: AttemptDeployment, indices: number[], listener: SlotListener): SlotHandle[] {
    const { jobId, attemptNumber: attempt } = deployment.data;
    const handles = indices.map((index): SlotHandle => {
      const slot: RemoteSlot = { index, listener, waiters: new Set() };
      this.slots.set(slotKey(jobId, attempt, index), slot);
      const handle: SlotHandle = {
        index,
        description: `slot ${index + 1} on ${this.description}`,
        post: (message) => {
          if (!this.lost) sendRpc(this.socket, { kind: 'post', jobId, attempt, slot: index, message });
        },
        cancelled: (timeoutMs) => this.cancelled(jobId, attempt, index, timeoutMs),
      };
      this.attemptOf.set(handle, { jobId, attempt });
      return handle;
    });
    if (this.lostError) {
      const error = this.lostError;
      queueMicrotask(() => {
        for (const index of indices) listener.failure(index, { kind: 'lost', error });
      });
    } else {
      sendRpc(this.socket, { kind: 'deploy', deployment, indices });
    }
    return handles;
  }

  release(slots: SlotHandle[]): void {
    for (const attempt of this.groups(slots)) {
      for (const s of attempt.slots) this.slots.delete(slotKey(attempt.jobId, attempt.attempt, s));
      if (!this.lost) sendRpc(this.socket, { kind: 'release', ...attempt });
    }
  }

  async discard(slots: SlotHandle[]): Promise<void> {
    const done: Array<Promise<void>> = [];
    for (const attempt of this.groups(slots)) {
      for (const s of attempt.slots) {
        const key = slotKey(attempt.jobId, attempt.attempt, s);
        const slot = this.slots.get(key);
        this.slots.delete(key);
        if (slot) for (const w of slot.waiters) w('exited');
      }
      if (this.lost) continue;
      const request = this.nextRequest++;
      done.push(new Promise<void>((resolve) => this.requests.set(request, resolve)));
      sendRpc(this.socket, { kind: 'discard', request, ...attempt });
    }
    await Promise.all(done);
  }

  /** A control message of this TaskManager (not `register`, which the resource manager handles). */
  receive(m: ToJobManager): void {
    switch (m.kind) {
      case 'slot-message': {
        const slot = this.slots.get(slotKey(m.jobId, m.attempt, m.slot));
        if (!slot) return; // of an attempt that is over
        if (m.message.type === 'cancelled') for (const w of slot.waiters) w('cancelled');
        slot.listener.message(m.slot, m.message);
        return;
      }
      case 'slot-failure': {
        const slot = this.slots.get(slotKey(m.jobId, m.attempt, m.slot));
        if (!slot) return;
        slot.listener.failure(m.slot, fromWireFailure(m.failure));
        return;
      }
      case 'slot-exited': {
        const slot = this.slots.get(slotKey(m.jobId, m.attempt, m.slot));
        if (slot) for (const w of slot.waiters) w('exited');
        return;
      }
      case 'log-tail':
        this.logTails.get(m.request)?.(m);
        return;
      case 'discarded':
        this.requests.get(m.request)?.();
        this.requests.delete(m.request);
        return;
      default:
        return;
    }
  }

  /**
   * The TaskManager is gone: each of its slots fails with `error` (TASKMANAGER_LOST), waits on them
   * end, and later deployments fail at once.
   */
  lose(error: WeirError): void {
    if (this.lostError) return;
    this.lostError = error;
    const slots = [...this.slots.values()];
    this.slots.clear();
    for (const resolve of this.requests.values()) resolve();
    this.requests.clear();
    for (const answer of [...this.logTails.values()]) answer({ error: error.message });
    for (const slot of slots) {
      for (const w of slot.waiters) w('exited');
      slot.listener.failure(slot.index, { kind: 'lost', error });
    }
    this.socket.destroy(error.message);
  }

  /**
   * The last `lines` lines of the TaskManager's log file, asked over its control connection: fails
   * with LOG_NOT_FOUND when it writes none, TIMEOUT after `timeoutMs`, TASKMANAGER_LOST when lost.
   */
  logTail(lines: number, timeoutMs: number): Promise<string> {
    if (this.lostError) return Promise.reject(this.lostError);
    const request = this.nextRequest++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.logTails.delete(request);
        reject(new WeirError('TIMEOUT', `${this.description} did not send its log within ${timeoutMs} ms`));
      }, timeoutMs);
      this.logTails.set(request, (answer) => {
        clearTimeout(timer);
        this.logTails.delete(request);
        if (answer.text !== undefined) resolve(answer.text);
        else if (this.lostError) reject(this.lostError);
        else reject(new WeirError('LOG_NOT_FOUND', `${this.description}: ${answer.error ?? 'no log'}`));
      });
      sendRpc(this.socket, { kind: 'log-tail', request, lines });
    });
  }

  /** Sends a control message (the artifact a TaskManager asked for). */
  send(message: Parameters<typeof sendRpc>[1]): void {
    if (!this.lost) sendRpc(this.socket, message);
  }

  private cancelled(
    jobId: string,
    attempt: number,
    index: number,
    timeoutMs: number | undefined,
  ): Promise<'cancelled' | 'exited' | 'timeout'> {
    const slot = this.slots.get(slotKey(jobId, attempt, index));
    if (!slot) return Promise.resolve('exited');
    return new Promise((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => done('timeout'), timeoutMs);
      const done = (outcome: 'cancelled' | 'exited' | 'timeout') => {
        clearTimeout(timer);
        slot.waiters.delete(done);
        resolve(outcome);
      };
      slot.waiters.add(done);
    });
  }

  /** The slots by attempt (a job master hands over the slots of one attempt, but be general). */
  private groups(slots: SlotHandle[]): Array<{ jobId: string; attempt: number; slots: number[] }> {
    const groups = new Map<string, { jobId: string; attempt: number; slots: number[] }>();
    for (const handle of slots) {
      const of = this.attemptOf.get(handle);
      if (!of) continue;
      const key = `${of.jobId}/${of.attempt}`;
      const group = groups.get(key) ?? { jobId: of.jobId, attempt: of.attempt, slots: [] };
      group.slots.push(handle.index);
      groups.set(key, group);
    }
    return [...groups.values()];
  }
}

function slotKey(jobId: string, attempt: number, slot: number): string {
  return `${jobId}/${attempt}/${slot}`;
}

/** A slot failure from the wire, its errors rebuilt. */
export function fromWireFailure(failure: WireSlotFailure): SlotFailure {
  switch (failure.kind) {
    case 'out-of-memory':
      return {
        kind: 'out-of-memory',
        heapMb: failure.heapMb,
        cause: failure.cause && deserialize(failure.cause),
      };
    case 'crashed':
      return { kind: 'crashed', what: failure.what, cause: failure.cause && deserialize(failure.cause) };
    case 'failed':
    case 'lost':
      return { kind: failure.kind, error: deserialize(failure.error) };
  }
}
