import { availableParallelism } from 'node:os';

/**
 * V8 collects garbage with helper threads beside each JavaScript thread: parallel scavenges and
 * concurrent marking. In a process whose task slots keep every core busy, those helpers find no
 * free core, and a parallel scavenge waits for them: measured on a 2-core machine, a 0.2 ms
 * scavenge took 12–21 ms, and Nexmark q1 at parallelism 2 ran in 1.9–2.8 s instead of 1.4–1.5 s
 * (bench/README.md). Such a process is better started with `--single-threaded-gc`: each thread
 * then collects its own heap, on its own core.
 *
 * Such a process also caps each heap's young generation at semi-spaces of 16 MB. V8 grows them
 * to 32 MB under a high allocation rate, and with every core running a slot, that slowed a keyed
 * job: bidder-count at parallelism 2 on 2 cores ran 2.26 s with the cap against 2.70 s without
 * (median of six interleaved pairs, every pair faster), while at parallelism 1, with one slot,
 * the cap changed nothing (3.69 against 3.67 s). The likely cause is the cores' shared cache:
 * two 32 MB nurseries that each slot writes through every few milliseconds do not fit it. A cap of
 * 8 MB was faster still for that job but slowed window joins (q7) that keep records a little
 * longer, as more of them were promoted to the old generation.
 *
 * The flags only take effect when the process starts (V8 cannot change how it collects once its
 * first heap is up), so they are passed where Weir starts a process: the TaskManagers of
 * `weir cluster start`, and the benchmark runner.
 */
export const SINGLE_THREADED_GC = '--single-threaded-gc';

/** The young generation's cap in a process whose slots take every core (see the module comment). */
export const SLOT_SEMI_SPACE = '--max-semi-space-size=16';

/**
 * The V8 flags for a process running `slots` task slots on a machine of `cores` cores: the
 * single-threaded collector and the young generation's cap when the slots take every core, else
 * none.
 *
 * @example
 * gcFlagsForSlots(2, 2); // ['--single-threaded-gc', '--max-semi-space-size=16']
 * gcFlagsForSlots(1, 2); // []
 */
export function gcFlagsForSlots(slots: number, cores: number = availableParallelism()): string[] {
  return slots >= cores && cores > 0 ? [SINGLE_THREADED_GC, SLOT_SEMI_SPACE] : [];
}

/** Whether this process started with the single-threaded collector. */
export function hasSingleThreadedGc(execArgv: readonly string[] = process.execArgv): boolean {
  return execArgv.includes(SINGLE_THREADED_GC);
}
