import { availableParallelism } from 'node:os';

/**
 * V8 collects garbage with helper threads beside each JavaScript thread: parallel scavenges and
 * concurrent marking. In a process whose task slots keep every core busy, those helpers find no
 * free core, and a parallel scavenge waits for them: measured on a 2-core machine, a 0.2 ms
 * scavenge took 12–21 ms, and Nexmark q1 at parallelism 2 ran in 1.9–2.8 s instead of 1.4–1.5 s
 * (bench/README.md). Such a process is better started with `--single-threaded-gc`: each thread
 * then collects its own heap, on its own core.
 *
 * The flag only takes effect when the process starts (V8 cannot change how it collects once its
 * first heap is up), so it is passed where Weir starts a process: the TaskManagers of
 * `weir cluster start`, and the benchmark runner.
 */
export const SINGLE_THREADED_GC = '--single-threaded-gc';

/**
 * The V8 flags for a process running `slots` task slots on a machine of `cores` cores: the
 * single-threaded collector when the slots take every core, else none.
 *
 * @example
 * gcFlagsForSlots(2, 2); // ['--single-threaded-gc']
 * gcFlagsForSlots(1, 2); // []
 */
export function gcFlagsForSlots(slots: number, cores: number = availableParallelism()): string[] {
  return slots >= cores && cores > 0 ? [SINGLE_THREADED_GC] : [];
}

/** Whether this process started with the single-threaded collector. */
export function hasSingleThreadedGc(execArgv: readonly string[] = process.execArgv): boolean {
  return execArgv.includes(SINGLE_THREADED_GC);
}
