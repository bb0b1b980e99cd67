/**
 * Reader availability, the one piece of async state a polled reader has. A reader that returns
 * 'nothing-available' calls `markWaiting()`; whatever brings new work (a loaded chunk, a timer, a new
 * split) calls `notify()`. A notification that arrives before anyone asks is remembered, so a waiter
 * can never miss it.
 */
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * @example
 * ```ts
 * // in a reader
 * pollNext(output, max) {
 *   if (this.buffer.length === 0) { this.availability.markWaiting(); return 'nothing-available'; }
 *   ...
 * }
 * isAvailable() { return this.availability.whenAvailable(); }
 * private onLoaded(rows) { this.buffer.push(...rows); this.availability.notify(); }
 * ```
 */
export class Availability {
  private ready = true;
  private waiter: Promise<void> | undefined;
  private resolveWaiter: (() => void) | undefined;

  /** The reader has nothing to emit until the next `notify()`. */
  markWaiting(): void {
    this.ready = false;
  }

  /** New work is there: resolves the pending waiter, or the next one to ask. */
  notify(): void {
    this.ready = true;
    const resolve = this.resolveWaiter;
    this.waiter = undefined;
    this.resolveWaiter = undefined;
    resolve?.();
  }

  /** Resolves once the reader has work again (at once if it has). */
  whenAvailable(): Promise<void> {
    if (this.ready) return RESOLVED;
    if (this.waiter === undefined) {
      this.waiter = new Promise<void>((resolve) => {
        this.resolveWaiter = resolve;
      });
    }
    return this.waiter;
  }
}
