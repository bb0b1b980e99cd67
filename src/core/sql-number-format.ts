/**
 * How SQL numbers print, as Flink prints them: DOUBLE and FLOAT as Java's Double.toString and
 * Float.toString (`1.0E7`, `0.1`), DECIMAL with exactly its scale's digits (BigDecimal.toPlainString).
 *
 * @example
 * javaDoubleToString(1e7); // '1.0E7'
 * formatDecimal(2.5, 3); // '2.500'
 */

/** The shortest decimal digits of a positive finite number and its exponent: x = 0.digits * 10^exponent. */
export function decimalDigits(x: number): { digits: string; exponent: number } {
  const s = x.toExponential(); // shortest round-trip digits: "9.07092e+2"
  const e = s.indexOf('e');
  const mantissa = s.slice(0, e).replace('.', '');
  const exp = Number(s.slice(e + 1));
  return { digits: mantissa, exponent: exp + 1 };
}

/** Java's Double.toString: plain between 10^-3 and 10^7, else `d.dddE±n`; always a fraction digit. */
export function javaDoubleToString(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  return javaFloating(x, decimalDigits(Math.abs(x)));
}

/** Java's Float.toString of a FLOAT value (a number that is a float32). */
export function javaFloatToString(x: number): string {
  if (!Number.isFinite(x) || x === 0) return javaDoubleToString(x);
  const a = Math.abs(x);
  const f = Math.fround(a);
  // The shortest digits that read back as the same float.
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return javaFloating(x, decimalDigits(Number(s)));
  }
  return javaFloating(x, decimalDigits(a));
}

function javaFloating(x: number, d: { digits: string; exponent: number }): string {
  const sign = x < 0 ? '-' : '';
  const a = Math.abs(x);
  const digits = d.digits.replace(/0+$/, '') || '0';
  if (a >= 1e-3 && a < 1e7) {
    if (d.exponent <= 0) return `${sign}0.${'0'.repeat(-d.exponent)}${digits}`;
    if (digits.length <= d.exponent) return `${sign}${digits.padEnd(d.exponent, '0')}.0`;
    return `${sign}${digits.slice(0, d.exponent)}.${digits.slice(d.exponent)}`;
  }
  const frac = digits.length > 1 ? digits.slice(1) : '0';
  return `${sign}${digits[0]}.${frac}E${d.exponent - 1}`;
}

/** A DECIMAL value with exactly `scale` fraction digits (BigDecimal.toPlainString). */
export function formatDecimal(x: number, scale: number): string {
  if (Math.abs(x) < 1e21) {
    const s = x.toFixed(scale);
    return s.startsWith('-') && Number(s) === 0 ? s.slice(1) : s;
  }
  // Beyond toFixed's range: the integer digits, then zeros.
  const big = BigInt(Math.trunc(x)).toString();
  return scale > 0 ? `${big}.${'0'.repeat(scale)}` : big;
}
