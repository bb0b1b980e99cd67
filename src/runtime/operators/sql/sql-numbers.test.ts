import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WeirError } from '../../../core/errors.ts';
import {
  addLong,
  divideLong,
  doubleToInteger,
  modLong,
  multiplyLong,
  roundHalfUp,
  toDecimal,
  truncateTo,
  wrapInteger,
} from './sql-numbers.ts';

/** The exact half-up (or truncated) rounding of a decimal string, by BigInt arithmetic. */
function exact(text: string, scale: number, truncate: boolean): number {
  const negative = text.startsWith('-');
  const [whole, frac = ''] = (negative ? text.slice(1) : text).split('.');
  let n = BigInt(whole + frac.padEnd(scale, '0').slice(0, scale));
  if (!truncate && Number(frac.padEnd(scale + 1, '0')[scale]) >= 5) n += 1n;
  const r = Number(`${n}e-${scale}`);
  return negative ? -r : r;
}

/** A small deterministic generator (xorshift), so the property test is reproducible. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

describe('DECIMAL rounding on numbers', () => {
  test('half-up and truncation agree with exact decimal arithmetic', () => {
    const next = random(12345);
    for (let i = 0; i < 20_000; i++) {
      const whole = Math.floor(next() * 10 ** Math.floor(next() * 10));
      const digits = Math.floor(next() * 7);
      const frac = digits ? String(Math.floor(next() * 10 ** digits)).padStart(digits, '0') : '';
      const text = `${next() < 0.5 ? '-' : ''}${whole}${digits ? `.${frac}` : ''}`;
      const scale = Math.floor(next() * 6);
      assert.equal(roundHalfUp(Number(text), scale), exact(text, scale, false), `ROUND(${text}, ${scale})`);
      assert.equal(truncateTo(Number(text), scale), exact(text, scale, true), `TRUNCATE(${text}, ${scale})`);
    }
  });

  test('products computed in binary round to the exact decimal product (Nexmark q1)', () => {
    for (let price = 1; price < 20_000; price++) {
      const want = Number(`${908n * BigInt(price)}e-3`);
      assert.equal(roundHalfUp(0.908 * price, 3), want, `0.908 * ${price}`);
    }
  });

  test('ties round away from zero; negative scales round to tens', () => {
    assert.equal(roundHalfUp(2.5, 0), 3);
    assert.equal(roundHalfUp(-2.5, 0), -3);
    assert.equal(roundHalfUp(1.005, 2), 1.01);
    assert.equal(roundHalfUp(1250, -2), 1300);
    assert.equal(roundHalfUp(-1250, -2), -1300);
    assert.equal(toDecimal(999.995, 5, 2), null); // 1000.00 needs 6 digits
    assert.equal(toDecimal(999.994, 5, 2), 999.99);
  });
});

describe('integer arithmetic as Java', () => {
  test('narrowing wraps; doubles saturate then narrow', () => {
    assert.equal(wrapInteger('INT', 2 ** 31), -(2 ** 31));
    assert.equal(wrapInteger('SMALLINT', 40000), -25536);
    assert.equal(wrapInteger('TINYINT', 255), -1);
    assert.equal(doubleToInteger('INT', 1e20), 2147483647);
    assert.equal(doubleToInteger('INT', Number.NaN), 0);
    assert.equal(doubleToInteger('TINYINT', 300.7), 44);
    assert.equal(doubleToInteger('BIGINT', -1e30), -(2 ** 63));
  });

  test('BIGINT wraps beyond 64 bits; / and % by zero fail', () => {
    assert.equal(addLong(2 ** 62, 2 ** 62), -(2 ** 63));
    assert.equal(multiplyLong(2 ** 32, 2 ** 32), 0);
    assert.equal(divideLong(-7, 2), -3);
    assert.equal(modLong(-7, 2, 'MOD'), -1);
    assert.throws(
      () => divideLong(1, 0),
      (e: unknown) => e instanceof WeirError && /\//.test(e.message),
    );
    assert.throws(
      () => modLong(1, 0, 'MOD'),
      (e: unknown) => e instanceof WeirError && /MOD/.test(e.message),
    );
  });
});
