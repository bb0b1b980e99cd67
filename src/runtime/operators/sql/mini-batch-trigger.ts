import type { Cancellable } from '../../../core/clock.ts';
import type { MiniBatchSpec } from '../../../graph/sql-mini-batch-spec.ts';
import type { OperatorContext } from '../operator-context.ts';

/**
 * When a mini-batch bundle ends, as Flink's count and processing-time bundle triggers together: at
 * `size` rows, or `latency` ms of processing time after the bundle's first row, whichever comes
 * first. The operator also ends its bundle on a watermark, before a checkpoint's snapshot and at end
 * of input, and calls {@link reset} whenever it does. One timer per bundle, none per row.
 *
 * @example
 * const trigger = new MiniBatchTrigger({ latency: 5000, size: 1000 }, ctx, () => this.finishBundle());
 * // in processElement, after buffering the row:
 * trigger.onRow();
 * // in finishBundle:
 * trigger.reset();
 */
export class MiniBatchTrigger {
  private count = 0;
  private timer: Cancellable | null = null;
  private readonly latency: number;
  private readonly size: number;
  private readonly ctx: OperatorContext;
  private readonly fire: () => void;
  private readonly onTimer = (): void => {
    this.timer = null;
    if (this.count > 0) this.fire();
  };

  constructor(spec: Partial<MiniBatchSpec> | undefined, ctx: OperatorContext, fire: () => void) {
    this.latency = spec?.latency ?? 0;
    this.size = spec?.size ?? 1;
    this.ctx = ctx;
    this.fire = fire;
  }

  /** Rows in the current bundle. */
  get rows(): number {
    return this.count;
  }

  /** A row was buffered: starts the bundle's timer on its first row, ends the bundle at its size. */
  onRow(): void {
    if (this.count++ === 0 && this.latency > 0) {
      this.timer = this.ctx.registerProcessingTimer(this.ctx.clock.now() + this.latency, this.onTimer);
    }
    if (this.count >= this.size) this.fire();
  }

  /** The bundle ended (for whatever reason): the next row starts a new one. */
  reset(): void {
    this.count = 0;
    if (this.timer !== null) {
      this.timer.cancel();
      this.timer = null;
    }
  }
}
