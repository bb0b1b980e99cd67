import { basename, dirname, join } from 'node:path';
import type { CheckpointSettings } from '../core/checkpointing.ts';
import type { Cancellable, Clock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';
import type { CheckpointHistoryEntry } from '../core/job-client.ts';
import type { CheckpointMetadata, StateHandle, TaskStateEntry } from './checkpoint-metadata.ts';
import { type CheckpointStorage, MemoryCheckpointStorage, savepointStorage } from './checkpoint-storage.ts';
import { isShared, SharedStateRegistry } from './shared-state-registry.ts';

/** Checkpoints kept in the history by default, as Flink's `web.checkpoints.history`. */
export const DEFAULT_CHECKPOINT_HISTORY = 10;

/**
 * The checkpoint coordinator (docs/checkpoints.md) is a state machine per checkpoint:
 *
 *   triggered → (every subtask acknowledged) → completing (metadata written) → completed
 *            ↘ (a subtask declined, timeout, a task finished or failed)    → aborted
 *
 * Triggering asks the source subtasks to snapshot and inject a barrier; the barrier flows with the
 * records, every task aligns it over its inputs, snapshots (a short synchronous part, then an
 * asynchronous write of its state file) and acknowledges with the handle of that file. When the
 * last acknowledgement arrives the coordinator writes the metadata atomically, and only then tells
 * every task that the checkpoint is complete (transactional sinks commit on that). Aborted
 * checkpoints are notified too. The latest N completed checkpoints are kept, older ones discarded;
 * the state files incremental checkpoints share are deleted when no retained one uses them any more
 * (shared-state-registry.ts).
 */
export interface CheckpointGateway {
  /**
   * Starts checkpoint `id` at the sources: they snapshot and inject the barrier. `synchronous`: the
   * savepoint of a stop-with-savepoint (sources emit nothing after its barrier, see triggerSavepoint).
   */
  trigger(id: number, savepoint: boolean, location: string, synchronous?: boolean): void;
  notifyComplete(id: number): void;
  notifyAborted(id: number): void;
}

export interface CompletedCheckpoint {
  id: number;
  kind: 'checkpoint' | 'savepoint';
  location: string;
  metadata: CheckpointMetadata;
}

export interface CheckpointStats {
  triggered: number;
  completed: number;
  failed: number;
  inProgress: number;
  lastCompletedId: number | null;
  lastDurationMs: number | null;
  lastFailure: string | null;
  /** State bytes of the last completed checkpoint (the sum of its acknowledged state sizes). */
  lastSizeBytes: number | null;
}

export interface CheckpointCoordinatorOptions {
  jobId: string;
  jobName: string;
  maxParallelism: number;
  settings: CheckpointSettings;
  storage: CheckpointStorage;
  /** Every subtask of the job, as "vertex#subtask". */
  tasks: readonly string[];
  gateway: CheckpointGateway;
  clock: Clock;
  /** The operator uids and parallelism of a vertex, for subtasks that finished. */
  vertexInfo(vertex: string): { operators: string[]; parallelism: number };
  /** The first id to use (after a restore: the restored id + 1). */
  firstId?: number;
  /** The checkpoint the job was restored from: the first "latest" one, never discarded by us. */
  restoredFrom?: CompletedCheckpoint;
  /** Checkpoints and savepoints kept in the history (default DEFAULT_CHECKPOINT_HISTORY). */
  historySize?: number;
  /** Too many consecutive failures: the job must fail over. */
  onTolerableFailuresExceeded(error: WeirError): void;
  log?(message: string): void;
}

interface Pending {
  id: number;
  kind: 'checkpoint' | 'savepoint';
  location: string;
  startedAt: number;
  acks: Map<string, TaskStateEntry>;
  /** Subtasks whose acknowledgement completes the checkpoint (those not finished at its start). */
  expected: Set<string>;
  timeout: Cancellable;
  settle?: { resolve(c: CompletedCheckpoint): void; reject(e: WeirError): void };
  /** The savepoint of a stop-with-savepoint. */
  synchronous: boolean;
  completing: boolean;
  /** Its entry in the history, updated as acknowledgements come. */
  history: CheckpointHistoryEntry;
}

export class CheckpointCoordinator {
  private readonly o: CheckpointCoordinatorOptions;
  private readonly pending = new Map<number, Pending>();
  private readonly completed: CompletedCheckpoint[] = [];
  private nextId: number;
  private scheduled: Cancellable | undefined;
  private running = false;
  private lastEnd = Number.NEGATIVE_INFINITY;
  private lastTrigger = Number.NEGATIVE_INFINITY;
  private consecutiveFailures = 0;
  private periodicEnabled = true;
  /**
   * The synchronous savepoint of a stop-with-savepoint, from its trigger until it fails: no periodic
   * checkpoint starts meanwhile (Flink stops its checkpoint scheduler), nor after it completed.
   */
  private stopping: 'none' | 'pending' | 'completed' = 'none';
  /** Subtasks still running: finished ones take no part in later checkpoints. */
  private readonly live: Set<string>;
  private readonly savepoints: CheckpointStorage;
  /** Who uses the shared files of incremental checkpoints: the retained ones and the one restored from. */
  private readonly shared: SharedStateRegistry;
  readonly stats: CheckpointStats = {
    triggered: 0,
    completed: 0,
    failed: 0,
    inProgress: 0,
    lastCompletedId: null,
    lastDurationMs: null,
    lastFailure: null,
    lastSizeBytes: null,
  };
  /** The latest checkpoints and savepoints, newest first (at most `historySize`). */
  private readonly recent: CheckpointHistoryEntry[] = [];

  constructor(options: CheckpointCoordinatorOptions) {
    this.o = options;
    this.nextId = options.firstId ?? 1;
    this.live = new Set(options.tasks);
    this.savepoints = savepointStorage(options.storage);
    if (options.restoredFrom) this.completed.push(options.restoredFrom);
    this.shared = SharedStateRegistry.of(options.restoredFrom ? [options.restoredFrom] : []);
  }

  /** Starts periodic checkpoints. */
  start(): void {
    // Every attempt starts with every subtask running (a restore may restart finished ones).
    this.live.clear();
    for (const task of this.o.tasks) this.live.add(task);
    this.periodicEnabled = true;
    this.running = true;
    this.scheduleNext();
  }

  /** Stops triggering and aborts what is pending (job failed, cancelled or finished). */
  stop(reason: string): void {
    this.running = false;
    this.scheduled?.cancel();
    this.scheduled = undefined;
    for (const p of [...this.pending.values()]) this.abort(p, reason, false);
  }

  /**
   * A subtask finished (after the checkpoint that followed its end of data). Later checkpoints do
   * not wait for it; its inputs and outputs have ended, so no barrier needs to pass it.
   */
  taskFinished(task: string): void {
    if (!this.live.delete(task)) return;
    for (const p of [...this.pending.values()]) {
      if (p.acks.has(task) || !p.expected.delete(task)) continue;
      if (!p.completing && p.acks.size >= p.expected.size) void this.complete(p);
    }
    if (this.live.size === 0) {
      this.periodicEnabled = false;
      this.scheduled?.cancel();
      this.scheduled = undefined;
    }
  }

  /** The completed checkpoints kept (the latest `retained`, and the one restored from), oldest first. */
  completedCheckpoints(): readonly CompletedCheckpoint[] {
    return this.completed;
  }

  latestCompleted(): CompletedCheckpoint | undefined {
    return this.completed[this.completed.length - 1];
  }

  /** Checkpoints being deleted (subsumed ones), so that the job's end can wait for them. */
  private readonly discarding = new Set<Promise<unknown>>();

  private discard(location: string): void {
    this.track(this.o.storage.discard(location));
  }

  /** Deletes shared files no retained checkpoint uses any more (incremental checkpoints). */
  private discardUnusedShared(): void {
    const storage = this.o.storage;
    if (storage.discardFile === undefined) return;
    for (const file of this.shared.takeUnused())
      this.track(storage.discardFile(dirname(file), basename(file)));
  }

  /** Deletes the shared file of an aborted checkpoint's subtask, unless a retained checkpoint uses it. */
  private discardUnregistered(location: string, entry: TaskStateEntry): void {
    const storage = this.o.storage;
    const handle = entry.handle;
    if (storage.discardFile === undefined || handle.kind !== 'file' || !isShared(handle.file)) return;
    if (!this.shared.isRegistered(join(location, handle.file))) {
      this.track(storage.discardFile(location, handle.file));
    }
  }

  private track(deletion: Promise<unknown>): void {
    const done = deletion.catch(() => {}).finally(() => this.discarding.delete(done));
    this.discarding.add(done);
  }

  /**
   * At the end of the job: deletes `checkpoint` (the latest, unless it is retained on cancellation)
   * and the shared files that no checkpoint left uses; resolves when done.
   */
  async discardOnEnd(checkpoint: CompletedCheckpoint | undefined): Promise<void> {
    if (checkpoint !== undefined && checkpoint !== this.o.restoredFrom) {
      this.shared.release(checkpoint);
      this.track(this.o.storage.discard(checkpoint.location));
    }
    // No checkpoint comes any more that could use again what was released.
    this.discardUnusedShared();
    await this.discarded();
  }

  /** Resolves when the deletions of subsumed checkpoints started so far are done. */
  async discarded(): Promise<void> {
    await Promise.all([...this.discarding]);
  }

  /**
   * Triggers a savepoint into `targetDirectory`; resolves once it is complete. `synchronous`: the
   * savepoint of a stop-with-savepoint (Flink's synchronous savepoint): the sources emit nothing
   * after its barrier, every task processes nothing after its snapshot and ends once the savepoint
   * is complete; periodic checkpoints pause from the trigger on, and resume only if it fails.
   *
   * @example
   * const savepoint = await coordinator.triggerSavepoint('/savepoints', { synchronous: true });
   */
  triggerSavepoint(
    targetDirectory: string,
    options: { synchronous?: boolean } = {},
  ): Promise<CompletedCheckpoint> {
    if (this.stopping !== 'none') {
      return Promise.reject(
        new WeirError(
          'CHECKPOINT_FAILED',
          'the job is being stopped with a savepoint: no savepoint can be taken',
        ),
      );
    }
    if (!this.running) {
      return Promise.reject(
        new WeirError('CHECKPOINT_FAILED', 'the job is not running: no savepoint can be taken'),
      );
    }
    if (!this.periodicEnabled) {
      return Promise.reject(
        new WeirError('CHECKPOINT_FAILED', 'some tasks of the job have finished: no savepoint can be taken'),
      );
    }
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      const location = this.savepoints.savepointLocation(targetDirectory, this.o.jobId, id);
      const synchronous = options.synchronous === true;
      if (synchronous) {
        this.stopping = 'pending';
        this.scheduled?.cancel();
        this.scheduled = undefined;
      }
      this.begin(id, 'savepoint', location, { resolve, reject }, synchronous);
    });
  }

  /**
   * The checkpoint's history, newest first: each with its status, sizes and durations (an
   * in-progress one's duration runs until now). Copies: the caller may keep or send them.
   */
  history(): CheckpointHistoryEntry[] {
    const now = this.o.clock.now();
    return this.recent.map((h) => {
      const started = h.status === 'IN_PROGRESS' ? this.pending.get(h.id)?.startedAt : undefined;
      return started === undefined ? { ...h } : { ...h, endToEndDuration: Math.max(0, now - started) };
    });
  }

  /** `alignmentMs`: the subtask's barrier alignment (first to last barrier), for the history. */
  acknowledge(task: string, id: number, entry: TaskStateEntry, alignmentMs = 0): void {
    const p = this.pending.get(id);
    if (!p || p.completing || !p.expected.has(task)) {
      // Too late (aborted, or completing without it): an incremental file of it is of no use.
      if (p === undefined)
        this.discardUnregistered(this.o.storage.checkpointLocation(this.o.jobId, id), entry);
      return;
    }
    if (!p.acks.has(task)) {
      const h = p.history;
      h.numAcknowledgedSubtasks++;
      h.latestAckTimestamp = Date.now();
      h.stateSize += stateBytes(entry.handle);
      if (alignmentMs > h.alignmentDuration) h.alignmentDuration = alignmentMs;
    }
    p.acks.set(task, entry);
    if (p.acks.size === p.expected.size) void this.complete(p);
  }

  /** `failure`: the subtask failed to snapshot (counts towards the tolerable failures); else it was not ready. */
  decline(task: string, id: number, reason: string, failure: boolean): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.abort(p, `subtask ${task} declined it: ${reason}`, failure);
  }

  private storageOf(p: Pending): CheckpointStorage {
    return p.kind === 'savepoint' ? this.savepoints : this.o.storage;
  }

  private scheduleNext(): void {
    if (!this.running || !this.periodicEnabled || this.stopping !== 'none' || this.scheduled) return;
    if (this.pending.size >= this.o.settings.maxConcurrent) return;
    const { interval, minPause } = this.o.settings;
    const now = this.o.clock.now();
    const at =
      this.lastTrigger === Number.NEGATIVE_INFINITY
        ? now + interval
        : Math.max(this.lastTrigger + interval, this.lastEnd + minPause, now);
    this.scheduled = this.o.clock.schedule(at, () => {
      this.scheduled = undefined;
      if (!this.running || !this.periodicEnabled || this.stopping !== 'none') return;
      if (this.pending.size >= this.o.settings.maxConcurrent) return;
      const id = this.nextId++;
      this.begin(id, 'checkpoint', this.o.storage.checkpointLocation(this.o.jobId, id));
      this.scheduleNext();
    });
  }

  private begin(
    id: number,
    kind: 'checkpoint' | 'savepoint',
    location: string,
    settle?: Pending['settle'],
    synchronous = false,
  ): void {
    const now = this.o.clock.now();
    this.lastTrigger = now;
    const expected = new Set(this.live);
    const history: CheckpointHistoryEntry = {
      id,
      status: 'IN_PROGRESS',
      isSavepoint: kind === 'savepoint',
      triggerTimestamp: Date.now(),
      endTimestamp: null,
      latestAckTimestamp: null,
      endToEndDuration: 0,
      stateSize: 0,
      alignmentDuration: 0,
      numAcknowledgedSubtasks: 0,
      numSubtasks: expected.size,
      externalPath: null,
      failureMessage: null,
    };
    this.recent.unshift(history);
    if (this.recent.length > (this.o.historySize ?? DEFAULT_CHECKPOINT_HISTORY)) this.recent.pop();
    const p: Pending = {
      id,
      kind,
      location,
      startedAt: now,
      acks: new Map(),
      expected,
      settle,
      synchronous,
      completing: false,
      history,
      timeout: this.o.clock.schedule(now + this.o.settings.timeout, () =>
        this.abort(p, `it did not complete within ${this.o.settings.timeout} ms`, true),
      ),
    };
    this.pending.set(id, p);
    this.stats.triggered++;
    this.stats.inProgress = this.pending.size;
    this.o.gateway.trigger(id, kind === 'savepoint', location, synchronous);
  }

  private async complete(p: Pending): Promise<void> {
    p.completing = true;
    // Subtasks that finished before: recorded as finished, so a restore does not start them over.
    for (const task of this.o.tasks) {
      if (p.acks.has(task) || p.expected.has(task)) continue;
      const hash = task.lastIndexOf('#');
      const vertex = task.slice(0, hash);
      const info = this.o.vertexInfo(vertex);
      p.acks.set(task, {
        vertex,
        subtask: Number(task.slice(hash + 1)),
        parallelism: info.parallelism,
        operators: info.operators,
        handle: { kind: 'finished' },
      });
    }
    const tasks = [...p.acks.values()].sort((a, b) =>
      a.vertex < b.vertex ? -1 : a.vertex > b.vertex ? 1 : a.subtask - b.subtask,
    );
    const wallClock = Date.now();
    const metadata: CheckpointMetadata = {
      format: 'weir-checkpoint',
      version: 1,
      kind: p.kind,
      jobName: this.o.jobName,
      jobId: this.o.jobId,
      checkpointId: p.id,
      timestamp: wallClock,
      completedAt: wallClock,
      maxParallelism: this.o.maxParallelism,
      tasks,
    };
    const missing =
      p.kind === 'checkpoint' ? this.shared.missingFiles({ location: p.location, metadata }) : [];
    if (missing.length > 0) {
      p.completing = false;
      this.abort(p, `it references shared state files that were deleted already (${missing[0]})`, false);
      return;
    }
    try {
      await this.storageOf(p).writeMetadata(p.location, metadata);
    } catch (error) {
      p.completing = false;
      this.abort(p, error instanceof Error ? error.message : String(error), true);
      return;
    }
    if (this.pending.get(p.id) !== p) return; // aborted while writing (job stopped)
    p.timeout.cancel();
    this.pending.delete(p.id);
    const done: CompletedCheckpoint = { id: p.id, kind: p.kind, location: p.location, metadata };
    this.consecutiveFailures = 0;
    this.stats.completed++;
    this.stats.inProgress = this.pending.size;
    this.stats.lastCompletedId = p.id;
    this.stats.lastDurationMs = this.o.clock.now() - p.startedAt;
    this.stats.lastSizeBytes = p.history.stateSize;
    this.lastEnd = this.o.clock.now();
    Object.assign(p.history, {
      status: 'COMPLETED',
      endTimestamp: Date.now(),
      endToEndDuration: this.stats.lastDurationMs,
      externalPath: this.storageOf(p) instanceof MemoryCheckpointStorage ? null : p.location,
    } satisfies Partial<CheckpointHistoryEntry>);
    if (p.kind === 'checkpoint') {
      this.completed.push(done);
      // Shared files released at the last completion go now, unless this one uses them again.
      this.shared.register(done);
      this.discardUnusedShared();
      // Subsumed: older checkpoints beyond the retained number, and older pending ones.
      while (this.completed.length > this.o.settings.retained) {
        const old = this.completed.shift()!;
        if (old === this.o.restoredFrom) continue;
        this.shared.release(old);
        this.discard(old.location);
      }
      for (const other of [...this.pending.values()]) {
        if (other.id < p.id && other.kind === 'checkpoint')
          this.abort(other, `subsumed by checkpoint ${p.id}`, false);
      }
    }
    if (p.synchronous) this.stopping = 'completed';
    this.o.gateway.notifyComplete(p.id);
    p.settle?.resolve(done);
    this.scheduleNext();
  }

  private abort(p: Pending, reason: string, countsAsFailure: boolean): void {
    if (this.pending.get(p.id) !== p) return;
    this.pending.delete(p.id);
    p.timeout.cancel();
    this.stats.inProgress = this.pending.size;
    const error = new WeirError('CHECKPOINT_FAILED', `${p.kind} ${p.id} failed: ${reason}`);
    Object.assign(p.history, {
      status: 'FAILED',
      endTimestamp: Date.now(),
      endToEndDuration: this.o.clock.now() - p.startedAt,
      failureMessage: reason,
    } satisfies Partial<CheckpointHistoryEntry>);
    this.o.log?.(error.message);
    // A failed stop-with-savepoint leaves the job running: its tasks resume, periodic checkpoints too.
    if (p.synchronous) this.stopping = 'none';
    this.o.gateway.notifyAborted(p.id);
    void this.storageOf(p)
      .discard(p.location)
      .catch(() => {});
    if (p.kind === 'checkpoint')
      for (const entry of p.acks.values()) this.discardUnregistered(p.location, entry);
    p.settle?.reject(error);
    this.lastEnd = this.o.clock.now();
    if (countsAsFailure) {
      this.stats.failed++;
      this.stats.lastFailure = error.message;
      if (p.kind === 'checkpoint') {
        this.consecutiveFailures++;
        if (this.running && this.consecutiveFailures > this.o.settings.tolerableFailures) {
          this.o.onTolerableFailuresExceeded(
            new WeirError(
              'CHECKPOINT_FAILED',
              `${this.consecutiveFailures} consecutive checkpoints failed, more than the ${this.o.settings.tolerableFailures} tolerated; the last: ${reason}`,
              { cause: error },
            ),
          );
          return;
        }
      }
    }
    this.scheduleNext();
  }
}

/** Bytes of a subtask's state in a checkpoint: its file's size, or the bytes kept in memory. */
function stateBytes(handle: StateHandle): number {
  if (handle.kind === 'file') return handle.bytes;
  if (handle.kind === 'inline') return handle.data.byteLength;
  return 0;
}
