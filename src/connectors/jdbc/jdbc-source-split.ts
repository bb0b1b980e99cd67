/**
 * The splits of a {@link JdbcSource}: ranges of a numeric column. `[lower, upper]` is cut into
 * `n` ranges of nearly equal width; each but the last is half-open (`lower <= c < next`), the
 * last one closed (`c <= upper`), so a column of decimals is covered as well as one of integers.
 * Bounds are kept as decimal strings and computed with bigints: exact for any BIGINT, and plain data
 * for checkpoints.
 */
import { WeirError } from '../../core/errors.ts';
import type { SourceSplit } from '../../core/source.ts';

/** One range of the partition column, and how far it was read. */
export interface JdbcSourceSplit extends SourceSplit {
  /** Index of the range, from 0 (the split id is `range-<index>`). */
  readonly index: number;
  /** Smallest value of the range (inclusive), a decimal integer. */
  readonly lower: string;
  /** Largest value of the range: exclusive, or inclusive for the last range. */
  readonly upper: string;
  readonly upperInclusive: boolean;
  /**
   * The key (`keyColumns` values) of the last row emitted from this range: reading resumes after
   * it. Absent while no row of the range was emitted.
   */
  readonly lastKey?: readonly unknown[];
}

/**
 * `count` ranges covering `[lower, upper]` (fewer if the interval holds fewer integers), widths
 * differing by one at most.
 *
 * @example
 * planRanges(1n, 10n, 3); // [1, 4) [4, 7) [7, 10]
 */
export function planRanges(lower: bigint, upper: bigint, count: number): JdbcSourceSplit[] {
  if (upper < lower) {
    throw new WeirError('INVALID_ARGUMENT', `JdbcSource: lowerBound ${lower} is above upperBound ${upper}`);
  }
  const width = upper - lower + 1n;
  const n = width < BigInt(count) ? Number(width) : count;
  const starts: bigint[] = [];
  for (let i = 0; i < n; i++) starts.push(lower + (width * BigInt(i)) / BigInt(n));
  return starts.map((start, i) => {
    const last = i === n - 1;
    return {
      splitId: `range-${i}`,
      index: i,
      lower: start.toString(),
      upper: (last ? upper : starts[i + 1]).toString(),
      upperInclusive: last,
    };
  });
}

/** `value` as an integer bound: a safe integer, a bigint or a string of digits. */
export function toBound(value: unknown, name: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return BigInt(value.trim());
  throw new WeirError(
    'INVALID_ARGUMENT',
    `JdbcSource: ${name} must be an integer (a number, a bigint or a string of digits), got ${String(value)}`,
  );
}

/**
 * A discovered minimum or maximum as an integer bound: decimals are widened outwards (floor for
 * the minimum, ceiling for the maximum), so the ranges still cover every row.
 */
export function discoveredBound(value: unknown, side: 'min' | 'max', column: string): bigint {
  if (typeof value === 'bigint') return value;
  const text = typeof value === 'number' ? numberText(value) : typeof value === 'string' ? value.trim() : '';
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (match === null) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `JdbcSource: the partition column "${column}" must be numeric, but its ${side} is ${String(value)}`,
    );
  }
  const [, sign, whole, fraction = ''] = match;
  const truncated = BigInt(`${sign}${whole}`);
  if (!/[1-9]/.test(fraction)) return truncated;
  // Truncation went towards zero; step outwards where that was the wrong way.
  if (side === 'min' && sign === '-') return truncated - 1n;
  if (side === 'max' && sign === '') return truncated + 1n;
  return truncated;
}

/** A finite number in positional notation (no exponent), e.g. 1e21 → "1000000000000000000000". */
function numberText(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return BigInt(value).toString();
  return value.toFixed(20).replace(/0+$/, '');
}
