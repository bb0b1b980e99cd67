import { Wakeup } from '../network/wakeup.ts';
import type { StreamTask } from '../task/stream-task.ts';

/**
 * Runs the tasks of one thread. Each round gives every live task one step; when no task could do
 * anything, it sleeps until something signals the thread's Wakeup (a batch, credit, a mail, a
 * source with data). It yields to the event loop every few milliseconds so that I/O and timers run.
 */
/** Milliseconds of task work between two turns of the event loop (I/O, timers, messages). */
const SLICE_MS = 2;

export class TaskExecutor {
  readonly wakeup = new Wakeup();
  private readonly tasks: StreamTask[] = [];
  private stopped = false;

  add(task: StreamTask): void {
    this.tasks.push(task);
  }

  stop(): void {
    this.stopped = true;
    this.wakeup.signal();
  }

  /** Resolves when every task is done (finished, failed or cancelled) or the executor is stopped. */
  async run(): Promise<void> {
    let sliceStart = performance.now();
    while (!this.stopped) {
      this.wakeup.reset();
      let worked = false;
      let live = 0;
      for (const task of this.tasks) {
        const result = task.step();
        if (result === 'worked') worked = true;
        if (result !== 'done') live++;
      }
      if (live === 0) return;
      if (!worked) {
        await this.wakeup.wait();
        sliceStart = performance.now();
      } else if (performance.now() - sliceStart > SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
  }
}
