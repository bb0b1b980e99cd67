import type { Collector } from '../core/collector.ts';
import { OutputTag } from '../core/collector.ts';
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import type {
  SessionWindowOperatorConfig,
  SlicedWindowOperatorConfig,
  WindowContents,
} from '../graph/operator-spec.ts';
import type { AggregateFunction } from '../state/state.ts';
import type { Evictor } from '../time/windows/evictor.ts';
import { evictorNeedsObject, evictorToSpec } from '../time/windows/evictor-spec.ts';
import type { Trigger } from '../time/windows/trigger.ts';
import { triggerNeedsObject, triggerToSpec } from '../time/windows/trigger-spec.ts';
import type { Window } from '../time/windows/window.ts';
import type { WindowAssigner } from '../time/windows/window-assigner.ts';
import {
  alignedTimeWindowSpec,
  type WindowAssignerSpec,
  windowAssignerNeedsObject,
  windowAssignerToSpec,
} from '../time/windows/window-assigner-spec.ts';
import { DataStream } from './data-stream.ts';
import { asMethodObject, type ReduceFunction, type ReduceFunctionObject } from './functions.ts';
import type { KeyedStream } from './keyed-stream.ts';
import type { RuntimeContext } from './runtime-context.ts';
import { openWrapped, WindowFunctionFactory } from './window-function-factory.ts';
import type {
  ProcessWindowContext,
  ProcessWindowFunctionLike,
  ProcessWindowFunctionObject,
} from './window-functions.ts';

/**
 * A keyed stream cut into windows: `keyBy(...).window(assigner)`. Configure the trigger, evictor,
 * allowed lateness and late-data side output, then reduce, aggregate or process each window.
 *
 * @example
 * clicks
 *   .keyBy((c) => c.user)
 *   .window(TumblingEventTimeWindows.of(Time.minutes(1)))
 *   .allowedLateness(Time.seconds(10))
 *   .sideOutputLateData(lateClicks)
 *   .aggregate(countClicks, new WithWindowEnd());
 */
export class WindowedStream<T, K extends Key, W extends Window> {
  private readonly input: KeyedStream<T, K>;
  private readonly assigner: WindowAssigner<T, W>;
  private windowTrigger: Trigger<T, W> | undefined;
  private windowEvictor: Evictor<T, W> | undefined;
  private lateness = 0;
  private lateTag: OutputTag<T> | undefined;

