import type { Cancellable } from '../../core/clock.ts';
import type { WatermarkGenerator, WatermarkOutput } from '../../time/watermark-generator.ts';
import type { WatermarkStrategy } from '../../time/watermark-strategy.ts';
import type { OperatorContext } from './operator-context.ts';

/**
 * Runs a watermark strategy's generators for an operator (a source or `assignTimestampsAndWatermarks`):
 * feeds them events, asks them for a watermark every `autoWatermarkInterval` of processing time, and
 * emits what they produce — only ever increasing watermarks, and idle/active status changes.
 *
 * A source also runs one generator per split (Flink's per-split watermarks, its
 * WatermarkOutputMultiplexer): the splits' combined watermark is the minimum over the splits that
 * are not idle, and it only advances; an idle split does not hold it back, a released split (read
 * to its end) no longer counts, and when every split is idle it stays where it is. The emitter's
 * own generator (the main one, for records emitted without a split) emits directly: the output's
 * watermark is the highest of the two, and the output is idle when the main generator and every
 * split are idle.
 */
export class WatermarkEmitter implements WatermarkOutput {
  private readonly ctx: OperatorContext;
  private readonly strategy: WatermarkStrategy<unknown>;
  private readonly generator: WatermarkGenerator<unknown>;
  private readonly periodic: boolean;
  private readonly onAdvance: (time: number) => void;
  private emitted = Number.NEGATIVE_INFINITY;
  /** The output's status, as last emitted. */
  private idle = false;
  /** The main generator marked its output idle. */
  private mainIdle = false;
  private readonly splitsById = new Map<string, SplitWatermarks>();
  private splits: SplitWatermarks[] = [];
  private activeSplits = 0;
  /** The splits' combined watermark, as last computed. */
  private splitsWatermark = Number.NEGATIVE_INFINITY;
  /** During a periodic emit the splits' minimum is computed once, at the end. */
  private deferCombine = false;
  private combinePending = false;
  private timer: Cancellable | undefined;

  /** `onAdvance` is told each emitted watermark (the operator's current watermark). */
  constructor(ctx: OperatorContext, strategy: WatermarkStrategy<unknown>, onAdvance: (time: number) => void) {
    this.ctx = ctx;
    this.strategy = strategy;
    this.generator = strategy.createWatermarkGenerator({ currentProcessingTime: () => ctx.clock.now() });
    this.periodic = strategy.emitsWatermarks && ctx.jobConfig.autoWatermarkInterval > 0;
    this.onAdvance = onAdvance;
  }

  /** Starts periodic emission. */
  start(): void {
    if (this.periodic) this.schedule();
  }

