/** Shared pieces of the window conformance tests: the event type, aggregates and a firing's text. */
import type { Collector, ProcessWindowContext, TimeWindow } from 'weir';

export interface Ev {
  k: string;
  v: number;
}

export const count = {
  createAccumulator: () => 0,
  add: (_e: unknown, n: number) => n + 1,
  getResult: (n: number) => n,
  merge: (a: number, b: number) => a + b,
};

/** Sums `v`; takes any event with a numeric `v`. */
export const sum = {
  createAccumulator: () => 0,
  add: (e: { v: number }, acc: number) => acc + e.v,
  getResult: (acc: number) => acc,
  merge: (a: number, b: number) => a + b,
};

/** `key [start,end) results` of a firing: the aggregate, or what the window function passes on. */
export function show(
  key: string,
  ctx: ProcessWindowContext<TimeWindow>,
  results: Iterable<unknown>,
  out: Collector<string>,
): void {
  const w = ctx.window();
  out.collect(`${key} [${w.getStart()},${w.getEnd()}) ${[...results].join(',')}`);
}
