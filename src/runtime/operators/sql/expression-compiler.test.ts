import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WeirError } from '../../../core/errors.ts';
import { call, inputRef, literal } from '../../../sql/plan/rex.ts';
import { T } from '../../../sql/types.ts';
import { compilePredicate, compileProjection, compileScalar } from './expression-compiler.ts';
import { bindSelect, evalSql, fixedClock, project, row } from './test-support.ts';

const TS = Date.UTC(2020, 3, 15, 8, 5, 1, 7); // 2020-04-15 08:05:01.007

function throwsWeir(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof WeirError && message.test(e.message));
}

describe('three-valued logic', () => {
  const values = [true, false, null];
  // Flink's (SQL's) truth tables.
  const and = (a: boolean | null, b: boolean | null) =>
    a === false || b === false ? false : a === null || b === null ? null : true;
  const or = (a: boolean | null, b: boolean | null) =>
    a === true || b === true ? true : a === null || b === null ? null : false;

  test('AND, OR and NOT over TRUE, FALSE and UNKNOWN', () => {
    const { exprs } = bindSelect('flag AND (s = s2), flag OR (s = s2), NOT flag');
    const f = compileProjection(exprs, null, fixedClock);
    for (const a of values) {
      for (const b of values) {
        // s = s2 is TRUE, FALSE or NULL by its operands.
        const fields = b === null ? { flag: a, s: null, s2: 'x' } : { flag: a, s: 'x', s2: b ? 'x' : 'y' };
        const out = f(row(fields))!;
        assert.equal(out[0], and(a, b), `${a} AND ${b}`);
        assert.equal(out[1], or(a, b), `${a} OR ${b}`);
        assert.equal(out[2], a === null ? null : !a, `NOT ${a}`);
      }
    }
  });

  test('IS [NOT] TRUE / FALSE / UNKNOWN / NULL never give NULL', () => {
    const sql =
      'flag IS TRUE, flag IS NOT TRUE, flag IS FALSE, flag IS NOT FALSE, flag IS UNKNOWN, flag IS NOT UNKNOWN, flag IS NULL, flag IS NOT NULL';
    const f = compileProjection(bindSelect(sql).exprs, null, fixedClock);
    assert.deepEqual(f(row({ flag: true })), [true, false, false, true, false, true, false, true]);
    assert.deepEqual(f(row({ flag: false })), [false, true, true, false, false, true, false, true]);
    assert.deepEqual(f(row({ flag: null })), [false, true, false, true, true, false, true, false]);
  });

  test('IS DISTINCT FROM treats NULL as a value', () => {
    const f = compileProjection(
      bindSelect('i IS DISTINCT FROM j, i IS NOT DISTINCT FROM j').exprs,
      null,
      fixedClock,
    );
    assert.deepEqual(f(row({ i: 1, j: 1 })), [false, true]);
    assert.deepEqual(f(row({ i: 1, j: 2 })), [true, false]);
    assert.deepEqual(f(row({ i: null, j: 2 })), [true, false]);
    assert.deepEqual(f(row({ i: null, j: null })), [false, true]);
  });

  test('AND does not evaluate its right side once the left is FALSE', () => {
    // 1 / i fails for i = 0, but FALSE AND ... is FALSE without it.
    assert.equal(evalSql('i <> 0 AND 10 / i > 1', { i: 0 }), false);
    assert.equal(evalSql('i = 0 OR 10 / i > 1', { i: 0 }), true);
  });
});

describe('NULL propagation', () => {
  test('operators and functions of a NULL are NULL', () => {
    for (const e of [
      'i + 1',
      'i * j',
      '-i',
      's || s2',
      'UPPER(s)',
      'i = j',
      'i < 3',
      'CAST(s AS INT)',
      'ABS(d)',
      'CHAR_LENGTH(s)',
    ]) {
      assert.equal(evalSql(e, { i: null, j: 1, s: null, s2: 'x', d: null }), null, e);
    }
  });

  test('a NULL literal makes a strict operator NULL', () => {
    assert.equal(evalSql('i + NULL', { i: 1 }), null);
    assert.equal(evalSql('s || CAST(NULL AS STRING)', { s: 'a' }), null);
  });

  test('a NULL ROW gives NULL fields', () => {
    assert.equal(evalSql('r.x', { r: null }), null);
    assert.equal(evalSql('r.x + 1', { r: [41, 'a'] }), 42);
  });
});

