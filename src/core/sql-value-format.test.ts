import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDecimal, javaDoubleToString, javaFloatToString } from './sql-number-format.ts';
import { type SqlType, T } from './sql-type.ts';
import { formatPrintRow, formatSqlValue, formatTableauRow } from './sql-value-format.ts';

const TS = Date.UTC(2020, 3, 15, 8, 5, 1, 7);
const rowType: SqlType = {
  kind: 'ROW',
  fields: [
    { name: 'a', type: T.int() },
    { name: 'b', type: T.string() },
  ],
  nullable: true,
};
const arrayType: SqlType = { kind: 'ARRAY', element: T.int(), nullable: true };
const mapType: SqlType = { kind: 'MAP', key: T.string(), value: T.int(), nullable: true };
const ltz: SqlType = { kind: 'TIMESTAMP_LTZ', precision: 3, nullable: true };

describe('Java number printing', () => {
  test('Double.toString: plain from 10^-3 to 10^7, scientific outside, always a fraction digit', () => {
    const cases: [number, string][] = [
      [0, '0.0'],
      [-0, '-0.0'],
      [1, '1.0'],
      [-1.5, '-1.5'],
      [100, '100.0'],
      [0.001, '0.001'],
      [0.0001, '1.0E-4'],
      [1234567, '1234567.0'],
      [1e7, '1.0E7'],
      [12345678.9, '1.23456789E7'],
      [0.1 + 0.2, '0.30000000000000004'],
      [1e21, '1.0E21'],
      [1.5e-10, '1.5E-10'],
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      [Number.NEGATIVE_INFINITY, '-Infinity'],
    ];
    for (const [x, s] of cases) assert.equal(javaDoubleToString(x), s, String(x));
  });

  test('Float.toString prints the shortest digits of the float', () => {
    assert.equal(javaFloatToString(Math.fround(0.1)), '0.1');
    assert.equal(javaFloatToString(Math.fround(Math.PI)), '3.1415927');
    assert.equal(javaFloatToString(Math.fround(1e10)), '1.0E10');
  });

  test('DECIMAL prints exactly its scale digits', () => {
    assert.equal(formatDecimal(1.5, 2), '1.50');
    assert.equal(formatDecimal(907.092, 3), '907.092');
    assert.equal(formatDecimal(-0.5, 0), '-1');
    assert.equal(formatDecimal(12, 0), '12');
    assert.equal(formatDecimal(-0.001, 2), '0.00');
  });
});

describe('tableau format', () => {
  test('scalars as CAST to STRING prints them, NULL as <NULL>', () => {
    assert.equal(formatSqlValue(TS, T.timestamp(3)), '2020-04-15 08:05:01.007');
    assert.equal(formatSqlValue(TS - 7, T.timestamp(0)), '2020-04-15 08:05:01');
    assert.equal(formatSqlValue(TS, T.timestamp(6)), '2020-04-15 08:05:01.007000');
    assert.equal(formatSqlValue(TS, ltz), '2020-04-15 08:05:01.007');
    assert.equal(formatSqlValue(18367, { kind: 'DATE', nullable: true }), '2020-04-15');
    assert.equal(formatSqlValue(-1, { kind: 'DATE', nullable: true }), '1969-12-31');
    assert.equal(formatSqlValue(3_723_000, { kind: 'TIME', precision: 0, nullable: true }), '01:02:03');
    assert.equal(formatSqlValue(1.5, T.decimal(10, 2)), '1.50');
    assert.equal(formatSqlValue(2, T.double()), '2.0');
    assert.equal(formatSqlValue(true, T.boolean()), 'TRUE');
    assert.equal(formatSqlValue(false, T.boolean()), 'FALSE');
    assert.equal(formatSqlValue(42, T.bigint()), '42');
    assert.equal(formatSqlValue('x', T.string()), 'x');
    assert.equal(formatSqlValue(null, T.int()), '<NULL>');
  });

  test('ROW as (a, b), ARRAY as [1, 2], MAP as {k=v}, NULL inside as NULL', () => {
    assert.equal(formatSqlValue([1, 'a'], rowType), '(1, a)');
    assert.equal(formatSqlValue([1, null], rowType), '(1, NULL)');
    assert.equal(formatSqlValue([1, 2], arrayType), '[1, 2]');
    assert.equal(formatSqlValue(new Map([['k', 1]]), mapType), '{k=1}');
    assert.deepEqual(formatTableauRow([1, null, true], [T.int(), T.string(), T.boolean()]), [
      '1',
      '<NULL>',
      'TRUE',
    ]);
  });
});

