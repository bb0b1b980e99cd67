import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WeirError } from '../../../core/errors.ts';
import { evalSql, fixedClock } from './test-support.ts';

const TS = Date.UTC(2020, 3, 15, 8, 5, 1, 7); // 2020-04-15 08:05:01.007, a Wednesday

function cases(list: [string, Record<string, unknown>, unknown][]): void {
  for (const [expr, fields, expected] of list) assert.deepEqual(evalSql(expr, fields), expected, expr);
}

describe('string functions', () => {
  test('case, trimming, replacing', () => {
    cases([
      ['UPPER(s)', { s: 'aBc' }, 'ABC'],
      ['LOWER(s)', { s: 'aBc' }, 'abc'],
      ['INITCAP(s)', { s: 'hello wORLD-foo 1a' }, 'Hello World-Foo 1a'],
      ['TRIM(s)', { s: '  a b  ' }, 'a b'],
      ['TRIM(LEADING FROM s)', { s: '  a  ' }, 'a  '],
      ['TRIM(TRAILING FROM s)', { s: '  a  ' }, '  a'],
      ["TRIM(BOTH 'xy' FROM s)", { s: 'xyaxyx' }, 'a'],
      ['LTRIM(s)', { s: '  a ' }, 'a '],
      ['RTRIM(s)', { s: '  a ' }, '  a'],
      ["REPLACE(s, 'ab', 'x')", { s: 'abcab' }, 'xcx'],
      ["REPLACE(s, 'a', '$1')", { s: 'banana' }, 'b$1n$1n$1'],
      ['REVERSE(s)', { s: 'abc' }, 'cba'],
      ['REPEAT(s, 3)', { s: 'ab' }, 'ababab'],
      ['REPEAT(s, -1)', { s: 'ab' }, ''],
    ]);
  });

  test('SUBSTRING is 1-based; position 0 is 1; a negative position counts from the end', () => {
    cases([
      ['SUBSTRING(s, 2)', { s: 'hello' }, 'ello'],
      ['SUBSTRING(s, 2, 3)', { s: 'hello' }, 'ell'],
      ['SUBSTRING(s FROM 2 FOR 2)', { s: 'hello' }, 'el'],
      ['SUBSTRING(s, 0, 2)', { s: 'hello' }, 'he'],
      ['SUBSTRING(s, -3)', { s: 'hello' }, 'llo'],
      ['SUBSTRING(s, -3, 2)', { s: 'hello' }, 'll'],
      ['SUBSTRING(s, 9)', { s: 'hello' }, ''],
      ['SUBSTRING(s, -9)', { s: 'hello' }, ''],
      ['SUBSTRING(s, 2, -1)', { s: 'hello' }, null],
      ['SUBSTR(s, 4)', { s: 'hello' }, 'lo'],
    ]);
  });

  test('LEFT, RIGHT, LPAD, RPAD, OVERLAY', () => {
    cases([
      ['LEFT(s, 2)', { s: 'hello' }, 'he'],
      ['LEFT(s, -1)', { s: 'hello' }, ''],
      ['RIGHT(s, 2)', { s: 'hello' }, 'lo'],
      ['RIGHT(s, 9)', { s: 'hello' }, 'hello'],
      ["LPAD(s, 5, '?')", { s: 'hi' }, '???hi'],
      ["LPAD(s, 1, '?')", { s: 'hi' }, 'h'],
      ["LPAD(s, 6, 'ab')", { s: 'hi' }, 'ababhi'],
      ["RPAD(s, 5, '?')", { s: 'hi' }, 'hi???'],
      ["RPAD(s, -1, '?')", { s: 'hi' }, null],
      ["LPAD(s, 4, '')", { s: 'hi' }, null],
      ["OVERLAY(s PLACING ' new' FROM 10 FOR 5)", { s: 'This is an old string' }, 'This is a new string'],
      ["OVERLAY(s PLACING 'XY' FROM 2)", { s: 'abcdef' }, 'aXYdef'],
      ["OVERLAY(s PLACING 'XY' FROM 5 FOR 3)", { s: 'abcdef' }, 'abcdXY'],
      ["OVERLAY(s PLACING 'XY' FROM 9)", { s: 'abcdef' }, 'abcdef'],
      ["OVERLAY(s PLACING 'XY' FROM 2 FOR 0)", { s: 'abcdef' }, 'aXY'],
    ]);
  });

  test('CONCAT is NULL if any argument is; CONCAT_WS skips NULLs', () => {
    cases([
      ["CONCAT(s, '-', s2)", { s: 'a', s2: 'b' }, 'a-b'],
      ["CONCAT(s, '-', s2)", { s: 'a', s2: null }, null],
      ["CONCAT_WS('~', s, s2, 'c')", { s: 'a', s2: null }, 'a~c'],
      ["CONCAT_WS(s2, s, 'c')", { s: 'a', s2: null }, null],
      ["s || '!'", { s: 'a' }, 'a!'],
    ]);
  });

  test('lengths and positions', () => {
    cases([
      ['CHAR_LENGTH(s)', { s: 'héllo' }, 5],
      ['CHARACTER_LENGTH(s)', { s: '' }, 0],
      ["POSITION('l' IN s)", { s: 'hello' }, 3],
      ["POSITION('z' IN s)", { s: 'hello' }, 0],
      ["POSITION('l' IN s FROM 4)", { s: 'hello' }, 4],
      ["LOCATE('l', s)", { s: 'hello' }, 3],
      ["LOCATE('l', s, 5)", { s: 'hello' }, 0],
      ["INSTR(s, 'lo')", { s: 'hello' }, 4],
      ['ASCII(s)', { s: 'abc' }, 97],
      ['ASCII(s)', { s: '' }, 0],
    ]);
  });

  test('regular expressions with Java semantics', () => {
    cases([
      ["REGEXP(s, 'l+')", { s: 'hello' }, true],
      ["REGEXP(s, '^l')", { s: 'hello' }, false],
      ["REGEXP(s, '(?i)HEL')", { s: 'hello' }, true],
      ["REGEXP_REPLACE(s, '[0-9]+', '#')", { s: 'a1b22c' }, 'a#b#c'],
      // The replacement is literal in Flink: no group references.
      ["REGEXP_REPLACE(s, '(\\w)(\\d)', '$2$1')", { s: 'a1 b2' }, '$2$1 $2$1'],
      ["REGEXP_REPLACE(s, 'b', s2)", { s: 'abc', s2: '$0' }, 'a$0c'],
      ["REGEXP_REPLACE(s, '(', 'x')", { s: 'abc' }, null],
      ["REGEXP_EXTRACT(s, 'foo(.*?)(bar)', 2)", { s: 'foothebar' }, 'bar'],
      ["REGEXP_EXTRACT(s, 'foo(.*?)(bar)', 1)", { s: 'foothebar' }, 'the'],
      ["REGEXP_EXTRACT(s, 'foo(.*?)(bar)', 0)", { s: 'xfoothebar' }, 'foothebar'],
      ["REGEXP_EXTRACT(s, 'foo(.*?)(bar)', 3)", { s: 'foothebar' }, null],
      ["REGEXP_EXTRACT(s, 'x(\\d+)', 1)", { s: 'abc' }, null],
      ["REGEXP_EXTRACT(s, '\\p{Digit}+')", { s: 'ab12c' }, '12'],
      ['REGEXP_EXTRACT(s, s2, 1)', { s: 'k=v', s2: '=(.)' }, 'v'],
      ["REGEXP(s, '(')", { s: 'a' }, false],
      ["REGEXP(s, '')", { s: 'a' }, false],
      ['REGEXP(s, s2)', { s: 'a', s2: '[' }, false],
    ]);
  });

  test('SPLIT_INDEX, MD5, SHA256, JSON_VALUE', () => {
    cases([
      ["SPLIT_INDEX(s, ',', 1)", { s: 'a,b,c' }, 'b'],
      ["SPLIT_INDEX(s, ',', 3)", { s: 'a,b,c' }, null],
      ["SPLIT_INDEX(s, ',', -1)", { s: 'a,b,c' }, null],
      ["SPLIT_INDEX(s, '::', 1)", { s: 'a::b' }, 'b'],
      ['MD5(s)', { s: 'abc' }, '900150983cd24fb0d6963f7d28e17f72'],
      ['SHA256(s)', { s: 'abc' }, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
      ["JSON_VALUE(s, '$.a.b[1]')", { s: '{"a":{"b":[1,"x"]}}' }, 'x'],
      ["JSON_VALUE(s, '$.a')", { s: '{"a":12}' }, '12'],
      ["JSON_VALUE(s, '$.a')", { s: '{"a":true}' }, 'true'],
      ["JSON_VALUE(s, '$.a')", { s: '{"a":{"b":1}}' }, null],
      ["JSON_VALUE(s, '$.missing')", { s: '{"a":1}' }, null],
      ["JSON_VALUE(s, '$.a')", { s: 'not json' }, null],
      ["JSON_VALUE(s, '$[''a b'']')", { s: '{"a b":"v"}' }, 'v'],
      ["UPPER(JSON_VALUE(s, '$.a'))", { s: '{}' }, null],
    ]);
  });
});

describe('math functions', () => {
  test('ABS, SIGN, MOD, POWER, SQRT, EXP, LN, LOG', () => {
    cases([
      ['ABS(i)', { i: -3 }, 3],
      ['ABS(d)', { d: -1.5 }, 1.5],
      ['SIGN(i)', { i: -3 }, -1],
      ['SIGN(d)', { d: 0 }, 0],
      ['MOD(i, 4)', { i: 10 }, 2],
      ['POWER(i, 2)', { i: 3 }, 9],
      ['SQRT(d)', { d: 16 }, 4],
      ['EXP(0)', {}, 1],
      ['LN(1)', {}, 0],
      ['LOG10(1000)', {}, 3],
      ['LOG2(8)', {}, 3],
      ['LOG(d)', { d: Math.E }, 1],
      ['LOG(2, 8)', {}, 3],
      ['DEGREES(PI())', {}, 180],
      ['RADIANS(180)', {}, Math.PI],
      ['SIN(0)', {}, 0],
      ['COS(0)', {}, 1],
    ]);
  });

  test('ROUND is half-up with digits; TRUNCATE cuts toward zero', () => {
    cases([
      ['ROUND(d, 2)', { d: 1.005 }, 1.01],
      ['ROUND(d, 1)', { d: -2.25 }, -2.3],
      ['ROUND(d)', { d: 2.5 }, 3],
      ['ROUND(d)', { d: -2.5 }, -3],
      ['ROUND(m, 1)', { m: 1.25 }, 1.3],
      ['ROUND(i, -1)', { i: 125 }, 130],
      ['ROUND(i, -2)', { i: -150 }, -200],
      ['ROUND(i, 2)', { i: 7 }, 7],
      ['TRUNCATE(d, 1)', { d: 1.29 }, 1.2],
      ['TRUNCATE(d, 2)', { d: 0.29 }, 0.29],
      ['TRUNCATE(d)', { d: -1.9 }, -1],
      ['TRUNCATE(i, -1)', { i: 129 }, 120],
    ]);
  });

  test('FLOOR and CEIL of numbers', () => {
    cases([
      ['FLOOR(d)', { d: -1.5 }, -2],
      ['CEIL(d)', { d: -1.5 }, -1],
      ['CEIL(m)', { m: 1.01 }, 2],
      ['FLOOR(i)', { i: 3 }, 3],
    ]);
  });

  test('RAND is in [0, 1); RAND(seed) repeats its sequence like java.util.Random', () => {
    const r = evalSql('RAND()') as number;
    assert.ok(r >= 0 && r < 1);
    // new java.util.Random(42).nextDouble() is 0.7275636800328681.
    assert.equal(evalSql('RAND(42)'), 0.7275636800328681);
    // new java.util.Random(42).nextInt(10) is 0.
    assert.equal(evalSql('RAND_INTEGER(42, 10)'), 0);
    const n = evalSql('RAND_INTEGER(10)') as number;
    assert.ok(Number.isInteger(n) && n >= 0 && n < 10);
  });
});

describe('date and time functions', () => {
  test('DATE_FORMAT with SimpleDateFormat patterns on UTC wall-clock time', () => {
    cases([
      ["DATE_FORMAT(ts, 'yyyy-MM-dd HH:mm:ss.SSS')", { ts: TS }, '2020-04-15 08:05:01.007'],
      ["DATE_FORMAT(ts, 'yyyy/MM/dd')", { ts: TS }, '2020/04/15'],
      ["DATE_FORMAT(ts, 'HH:mm')", { ts: TS }, '08:05'],
      ["DATE_FORMAT(ts, 'yy-M-d H:m:s')", { ts: TS }, '20-4-15 8:5:1'],
      ["DATE_FORMAT(ts, 'EEE, d MMM yyyy')", { ts: TS }, 'Wed, 15 Apr 2020'],
      ["DATE_FORMAT(ts, 'EEEE MMMM')", { ts: TS }, 'Wednesday April'],
      ["DATE_FORMAT(ts, 'hh:mm a')", { ts: TS + 6 * 3_600_000 }, '02:05 PM'],
      ["DATE_FORMAT(ts, 'D')", { ts: TS }, '106'],
      ["DATE_FORMAT(ts, 'yyyyMMddHH')", { ts: TS }, '2020041508'],
      ["DATE_FORMAT(ts, '''at'' HH''h''')", { ts: TS }, 'at 08h'],
      ["DATE_FORMAT(s, 'yyyy')", { s: '2021-01-02 03:04:05' }, '2021'],
      ["DATE_FORMAT(s, 'yyyy')", { s: 'nope' }, null],
      ['DATE_FORMAT(ts, s)', { ts: TS, s: 'MM' }, '04'],
      // A TIMESTAMP formats with DateTimeFormatter: S is a fraction digit, u the year.
      ["DATE_FORMAT(ts, 's.S')", { ts: TS }, '1.0'],
      ["DATE_FORMAT(ts, 'SSSSSS')", { ts: TS }, '007000'],
      ["DATE_FORMAT(ts, 'uuuu')", { ts: TS }, '2020'],
      // FROM_UNIXTIME formats with SimpleDateFormat: S counts milliseconds, u is the day of the week.
      ["FROM_UNIXTIME(b, 'u')", { b: 1_586_937_901 }, '3'],
    ]);
    assert.throws(() => evalSql("DATE_FORMAT(ts, 'yyyy-bb')", { ts: TS }), WeirError);
  });

  test('calendar fields and EXTRACT', () => {
    cases([
      ['YEAR(ts)', { ts: TS }, 2020],
      ['QUARTER(ts)', { ts: TS }, 2],
      ['MONTH(ts)', { ts: TS }, 4],
      ['WEEK(ts)', { ts: TS }, 16],
      ['DAYOFYEAR(ts)', { ts: TS }, 106],
      ['DAYOFMONTH(ts)', { ts: TS }, 15],
      ['DAYOFWEEK(ts)', { ts: TS }, 4], // Sunday = 1
      ['HOUR(ts)', { ts: TS }, 8],
      ['MINUTE(ts)', { ts: TS }, 5],
      ['SECOND(ts)', { ts: TS }, 1],
      ['YEAR(dt)', { dt: 18367 }, 2020],
      ['HOUR(tm)', { tm: 3_723_000 }, 1],
      ['EXTRACT(YEAR FROM ts)', { ts: TS }, 2020],
      ['EXTRACT(DAY FROM ts)', { ts: TS }, 15],
      ['EXTRACT(DOW FROM ts)', { ts: TS }, 4],
      ['EXTRACT(DOY FROM ts)', { ts: TS }, 106],
      ['EXTRACT(MILLISECOND FROM ts)', { ts: TS }, 1007],
      ["EXTRACT(DAY FROM INTERVAL '3' DAY)", {}, 3],
      ['WEEK(ts)', { ts: Date.UTC(2021, 0, 1) }, 53],
    ]);
  });

  test('FLOOR and CEIL of timestamps TO a unit', () => {
    cases([
      ['FLOOR(ts TO SECOND)', { ts: TS }, Date.UTC(2020, 3, 15, 8, 5, 1)],
      ['FLOOR(ts TO MINUTE)', { ts: TS }, Date.UTC(2020, 3, 15, 8, 5)],
      ['FLOOR(ts TO HOUR)', { ts: TS }, Date.UTC(2020, 3, 15, 8)],
      ['FLOOR(ts TO DAY)', { ts: TS }, Date.UTC(2020, 3, 15)],
      ['FLOOR(ts TO MONTH)', { ts: TS }, Date.UTC(2020, 3, 1)],
      ['FLOOR(ts TO QUARTER)', { ts: TS }, Date.UTC(2020, 3, 1)],
      ['FLOOR(ts TO YEAR)', { ts: TS }, Date.UTC(2020, 0, 1)],
      ['CEIL(ts TO HOUR)', { ts: TS }, Date.UTC(2020, 3, 15, 9)],
      ['CEIL(ts TO MONTH)', { ts: TS }, Date.UTC(2020, 4, 1)],
      ['CEIL(ts TO YEAR)', { ts: TS }, Date.UTC(2021, 0, 1)],
      ['CEIL(ts TO DAY)', { ts: Date.UTC(2020, 3, 15) }, Date.UTC(2020, 3, 15)],
    ]);
  });

  test('parsing and converting: TO_TIMESTAMP, TO_DATE, TO_TIMESTAMP_LTZ, UNIX_TIMESTAMP, FROM_UNIXTIME', () => {
    cases([
      ["TO_TIMESTAMP('2020-04-15 08:05:01')", {}, Date.UTC(2020, 3, 15, 8, 5, 1)],
      ["TO_TIMESTAMP('2020-04-15 08:05:01.007')", {}, TS],
      ["TO_TIMESTAMP('15/04/2020 08', 'dd/MM/yyyy HH')", {}, Date.UTC(2020, 3, 15, 8)],
      ["TO_TIMESTAMP('garbage')", {}, null],
      ["TO_DATE('2020-04-15')", {}, 18367],
      ["TO_DATE('20200415', 'yyyyMMdd')", {}, 18367],
      ['TO_TIMESTAMP_LTZ(b, 3)', { b: 1_586_937_901_007 }, TS],
      ['TO_TIMESTAMP_LTZ(b, 0)', { b: 1_586_937_901 }, TS - 7],
      ["UNIX_TIMESTAMP('2020-04-15 08:05:01')", {}, 1_586_937_901],
      ["UNIX_TIMESTAMP('2020/04/15', 'yyyy/MM/dd')", {}, 1_586_908_800],
      ["UNIX_TIMESTAMP('bad')", {}, -(2 ** 63)],
      // SimpleDateFormat reads a prefix: the fraction after the seconds is ignored.
      ["UNIX_TIMESTAMP('2020-04-15 08:05:01.999')", {}, 1_586_937_901],
      ["TO_TIMESTAMP('2020-04-15 08 extra', 'yyyy-MM-dd HH')", {}, null],
      ['FROM_UNIXTIME(b)', { b: 1_586_937_901 }, '2020-04-15 08:05:01'],
      ["FROM_UNIXTIME(b, 'yyyy')", { b: 0 }, '1970'],
    ]);
  });

  test('TIMESTAMPADD and TIMESTAMPDIFF', () => {
    cases([
      ['TIMESTAMPADD(HOUR, 2, ts)', { ts: TS }, TS + 7_200_000],
      ['TIMESTAMPADD(MONTH, 1, ts)', { ts: Date.UTC(2020, 0, 31) }, Date.UTC(2020, 1, 29)],
      ['TIMESTAMPADD(YEAR, -1, ts)', { ts: TS }, Date.UTC(2019, 3, 15, 8, 5, 1, 7)],
      ['TIMESTAMPADD(WEEK, 1, ts)', { ts: TS }, TS + 7 * 86_400_000],
      ['TIMESTAMPADD(DAY, 1, dt)', { dt: 5 }, 6],
      ["TIMESTAMPDIFF(DAY, ts, TIMESTAMP '2020-04-17 08:00:00')", { ts: TS }, 1],
      ["TIMESTAMPDIFF(HOUR, TIMESTAMP '2020-04-17 08:00:00', ts)", { ts: TS }, -47],
      ["TIMESTAMPDIFF(MONTH, ts, TIMESTAMP '2020-06-15 08:05:01')", { ts: TS }, 1],
      ["TIMESTAMPDIFF(MONTH, ts, TIMESTAMP '2020-06-15 08:05:02')", { ts: TS }, 2],
      ["TIMESTAMPDIFF(YEAR, TIMESTAMP '2019-04-15 08:05:01.007', ts)", { ts: TS }, 1],
      ["TIMESTAMPDIFF(MONTH, ts, ts + INTERVAL '1' MONTH)", { ts: Date.UTC(2020, 0, 31) }, 1],
    ]);
  });

  test('CURRENT_TIMESTAMP, NOW, LOCALTIMESTAMP, PROCTIME and CURRENT_DATE read the context clock', () => {
    const now = fixedClock.time;
    cases([
      ['CURRENT_TIMESTAMP', {}, now],
      ['NOW()', {}, now],
      ['LOCALTIMESTAMP', {}, now],
      ['PROCTIME()', {}, now],
      ['CURRENT_DATE', {}, Math.floor(now / 86_400_000)],
      ['UNIX_TIMESTAMP()', {}, Math.floor(now / 1000)],
    ]);
  });
});
