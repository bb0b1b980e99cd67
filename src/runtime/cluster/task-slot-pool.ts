import { availableParallelism, totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';

// The worker's entry module sits beside this one: .ts in the sources, .js in the built package.
const WORKER_ENTRY = new URL(
  `./worker-entry${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`,
  import.meta.url,
);

/**
 * The task slots of the local cluster: worker threads that live across jobs, as a TaskManager's
 * slots do, so that a job does not pay for starting threads and compiling the engine again. A slot
 * serves one job at a time. Idle slots do not keep the process alive; a slot whose job failed or was
 * cancelled is terminated and replaced by a fresh one next time, so no state leaks between jobs.
 */
export class TaskSlotPool {
  private readonly idle: Worker[] = [];
  private nextName = 1;

  /**
   * Takes `n` slots (starting threads as needed), each with an old-generation heap limit of
   * `heapMb` MB; they keep the process alive until released. An idle slot started with another
   * limit is not reused (a thread's limits are fixed when it starts).
   */
  acquire(n: number, heapMb: number): Worker[] {
    const slots: Worker[] = [];
    for (const worker of [...this.idle]) {
      if (slots.length === n) break;
      if (heapLimitOf.get(worker) !== heapMb) continue;
      this.idle.splice(this.idle.indexOf(worker), 1);
      slots.push(worker);
    }
    while (slots.length < n) {
      const worker = new Worker(WORKER_ENTRY, {
        name: `weir-slot-${this.nextName++}`,
        execArgv: workerExecArgv(),
        resourceLimits: { maxOldGenerationSizeMb: heapMb },
      });
      heapLimitOf.set(worker, heapMb);
      slots.push(worker);
    }
    for (const worker of slots) worker.ref();
    return slots;
  }

  /**
   * Starts one idle slot ahead of need (`weir run` does, while its main thread loads the job
   * module), so that the engine loads in both threads at once. It does not keep the process alive.
   */
  prestart(heapMb: number): void {
    if (this.idle.some((w) => heapLimitOf.get(w) === heapMb)) return;
    const [worker] = this.acquire(1, heapMb);
    this.release([worker]);
  }

  /** Returns slots whose job finished cleanly. */
  release(slots: Worker[]): void {
    for (const worker of slots) {
      worker.removeAllListeners('message');
      worker.removeAllListeners('error');
      worker.removeAllListeners('exit');
      worker.unref();
      // A slot that dies while idle just leaves the pool.
      worker.once('exit', () => {
        const i = this.idle.indexOf(worker);
        if (i >= 0) this.idle.splice(i, 1);
      });
      this.idle.push(worker);
    }
  }

  /** Terminates slots that may hold state of a failed or cancelled job. */
  async discard(slots: Worker[]): Promise<void> {
    await Promise.all(
      slots.map((w) => {
        w.removeAllListeners('exit');
        return w.terminate().catch(() => 0);
      }),
    );
  }
}

export const taskSlotPool = new TaskSlotPool();

/** The heap limit each slot thread was started with. */
const heapLimitOf = new WeakMap<Worker, number>();

/**
 * The default heap limit of a slot thread, in MB: this process's own V8 heap limit, but no more than
 * the memory of the machine (or of its container, when constrained) divided by the slots plus one
 * (the coordinating thread), so that full slots exhaust their heaps, with a clear OUT_OF_MEMORY,
 * before they exhaust the machine. `slots` is the setting (`--slots`, default one per core), not
 * what one job uses, so that every job of a process gets the same limit and reuses idle slots.
 */
export function defaultSlotHeapMb(slots: number = availableParallelism()): number {
  const mb = 1024 * 1024;
  const constrained = process.constrainedMemory?.() ?? 0;
  const machine = constrained > 0 ? Math.min(constrained, totalmem()) : totalmem();
  const ownLimit = getHeapStatistics().heap_size_limit;
  return Math.max(64, Math.floor(Math.min(ownLimit, machine / (slots + 1)) / mb));
}

/**
 * Workers inherit the process's flags, except those that only make sense for the main script
 * (`node --input-type=module -e ...`), which would make the worker fail to start.
 */
function workerExecArgv(): string[] | undefined {
  const mainOnly = /^(--input-type|--eval|--print|-e$|-p$)/;
  if (!process.execArgv.some((a) => mainOnly.test(a))) return undefined;
  return process.execArgv.filter((a) => !mainOnly.test(a) && !a.startsWith('--tls-cipher-list'));
}