  /** Stops periodic emission. */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = this.ctx.registerProcessingTimer(
      this.ctx.clock.now() + this.ctx.jobConfig.autoWatermarkInterval,
      () => {
        this.periodicEmit();
        this.schedule();
      },
    );
  }

  private periodicEmit(): void {
    this.generator.onPeriodicEmit(this);
    const splits = this.splits;
    if (splits.length === 0) return;
    this.deferCombine = true;
    try {
      for (let i = 0; i < splits.length; i++) splits[i].generator.onPeriodicEmit(splits[i]);
    } finally {
      this.deferCombine = false;
    }
    if (this.combinePending) this.combineSplits();
  }

  /** An event of the main output (records emitted without a split). */
  onEvent(event: unknown, timestamp: number): void {
    this.generator.onEvent(event, timestamp, this);
  }

  /** WatermarkOutput of the main generator; also the final watermark at the end of the input. */
  emitWatermark(time: number): void {
    if (time <= this.emitted) return;
    this.mainIdle = false;
    this.forward(time);
  }

  markIdle(): void {
    if (this.mainIdle) return;
    this.mainIdle = true;
    this.updateStatus();
  }

  markActive(): void {
    if (!this.mainIdle) return;
    this.mainIdle = false;
    this.updateStatus();
  }

  /** The watermarks of split `splitId`, created with its own generator if it has none yet. */
  split(splitId: string): SplitWatermarks {
    let split = this.splitsById.get(splitId);
    if (split === undefined) {
      const generator = this.strategy.createWatermarkGenerator({
        currentProcessingTime: () => this.ctx.clock.now(),
      });
      split = new SplitWatermarks(this, splitId, generator);
      this.splitsById.set(splitId, split);
      this.splits.push(split);
      this.activeSplits++;
      this.updateStatus();
    }
    return split;
  }

  /** Split `splitId` is done: it no longer holds the combined watermark back. */
  releaseSplit(splitId: string): void {
    const split = this.splitsById.get(splitId);
    if (split === undefined) return;
    this.splitsById.delete(splitId);
    this.splits = this.splits.filter((s) => s !== split);
    split.released = true;
    if (!split.idle) this.activeSplits--;
    this.combineSplits();
    this.updateStatus();
  }

  /** @internal A split's generator emitted `time`. */
  splitWatermark(split: SplitWatermarks, time: number): void {
    const previous = split.watermark;
    if (time > previous) split.watermark = time;
    if (split.idle) {
      split.idle = false;
      this.activeSplits++;
      this.updateStatus();
    } else if (time <= previous || previous > this.splitsWatermark) {
      // Unchanged, or it was above the minimum already: the minimum cannot move.
      return;
    }
    this.combine();
  }

  /** @internal */
  splitIdle(split: SplitWatermarks, idle: boolean): void {
    if (split.idle === idle) return;
    split.idle = idle;
    if (idle) {
      this.activeSplits--;
      // Without it the minimum may advance: emitted while the output is still active.
      this.combine();
    } else {
      this.activeSplits++;
    }
    this.updateStatus();
  }

  private combine(): void {
    if (this.deferCombine) this.combinePending = true;
    else this.combineSplits();
  }

  private combineSplits(): void {
    this.combinePending = false;
    if (this.activeSplits === 0) return;
    const splits = this.splits;
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < splits.length; i++) {
      if (!splits[i].idle && splits[i].watermark < min) min = splits[i].watermark;
    }
    if (min > this.splitsWatermark) {
      this.splitsWatermark = min;
      this.forward(min);
    }
  }

  private forward(time: number): void {
    if (time <= this.emitted) return;
    // Whoever emits is active (the main generator, or a split that is not idle).
    this.updateStatus();
    this.emitted = time;
    this.onAdvance(time);
    this.ctx.output.emitWatermark(time);
  }

  private updateStatus(): void {
    const idle = this.mainIdle && this.activeSplits === 0;
    if (idle === this.idle) return;
    this.idle = idle;
    this.ctx.output.emitWatermarkStatus(idle);
  }
}

/**
 * One split's watermark generator and where it stands: the WatermarkOutput its generator emits to.
 * Created by {@link WatermarkEmitter.split}.
 */
export class SplitWatermarks implements WatermarkOutput {
  readonly splitId: string;
  readonly generator: WatermarkGenerator<unknown>;
  /** Highest watermark the generator emitted. */
  watermark = Number.NEGATIVE_INFINITY;
  idle = false;
  /** Released by the reader: what its generator emits no longer counts. */
  released = false;
  private readonly emitter: WatermarkEmitter;

  constructor(emitter: WatermarkEmitter, splitId: string, generator: WatermarkGenerator<unknown>) {
    this.emitter = emitter;
    this.splitId = splitId;
    this.generator = generator;
  }

  /** An event of this split, with its event time. */
  onEvent(event: unknown, timestamp: number): void {
    this.generator.onEvent(event, timestamp, this);
  }

  emitWatermark(time: number): void {
    if (!this.released) this.emitter.splitWatermark(this, time);
  }

  markIdle(): void {
    if (!this.released) this.emitter.splitIdle(this, true);
  }

  markActive(): void {
    if (!this.released) this.emitter.splitIdle(this, false);
  }
}