describe('comparisons', () => {
  test('numbers, strings, booleans and timestamps', () => {
    assert.equal(evalSql('i < d', { i: 1, d: 1.5 }), true);
    assert.equal(evalSql('m = 1.50', { m: 1.5 }), true);
    assert.equal(evalSql("s > 'abc'", { s: 'abd' }), true);
    assert.equal(evalSql("s <> 'abc'", { s: 'abc' }), false);
    assert.equal(evalSql('flag > FALSE', { flag: true }), true);
    assert.equal(evalSql("ts >= TIMESTAMP '2020-04-15 08:05:01.007'", { ts: TS }), true);
    assert.equal(evalSql("ts < TIMESTAMP '2020-04-15 08:05:01.007'", { ts: TS }), false);
    assert.equal(evalSql('i BETWEEN 1 AND 3', { i: 3 }), true);
    assert.equal(evalSql('i NOT BETWEEN 1 AND 3', { i: 4 }), true);
  });

  test('= on ROW and ARRAY values compares their contents', () => {
    assert.equal(evalSql('arr = ARRAY[1, 2]', { arr: [1, 2] }), true);
    assert.equal(evalSql('arr = ARRAY[1, 3]', { arr: [1, 2] }), false);
    assert.equal(evalSql("r = ROW(1, 'a')", { r: [1, 'a'] }), true);
    assert.equal(evalSql("r <> ROW(1, 'b')", { r: [1, 'a'] }), true);
  });
});

