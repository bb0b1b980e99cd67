import type { ProcessWindowFunctionObject } from '../../api/window-functions.ts';
import type { Key } from '../../core/key.ts';
import { operatorConfig, type WindowContents } from '../../graph/operator-spec.ts';
import type { InternalListState, InternalValueState } from '../../state/internal-kv-state.ts';
import type { AggregateFunction } from '../../state/state.ts';
import { ListStateDescriptor, ValueStateDescriptor } from '../../state/state-descriptor.ts';
import type { TimeWindow } from '../../time/windows/window.ts';
import { AlignedTimeWindowOperator } from './aligned-time-window-operator.ts';
import { type LegacySlot, type LegacyWindowsTarget, legacyElements } from './legacy-window-slots.ts';
import type { OperatorContext } from './operator-context.ts';
import { windowFunctionsOf } from './window-functions-of.ts';

/**
 * A keyed stream's tumbling or sliding time windows with the default trigger and no evictor
 * (aligned-time-window-operator.ts): each window's contents are the key's state in the namespace
 * of the window's start: a list of the elements (list state), the reduced value or the
 * accumulator (value state). WindowedStream picks it where the general window operator would give
 * the same output and the sliced operator does not apply.
 */
export class TimeWindowOperator extends AlignedTimeWindowOperator {
  private readonly contentsKind: WindowContents;
  private readonly reduceFn: ((a: unknown, b: unknown) => unknown) | undefined;
  private readonly aggregateFn: AggregateFunction<unknown, unknown, unknown> | undefined;
  private readonly windowFn: ProcessWindowFunctionObject<unknown, unknown, Key, TimeWindow> | undefined;
  /** The elements of each window (contents `list`). */
  private readonly elements: InternalListState<unknown>;
  /** The reduced value or the accumulator of each window (contents `reduce`, `aggregate`). */
  private readonly value: InternalValueState<unknown>;
  private readonly listContents: boolean;

  constructor(ctx: OperatorContext) {
    const config = operatorConfig(ctx.spec, 'time-window');
    super(ctx, config.assigner!, Number(config.allowedLateness ?? 0), config.lateTag ?? null);
    const extra = ctx.functions.extra ?? {};
    this.contentsKind = config.contents ?? 'list';
    this.listContents = this.contentsKind === 'list';
    const functions = windowFunctionsOf<TimeWindow>(extra);
    this.reduceFn = functions.reduceFn;
    this.aggregateFn = functions.aggregateFn;
    this.windowFn = functions.windowFn;
    this.userFunction = functions.userFunction;
    const fn = this.windowFn;
    if (fn?.clear !== undefined) this.windowFunctionClear = (context) => fn.clear!(context);
    const backend = ctx.keyedStateBackend!;
    this.elements = backend.getListState(
      new ListStateDescriptor<unknown>('_window-contents'),
    ) as InternalListState<unknown>;
    this.value = backend.getState(
      new ValueStateDescriptor<unknown>('_window-value'),
    ) as InternalValueState<unknown>;
  }

  processElement(value: unknown, timestamp: number): void {
    this.addElement(value, timestamp, 1);
  }

  protected setWindow(start: number): void {
    if (this.listContents) this.elements.setCurrentNamespace(start);
    else this.value.setCurrentNamespace(start);
  }

  protected add(value: unknown, _input: number): void {
    if (this.listContents) {
      this.elements.add(value);
      return;
    }
    const current = this.value.value();
    if (this.reduceFn !== undefined) {
      this.value.update(current === undefined ? value : this.reduceFn(current, value));
    } else {
      const agg = this.aggregateFn!;
      this.value.update(agg.add(value, current === undefined ? agg.createAccumulator() : current));
    }
  }

  protected hasContents(): boolean {
    return this.listContents ? !isEmpty(this.elements.get()) : this.value.value() !== undefined;
  }

  protected emit(start: number): void {
    let contents: Iterable<unknown>;
    if (this.listContents) {
      contents = this.elements.get();
      if (isEmpty(contents)) return;
    } else {
      const v = this.value.value();
      if (v === undefined) return;
      // A fresh array per firing (not per record): the window function may keep what it gets.
      contents = [this.contentsKind === 'aggregate' ? this.aggregateFn!.getResult(v) : v];
    }
    this.collector.timestamp = start + this.size - 1;
    const fn = this.windowFn;
    if (fn === undefined) {
      for (const e of contents) this.collector.collect(e);
    } else {
      fn.process(this.keyed!.getCurrentKey(), this.contextFor(start), contents, this.collector);
      this.flushWindowState();
    }
  }

  protected adoptLegacyContents(slot: LegacySlot, target: LegacyWindowsTarget): void {
    if (this.listContents) this.elements.addAll(legacyElements(slot, target).map((e) => e.value));
    else this.value.update(slot.contents);
  }

  protected clearContents(): void {
    if (this.listContents) this.elements.clear();
    else this.value.clear();
  }
}

function isEmpty(contents: Iterable<unknown>): boolean {
  if (Array.isArray(contents)) return contents.length === 0;
  for (const _ of contents) return false;
  return true;
}
