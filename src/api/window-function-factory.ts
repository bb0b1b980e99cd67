import type { Key } from '../core/key.ts';
import type { Window } from '../time/windows/window.ts';
import type { RuntimeContext } from './runtime-context.ts';
import type { ProcessWindowFunctionLike, ProcessWindowFunctionObject } from './window-functions.ts';

/** Gives a subtask its own instance of a user function (or of a wrapper, from its factory). */
export type FunctionInstancer = <U>(fn: U) => U;

/**
 * A window function the API builds around the user's: a reduce or an aggregate that runs before a
 * ProcessWindowFunction under an evictor, a keyless function on the keyed window operator, a join
 * or coGroup function over a window's tagged elements. The wrapper is declared as a factory, not
 * as an instance: the window operator calls `create` once per subtask with the runtime's instancer,
 * and `wrap` receives that subtask's own instance of the user's function (a wrapped factory is
 * created in turn). So fields a user function sets in `open()` are never shared between subtasks.
 * A wrapper passes its runtime context on to the user's function before its `open()`
 * ({@link openWrapped}).
 *
 * @internal
 */
export class WindowFunctionFactory<IN, OUT, K extends Key, W extends Window, U = unknown> {
  private readonly userFunction: U;
  private readonly wrap: (instance: U) => ProcessWindowFunctionObject<IN, OUT, K, W>;

  constructor(userFunction: U, wrap: (instance: U) => ProcessWindowFunctionObject<IN, OUT, K, W>) {
    this.userFunction = userFunction;
    this.wrap = wrap;
  }

  /** The window function of one subtask, around its own instance of the user's function. */
  create(instance: FunctionInstancer): ProcessWindowFunctionObject<IN, OUT, K, W> {
    return this.wrap(instance(this.userFunction));
  }

  /** This factory where the API takes a window function: the window operator recognises it. */
  asWindowFunction(): ProcessWindowFunctionLike<IN, OUT, K, W> {
    return this as unknown as ProcessWindowFunctionLike<IN, OUT, K, W>;
  }
}

type Openable = {
  setRuntimeContext?: (context: RuntimeContext) => void;
  open?: (context: RuntimeContext) => void | Promise<void>;
};

/** Opens a wrapped user function as the operator opens its own: runtime context first, then `open`. */
export async function openWrapped(fn: Openable | undefined, context: RuntimeContext): Promise<void> {
  if (fn === undefined) return;
  fn.setRuntimeContext?.(context);
  await fn.open?.(context);
}
