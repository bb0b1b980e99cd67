import type { WeirError } from '../../core/errors.ts';
import type { TaskMetrics } from '../../core/task-metrics.ts';
import type { CoordinatorMessage, SlotDeployment, WorkerMessage } from '../cluster/worker-protocol.ts';

/**
 * How the job master reaches task slots. A slot runs the subtasks `i` with `i % slotCount == slot`
 * of every vertex of one job attempt; the master talks to it only through messages (deploy, start,
 * checkpoint triggers and notifications, cancel) and hears from it only through messages (deployed,
 * acknowledgements, collected records, metrics, done, failed). Where the slot runs is the gateway's
 * business:
 *
 * - in this thread (a job built inline, whose functions no other thread could load);
 * - on a worker thread of this process (`weir run`, the local mini-cluster);
 * - on a worker thread of a TaskManager process, over TCP (a standalone cluster).
 *
 * So one job master, one job life cycle, serves all three.
 */
export interface TaskManagerGateway {
  /** Identifies the TaskManager: slots of one TaskManager exchange records through thread channels. */
  readonly id: string;
  /** A name for messages: "this process", "TaskManager tm-1 (10.0.0.2)". */
  readonly description: string;
  /** Where its data plane listens, for TaskManager processes (slots elsewhere connect to it). */
  readonly dataAddress?: { host: string; port: number };
  /**
   * Deploys the slots `indices` (global slot numbers of the attempt) of one job attempt on this
   * TaskManager: each evaluates the job module (or takes the plan, in this thread), checks that it
   * builds the master's graph and builds its subtasks. Events of the slots go to `listener` until
   * they are released or discarded.
   */
  deploy(deployment: AttemptDeployment, indices: number[], listener: SlotListener): SlotHandle[];
  /** The slots' job ended cleanly: the TaskManager may keep them for its next job. */
  release(slots: SlotHandle[]): void;
  /** Ends the slots at once (they may hold state of a failed or cancelled attempt). */
  discard(slots: SlotHandle[]): Promise<void>;
}

/** One deployed slot, as the job master sees it. */
export interface SlotHandle {
  /** The slot's number in its attempt. */
  readonly index: number;
  /** For messages: "slot thread 2", "slot 2 on TaskManager tm-1 (10.0.0.2)". */
  readonly description: string;
  post(message: CoordinatorMessage): void;
  /**
   * Resolves once the slot reports its tasks cancelled ('cancelled') after a `cancel` message,
   * once it is gone ('exited'), or after `timeoutMs` ('timeout'; never when undefined).
   */
  cancelled(timeoutMs: number | undefined): Promise<'cancelled' | 'exited' | 'timeout'>;
  /** The subtasks' current metrics, where the slot runs in this thread (else from 'metrics' messages). */
  liveMetrics?(): TaskMetrics[];
}

export interface SlotListener {
  message(slot: number, message: WorkerMessage): void;
  /** The slot failed outside its tasks: its thread exited or ran out of memory, its TaskManager was lost. */
  failure(slot: number, failure: SlotFailure): void;
}

/** Why a slot failed outside its tasks; the job master words the error (it knows the slot's subtasks). */
export type SlotFailure =
  | { kind: 'out-of-memory'; heapMb: number; cause?: unknown }
  /** The slot's thread failed with an uncaught error or exited: `what` says which. */
  | { kind: 'crashed'; what: string; cause?: unknown }
  /** A task failed, in a slot of the master's own thread: its error as it is. */
  | { kind: 'failed'; error: WeirError }
  /** Its TaskManager was lost (heartbeat timeout, connection dropped): the error says which and why. */
  | { kind: 'lost'; error: WeirError };

/** Everything a TaskManager needs to deploy its slots of one attempt. */
export interface AttemptDeployment {
  /** What every slot gets; the gateway adds the slot's own number and its ports to its peers. */
  data: SlotDeployment;
  /** For each slot of the attempt, the TaskManager that runs it (gateways wire peers across them). */
  placement: SlotPlacement[];
}

export interface SlotPlacement {
  /** Identifies the TaskManager: slots with equal ids exchange records through thread channels. */
  taskManager: string;
  /** Where the TaskManager's data plane listens (remote TaskManagers only). */
  data?: { host: string; port: number };
}

/**
 * Slots for a job attempt. A local cluster has a fixed number; a standalone cluster's resource
 * manager grants the free slots of its TaskManagers, waiting for some within its timeout.
 */
export interface SlotProvider {
  /** At most `wanted` slots, at least one (or throws NOT_ENOUGH_SLOTS): the gateway of each. */
  allocate(wanted: number): Promise<TaskManagerGateway[]>;
  /** Gives the slots back (the attempt ended). */
  free?(gateways: TaskManagerGateway[]): void;
}
