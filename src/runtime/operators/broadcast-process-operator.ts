import type {
  BroadcastProcessContext,
  BroadcastProcessFunctionObject,
  KeyedBroadcastOnTimerContext,
  KeyedBroadcastProcessContext,
  KeyedBroadcastProcessFunctionObject,
  ReadOnlyBroadcastProcessContext,
} from '../../api/broadcast-process-function.ts';
import { requireMethods } from '../../api/co-functions.ts';
import type { TimeDomain } from '../../api/functions.ts';
import type { OutputTag } from '../../core/collector.ts';
import { WeirError } from '../../core/errors.ts';
import type { Key } from '../../core/key.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';
import { type BroadcastStateSnapshot, BroadcastStateStore } from '../../state/broadcast-state-store.ts';
import type { KeyedStateBackend } from '../../state/keyed-state-backend.ts';
import type { ListState, State } from '../../state/state.ts';
import {
  type AnyStateDescriptor,
  ListStateDescriptor,
  type MapStateDescriptor,
} from '../../state/state-descriptor.ts';
import type { InternalTimerService, Triggerable } from '../../time/timer-service.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';
import { TimestampedCollector } from './timestamped-collector.ts';

/**
 * The broadcast state pattern: the first input is the (possibly keyed) stream, the second the
 * broadcast stream, whose every record reaches every subtask. Broadcast state lives in a
 * {@link BroadcastStateStore} per subtask; the broadcast side writes it, the other side only reads
 * it, so every subtask's copy stays the same. Contexts are built once; the record path allocates
 * nothing.
 */
abstract class AbstractBroadcastProcessOperator extends AbstractStreamOperator {
  /** The broadcast state of this subtask (snapshotted by checkpoints). */
  readonly broadcastStateStore: BroadcastStateStore;
  protected readonly collector: TimestampedCollector<unknown>;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const descriptors = (ctx.functions.extra?.broadcastStateDescriptors ?? []) as Iterable<
      MapStateDescriptor<unknown, unknown>
    >;
    this.broadcastStateStore = new BroadcastStateStore(descriptors);
    this.collector = new TimestampedCollector(this.output);
    // In checkpoints as a union list: every old subtask's copy (all equal) reaches every new one.
    this.checkpointed = ctx.operatorStateStore.getUnionListState(
      new ListStateDescriptor<BroadcastStateSnapshot>('broadcast-state'),
    );
    if (ctx.isRestored) {
      for (const saved of this.checkpointed.get()) {
        this.broadcastStateStore.restore(saved);
        break;
      }
    }
  }

  private readonly checkpointed: ListState<BroadcastStateSnapshot>;

  snapshotState(_checkpointId: number): void {
    this.checkpointed.update([this.broadcastStateStore.snapshot()]);
  }

  /** The record's timestamp, or undefined. */
  protected timestamp(): number | undefined {
    return this.collector.timestamp === NO_TIMESTAMP ? undefined : this.collector.timestamp;
  }

  protected sideOutput<X>(tag: OutputTag<X>, value: X): void {
    this.output.collectSide(tag.id, value, this.collector.timestamp);
  }

  abstract processElement2(value: unknown, timestamp: number): void;
}

/** Runs a BroadcastProcessFunction on a non-keyed stream connected to a broadcast stream. */
export class BroadcastProcessOperator extends AbstractBroadcastProcessOperator {
  private readonly fn: BroadcastProcessFunctionObject<unknown, unknown, unknown>;
  private readonly readOnlyContext: ReadOnlyBroadcastProcessContext;
  private readonly broadcastContext: BroadcastProcessContext;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = requireMethods(
      ctx.functions.fn,
      'connect(broadcastStream).process',
      'processElement',
      'processBroadcastElement',
    );
    this.userFunction = this.fn;
    const store = this.broadcastStateStore;
    this.readOnlyContext = {
      timestamp: () => this.timestamp(),
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => this.currentWatermark,
      output: (tag, value) => this.sideOutput(tag, value),
      getBroadcastState: (descriptor) => store.getReadOnlyBroadcastState(descriptor),
    };
    this.broadcastContext = {
      timestamp: () => this.timestamp(),
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => this.currentWatermark,
      output: (tag, value) => this.sideOutput(tag, value),
      getBroadcastState: (descriptor) => store.getBroadcastState(descriptor),
    };
  }

  processElement(value: unknown, timestamp: number): void {
    this.collector.timestamp = timestamp;
    this.fn.processElement(value, this.readOnlyContext, this.collector);
  }

  processElement2(value: unknown, timestamp: number): void {
    this.collector.timestamp = timestamp;
    this.fn.processBroadcastElement(value, this.broadcastContext, this.collector);
  }
}

