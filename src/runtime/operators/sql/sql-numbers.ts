/**
 * Numbers as Flink's SQL runtime computes and prints them, on JavaScript numbers. DECIMAL values are
 * numbers that stand for the decimal their shortest printed form shows (`907.0920000000001` stands
 * for the product `907.092` computed in binary), so DECIMAL rounding works on that decimal form,
 * half-up (away from zero on a tie) as Java's BigDecimal.ROUND_HALF_UP does. Integer types wrap as
 * Java's int and long do. How they print (Java's Double.toString...) is in core/sql-number-format.ts.
 */
import { WeirError } from '../../../core/errors.ts';
import { decimalDigits } from '../../../core/sql-number-format.ts';

const POW10: number[] = [];
for (let i = 0; i <= 22; i++) POW10.push(10 ** i);

/** Thrown by integer division and MOD by zero, as Java's ArithmeticException: the message names the operation. */
export function divisionByZero(op: string): never {
  throw new WeirError('INVALID_ARGUMENT', `division by zero in ${op}`);
}

/**
 * `x` rounded half-up to `scale` fraction digits (a negative scale rounds to tens, hundreds...).
 * The fast path scales by a power of ten; a value that lands near a tie is rounded on its decimal
 * digits instead, so that 1.005 rounds to 1.01 as the decimal 1.005 would.
 */
export function roundHalfUp(x: number, scale: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (scale >= 0 && scale <= 22) {
    const p = POW10[scale];
    const m = Math.abs(x) * p;
    if (m < 4503599627370496) {
      const fl = Math.floor(m);
      const frac = m - fl;
      // The float error of m grows with its size: decide on digits whenever it could matter.
      if (Math.abs(frac - 0.5) > 1e-7 + m * 1e-13) {
        const r = (frac > 0.5 ? fl + 1 : fl) / p;
        return x < 0 ? -r : r + 0;
      }
    } else if (Number.isInteger(x)) return x;
  }
  return roundDecimalString(x, scale, false);
}

/** `x` truncated toward zero to `scale` fraction digits (TRUNCATE). */
export function truncateTo(x: number, scale: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (scale >= 0 && scale <= 22) {
    const p = POW10[scale];
    const m = Math.abs(x) * p;
    if (m < 4503599627370496) {
      const fl = Math.floor(m);
      // Within float noise of the next integer (0.29 * 100 = 28.999999999999996): decide on digits.
      if (fl + 1 - m > 1e-7 + m * 1e-13) {
        const r = fl / p;
        return x < 0 ? -r : r;
      }
    } else if (Number.isInteger(x)) return x;
  }
  return roundDecimalString(x, scale, true);
}

/** Rounds on the shortest decimal form of `x`: half-up, or toward zero when `truncate`. */
function roundDecimalString(x: number, scale: number, truncate: boolean): number {
  const negative = x < 0;
  const { digits, exponent } = decimalDigits(Math.abs(x));
  // The value is 0.d1d2d3... * 10^exponent; keep exponent + scale digits.
  const keep = exponent + scale;
  if (keep < 0) return 0;
  if (keep >= digits.length) return x;
  let kept = digits.slice(0, keep);
  const next = digits.charCodeAt(keep) - 48;
  let n = kept === '' ? 0 : Number(kept);
  if (!truncate && next >= 5) n += 1;
  kept = String(n);
  // n * 10^(exponent - keep) without the error of a float multiply: build the literal.
  const shift = exponent - keep;
  const r = Number(`${kept}e${shift}`);
  return negative ? -r : r;
}

/** Whether a DECIMAL(precision, scale) holds `x` (Flink gives NULL for a value that overflows it). */
export function fitsDecimal(x: number, precision: number, scale: number): boolean {
  return Math.abs(x) < 10 ** (precision - scale);
}

/** `x` rounded to DECIMAL(precision, scale), or null when it overflows the precision. */
export function toDecimal(x: number, precision: number, scale: number): number | null {
  const r = roundHalfUp(x, scale);
  return fitsDecimal(r, precision, scale) ? r : null;
}

// ---------------------------------------------------------------------------------------------
// Integer arithmetic with Java's wrap-around

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Long.MAX_VALUE and Long.MIN_VALUE as the nearest numbers (2^63 and -2^63). */
export const LONG_MAX = 2 ** 63;
export const LONG_MIN = -(2 ** 63);

/** Java's (long) narrowing of an integral number beyond 2^53 (precision is already lost there). */
export function wrapLong(x: number): number {
  if (x <= MAX_SAFE && x >= -MAX_SAFE) return x;
  if (!Number.isFinite(x)) return 0;
  return Number(BigInt.asIntN(64, BigInt(Math.trunc(x))));
}

export function addLong(a: number, b: number): number {
  const r = a + b;
  if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
  return Number(BigInt.asIntN(64, BigInt(a) + BigInt(b)));
}

export function subtractLong(a: number, b: number): number {
  const r = a - b;
  if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
  return Number(BigInt.asIntN(64, BigInt(a) - BigInt(b)));
}

export function multiplyLong(a: number, b: number): number {
  const r = a * b;
  if (r <= MAX_SAFE && r >= -MAX_SAFE) return r;
  return Number(BigInt.asIntN(64, BigInt(a) * BigInt(b)));
}

export function divideLong(a: number, b: number): number {
  if (b === 0) divisionByZero('/');
  return Math.trunc(a / b) + 0;
}

export function modLong(a: number, b: number, op: string): number {
  if (b === 0) divisionByZero(op);
  return (a % b) + 0;
}

/** An integer of `kind` wrapped from an integral number, as Java's narrowing casts do. */
export function wrapInteger(kind: string, x: number): number {
  switch (kind) {
    case 'TINYINT':
      return (x << 24) >> 24;
    case 'SMALLINT':
      return (x << 16) >> 16;
    case 'INT':
      return x | 0;
    default:
      return wrapLong(x);
  }
}

/** Java's double-to-integer cast: NaN is 0, values beyond the range saturate (long) then narrow. */
export function doubleToInteger(kind: string, x: number): number {
  if (Number.isNaN(x)) return 0;
  const t = Math.trunc(x);
  if (kind === 'BIGINT') {
    if (t >= LONG_MAX) return LONG_MAX;
    if (t <= LONG_MIN) return LONG_MIN;
    return t + 0;
  }
  // (byte) and (short) of a double go through int.
  const i = t >= 2147483647 ? 2147483647 : t <= -2147483648 ? -2147483648 : t | 0;
  return wrapInteger(kind, i);
}