  constructor(input: KeyedStream<T, K>, assigner: WindowAssigner<T, W>) {
    if (!assigner || typeof assigner.assignWindows !== 'function') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'window() expects a WindowAssigner (TumblingEventTimeWindows.of(...), ...)',
      );
    }
    this.input = input;
    this.assigner = assigner;
  }

  /** Replaces the assigner's default trigger. */
  trigger(trigger: Trigger<T, W>): this {
    if (typeof this.assigner.mergeWindows === 'function' && trigger.canMerge?.() !== true) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'a merging window assigner (sessions) needs a trigger that can merge',
      );
    }
    this.windowTrigger = trigger;
    return this;
  }

  /** Removes elements before and/or after the window function runs (keeps every element in state). */
  evictor(evictor: Evictor<T, W>): this {
    this.windowEvictor = evictor;
    return this;
  }

  /** Keeps windows for `lateness` ms past their end: late elements then fire them again. */
  allowedLateness(lateness: number): this {
    if (!(lateness >= 0))
      throw new WeirError('INVALID_ARGUMENT', `allowed lateness must be >= 0, got ${lateness}`);
    if (!this.assigner.isEventTime() && lateness > 0) {
      throw new WeirError('INVALID_ARGUMENT', 'allowed lateness applies to event-time windows only');
    }
    this.lateness = lateness;
    return this;
  }

  /** Elements too late for any window go to this side output instead of being counted and dropped. */
  sideOutputLateData(tag: OutputTag<T>): this {
    if (!(tag instanceof OutputTag))
      throw new WeirError('INVALID_ARGUMENT', 'sideOutputLateData expects an OutputTag');
    this.lateTag = tag;
    return this;
  }

  /** Incrementally reduces each window to one value, emitted (or given to `windowFunction`) when it fires. */
  reduce(fn: ReduceFunction<T>): DataStream<T>;
  reduce<R>(fn: ReduceFunction<T>, windowFunction: ProcessWindowFunctionLike<T, R, K, W>): DataStream<R>;
  reduce<R>(
    fn: ReduceFunction<T>,
    windowFunction?: ProcessWindowFunctionLike<T, R, K, W>,
  ): DataStream<T | R> {
    const reducer = asMethodObject<ReduceFunctionObject<T>>(fn, 'reduce');
    checkWindowFunction(windowFunction);
    if (this.windowEvictor) {
      // An evictor needs every element: reduce what remains when the window fires.
      return this.build('list', { windowFunction: reduceThen<T, R, K, W>(reducer, windowFunction) });
    }
    return this.build('reduce', { reduce: reducer, windowFunction });
  }

  /** Incrementally aggregates each window (createAccumulator / add / getResult / merge). */
  aggregate<ACC, V>(fn: AggregateFunction<T, ACC, V>): DataStream<V>;
  aggregate<ACC, V, R>(
    fn: AggregateFunction<T, ACC, V>,
    windowFunction: ProcessWindowFunctionLike<V, R, K, W>,
  ): DataStream<R>;
  aggregate<ACC, V, R>(
    fn: AggregateFunction<T, ACC, V>,
    windowFunction?: ProcessWindowFunctionLike<V, R, K, W>,
  ): DataStream<V | R> {
    if (!fn || typeof fn.add !== 'function' || typeof fn.createAccumulator !== 'function') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'aggregate expects an AggregateFunction (createAccumulator, add, getResult, merge)',
      );
    }
    checkWindowFunction(windowFunction);
    if (this.windowEvictor) {
      return this.build('list', { windowFunction: aggregateThen<T, ACC, V, R, K, W>(fn, windowFunction) });
    }
    return this.build('aggregate', { aggregate: fn, windowFunction });
  }

  /** Gives all elements of each window, with the key and the window, to a ProcessWindowFunction. */
  process<R>(fn: ProcessWindowFunctionLike<T, R, K, W>): DataStream<R> {
    checkWindowFunction(fn ?? null);
    return this.build('list', { windowFunction: fn });
  }

  private build<R>(contents: WindowContents, fns: Record<string, unknown>): DataStream<R> {
    const env = this.input.environment;
    // The plan holds the specs of built-in assigners, triggers and evictors; only custom objects
    // (and the window functions) travel with the job module.
    const assigner = windowAssignerToSpec(this.assigner);
    const trigger = this.windowTrigger === undefined ? null : triggerToSpec(this.windowTrigger);
    const evictor = this.windowEvictor === undefined ? null : evictorToSpec(this.windowEvictor);
    const extra: Record<string, unknown> = { ...fns };
    if (windowAssignerNeedsObject(assigner)) extra.assigner = this.assigner;
    if (trigger !== null && triggerNeedsObject(trigger)) extra.trigger = this.windowTrigger;
    if (evictor !== null && evictorNeedsObject(evictor)) extra.evictor = this.windowEvictor;
    const name = `Window(${this.assigner.constructor?.name ?? 'assigner'})`;
    const inputs = [[this.input.transformation]];
    // Sessions with their default trigger: the session window operator (session-window-operator.ts).
    const session = sessionAssignerSpec(contents, assigner, trigger, evictor, fns);
    if (session !== undefined) {
      const config = {
        contents,
        assigner: session,
        allowedLateness: this.lateness,
        lateTag: this.lateTag?.id ?? null,
      };
      return new DataStream<R>(
        env,
        env.addPhysical({ operator: 'session-window', name, inputs, extra, config }),
      );
    }
    const sliced = this.slicedAssigner(contents, assigner, trigger, evictor, fns);
    const t =
      sliced !== undefined
        ? env.addPhysical({
            operator: 'sliced-window',
            name,
            inputs,
            extra,
            config: {
              contents: sliced.contents,
              assigner: sliced.assigner,
              size: sliced.assigner.size,
              slide: sliced.assigner.slide,
              offset: sliced.assigner.offset,
              allowedLateness: this.lateness,
              lateTag: this.lateTag?.id ?? null,
            },
          })
        : alignedTimeWindowSpec(assigner, trigger, evictor) !== undefined
          ? env.addPhysical({
              operator: 'time-window',
              name,
              inputs,
              extra,
              config: {
                contents,
                assigner: alignedTimeWindowSpec(assigner, trigger, evictor)!,
                allowedLateness: this.lateness,
                lateTag: this.lateTag?.id ?? null,
              },
            })
          : env.addPhysical({
              operator: 'window',
              name,
              inputs,
              extra,
              config: {
                contents,
                assigner,
                trigger,
                evictor,
                allowedLateness: this.lateness,
                lateTag: this.lateTag?.id ?? null,
              },
            });
    return new DataStream<R>(env, t);
  }

  /**
   * The event-time sliding assigner's spec when the windows can be aggregated by slices
   * (docs/windows-slicing.md): the assigner's default trigger, no evictor, and a reduce or an
   * aggregate with `merge`. Any other trigger (even an explicit default one) keeps the general
   * window operator.
   */
  private slicedAssigner(
    contents: WindowContents,
    assigner: WindowAssignerSpec,
    trigger: unknown,
    evictor: unknown,
    fns: Record<string, unknown>,
  ): Pick<SlicedWindowOperatorConfig, 'contents' | 'assigner'> | undefined {
    // Event time only: in processing time, an element that comes in the millisecond of a window's
    // end − 1 after that window fired must fire it again alone (ProcessingTimeTrigger), which slices
    // shared with later windows cannot give; the aligned time window operator does.
    if (assigner.kind !== 'sliding-event-time') return undefined;
    if (trigger !== null || evictor !== null) return undefined;
    if (contents === 'reduce') return { contents, assigner };
    if (contents === 'aggregate' && typeof (fns.aggregate as { merge?: unknown }).merge === 'function')
      return { contents, assigner };
    return undefined;
  }
}

