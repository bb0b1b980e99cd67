import type { Accumulator } from '../../api/accumulators.ts';
import type { MetricGroup } from '../../api/metrics.ts';
import type { RuntimeContext } from '../../api/runtime-context.ts';
import { WeirError } from '../../core/errors.ts';
import type { KeyedStateBackend } from '../../state/keyed-state-backend.ts';
import type { OperatorStateStore } from '../../state/operator-state-store.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../../state/state.ts';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../../state/state-descriptor.ts';
import { MetricRegistry } from '../metrics/metric-registry.ts';
import type { OperatorContext } from './operator-context.ts';

/** The RuntimeContext handed to user functions, backed by the operator's context. */
export class StreamingRuntimeContext implements RuntimeContext {
  private readonly ctx: OperatorContext;
  private metricGroup: MetricGroup | undefined;

  constructor(ctx: OperatorContext) {
    this.ctx = ctx;
  }

  getJobId(): string {
    return this.ctx.jobId;
  }
  getTaskName(): string {
    return this.ctx.taskName;
  }
  getOperatorUid(): string {
    return this.ctx.spec.uid;
  }
  getIndexOfThisSubtask(): number {
    return this.ctx.subtaskIndex;
  }
  getNumberOfParallelSubtasks(): number {
    return this.ctx.parallelism;
  }
  getMaxNumberOfParallelSubtasks(): number {
    return this.ctx.maxParallelism;
  }
  getAttemptNumber(): number {
    return this.ctx.attemptNumber;
  }
  currentProcessingTime(): number {
    return this.ctx.clock.now();
  }
  getRestoredCheckpointId(): number | undefined {
    return this.ctx.restoredCheckpointId;
  }

  getState<T, V>(descriptor: ValueStateDescriptor<T, V>): ValueState<T, V> {
    return this.keyed('getState').getState(descriptor);
  }
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.keyed('getListState').getListState(descriptor);
  }
  getMapState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV> {
    return this.keyed('getMapState').getMapState(descriptor);
  }
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.keyed('getReducingState').getReducingState(descriptor);
  }
  getAggregatingState<IN, ACC, OUT>(
    descriptor: AggregatingStateDescriptor<IN, ACC, OUT>,
  ): AggregatingState<IN, OUT> {
    return this.keyed('getAggregatingState').getAggregatingState(descriptor);
  }
  getOperatorStateStore(): OperatorStateStore {
    return this.ctx.operatorStateStore;
  }

  addAccumulator<V>(name: string, accumulator: Accumulator<V>): void {
    if (this.ctx.accumulators.has(name)) {
      throw new WeirError('INVALID_ARGUMENT', `an accumulator named "${name}" is already registered`);
    }
    this.ctx.accumulators.set(name, accumulator as Accumulator<unknown>);
  }
  getAccumulator<V>(name: string): Accumulator<V> | undefined {
    return this.ctx.accumulators.get(name) as Accumulator<V> | undefined;
  }

  getMetricGroup(): MetricGroup {
    if (this.metricGroup === undefined) {
      const ctx = this.ctx;
      // A context outside a task (a test harness) gets a registry of its own.
      const registry =
        ctx.metricRegistry ??
        new MetricRegistry(
          {
            jobId: ctx.jobId,
            taskName: ctx.taskName,
            subtaskIndex: ctx.subtaskIndex,
            attemptNumber: ctx.attemptNumber,
          },
          ctx.clock,
        );
      this.metricGroup = registry.operatorGroup(ctx.spec.uid, ctx.spec.name);
    }
    return this.metricGroup;
  }

  private keyed(method: string): KeyedStateBackend {
    const backend = this.ctx.keyedStateBackend;
    if (!backend) {
      throw new WeirError(
        'STATE_ERROR',
        `${method}() needs a keyed stream: "${this.ctx.spec.name}" does not run after keyBy(); use operator state (getOperatorStateStore()) or key the stream`,
      );
    }
    return backend;
  }
}
