import { WeirError } from '../../core/errors.ts';
import type { SourceSplit } from '../../core/source.ts';

/** A contiguous range of indices `[next, end)`; `next` is the position of the next record to emit. */
export interface IndexRangeSplit extends SourceSplit {
  readonly next: number;
  /** Exclusive. */
  readonly end: number;
}

/**
 * Splits `[start, end)` into at most `count` contiguous, non-empty ranges whose sizes differ by at
 * most one, in order (the first ranges take the remainder). Safe for any safe-integer bounds.
 */
export function splitRange(prefix: string, start: number, end: number, count: number): IndexRangeSplit[] {
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new WeirError('INVALID_ARGUMENT', `cannot split into ${count} ranges: need a positive integer`);
  }
  const total = Math.max(0, end - start);
  const n = Math.min(count, total);
  const size = Math.floor(total / n);
  const remainder = total - size * n;
  const splits: IndexRangeSplit[] = [];
  let next = start;
  for (let i = 0; i < n; i++) {
    const to = next + size + (i < remainder ? 1 : 0);
    splits.push({ splitId: `${prefix}-${i}`, next, end: to });
    next = to;
  }
  return splits;
}
