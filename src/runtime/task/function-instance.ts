import { asMethodObject } from '../../api/functions.ts';
import { WindowFunctionFactory } from '../../api/window-function-factory.ts';
import type { ProcessWindowFunctionObject } from '../../api/window-functions.ts';
import type { Key } from '../../core/key.ts';
import type { Window } from '../../time/windows/window.ts';

/**
 * Each subtask gets its own instance of a user function object, as Flink gives each subtask its own
 * deserialized copy: fields set in `open()` (state handles, counters) and containers created in the
 * constructor (arrays, Maps, Sets, plain objects) must not be shared between subtasks that run in
 * the same thread. The copy keeps the prototype, so class methods carry over; containers are copied
 * one level deep; other values (functions, class instances such as clients or pools) are shared.
 * Lambdas are used as they are: state captured by a closure is shared.
 */
export function functionInstance<F>(fn: F): F {
  if (fn === null || typeof fn !== 'object') return fn;
  const copy = Object.create(Object.getPrototypeOf(fn)) as Record<string, unknown>;
  for (const key of Object.keys(fn)) copy[key] = copyContainer((fn as Record<string, unknown>)[key]);
  return copy as F;
}

/**
 * A subtask's own instance of a function: a wrapper the API built around a user function is made
 * by its factory, around the subtask's own instance of the user's function (see
 * WindowFunctionFactory); any other function is copied as above.
 */
export function subtaskInstance<F>(fn: F): F {
  return fn instanceof WindowFunctionFactory ? (fn.create(subtaskInstance) as F) : functionInstance(fn);
}

/** The window function of one subtask (a lambda becomes an object with a `process` method). */
export function windowFunctionInstance<W extends Window>(
  fn: unknown,
): ProcessWindowFunctionObject<unknown, unknown, Key, W> {
  return asMethodObject(subtaskInstance(fn), 'process');
}

function copyContainer(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.slice();
  if (value instanceof Map) return new Map(value);
  if (value instanceof Set) return new Set(value);
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return { ...(value as object) };
  return value;
}
