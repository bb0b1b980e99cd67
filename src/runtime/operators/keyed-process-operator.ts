import {
  asMethodObject,
  type KeyedProcessFunctionObject,
  type OnTimerContext,
  type TimeDomain,
} from '../../api/functions.ts';
import type { OutputTag } from '../../core/collector.ts';
import type { Key } from '../../core/key.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import type { InternalTimerService, Triggerable } from '../../time/timer-service.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';
import { TimestampedCollector } from './timestamped-collector.ts';

/**
 * Runs a KeyedProcessFunction: keyed state through the runtime context, event- and processing-time
 * timers per key, side outputs. Timer output carries the timer's time as its timestamp for event
 * time and none for processing time, as in Flink.
 */
export class KeyedProcessOperator extends AbstractStreamOperator implements Triggerable {
  private readonly fn: KeyedProcessFunctionObject<Key, unknown, unknown>;
  private readonly collector: TimestampedCollector<unknown>;
  private readonly timerService: InternalTimerService;
  private readonly context: OnTimerContext<Key>;
  private domain: TimeDomain | undefined;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = asMethodObject(ctx.functions.fn, 'processElement');
    this.userFunction = this.fn;
    this.collector = new TimestampedCollector(this.output);
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
    const collector = this.collector;
    const backend = ctx.keyedStateBackend!;
    const timerService = this.timerService;
    this.context = {
      timestamp: () => (collector.timestamp === NO_TIMESTAMP ? undefined : collector.timestamp),
      timerService: () => timerService,
      output: <X>(tag: OutputTag<X>, value: X) => ctx.output.collectSide(tag.id, value, collector.timestamp),
      getCurrentKey: () => backend.getCurrentKey(),
      timeDomain: () => this.domain!,
    };
  }

  processElement(value: unknown, timestamp: number): void {
    this.collector.timestamp = timestamp;
    this.fn.processElement(value, this.context, this.collector);
  }

  onEventTime(_key: Key, time: number): void {
    if (!this.fn.onTimer) return;
    this.collector.timestamp = time;
    this.domain = 'EVENT_TIME';
    this.fn.onTimer(time, this.context, this.collector);
    this.domain = undefined;
  }

  onProcessingTime(_key: Key, time: number): void {
    if (!this.fn.onTimer) return;
    this.collector.timestamp = NO_TIMESTAMP;
    this.domain = 'PROCESSING_TIME';
    this.fn.onTimer(time, this.context, this.collector);
    this.domain = undefined;
  }
}
