import {
  type CoProcessFunctionObject,
  type KeyedCoProcessFunctionObject,
  requireMethods,
} from '../../api/co-functions.ts';
import type { OnTimerContext, ProcessContext, TimeDomain } from '../../api/functions.ts';
import type { OutputTag } from '../../core/collector.ts';
import { WeirError } from '../../core/errors.ts';
import type { Key } from '../../core/key.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import type { InternalTimerService, TimerService, Triggerable } from '../../time/timer-service.ts';
import { AbstractCoStreamOperator } from './co-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';
import { TimestampedCollector } from './timestamped-collector.ts';

/**
 * Runs a CoProcessFunction on connected streams that are not keyed: `processElement1` and
 * `processElement2` with the record's timestamp, side outputs and processing time. Timers need a
 * key, so registering one fails, as in Flink.
 */
export class CoProcessOperator extends AbstractCoStreamOperator {
  private readonly fn: CoProcessFunctionObject<unknown, unknown, unknown>;
  private readonly collector: TimestampedCollector<unknown>;
  private readonly context: ProcessContext;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = requireMethods(ctx.functions.fn, 'connect(...).process', 'processElement1', 'processElement2');
    this.userFunction = this.fn;
    this.collector = new TimestampedCollector(this.output);
    const name = this.name;
    const timerService: TimerService = {
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => this.currentWatermark,
      registerEventTimeTimer: () => timersNeedKeys(name),
      registerProcessingTimeTimer: () => timersNeedKeys(name),
      deleteEventTimeTimer: () => timersNeedKeys(name),
      deleteProcessingTimeTimer: () => timersNeedKeys(name),
    };
    const collector = this.collector;
    this.context = {
      timestamp: () => (collector.timestamp === NO_TIMESTAMP ? undefined : collector.timestamp),
      timerService: () => timerService,
      output: <X>(tag: OutputTag<X>, value: X) => ctx.output.collectSide(tag.id, value, collector.timestamp),
    };
  }

  processElement(value: unknown, timestamp: number): void {
    this.collector.timestamp = timestamp;
    this.fn.processElement1(value, this.context, this.collector);
  }

  processElement2(value: unknown, timestamp: number): void {
    this.collector.timestamp = timestamp;
    this.fn.processElement2(value, this.context, this.collector);
  }
}

/**
 * Runs a KeyedCoProcessFunction: both inputs keyed by the same key type, so keyed state is shared
 * by the two inputs for a key; event- and processing-time timers per key call `onTimer`. Timer
 * output carries the timer's time as its timestamp for event time and none for processing time.
 */
export class KeyedCoProcessOperator extends AbstractCoStreamOperator implements Triggerable {
  private readonly fn: KeyedCoProcessFunctionObject<Key, unknown, unknown, unknown>;
  private readonly collector: TimestampedCollector<unknown>;
  private readonly timerService: InternalTimerService;
  private readonly context: OnTimerContext<Key>;
  private domain: TimeDomain | undefined;

  constructor(ctx: OperatorContext) {
    super(ctx);
    if (this.keyed === undefined) {
      throw new WeirError(
        'INVALID_GRAPH',
        `"${this.name}": a KeyedCoProcessFunction needs both inputs keyed; use connect(...).keyBy(key1, key2)`,
      );
    }
    this.fn = requireMethods(ctx.functions.fn, 'connect(...).process', 'processElement1', 'processElement2');
    this.userFunction = this.fn;
    this.collector = new TimestampedCollector(this.output);
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
    const collector = this.collector;
    const backend = this.keyed;
    const timerService = this.timerService;
    this.context = {
      timestamp: () => (collector.timestamp === NO_TIMESTAMP ? undefined : collector.timestamp),
      timerService: () => timerService,
      output: <X>(tag: OutputTag<X>, value: X) => ctx.output.collectSide(tag.id, value, collector.timestamp),
      getCurrentKey: () => backend.getCurrentKey(),
      timeDomain: () => {
        if (this.domain === undefined)
          throw new WeirError('TIMER_ERROR', 'timeDomain() is only known in onTimer');
        return this.domain;
      },
    };
  }

  processElement(value: unknown, timestamp: number): void {
    this.collector.timestamp = timestamp;
    this.fn.processElement1(value, this.context, this.collector);
  }

  processElement2(value: unknown, timestamp: number): void {
    this.collector.timestamp = timestamp;
    this.fn.processElement2(value, this.context, this.collector);
  }

  onEventTime(_key: Key, time: number): void {
    this.onTimer(time, time, 'EVENT_TIME');
  }

  onProcessingTime(_key: Key, time: number): void {
    this.onTimer(time, NO_TIMESTAMP, 'PROCESSING_TIME');
  }

  private onTimer(time: number, outputTimestamp: number, domain: TimeDomain): void {
    if (!this.fn.onTimer) return;
    this.collector.timestamp = outputTimestamp;
    this.domain = domain;
    try {
      this.fn.onTimer(time, this.context, this.collector);
    } finally {
      this.domain = undefined;
    }
  }
}

function timersNeedKeys(name: string): never {
  throw new WeirError(
    'TIMER_ERROR',
    `"${name}": timers need keyed connected streams; use connect(...).keyBy(key1, key2).process(...)`,
  );
}
