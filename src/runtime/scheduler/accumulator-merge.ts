import type { Accumulator } from '../../core/accumulators.ts';

/**
 * The one way accumulators merge, wherever the subtasks ran: per name, a fresh accumulator of the
 * kind registered (`create()`) takes every local value by `merge`. The in-thread job master merges
 * all subtasks at once; a worker thread merges its own subtasks, and the threaded job master has the
 * other workers' local values merged into one worker's result (the coordinating thread holds no
 * accumulator instances: they exist only where `open()` ran). Local values cross threads by
 * structured clone, so they must be plain data (numbers, strings, arrays, objects, Maps, Sets).
 */
export function mergeAccumulators(
  registered: Iterable<Map<string, Accumulator<unknown>>>,
): Map<string, Accumulator<unknown>> {
  const merged = new Map<string, Accumulator<unknown>>();
  for (const map of registered) {
    for (const [name, accumulator] of map) {
      let into = merged.get(name);
      if (into === undefined) merged.set(name, (into = accumulator.create()));
      into.merge(accumulator.getLocalValue());
    }
  }
  return merged;
}

/** The values of merged accumulators, by name. */
export function localValues(merged: Map<string, Accumulator<unknown>>): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const [name, accumulator] of merged) values.set(name, accumulator.getLocalValue());
  return values;
}
