import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type {
  AttemptDeployment,
  SlotHandle,
  SlotListener,
  TaskManagerGateway,
} from '../scheduler/task-manager-gateway.ts';
import { taskSlotPool } from './task-slot-pool.ts';
import type { CoordinatorMessage, WorkerData, WorkerMessage } from './worker-protocol.ts';

/**
 * The task slots of this process: worker threads from the slot pool, one per slot, each with its
 * own heap limit. Slots of one attempt exchange records over MessagePorts created here, one per
 * pair; a slot placed on another TaskManager gets the port a `bridge` supplies (the TaskManager
 * process relays it over TCP).
 */
export class WorkerThreadTaskManager implements TaskManagerGateway {
  readonly id: string;
  readonly description: string;
  private readonly heapMb: number;
  private readonly bridge: PeerBridge | undefined;
  private readonly workerOf = new WeakMap<SlotHandle, Worker>();

  constructor(options: { id?: string; description?: string; heapMb: number; bridge?: PeerBridge }) {
    this.id = options.id ?? 'local';
    this.description = options.description ?? 'this process';
    this.heapMb = options.heapMb;
    this.bridge = options.bridge;
  }

  deploy(deployment: AttemptDeployment, indices: number[], listener: SlotListener): SlotHandle[] {
    const { data, placement } = deployment;
    const here = new Set(indices);
    const ports = new Map<number, Record<number, MessagePort>>(indices.map((i) => [i, {}]));
    for (const a of indices) {
      for (let b = 0; b < placement.length; b++) {
        if (b === a) continue;
        if (here.has(b)) {
          if (b < a) continue; // wired from b's side
          const { port1, port2 } = new MessageChannel();
          ports.get(a)![b] = port1;
          ports.get(b)![a] = port2;
        } else {
          const port = this.bridge?.(data.jobId, data.attemptNumber, a, b);
          if (port) ports.get(a)![b] = port;
        }
      }
    }
    const workers = taskSlotPool.acquire(indices.length, this.heapMb);
    return indices.map((index, i) => {
      const worker = workers[i];
      const description = this.slotDescription(index);
      const slotData: WorkerData = {
        ...data,
        workerIndex: index,
        peers: ports.get(index)!,
        // A local slot names itself "worker thread N" in its own errors (its default).
        description: this.id === 'local' ? undefined : description,
      };
      worker.on('message', (m: WorkerMessage) => {
        if (m.jobId === data.jobId) listener.message(index, m);
      });
      worker.on('error', (error) => {
        if ((error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
          listener.failure(index, { kind: 'out-of-memory', heapMb: this.heapMb, cause: error });
        } else {
          listener.failure(index, { kind: 'crashed', what: 'failed with an uncaught error', cause: error });
        }
      });
      worker.on('exit', (code) =>
        listener.failure(index, { kind: 'crashed', what: `exited unexpectedly with code ${code}` }),
      );
      worker.postMessage(
        { type: 'job', data: slotData } satisfies CoordinatorMessage,
        Object.values(slotData.peers),
      );
      const handle: SlotHandle = {
        index,
        description,
        post: (message) => worker.postMessage(message),
        cancelled: (timeoutMs) => workerCancelled(worker, timeoutMs),
      };
      this.workerOf.set(handle, worker);
      return handle;
    });
  }

  release(slots: SlotHandle[]): void {
    taskSlotPool.release(this.workers(slots));
  }

  discard(slots: SlotHandle[]): Promise<void> {
    return taskSlotPool.discard(this.workers(slots));
  }

  private workers(slots: SlotHandle[]): Worker[] {
    return slots.map((s) => this.workerOf.get(s)).filter((w): w is Worker => w !== undefined);
  }

  private slotDescription(index: number): string {
    return this.id === 'local' ? `slot thread ${index + 1}` : `slot ${index + 1} on ${this.description}`;
  }
}

/**
 * Supplies the port through which slot `from` of this TaskManager reaches slot `to` on another one
 * (a TaskManager process bridges it to its data plane); undefined: no such peer is reachable.
 */
export type PeerBridge = (
  jobId: string,
  attempt: number,
  from: number,
  to: number,
) => MessagePort | undefined;

/**
 * Resolves when `worker` reports its tasks cancelled and closed ('cancelled'), exits ('exited'), or
 * `timeoutMs` passes ('timeout'; never when undefined).
 */
function workerCancelled(
  worker: Worker,
  timeoutMs: number | undefined,
): Promise<'cancelled' | 'exited' | 'timeout'> {
  return new Promise((resolve) => {
    const done = (outcome: 'cancelled' | 'exited' | 'timeout') => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(outcome);
    };
    const onMessage = (m: { type?: string }) => {
      if (m?.type === 'cancelled') done('cancelled');
    };
    const onExit = () => done('exited');
    if (worker.threadId < 0) {
      resolve('exited'); // terminated already (a restart in its delay)
      return;
    }
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => done('timeout'), timeoutMs);
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}