/**
 * Runs a KeyedBroadcastProcessFunction: the first input is keyed (keyed state, timers, the current
 * key in `processElement` and `onTimer`); the broadcast side has no current key and reaches keyed
 * state through `applyToKeyedState`, over every key of this subtask that has a value in the state.
 */
export class KeyedBroadcastProcessOperator extends AbstractBroadcastProcessOperator implements Triggerable {
  private readonly fn: KeyedBroadcastProcessFunctionObject<Key, unknown, unknown, unknown>;
  private readonly backend: KeyedStateBackend;
  private readonly timerService: InternalTimerService;
  private readonly readOnlyContext: KeyedBroadcastOnTimerContext<Key>;
  private readonly broadcastContext: KeyedBroadcastProcessContext<Key>;
  private domain: TimeDomain | undefined;

  constructor(ctx: OperatorContext) {
    super(ctx);
    if (this.keyed === undefined || this.keySelector === undefined) {
      throw new WeirError(
        'INVALID_GRAPH',
        `"${this.name}": a KeyedBroadcastProcessFunction needs a keyed first input; use keyBy(...).connect(broadcastStream)`,
      );
    }
    this.fn = requireMethods(
      ctx.functions.fn,
      'connect(broadcastStream).process',
      'processElement',
      'processBroadcastElement',
    );
    this.userFunction = this.fn;
    this.backend = this.keyed;
    this.timerService = ctx.createTimerService(this);
    this.timers = this.timerService;
    const store = this.broadcastStateStore;
    const backend = this.backend;
    const timerService = this.timerService;
    this.readOnlyContext = {
      timestamp: () => this.timestamp(),
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => this.currentWatermark,
      output: (tag, value) => this.sideOutput(tag, value),
      getBroadcastState: (descriptor) => store.getReadOnlyBroadcastState(descriptor),
      getCurrentKey: () => backend.getCurrentKey(),
      timerService: () => timerService,
      timeDomain: () => {
        if (this.domain === undefined)
          throw new WeirError('TIMER_ERROR', 'timeDomain() is only known in onTimer');
        return this.domain;
      },
    };
    this.broadcastContext = {
      timestamp: () => this.timestamp(),
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => this.currentWatermark,
      output: (tag, value) => this.sideOutput(tag, value),
      getBroadcastState: (descriptor) => store.getBroadcastState(descriptor),
      applyToKeyedState: ((descriptor: AnyStateDescriptor, fn: (key: Key, state: State) => void) =>
        this.applyToKeyedState(descriptor, fn)) as KeyedBroadcastProcessContext<Key>['applyToKeyedState'],
    };
  }

  /** The broadcast side has no key: only the keyed input sets one. */
  override setKeyContext2(): void {}

  processElement(value: unknown, timestamp: number): void {
    this.collector.timestamp = timestamp;
    this.fn.processElement(value, this.readOnlyContext, this.collector);
  }

  processElement2(value: unknown, timestamp: number): void {
    this.collector.timestamp = timestamp;
    this.fn.processBroadcastElement(value, this.broadcastContext, this.collector);
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
      this.fn.onTimer(time, this.readOnlyContext, this.collector);
    } finally {
      this.domain = undefined;
    }
  }

  /**
   * Calls `fn` with each key of this subtask that has a value in the state, with the state scoped
   * to that key. The keys are copied first: `fn` may clear and rewrite the state of its key.
   */
  private applyToKeyedState(descriptor: AnyStateDescriptor, fn: (key: Key, state: State) => void): void {
    if (typeof fn !== 'function') {
      throw new WeirError('INVALID_ARGUMENT', 'applyToKeyedState expects a function (key, state) => void');
    }
    const backend = this.backend;
    const state = keyedState(backend, descriptor);
    const keys = Array.from(backend.keys(descriptor.name));
    for (let i = 0; i < keys.length; i++) {
      backend.setCurrentKey(keys[i]);
      fn(keys[i], state);
    }
  }
}

function keyedState(backend: KeyedStateBackend, descriptor: AnyStateDescriptor): State {
  switch (descriptor?.kind) {
    case 'value':
      return backend.getState(descriptor);
    case 'list':
      return backend.getListState(descriptor);
    case 'map':
      return backend.getMapState(descriptor);
    case 'reducing':
      return backend.getReducingState(descriptor);
    case 'aggregating':
      return backend.getAggregatingState(descriptor);
    default:
      throw new WeirError('INVALID_ARGUMENT', 'applyToKeyedState expects a keyed state descriptor');
  }
}
