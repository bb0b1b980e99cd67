/**
 * The control plane between the JobManager and its TaskManagers: one frame-socket connection per
 * TaskManager (frame-socket.ts: the shared-secret handshake, heartbeats), dialled by the
 * TaskManager. Each frame carries one {@link ToJobManager} or {@link ToTaskManager} message,
 * serialized with V8's structured clone (the messages slots exchange with their master hold typed
 * arrays and checkpoint state entries, which JSON would not carry). Only peers that proved the
 * cluster's secret get this far, so the deserializer only ever reads what a member of the cluster
 * wrote.
 *
 * The messages a slot and its job master exchange in a process (worker-protocol.ts) travel as they
 * are, tagged with their job attempt and slot, so that the job master runs the same code whether
 * its slots are threads of its own process or of a TaskManager across the network.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, freemem, totalmem } from 'node:os';
import { deserialize, serialize } from 'node:v8';
import { WeirError } from '../../core/errors.ts';
import {
  FIRST_USER_FRAME_TYPE,
  type FrameSocket,
  type FrameTlsOptions,
  isLoopback,
} from '../network/frame-socket.ts';
import type { AttemptDeployment, SlotFailure } from '../scheduler/task-manager-gateway.ts';
import type { ClusterConfig } from './cluster-config.ts';
import type { CoordinatorMessage, SerializedError, WorkerMessage } from './worker-protocol.ts';

/** The frame type of control messages. */
export const RPC_FRAME = FIRST_USER_FRAME_TYPE;
/** The role TaskManagers present in the handshake. */
export const TASK_MANAGER_ROLE = 'taskmanager';
/** The id the JobManager presents in the handshake. */
export const JOB_MANAGER_ID = 'jobmanager';

/** What a TaskManager says of itself when it registers. */
export interface TaskManagerRegistration {
  /** Unique in the cluster, new for every start of the process. */
  id: string;
  /** Where its data plane listens (taskmanager.host and the bound port). */
  dataHost: string;
  dataPort: number;
  slots: number;
  /** The heap limit of each slot thread, MB. */
  slotHeapMb: number;
  pid: number;
  hostname: string;
  version: string;
  /** Its machine and memory when it registered (then `resources` messages keep it current). */
  resources: TaskManagerResources;
}

/**
 * A TaskManager's machine and process memory in bytes, for the REST API: sent at registration and
 * then with every heartbeat interval (six numbers; the JobManager asks nothing per request). The
 * heap is the process's main thread's; `rss` counts every slot thread too.
 */
export interface TaskManagerResources {
  cpuCores: number;
  physicalMemory: number;
  freeMemory: number;
  heapUsed: number;
  heapTotal: number;
  rss: number;
}

/** This process's {@link TaskManagerResources} now. */
export function resourcesNow(): TaskManagerResources {
  const memory = process.memoryUsage();
  return {
    cpuCores: availableParallelism(),
    physicalMemory: totalmem(),
    freeMemory: freemem(),
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    rss: memory.rss,
  };
}

/** A slot's failure as it crosses the network: errors become {@link SerializedError}s. */
export type WireSlotFailure =
  | { kind: 'out-of-memory'; heapMb: number; cause?: SerializedError }
  | { kind: 'crashed'; what: string; cause?: SerializedError }
  | { kind: 'failed'; error: SerializedError }
  | { kind: 'lost'; error: SerializedError };

/** Messages from a TaskManager. */
export type ToJobManager =
  | { kind: 'register'; taskManager: TaskManagerRegistration }
  /** Its machine and memory now, every heartbeat interval. */
  | { kind: 'resources'; resources: TaskManagerResources }
  /** A message of slot `slot` of the attempt, as a slot thread posts it. */
  | { kind: 'slot-message'; jobId: string; attempt: number; slot: number; message: WorkerMessage }
  | { kind: 'slot-failure'; jobId: string; attempt: number; slot: number; failure: WireSlotFailure }
  /** The slot's thread is gone (discarded, or it died after its failure was reported). */
  | { kind: 'slot-exited'; jobId: string; attempt: number; slot: number }
  /** Answers `discard` once the slots' threads are terminated. */
  | { kind: 'discarded'; request: number }
  /** Answers `log-tail`: the end of the TaskManager's log file, or why there is none. */
  | { kind: 'log-tail'; request: number; text?: string; error?: string }
  | { kind: 'fetch-artifact'; request: number; jobId: string };

/** Messages from the JobManager. */
export type ToTaskManager =
  | { kind: 'registered' }
  /** The registration was refused (a duplicate id, another version): the TaskManager exits. */
  | { kind: 'refused'; reason: string }
  /** Deploy slots `indices` of an attempt; `data.jobModule` is the artifact's sha256, fetched by job id. */
  | { kind: 'deploy'; deployment: AttemptDeployment; indices: number[] }
  | { kind: 'post'; jobId: string; attempt: number; slot: number; message: CoordinatorMessage }
  | { kind: 'release'; jobId: string; attempt: number; slots: number[] }
  | { kind: 'discard'; request: number; jobId: string; attempt: number; slots: number[] }
  /** The job ended: its artifact can go. */
  | { kind: 'job-ended'; jobId: string }
  /** Asks for the last `lines` lines of the TaskManager's log file (GET /taskmanagers/:id/log). */
  | { kind: 'log-tail'; request: number; lines: number }
  | {
      kind: 'artifact';
      request: number;
      artifact?: { name: string; code: string; sha256: string };
      error?: string;
    };

/**
 * Refuses (TOKEN_REQUIRED) to bind the RPC port or a data plane to a non-loopback address without the
 * cluster's shared secret, naming the setting that binds it.
 */
export function assertRpcBindAllowed(
  host: string,
  secret: string | undefined,
  what: string,
  key: string,
): void {
  if (isLoopback(host) || (secret !== undefined && secret !== '')) return;
  throw new WeirError(
    'TOKEN_REQUIRED',
    `refusing to bind ${what} to ${host}, which is not a loopback address, without a shared secret: set security.rpc.secret (or WEIR_RPC_SECRET), or bind to 127.0.0.1 (${key})`,
  );
}

/** TLS for the RPC and the data plane (`security.ssl.internal.*`), read from its PEM files; undefined when off. */
export function internalTls(config: ClusterConfig): FrameTlsOptions | undefined {
  const internal = config.security.ssl.internal;
  if (!internal.enabled) return undefined;
  return {
    key: internal.key && readFileSync(internal.key),
    cert: internal.cert && readFileSync(internal.cert),
    ca: internal.ca && readFileSync(internal.ca),
  };
}

/** Sends one control message. */
export function sendRpc(socket: FrameSocket, message: ToJobManager | ToTaskManager): void {
  socket.sendBinary(RPC_FRAME, serialize(message));
}

/** Reads one control message (the frame's body is only valid during the call: this copies it). */
export function readRpc<T extends ToJobManager | ToTaskManager>(body: Uint8Array): T {
  return deserialize(body) as T;
}

/** A slot failure for the wire. */
export function toWireFailure(
  failure: SlotFailure,
  serializeError: (e: unknown) => SerializedError,
): WireSlotFailure {
  switch (failure.kind) {
    case 'out-of-memory':
      return {
        kind: 'out-of-memory',
        heapMb: failure.heapMb,
        cause: failure.cause === undefined ? undefined : serializeError(failure.cause),
      };
    case 'crashed':
      return {
        kind: 'crashed',
        what: failure.what,
        cause: failure.cause === undefined ? undefined : serializeError(failure.cause),
      };
    case 'failed':
    case 'lost':
      return { kind: failure.kind, error: serializeError(failure.error) };
  }
}
