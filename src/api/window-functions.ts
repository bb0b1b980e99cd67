import type { Collector, OutputTag } from '../core/collector.ts';
import type { Key } from '../core/key.ts';
import type { KeyedStateStore } from '../state/keyed-state-store.ts';
import type { Window } from '../time/windows/window.ts';
import { AbstractRichFunction, type RichFunction } from './functions.ts';

/** What a ProcessWindowFunction sees of the window being emitted. */
export interface ProcessWindowContext<W extends Window> {
  window(): W;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** State scoped to the key and this window (cleared with the window). */
  windowState(): KeyedStateStore;
  /** State scoped to the key, across windows. */
  globalState(): KeyedStateStore;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

export interface ProcessWindowFunctionObject<IN, OUT, K extends Key, W extends Window> extends RichFunction {
  process(key: K, context: ProcessWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;
  /** Called when the window is purged: clean up window state here. */
  clear?(context: ProcessWindowContext<W>): void;
}

export type ProcessWindowFunctionLike<IN, OUT, K extends Key, W extends Window> =
  | ((key: K, context: ProcessWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>) => void)
  | ProcessWindowFunctionObject<IN, OUT, K, W>;

/**
 * Flink's ProcessWindowFunction as a class: all the elements of a window (or the single
 * pre-aggregated value, with reduce/aggregate), with the key and the window.
 *
 * @example
 * class Summary extends ProcessWindowFunction<number, string, string, TimeWindow> {
 *   process(key: string, ctx: ProcessWindowContext<TimeWindow>, sums: Iterable<number>, out: Collector<string>) {
 *     for (const sum of sums) out.collect(`${key} ${ctx.window().getEnd()} ${sum}`);
 *   }
 * }
 */
export abstract class ProcessWindowFunction<IN, OUT, K extends Key, W extends Window>
  extends AbstractRichFunction
  implements ProcessWindowFunctionObject<IN, OUT, K, W>
{
  abstract process(
    key: K,
    context: ProcessWindowContext<W>,
    elements: Iterable<IN>,
    out: Collector<OUT>,
  ): void;
  clear?(context: ProcessWindowContext<W>): void;
}
