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
  for (const key of Object.keys(fn)) {
    const value = (fn as Record<string, unknown>)[key];
    // A function that wraps the user's (window adapters) gets its own copy of the user's, too.
    copy[key] =
      key === 'inner' && (fn as { wrapsUserFunction?: boolean }).wrapsUserFunction
        ? functionInstance(value)
        : copyContainer(value);
  }
  return copy as F;
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