/**
 * The session assigner's spec when the session window operator gives the general operator's output:
 * the assigner's default trigger (an explicit trigger, even the default one, keeps the general
 * operator), no evictor, and an aggregate that can merge accumulators (Flink requires `merge` of
 * merging windows; without it the general operator reports the failure as before).
 */
function sessionAssignerSpec(
  contents: WindowContents,
  assigner: WindowAssignerSpec,
  trigger: unknown,
  evictor: unknown,
  fns: Record<string, unknown>,
): SessionWindowOperatorConfig['assigner'] | undefined {
  if (
    assigner.kind !== 'event-time-session' &&
    assigner.kind !== 'processing-time-session' &&
    assigner.kind !== 'dynamic-event-time-session' &&
    assigner.kind !== 'dynamic-processing-time-session'
  )
    return undefined;
  if (trigger !== null || evictor !== null) return undefined;
  if (contents === 'aggregate' && typeof (fns.aggregate as { merge?: unknown }).merge !== 'function')
    return undefined;
  return assigner;
}

/** Fails at the call, not in a subtask, when `fn` is given but is no window function (INVALID_ARGUMENT). */
function checkWindowFunction(fn: unknown): void {
  if (fn !== undefined && !(fn instanceof WindowFunctionFactory)) asMethodObject(fn, 'process');
}

type InnerWindowFunction<IN, OUT, K extends Key, W extends Window> = ProcessWindowFunctionObject<
  IN,
  OUT,
  K,
  W
> & {
  setRuntimeContext?: (context: RuntimeContext) => void;
};