describe('arithmetic', () => {
  test('INT wraps to 32 bits as Java does', () => {
    assert.equal(evalSql('i + j', { i: 2147483647, j: 1 }), -2147483648);
    assert.equal(evalSql('i * j', { i: 65536, j: 65536 }), 0);
    assert.equal(evalSql('i - j', { i: -2147483648, j: 1 }), 2147483647);
    assert.equal(evalSql('-i', { i: -2147483648 }), -2147483648);
    assert.equal(evalSql('ti + ti', { ti: 100 }), -56);
    assert.equal(evalSql('si * si', { si: 300 }), 24464);
  });

  test('BIGINT wraps to 64 bits', () => {
    assert.equal(evalSql('b + 1', { b: 9007199254740991 }), 9007199254740992);
    assert.equal(evalSql('b * b', { b: 4294967296 }), 0);
  });

  test('integer division truncates toward zero; MOD and % keep the sign of the dividend', () => {
    assert.equal(evalSql('i / j', { i: 7, j: 2 }), 3);
    assert.equal(evalSql('i / j', { i: -7, j: 2 }), -3);
    assert.equal(evalSql('b / 2', { b: -7 }), -3);
    assert.equal(evalSql('i % j', { i: -7, j: 3 }), -1);
    assert.equal(evalSql('MOD(i, j)', { i: 7, j: -3 }), 1);
    assert.equal(evalSql('7 / 2.0'), 3.5);
  });

  test('integer division and MOD by zero fail with an error naming the operation', () => {
    throwsWeir(() => evalSql('i / j', { i: 1, j: 0 }), /division by zero in \//);
    throwsWeir(() => evalSql('i % j', { i: 1, j: 0 }), /division by zero in %/);
    throwsWeir(() => evalSql('MOD(b, j)', { b: 1, j: 0 }), /division by zero in MOD/);
    throwsWeir(() => evalSql('m / 0', { m: 1 }), /division by zero/);
  });

  test('DOUBLE division by zero is Infinity or NaN, as Java', () => {
    assert.equal(evalSql('d / 0', { d: 1 }), Number.POSITIVE_INFINITY);
    assert.ok(Number.isNaN(evalSql('d / 0', { d: 0 }) as number));
  });

  test('DECIMAL results round half-up to their scale', () => {
    // Nexmark q1: 0.908 * a BIGINT price is a DECIMAL with scale 3; 0.908 * 999 is exactly 907.092
    // (not the binary 907.0920000000001).
    assert.equal((bindSelect('0.908 * b').types[0] as { scale: number }).scale, 3);
    assert.equal(evalSql('0.908 * b', { b: 999 }), 907.092);
    assert.equal(evalSql('0.908 * p', { p: 999 }), 907.092);
    assert.equal(evalSql('m * 1.5', { m: 1.15 }), 1.725); // DECIMAL(15, 3)
    assert.equal(evalSql('m + 0.005', { m: 1 }), 1.005);
    assert.equal(evalSql('CAST(m * 0.5 AS DECIMAL(10, 2))', { m: 0.01 }), 0.01); // 0.005 -> 0.01
    assert.equal(evalSql('CAST(m * 0.5 AS DECIMAL(10, 2))', { m: -0.01 }), -0.01); // half away from zero
    // DECIMAL(10, 2) / INT is DECIMAL(21, 13) by Flink's division rule.
    assert.equal(evalSql('m / 3', { m: 1 }), 0.3333333333333);
    assert.equal(evalSql('CAST(m / 3 AS DECIMAL(10, 6))', { m: 2 }), 0.666667);
    assert.equal(evalSql('CAST(1.005 AS DECIMAL(4, 2))'), 1.01);
  });

  test('a DECIMAL that overflows its precision is NULL', () => {
    assert.equal(evalSql('CAST(m AS DECIMAL(3, 2))', { m: 12.5 }), null);
    assert.equal(evalSql('CAST(m AS DECIMAL(4, 2))', { m: 12.5 }), 12.5);
  });

  test('FLOAT arithmetic rounds to single precision', () => {
    assert.equal(evalSql('f + f', { f: Math.fround(0.1) }), Math.fround(Math.fround(0.1) * 2));
  });
});

describe('CASE, IN, COALESCE, NULLIF, IF', () => {
  test('CASE picks the first TRUE condition; NULL conditions do not match', () => {
    const sql = "CASE WHEN i > 10 THEN 'big' WHEN i > 0 THEN 'small' ELSE 'none' END";
    assert.equal(evalSql(sql, { i: 11 }), 'big');
    assert.equal(evalSql(sql, { i: 5 }), 'small');
    assert.equal(evalSql(sql, { i: null }), 'none');
    assert.equal(evalSql('CASE WHEN i > 0 THEN 1 END', { i: -1 }), null);
    assert.equal(evalSql("CASE i WHEN 1 THEN 'one' WHEN 2 THEN 'two' END", { i: 2 }), 'two');
  });

  test('IN is TRUE on a match, NULL when the value or a non-matching item is NULL', () => {
    assert.equal(evalSql('i IN (1, 2, 3)', { i: 2 }), true);
    assert.equal(evalSql('i IN (1, 2, 3)', { i: 4 }), false);
    assert.equal(evalSql('i IN (1, 2, 3)', { i: null }), null);
    assert.equal(evalSql('i IN (1, j)', { i: 2, j: null }), null);
    assert.equal(evalSql('i IN (1, j)', { i: 1, j: null }), true);
    assert.equal(evalSql('i NOT IN (1, 2)', { i: 3 }), true);
    assert.equal(evalSql("s IN ('a', 'b')", { s: 'b' }), true);
  });

  test('COALESCE, NULLIF and IF', () => {
    assert.equal(evalSql('COALESCE(i, j, 7)', { i: null, j: null }), 7);
    assert.equal(evalSql('COALESCE(i, j, 7)', { i: null, j: 3 }), 3);
    assert.equal(evalSql('NULLIF(i, j)', { i: 1, j: 1 }), null);
    assert.equal(evalSql('NULLIF(i, j)', { i: 1, j: 2 }), 1);
    assert.equal(evalSql("IF(i > 0, 'pos', 'neg')", { i: 1 }), 'pos');
    assert.equal(evalSql("IF(i > 0, 'pos', 'neg')", { i: null }), 'neg');
  });
});

describe('LIKE and SIMILAR TO', () => {
  test('% and _ match any run and any one character, over the whole string', () => {
    assert.equal(evalSql("s LIKE 'a%'", { s: 'abc' }), true);
    assert.equal(evalSql("s LIKE '%c'", { s: 'abc' }), true);
    assert.equal(evalSql("s LIKE '%b%'", { s: 'abc' }), true);
    assert.equal(evalSql("s LIKE 'a_c'", { s: 'abc' }), true);
    assert.equal(evalSql("s LIKE 'a_c'", { s: 'abbc' }), false);
    assert.equal(evalSql("s LIKE 'b'", { s: 'abc' }), false);
    assert.equal(evalSql("s LIKE 'a.c'", { s: 'abc' }), false);
    assert.equal(evalSql("s LIKE '%'", { s: '' }), true);
    assert.equal(evalSql("s LIKE 'a%'", { s: 'a\nb' }), true);
    assert.equal(evalSql("s NOT LIKE 'a%'", { s: 'abc' }), false);
    assert.equal(evalSql("s LIKE 'a%'", { s: null }), null);
  });

  test('ESCAPE makes %, _ and itself literal', () => {
    assert.equal(evalSql("s LIKE '10!%' ESCAPE '!'", { s: '10%' }), true);
    assert.equal(evalSql("s LIKE '10!%' ESCAPE '!'", { s: '100' }), false);
    assert.equal(evalSql("s LIKE 'a!_b' ESCAPE '!'", { s: 'a_b' }), true);
    assert.equal(evalSql("s LIKE 'a!_b' ESCAPE '!'", { s: 'axb' }), false);
    assert.equal(evalSql("s LIKE 'a!!b' ESCAPE '!'", { s: 'a!b' }), true);
    throwsWeir(() => evalSql("s LIKE 'a!b' ESCAPE '!'", { s: 'a!b' }), /invalid escape/);
  });

  test('a pattern computed per record', () => {
    assert.equal(evalSql('s LIKE s2', { s: 'hello', s2: 'h%o' }), true);
    assert.equal(evalSql('s LIKE s2', { s: 'hello', s2: 'h%x' }), false);
  });

  test('SIMILAR TO matches a SQL regular expression', () => {
    assert.equal(evalSql("s SIMILAR TO '(ab|cd)%'", { s: 'cdx' }), true);
    assert.equal(evalSql("s SIMILAR TO '[a-c]+'", { s: 'abcab' }), true);
    assert.equal(evalSql("s SIMILAR TO 'a.c'", { s: 'abc' }), false);
    assert.equal(evalSql("s SIMILAR TO 'a_c'", { s: 'abc' }), true);
  });
});

describe('CAST and TRY_CAST', () => {
  test('to STRING as Flink prints values', () => {
    assert.equal(evalSql('CAST(ts AS STRING)', { ts: TS }), '2020-04-15 08:05:01.007');
    assert.equal(evalSql('CAST(dt AS STRING)', { dt: 18367 }), '2020-04-15');
    assert.equal(evalSql('CAST(d AS STRING)', { d: 1.5 }), '1.5');
    assert.equal(evalSql('CAST(d AS STRING)', { d: 100 }), '100.0');
    assert.equal(evalSql('CAST(d AS STRING)', { d: 1e7 }), '1.0E7');
    assert.equal(evalSql('CAST(d AS STRING)', { d: 0.0001 }), '1.0E-4');
    assert.equal(evalSql('CAST(f AS STRING)', { f: Math.fround(0.1) }), '0.1');
    assert.equal(evalSql('CAST(m AS STRING)', { m: 1.5 }), '1.50');
    assert.equal(evalSql('CAST(flag AS STRING)', { flag: true }), 'TRUE');
    assert.equal(evalSql('CAST(i AS STRING)', { i: -3 }), '-3');
    assert.equal(evalSql('CAST(tm AS STRING)', { tm: 3_723_000 }), '01:02:03');
    assert.equal(evalSql('CAST(r AS STRING)', { r: [1, 'a'] }), '(1, a)');
    assert.equal(evalSql('CAST(arr AS STRING)', { arr: [1, null] }), '[1, NULL]');
  });

  test('CHAR(n) pads and VARCHAR(n) cuts', () => {
    assert.equal(evalSql('CAST(s AS CHAR(5))', { s: 'ab' }), 'ab   ');
    assert.equal(evalSql('CAST(s AS VARCHAR(2))', { s: 'abcd' }), 'ab');
  });

  test('from STRING, and back (round trips)', () => {
    assert.equal(evalSql("CAST(' 42 ' AS INT)"), 42);
    assert.equal(evalSql("CAST('1.9' AS INT)"), 1);
    assert.equal(evalSql("CAST('-2.5e1' AS DOUBLE)"), -25);
    assert.equal(evalSql("CAST('1.235' AS DECIMAL(5, 2))"), 1.24);
    assert.equal(evalSql("CAST('true' AS BOOLEAN)"), true);
    assert.equal(evalSql("CAST('no' AS BOOLEAN)"), false);
    assert.equal(evalSql("CAST('2020-04-15 08:05:01.007' AS TIMESTAMP(3))"), TS);
    assert.equal(evalSql("CAST('2020-04-15T08:05:01.007' AS TIMESTAMP(3))"), TS);
    assert.equal(evalSql("CAST('2020-04-15' AS DATE)"), 18367);
    assert.equal(evalSql("CAST('01:02:03' AS TIME)"), 3_723_000);
    for (const [e, fields] of [
      ['CAST(CAST(ts AS STRING) AS TIMESTAMP(3))', { ts: TS }],
      ['CAST(CAST(dt AS STRING) AS DATE)', { dt: -1 }],
      ['CAST(CAST(d AS STRING) AS DOUBLE)', { d: 0.1 + 0.2 }],
      ['CAST(CAST(m AS STRING) AS DECIMAL(10, 2))', { m: -12.34 }],
      ['CAST(CAST(b AS STRING) AS BIGINT)', { b: -9007199254740991 }],
      ['CAST(CAST(flag AS STRING) AS BOOLEAN)', { flag: false }],
    ] as const) {
      const v = Object.values(fields)[0];
      assert.equal(evalSql(e, fields), v, e);
    }
  });

  test('between numbers, booleans and timestamps', () => {
    assert.equal(evalSql('CAST(d AS INT)', { d: -2.7 }), -2);
    assert.equal(evalSql('CAST(d AS INT)', { d: 1e10 }), 2147483647);
    assert.equal(evalSql('CAST(b AS INT)', { b: 4294967297 }), 1);
    assert.equal(evalSql('CAST(i AS TINYINT)', { i: 200 }), -56);
    assert.equal(evalSql('CAST(d AS DECIMAL(5, 1))', { d: 2.25 }), 2.3);
    assert.equal(evalSql('CAST(i AS BOOLEAN)', { i: 2 }), true);
    assert.equal(evalSql('CAST(flag AS INT)', { flag: true }), 1);
    assert.equal(evalSql('CAST(ts AS DATE)', { ts: TS }), 18367);
    assert.equal(evalSql('CAST(dt AS TIMESTAMP(3))', { dt: 1 }), 86_400_000);
    assert.equal(evalSql('CAST(ts AS TIME)', { ts: TS }), 29_101_007);
    assert.equal(evalSql('CAST(ts AS TIMESTAMP(0))', { ts: TS }), TS - 7);
  });

  test('a CAST that cannot convert fails; TRY_CAST gives NULL', () => {
    throwsWeir(() => evalSql('CAST(s AS INT)', { s: 'abc' }), /cannot cast 'abc' of type STRING to INT/);
    throwsWeir(() => evalSql('CAST(s AS INT)', { s: '99999999999' }), /out of range/);
    throwsWeir(() => evalSql('CAST(s AS TIMESTAMP(3))', { s: '2020-13-01' }), /cannot cast/);
    throwsWeir(() => evalSql('CAST(s AS BOOLEAN)', { s: 'maybe' }), /cannot cast/);
    assert.equal(evalSql('TRY_CAST(s AS INT)', { s: 'abc' }), null);
    assert.equal(evalSql('TRY_CAST(s AS INT)', { s: '12' }), 12);
    assert.equal(evalSql('TRY_CAST(s AS DATE)', { s: 'x' }), null);
  });
});

describe('time arithmetic', () => {
  test('timestamp plus and minus day-time and year-month intervals', () => {
    assert.equal(evalSql("ts + INTERVAL '1' SECOND", { ts: TS }), TS + 1000);
    assert.equal(evalSql("ts - INTERVAL '2' HOUR", { ts: TS }), TS - 7_200_000);
    assert.equal(evalSql("INTERVAL '1' DAY + ts", { ts: TS }), TS + 86_400_000);
    assert.equal(
      evalSql("ts + INTERVAL '1' MONTH", { ts: Date.UTC(2020, 0, 31, 10) }),
      Date.UTC(2020, 1, 29, 10),
    );
    assert.equal(evalSql("ts - INTERVAL '1' YEAR", { ts: Date.UTC(2020, 1, 29) }), Date.UTC(2019, 1, 28));
    assert.equal(evalSql("dt + INTERVAL '2' DAY", { dt: 10 }), 12);
    assert.equal(evalSql("dt + INTERVAL '1' MONTH", { dt: 0 }), 31);
  });
});

describe('ITEM and constructors', () => {
  test('arrays are 1-based; out of range and missing keys are NULL', () => {
    assert.equal(evalSql('arr[1]', { arr: [10, 20] }), 10);
    assert.equal(evalSql('arr[3]', { arr: [10, 20] }), null);
    assert.equal(evalSql('arr[0]', { arr: [10, 20] }), null);
    assert.equal(evalSql("mp['a']", { mp: new Map([['a', 1]]) }), 1);
    assert.equal(evalSql("mp['b']", { mp: new Map([['a', 1]]) }), null);
  });

  test('ROW, ARRAY and MAP constructors', () => {
    assert.deepEqual(evalSql("ROW(i, 'x')", { i: 1 }), [1, 'x']);
    assert.deepEqual(evalSql('ARRAY[i, i + 1]', { i: 1 }), [1, 2]);
    assert.deepEqual(evalSql("MAP['a', i]", { i: 1 }), new Map([['a', 1]]));
    assert.equal(evalSql('ARRAY[i, 5][2]', { i: 1 }), 5);
  });
});

describe('compiled projections', () => {
  test('the filter drops FALSE and NULL conditions; the projection computes each column', () => {
    const f = (fields: Record<string, unknown>) => project('i + 1, UPPER(s)', 'i > 0', fields);
    assert.deepEqual(f({ i: 1, s: 'a' }), [2, 'A']);
    assert.equal(f({ i: 0, s: 'a' }), null);
    assert.equal(f({ i: null, s: 'a' }), null);
  });

  test('compilePredicate is true only for TRUE', () => {
    const p = compilePredicate(
      call('>', [inputRef(0, T.int()), literal(1, T.int(false))], T.boolean()),
      fixedClock,
    );
    assert.equal(p([2]), true);
    assert.equal(p([1]), false);
    assert.equal(p([null]), false);
  });

  test('hand-built Rex: nested ROW fields read values[i][j]', () => {
    const rowType = { kind: 'ROW' as const, fields: [{ name: 'a', type: T.int() }], nullable: true };
    const f = compileScalar(
      { kind: 'field', expr: inputRef(0, rowType), index: 0, name: 'a', type: T.int() },
      fixedClock,
    );
    assert.equal(f([[7]]), 7);
    assert.equal(f([null]), null);
  });

  test('the compiled code hoists constant patterns out of the per-record function', () => {
    const { exprs } = bindSelect("s LIKE 'a%b_c', REGEXP_EXTRACT(s, '(\\d+)', 1), DATE_FORMAT(ts, 'yyyy')");
    const f = compileProjection(exprs, null, fixedClock);
    const source = f.toString();
    assert.doesNotMatch(source, /RegExp|likeRegExp|compileDateFormat|new /, source);
    assert.deepEqual(f(row({ s: 'axbyc', ts: TS })), [true, null, '2020']);
  });

  test('constant sub-expressions fold at compile time; a failing one still fails per record', () => {
    const { exprs } = bindSelect("i + (1 + 2) * 3, CAST('2020-04-15' AS DATE), UPPER('a' || 'b')");
    const f = compileProjection(exprs, null, fixedClock);
    assert.match(f.toString(), /\(9\)/);
    assert.doesNotMatch(f.toString(), /toUpperCase|k0\(/);
    assert.deepEqual(f(row({ i: 1 })), [10, 18367, 'AB']);
    const g = compileScalar(bindSelect('1 / 0').exprs[0], fixedClock);
    throwsWeir(() => g(row()), /division by zero/);
    // Non-deterministic functions are not folded.
    assert.match(compileScalar(bindSelect('RAND()').exprs[0], fixedClock).toString(), /Math\.random/);
  });

  test('user functions are called through the context hook', () => {
    const f = compileScalar(
      { kind: 'call', op: 'TWICE', udf: 'twice', args: [inputRef(0, T.int())], type: T.int() },
      { now: () => 0, userFunction: (name) => (name === 'twice' ? (x) => (x as number) * 2 : undefined) },
    );
    assert.equal(f([21]), 42);
  });

  test('negative, infinite and NaN constants are valid in generated code', () => {
    const d = T.double(false);
    for (const v of [-0, -1.5, Number.NEGATIVE_INFINITY, Number.NaN]) {
      const f = compileScalar(call('NEGATE', [literal(v, d)], d), fixedClock);
      assert.ok(Object.is(f([]), -v), String(v));
      const g = compileScalar(call('-', [inputRef(0, d), literal(v, d)], d), fixedClock);
      assert.ok(Object.is(g([1]), 1 - v), String(v));
    }
  });

  test('an operator the runtime does not know fails at compile time', () => {
    assert.throws(
      () => compileScalar(call('NO_SUCH', [], T.int()), fixedClock),
      (e: unknown) => e instanceof WeirError && e.code === 'SQL_UNSUPPORTED',
    );
  });
});
