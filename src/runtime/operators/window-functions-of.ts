import type { RichFunction } from '../../api/functions.ts';
import type { ProcessWindowFunctionObject } from '../../api/window-functions.ts';
import type { Key } from '../../core/key.ts';
import type { AggregateFunction } from '../../state/state.ts';
import type { Window } from '../../time/windows/window.ts';
import { windowFunctionInstance } from '../task/function-instance.ts';

/** The functions of a window operator, as the job module gives them in `extra`. */
export interface WindowFunctions<W extends Window> {
  /** The reduce function (a lambda, or a ReduceFunction object's method). */
  readonly reduceFn: ((a: unknown, b: unknown) => unknown) | undefined;
  readonly aggregateFn: AggregateFunction<unknown, unknown, unknown> | undefined;
  /** This subtask's own instance of the ProcessWindowFunction. */
  readonly windowFn: ProcessWindowFunctionObject<unknown, unknown, Key, W> | undefined;
  /** The function whose open/close the operator calls: the window function, else a rich reduce. */
  readonly userFunction: RichFunction | undefined;
}

/** Reads a window operator's functions from the plan's `extra` (every window operator takes the same). */
export function windowFunctionsOf<W extends Window>(extra: Record<string, unknown>): WindowFunctions<W> {
  const reduce = extra.reduce as
    | ((a: unknown, b: unknown) => unknown)
    | { reduce(a: unknown, b: unknown): unknown }
    | undefined;
  const reduceFn =
    reduce === undefined
      ? undefined
      : typeof reduce === 'function'
        ? reduce
        : (a: unknown, b: unknown) => reduce.reduce(a, b);
  // Each subtask gets its own instance of the window function, as of any user function.
  const windowFn =
    extra.windowFunction === undefined
      ? undefined
      : (windowFunctionInstance(extra.windowFunction) as ProcessWindowFunctionObject<
          unknown,
          unknown,
          Key,
          W
        >);
  return {
    reduceFn,
    aggregateFn: extra.aggregate as AggregateFunction<unknown, unknown, unknown> | undefined,
    windowFn,
    userFunction: (windowFn ?? (typeof reduce === 'object' ? reduce : undefined)) as RichFunction | undefined,
  };
}