/** Under an evictor, `reduce(fn, windowFunction)` reduces a window's remaining elements when it fires. */
function reduceThen<T, R, K extends Key, W extends Window>(
  reducer: ReduceFunctionObject<T>,
  windowFunction: ProcessWindowFunctionLike<T, R, K, W> | undefined,
): ProcessWindowFunctionLike<T, T | R, K, W> {
  return new WindowFunctionFactory(
    windowFunction,
    (inner) =>
      new ReduceApplyProcessWindowFunction<T, R, K, W>(
        reducer,
        inner && asMethodObject<InnerWindowFunction<T, R, K, W>>(inner, 'process'),
      ),
  ).asWindowFunction();
}

/** Under an evictor, `aggregate(fn, windowFunction)` aggregates a window's remaining elements when it fires. */
function aggregateThen<T, ACC, V, R, K extends Key, W extends Window>(
  fn: AggregateFunction<T, ACC, V>,
  windowFunction: ProcessWindowFunctionLike<V, R, K, W> | undefined,
): ProcessWindowFunctionLike<T, V | R, K, W> {
  return new WindowFunctionFactory(
    windowFunction,
    (inner) =>
      new AggregateApplyProcessWindowFunction<T, ACC, V, R, K, W>(
        fn,
        inner && asMethodObject<InnerWindowFunction<V, R, K, W>>(inner, 'process'),
      ),
  ).asWindowFunction();
}

/** Reduces the elements, then gives the result to the subtask's own window function (or emits it). */
class ReduceApplyProcessWindowFunction<T, R, K extends Key, W extends Window>
  implements ProcessWindowFunctionObject<T, T | R, K, W>
{
  private readonly reducer: ReduceFunctionObject<T>;
  private readonly inner: InnerWindowFunction<T, R, K, W> | undefined;

  constructor(reducer: ReduceFunctionObject<T>, inner: InnerWindowFunction<T, R, K, W> | undefined) {
    this.reducer = reducer;
    this.inner = inner;
  }
  open(context: RuntimeContext): Promise<void> {
    return openWrapped(this.inner, context);
  }
  async close(): Promise<void> {
    await this.inner?.close?.();
  }
  process(key: K, ctx: ProcessWindowContext<W>, elements: Iterable<T>, out: Collector<T | R>): void {
    let acc: T | undefined;
    let any = false;
    for (const e of elements) {
      acc = any ? this.reducer.reduce(acc as T, e) : e;
      any = true;
    }
    if (!any) return;
    if (this.inner) this.inner.process(key, ctx, [acc as T], out as Collector<R>);
    else out.collect(acc as T);
  }
  clear(ctx: ProcessWindowContext<W>): void {
    this.inner?.clear?.(ctx);
  }
}

/** Aggregates the elements, then gives the result to the subtask's own window function (or emits it). */
class AggregateApplyProcessWindowFunction<T, ACC, V, R, K extends Key, W extends Window>
  implements ProcessWindowFunctionObject<T, V | R, K, W>
{
  private readonly fn: AggregateFunction<T, ACC, V>;
  private readonly inner: InnerWindowFunction<V, R, K, W> | undefined;

  constructor(fn: AggregateFunction<T, ACC, V>, inner: InnerWindowFunction<V, R, K, W> | undefined) {
    this.fn = fn;
    this.inner = inner;
  }
  open(context: RuntimeContext): Promise<void> {
    return openWrapped(this.inner, context);
  }
  async close(): Promise<void> {
    await this.inner?.close?.();
  }
  process(key: K, ctx: ProcessWindowContext<W>, elements: Iterable<T>, out: Collector<V | R>): void {
    let acc = this.fn.createAccumulator();
    for (const e of elements) acc = this.fn.add(e, acc);
    const result = this.fn.getResult(acc);
    if (this.inner) this.inner.process(key, ctx, [result], out as Collector<R>);
    else out.collect(result);
  }
  clear(ctx: ProcessWindowContext<W>): void {
    this.inner?.clear?.(ctx);
  }
}
