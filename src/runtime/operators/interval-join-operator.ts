import { asMethodObject } from '../../api/functions.ts';
import type { ProcessJoinContext, ProcessJoinFunctionObject } from '../../api/join-functions.ts';
import { Counter } from '../../core/accumulators.ts';
import type { OutputTag } from '../../core/collector.ts';
import { previewRecord, WeirError } from '../../core/errors.ts';
import type { Key } from '../../core/key.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import { operatorConfig } from '../../graph/operator-spec.ts';
import type { MapState } from '../../state/state.ts';
import { MapStateDescriptor } from '../../state/state-descriptor.ts';
import type { InternalTimerService, Triggerable } from '../../time/timer-service.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';
import { TimestampedCollector } from './timestamped-collector.ts';

/**
 * Interval join, as Flink's IntervalJoinOperator: a keyed two-input operator that joins a left
 * element at `t` with the right elements of its key at `[t + lower, t + upper]` (bounds inclusive;
 * the API turned exclusive bounds into inclusive ones). Each side is buffered per key in MapState,
 * timestamp → elements. A new element is first added to its side's buffer, then joined with the
 * matching buckets of the other side's buffer, so every pair is emitted exactly once: by whichever
 * of its two elements arrives last. Mirrored for the right side with bounds `[-upper, -lower]`.
 *
 * Cleanup: a left bucket at `t` can still match right elements up to `t + upper`, and a right
 * element behind the watermark is late; so the bucket is dropped by an event-time timer at
 * `t + max(upper, 0)` (for the right side, `t + max(-lower, 0)`). Timers are per key and time, not
 * per side: a timer at `c` drops both the left bucket and the right bucket whose cleanup time is `c`
 * — each mapping is one-to-one, and a bucket due at `c` may go whichever side asked.
 *
 * An element whose timestamp is behind the current watermark is late: it goes to the side's
 * late-data output if there is one, otherwise it is counted in `numLateRecordsDropped`.
 */
export class IntervalJoinOperator extends AbstractStreamOperator implements Triggerable {
  private readonly fn: ProcessJoinFunctionObject<unknown, unknown, unknown>;
  private readonly lower: number;
  private readonly upper: number;
  private readonly leftLateTag: string | null;
  private readonly rightLateTag: string | null;
  private readonly leftBuffer: MapState<number, unknown[]>;
  private readonly rightBuffer: MapState<number, unknown[]>;
  private readonly timerService: InternalTimerService;
  private readonly collector: TimestampedCollector<unknown>;
  private readonly context: ProcessJoinContext;
  private readonly lateDropped = new Counter();
  /** Timestamps of the pair being joined, read by the one reusable context. */
  private leftTimestamp = NO_TIMESTAMP;
  private rightTimestamp = NO_TIMESTAMP;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = asMethodObject(ctx.functions.fn, 'processElement');
    this.userFunction = this.fn;
    const config = operatorConfig(ctx.spec, 'interval-join');
    this.lower = Number(config.lowerBound);
    this.upper = Number(config.upperBound);
    this.leftLateTag = config.leftLateTag ?? null;
    this.rightLateTag = config.rightLateTag ?? null;
    if (!ctx.keyedStateBackend) {
      throw new WeirError('INVALID_GRAPH', `interval join "${ctx.spec.name}" needs two keyed inputs`);
    }
    this.leftBuffer = ctx.keyedStateBackend.getMapState(
      new MapStateDescriptor<number, unknown[]>('_left-buffer'),
    );
    this.rightBuffer = ctx.keyedStateBackend.getMapState(
      new MapStateDescriptor<number, unknown[]>('_right-buffer'),
    );
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
    const collector = new TimestampedCollector<unknown>(this.output);
    this.collector = collector;
    const output = this.output;
    this.context = {
      getLeftTimestamp: () => this.leftTimestamp,
      getRightTimestamp: () => this.rightTimestamp,
      getTimestamp: () => collector.timestamp,
      output: <X>(tag: OutputTag<X>, value: X) => output.collectSide(tag.id, value, collector.timestamp),
    };
  }

  override async open(): Promise<void> {
    await super.open();
    this.getRuntimeContext().addAccumulator('numLateRecordsDropped', this.lateDropped);
  }

  processElement(value: unknown, timestamp: number): void {
    this.checkTimestamp(value, timestamp);
    if (timestamp < this.currentWatermark) {
      this.late(this.leftLateTag, value, timestamp);
      return;
    }
    add(this.leftBuffer, timestamp, value);
    const from = timestamp + this.lower;
    const to = timestamp + this.upper;
    const buffer = this.rightBuffer;
    for (const t of buffer.keys()) {
      if (t < from || t > to) continue;
      for (const right of buffer.get(t)!) this.emit(value, right, timestamp, t);
    }
    this.timerService.registerEventTimeTimer(this.upper > 0 ? timestamp + this.upper : timestamp);
  }

  processElement2(value: unknown, timestamp: number): void {
    this.checkTimestamp(value, timestamp);
    if (timestamp < this.currentWatermark) {
      this.late(this.rightLateTag, value, timestamp);
      return;
    }
    add(this.rightBuffer, timestamp, value);
    const from = timestamp - this.upper;
    const to = timestamp - this.lower;
    const buffer = this.leftBuffer;
    for (const t of buffer.keys()) {
      if (t < from || t > to) continue;
      for (const left of buffer.get(t)!) this.emit(left, value, t, timestamp);
    }
    this.timerService.registerEventTimeTimer(this.lower < 0 ? timestamp - this.lower : timestamp);
  }

  onEventTime(_key: Key, time: number): void {
    this.leftBuffer.remove(this.upper > 0 ? time - this.upper : time);
    this.rightBuffer.remove(this.lower < 0 ? time + this.lower : time);
  }

  onProcessingTime(): void {}

  private emit(left: unknown, right: unknown, leftTimestamp: number, rightTimestamp: number): void {
    this.leftTimestamp = leftTimestamp;
    this.rightTimestamp = rightTimestamp;
    this.collector.timestamp = Math.max(leftTimestamp, rightTimestamp);
    this.fn.processElement(left, right, this.context, this.collector);
  }

  private late(tag: string | null, value: unknown, timestamp: number): void {
    if (tag !== null) this.output.collectSide(tag, value, timestamp);
    else this.lateDropped.add(1);
  }

  private checkTimestamp(value: unknown, timestamp: number): void {
    if (Number.isFinite(timestamp)) return;
    throw new WeirError(
      'INVALID_ARGUMENT',
      `interval join "${this.name}" got record ${previewRecord(value)} ` +
        (timestamp === NO_TIMESTAMP ? 'without a timestamp' : `with invalid timestamp ${String(timestamp)}`) +
        ': interval joins run in event time. Call assignTimestampsAndWatermarks(...) on both inputs or ' +
        'give their sources a WatermarkStrategy with a timestamp assigner.',
    );
  }
}

/** Appends `value` to the bucket at `timestamp`. */
function add(buffer: MapState<number, unknown[]>, timestamp: number, value: unknown): void {
  const bucket = buffer.get(timestamp);
  if (bucket === undefined) buffer.put(timestamp, [value]);
  else {
    bucket.push(value);
    // Backends that copy values on write need the put; the heap backend just stores the same array.
    buffer.put(timestamp, bucket);
  }
}
