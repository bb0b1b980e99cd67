import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatType } from '../../../sql/types.ts';
import { bindSelect, evalSql } from './test-support.ts';

/** The type of a SELECT expression over `t`, as Flink writes it. */
function typeOf(expr: string): string {
  return formatType(bindSelect(expr).types[0]);
}

describe('ROUND and TRUNCATE result types (Flink: LogicalTypeMerging.findRoundDecimalType)', () => {
  test('DECIMAL(p, s) rounded to d digits: DECIMAL(p - s + d + 1, d); d >= s keeps it; d < 0 gives scale 0', () => {
    // m is DECIMAL(10, 2), p is DECIMAL(22, 3).
    assert.equal(typeOf('ROUND(m, 1)'), 'DECIMAL(10, 1)');
    assert.equal(typeOf('ROUND(m)'), 'DECIMAL(9, 0)');
    assert.equal(typeOf('ROUND(m, 2)'), 'DECIMAL(10, 2)');
    assert.equal(typeOf('ROUND(m, 5)'), 'DECIMAL(10, 2)');
    assert.equal(typeOf('ROUND(m, -1)'), 'DECIMAL(9, 0)');
    assert.equal(typeOf('ROUND(p, 2)'), 'DECIMAL(22, 2)');
    assert.equal(typeOf('TRUNCATE(m, 1)'), 'DECIMAL(10, 1)');
    assert.equal(typeOf('ROUND(1.2345, 2)'), 'DECIMAL(4, 2) NOT NULL');
    assert.equal(typeOf('ROUND(-1.5)'), 'DECIMAL(2, 0) NOT NULL');
    // A number of digits that is not a literal keeps the input's type.
    assert.equal(typeOf('ROUND(m, i)'), 'DECIMAL(10, 2)');
  });

  test('integers, DOUBLE and FLOAT keep their types', () => {
    assert.equal(typeOf('ROUND(i, 1)'), 'INT');
    assert.equal(typeOf('ROUND(b, -1)'), 'BIGINT');
    assert.equal(typeOf('ROUND(ti)'), 'TINYINT');
    assert.equal(typeOf('ROUND(d, 1)'), 'DOUBLE');
    assert.equal(typeOf('TRUNCATE(f, 1)'), 'FLOAT');
    assert.equal(typeOf('TRUNCATE(i, -1)'), 'INT');
  });

  test('values: rounded half-up to the digits, the result at its scale', () => {
    assert.equal(evalSql('ROUND(m, 1)', { m: 12.35 }), 12.4);
    assert.equal(evalSql('ROUND(m, -1)', { m: 15 }), 20);
    assert.equal(evalSql('TRUNCATE(m, 1)', { m: -12.39 }), -12.3);
    assert.equal(evalSql('ROUND(i, -1)', { i: 15 }), 20);
  });
});

describe('CHAR(n): padded with spaces, compared as Flink casts both sides to the longer CHAR', () => {
  test('CAST to CHAR(n) pads and cuts; CHAR_LENGTH counts the padding', () => {
    assert.equal(evalSql("CAST('ab' AS CHAR(4))"), 'ab  ');
    assert.equal(evalSql("CAST('abcdef' AS CHAR(4))"), 'abcd');
    assert.equal(evalSql("CHAR_LENGTH(CAST('ab' AS CHAR(4)))"), 4);
    assert.equal(typeOf("CAST('ab' AS CHAR(4))"), 'CHAR(4) NOT NULL');
  });

  test('CHAR(4) = CHAR(2) pads the shorter side; CHAR against STRING compares the strings as they are', () => {
    assert.equal(evalSql("CAST('ab' AS CHAR(4)) = 'ab'"), true);
    assert.equal(evalSql("'ab' = CAST('ab' AS CHAR(4))"), true);
    assert.equal(evalSql("CAST('ab' AS CHAR(4)) <> 'ab'"), false);
    assert.equal(evalSql("CAST('ab' AS CHAR(4)) > 'ab'"), false);
    assert.equal(evalSql("CAST('ab' AS CHAR(4)) = s", { s: 'ab' }), false);
    assert.equal(evalSql("CAST('ab' AS CHAR(4)) = s", { s: 'ab  ' }), true);
  });
});

describe('string functions count characters as code points (an emoji is one character)', () => {
  const s = '😀ab😀c'; // 5 characters, 7 UTF-16 units
  test('CHAR_LENGTH, SUBSTRING, POSITION, LOCATE, INSTR', () => {
    assert.equal(evalSql('CHAR_LENGTH(s)', { s }), 5);
    assert.equal(evalSql('CHARACTER_LENGTH(s)', { s }), 5);
    assert.equal(evalSql('SUBSTRING(s, 2, 2)', { s }), 'ab');
    assert.equal(evalSql('SUBSTRING(s FROM 4)', { s }), '😀c');
    assert.equal(evalSql('SUBSTRING(s, -2)', { s }), '😀c');
    assert.equal(evalSql("POSITION('c' IN s)", { s }), 5);
    assert.equal(evalSql("LOCATE('😀', s, 2)", { s }), 4);
    assert.equal(evalSql("INSTR(s, 'b')", { s }), 3);
  });

  test('LEFT, RIGHT, LPAD, RPAD, OVERLAY, REVERSE', () => {
    assert.equal(evalSql('LEFT(s, 2)', { s }), '😀a');
    assert.equal(evalSql('RIGHT(s, 2)', { s }), '😀c');
    assert.equal(evalSql("LPAD(s, 7, 'x')", { s }), 'xx😀ab😀c');
    assert.equal(evalSql("RPAD(s, 3, 'x')", { s }), '😀ab');
    assert.equal(evalSql("LPAD('ab', 4, '😀')"), '😀😀ab');
    assert.equal(evalSql("OVERLAY(s PLACING 'Z' FROM 2 FOR 1)", { s }), '😀Zb😀c');
    assert.equal(evalSql("OVERLAY(s PLACING '😀' FROM 2)", { s }), '😀😀b😀c');
    assert.equal(evalSql('REVERSE(s)', { s }), 'c😀ba😀');
  });

  test('strings without surrogates behave as before', () => {
    assert.equal(evalSql('CHAR_LENGTH(s)', { s: 'hello' }), 5);
    assert.equal(evalSql('SUBSTRING(s, 2, 3)', { s: 'hello' }), 'ell');
    assert.equal(evalSql("LOCATE('l', s, 4)", { s: 'hello' }), 4);
  });
});