describe('print format', () => {
  test('rows as +I[...] with Java toString values: null, true, LocalDateTime, Instant', () => {
    const types: SqlType[] = [
      T.int(),
      T.string(),
      T.boolean(),
      T.timestamp(3),
      ltz,
      T.decimal(5, 2),
      T.double(),
    ];
    assert.equal(
      formatPrintRow({ kind: '+I', values: [1, null, true, TS, TS, 1.5, 3] }, types),
      '+I[1, null, true, 2020-04-15T08:05:01.007, 2020-04-15T08:05:01.007Z, 1.50, 3.0]',
    );
    assert.equal(formatSqlValue(Date.UTC(2020, 3, 15, 8, 5), T.timestamp(3), 'print'), '2020-04-15T08:05');
    assert.equal(formatSqlValue(Date.UTC(2020, 3, 15, 8, 5), ltz, 'print'), '2020-04-15T08:05:00Z');
    assert.equal(
      formatSqlValue(Date.UTC(2020, 3, 15, 8, 5, 1), T.timestamp(3), 'print'),
      '2020-04-15T08:05:01',
    );
  });

  test('nested rows print as +I[...], arrays as [..], maps as {k=v}', () => {
    assert.equal(formatSqlValue([1, 'a'], rowType, 'print'), '+I[1, a]');
    assert.equal(formatSqlValue([1, null], arrayType, 'print'), '[1, null]');
    assert.equal(formatSqlValue(new Map([['k', null]]), mapType, 'print'), '{k=null}');
    assert.equal(formatPrintRow({ kind: '-U', values: [[2, 'b']] }, [rowType]), '-U[+I[2, b]]');
  });
});

describe('print format: Java toString of each type', () => {
  test('DATE as LocalDate, TIME as LocalTime, DECIMAL as BigDecimal, NULL as null', () => {
    const date: SqlType = { kind: 'DATE', nullable: true };
    const time: SqlType = { kind: 'TIME', precision: 3, nullable: true };
    assert.equal(formatSqlValue(19723, date, 'print'), '2024-01-01');
    assert.equal(formatSqlValue(36_000_000, time, 'print'), '10:00');
    assert.equal(formatSqlValue(36_001_250, time, 'print'), '10:00:01.250');
    assert.equal(formatSqlValue(3.1, T.decimal(5, 3), 'print'), '3.100');
    assert.equal(formatSqlValue(1e-7, T.decimal(10, 7), 'print'), '1E-7');
    assert.equal(formatSqlValue(1.2e-7, T.decimal(10, 8), 'print'), '1.2E-7');
    assert.equal(formatSqlValue(1.2e-7, T.decimal(10, 9), 'print'), '1.20E-7');
    assert.equal(formatSqlValue(0.000001, T.decimal(10, 7), 'print'), '0.0000010');
    assert.equal(formatSqlValue(null, date, 'print'), 'null');
    assert.equal(formatSqlValue(Math.fround(0.1), { kind: 'FLOAT', nullable: true }, 'print'), '0.1');
  });

  test('intervals as Duration and Period, multisets as element=count, bytes as signed bytes', () => {
    const dayTime: SqlType = { kind: 'INTERVAL_DAY_TIME', nullable: true };
    const yearMonth: SqlType = { kind: 'INTERVAL_YEAR_MONTH', nullable: true };
    assert.equal(formatSqlValue(93_784_005, dayTime, 'print'), 'PT26H3M4.005S');
    assert.equal(formatSqlValue(0, dayTime, 'print'), 'PT0S');
    assert.equal(formatSqlValue(14, yearMonth, 'print'), 'P1Y2M');
    assert.equal(
      formatSqlValue(['a', 'b', 'a'], { kind: 'MULTISET', element: T.string(), nullable: true }, 'print'),
      '{a=2, b=1}',
    );
    assert.equal(
      formatSqlValue(new Uint8Array([1, 255]), { kind: 'VARBINARY', length: 9, nullable: true }, 'print'),
      '[1, -1]',
    );
  });
});
