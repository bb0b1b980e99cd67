/**
 * Small 32-bit pseudo-random helpers for the generator's fixed tables (text pool, urls). The
 * per-event generator inlines the same mulberry32 step on its own state, to avoid a closure call.
 */
import { fmix32 } from '../../core/fmix32.ts';

/** Murmur3's 32-bit finalizer: spreads neighbouring seeds (consecutive ids) over all 32 bits. */
export const mix32 = fmix32;

/** A mulberry32 generator seeded by `seed`; returns uint32 values. */
export function mulberry32(seed: number): () => number {
  let state = mix32(seed);
  return () => {
    const a = (state = (state + 0x6d2b79f5) | 0);
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Uniform integer in `[0, n)` from a uint32 source. */
export function below(next: () => number, n: number): number {
  return Math.floor((next() * n) / 4294967296);
}
