/**
 * Integer arithmetic of aligned time windows and slices: alignment to a period with a phase (a
 * window's offset), and small helpers over sorted arrays of starts. Shared by the window operators
 * that compute windows from times instead of creating window objects.
 */

/** Greatest common divisor (the slice length of windows of `size` every `slide`). */
export function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** `a` modulo `m`, in `[0, m)` also for negative `a` (times before the epoch). */
export function mod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

/** The largest value <= `time` that is `phase` modulo `period`. */
export function floorTo(time: number, phase: number, period: number): number {
  return time - mod(time - phase, period);
}

/** The smallest value >= `time` that is `phase` modulo `period`. */
export function ceilTo(time: number, phase: number, period: number): number {
  return time + mod(phase - time, period);
}

/** The first index of `sorted` whose value is >= `x`. */
export function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Removes the first `n` entries in place (no array allocated, unlike splice). */
export function dropFront(array: unknown[], n: number): void {
  array.copyWithin(0, n);
  array.length -= n;
}
