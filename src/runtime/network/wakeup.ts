/**
 * One per thread: whatever may let a task make progress (a batch arrives, credit returns, a mail or
 * a source becomes available) calls `signal()`, and the scheduler, when it found nothing to do,
 * waits on `wait()`. Single-threaded, so a flag set before `wait()` makes it return at once.
 */
export class Wakeup {
  private signalled = false;
  private resolve: (() => void) | undefined;

  signal(): void {
    this.signalled = true;
    const r = this.resolve;
    if (r) {
      this.resolve = undefined;
      r();
    }
  }

  wait(): Promise<void> {
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.resolve = () => {
        this.signalled = false;
        resolve();
      };
    });
  }

  /** Clears the flag before a scheduling round. */
  reset(): void {
    this.signalled = false;
  }
}
