import { asMethodObject, type ProcessContext, type ProcessFunctionObject } from '../../api/functions.ts';
import type { OutputTag } from '../../core/collector.ts';
import { WeirError } from '../../core/errors.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import type { TimerService } from '../../time/timer-service.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';
import { TimestampedCollector } from './timestamped-collector.ts';

/** Runs a ProcessFunction on a non-keyed stream: side outputs, no timers (as in Flink). */
export class ProcessOperator extends AbstractStreamOperator {
  private readonly fn: ProcessFunctionObject<unknown, unknown>;
  private readonly collector: TimestampedCollector<unknown>;
  private readonly context: ProcessContext;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = asMethodObject(ctx.functions.fn, 'processElement');
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
    this.fn.processElement(value, this.context, this.collector);
  }
}

function timersNeedKeys(name: string): never {
  throw new WeirError('TIMER_ERROR', `"${name}": timers need a keyed stream; use keyBy(...).process(...)`);
}
