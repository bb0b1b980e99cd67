/**
 * The examples of Flink's "System (Built-in) Functions" page that state their result, each run
 * through the real parser, binder and expression compiler, and compared with the result the page
 * gives, printed as tableau prints it (CAST to STRING: `TRUE`, `2003-01-09`, `<NULL>`). Where the
 * page's example is written with the Table API (`'xxxxxtest'.overlay('xxxx', 6)`), the SQL form of
 * the same call is used. Examples of functions Weir does not run yet are listed in docs/sql.md.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WeirError } from '../../../core/errors.ts';
import { formatSqlValue } from '../../../core/sql-value-format.ts';
import { compileScalar } from './expression-compiler.ts';
import { bindSelect, fixedClock, row } from './test-support.ts';

/** The value of a constant SQL expression as tableau shows it. */
function show(expr: string): string {
  const { exprs, types } = bindSelect(expr);
  return formatSqlValue(compileScalar(exprs[0], fixedClock)(row()), types[0]);
}

/** Runs every example and reports all that disagree at once. */
function examples(list: [sql: string, result: string][]): void {
  const wrong: string[] = [];
  for (const [sql, result] of list) {
    let got: string;
    try {
      got = show(sql);
    } catch (e) {
      got = `error: ${(e as Error).message.split('\n')[0]}`;
    }
    if (got !== result) wrong.push(`${sql}: expected ${result}, got ${got}`);
  }
  assert.deepEqual(wrong, []);
}

describe("Flink's documented examples of built-in functions", () => {
  test('comparison: IS DISTINCT FROM, BETWEEN [SYMMETRIC], IN with NULL', () => {
    examples([
      ['1 IS DISTINCT FROM NULL', 'TRUE'],
      ['NULL IS DISTINCT FROM NULL', 'FALSE'],
      ['1 IS NOT DISTINCT FROM NULL', 'FALSE'],
      ['NULL IS NOT DISTINCT FROM NULL', 'TRUE'],
      ['12 BETWEEN 15 AND 12', 'FALSE'],
      ['12 BETWEEN SYMMETRIC 15 AND 12', 'TRUE'],
      ['12 BETWEEN 10 AND NULL', '<NULL>'],
      ['12 BETWEEN NULL AND 10', 'FALSE'],
      ['12 BETWEEN SYMMETRIC NULL AND 12', '<NULL>'],
      ['12 NOT BETWEEN 15 AND 12', 'TRUE'],
      ['12 NOT BETWEEN SYMMETRIC 15 AND 12', 'FALSE'],
      ['12 NOT BETWEEN NULL AND 15', '<NULL>'],
      ['12 NOT BETWEEN 15 AND NULL', 'TRUE'],
      ['12 NOT BETWEEN SYMMETRIC 12 AND NULL', '<NULL>'],
      ['4 IN (1, 2, 3)', 'FALSE'],
      ['1 IN (1, 2, NULL)', 'TRUE'],
      ['4 IN (1, 2, NULL)', '<NULL>'],
      ['4 NOT IN (1, 2, 3)', 'TRUE'],
      ['1 NOT IN (1, 2, NULL)', 'FALSE'],
      ['4 NOT IN (1, 2, NULL)', '<NULL>'],
    ]);
  });

  test('logical: three-valued OR and AND', () => {
    examples([
      ['TRUE OR CAST(NULL AS BOOLEAN)', 'TRUE'],
      ['TRUE AND CAST(NULL AS BOOLEAN)', '<NULL>'],
    ]);
  });

  test('arithmetic: BIN, HEX, TRUNCATE', () => {
    examples([
      ['BIN(4)', '100'],
      ['BIN(12)', '1100'],
      ['HEX(20)', '14'],
      ['HEX(100)', '64'],
      ["HEX('hello,world')", '68656C6C6F2C776F726C64'],
      ['TRUNCATE(42.324, 2)', '42.32'],
      ['TRUNCATE(CAST(42.324 AS DOUBLE))', '42.0'],
    ]);
  });

  test('string functions', () => {
    examples([
      ["REPEAT('This is a test String.', 2)", 'This is a test String.This is a test String.'],
      ["REGEXP_REPLACE('foobar', 'oo|ar', '')", 'fb'],
      ["OVERLAY('xxxxxtest' PLACING 'xxxx' FROM 6)", 'xxxxxxxxx'],
      ["OVERLAY('xxxxxtest' PLACING 'xxxx' FROM 6 FOR 2)", 'xxxxxxxxxst'],
      ["REPLACE('hello world', 'world', 'flink')", 'hello flink'],
      ["REPLACE('ababab', 'abab', 'z')", 'zab'],
      ["REGEXP_EXTRACT('foothebar', 'foo(.*?)(bar)', 2)", 'bar'],
      ["CONCAT('AA', 'BB', 'CC')", 'AABBCC'],
      ["CONCAT_WS('~', 'AA', CAST(NULL AS STRING), 'BB', '', 'CC')", 'AA~BB~~CC'],
      ["LPAD('hi', 4, '??')", '??hi'],
      ["LPAD('hi', 1, '??')", 'h'],
      ["RPAD('hi', 4, '??')", 'hi??'],
      ["RPAD('hi', 1, '??')", 'h'],
      ["FROM_BASE64('aGVsbG8gd29ybGQ=')", 'hello world'],
      ["TO_BASE64('hello world')", 'aGVsbG8gd29ybGQ='],
      ["ASCII('abc')", '97'],
      ['ASCII(CAST(NULL AS VARCHAR))', '<NULL>'],
      ['CHR(97)', 'a'],
      ['CHR(353)', 'a'],
      ["PARSE_URL('http://facebook.com/path1/p.php?k1=v1&k2=v2#Ref1', 'HOST')", 'facebook.com'],
      ["PARSE_URL('http://facebook.com/path1/p.php?k1=v1&k2=v2#Ref1', 'QUERY', 'k1')", 'v1'],
      ["LTRIM(' This is a test String.')", 'This is a test String.'],
      ["RTRIM('This is a test String. ')", 'This is a test String.'],
      ["SUBSTRING('Hello' FROM 2 FOR 3)", 'ell'],
      ["SPLIT_INDEX('Hello,World', ',', 1)", 'World'],
    ]);
  });

  test('temporal functions', () => {
    examples([
      ["EXTRACT(DAY FROM DATE '2006-06-05')", '5'],
      ["YEAR(DATE '1994-09-27')", '1994'],
      ["QUARTER(DATE '1994-09-27')", '3'],
      ["MONTH(DATE '1994-09-27')", '9'],
      ["WEEK(DATE '1994-09-27')", '39'],
      ["DAYOFYEAR(DATE '1994-09-27')", '270'],
      ["DAYOFMONTH(DATE '1994-09-27')", '27'],
      ["DAYOFWEEK(DATE '1994-09-27')", '3'],
      ["HOUR(TIMESTAMP '1994-09-27 13:14:15')", '13'],
      ["MINUTE(TIMESTAMP '1994-09-27 13:14:15')", '14'],
      ["SECOND(TIMESTAMP '1994-09-27 13:14:15')", '15'],
      ["FLOOR(TIME '12:44:31' TO MINUTE)", '12:44:00'],
      ["CEIL(TIME '12:44:31' TO MINUTE)", '12:45:00'],
      ["CONVERT_TZ('1970-01-01 00:00:00', 'UTC', 'America/Los_Angeles')", '1969-12-31 16:00:00'],
      ['FROM_UNIXTIME(44)', '1970-01-01 00:00:44'],
      ["TIMESTAMPADD(WEEK, 1, DATE '2003-01-02')", '2003-01-09'],
      // The page's UNIX_TIMESTAMP examples, in the UTC session time zone (the page uses Berlin).
      ["UNIX_TIMESTAMP('1970-01-01 08:00:01.001', 'yyyy-MM-dd HH:mm:ss.SSS')", '28801'],
      ["UNIX_TIMESTAMP('1970-01-01 08:00:01.001 +0800', 'yyyy-MM-dd HH:mm:ss.SSS X')", '1'],
      ["UNIX_TIMESTAMP('1970-01-01 08:00:01.001 +0800', 'yyyy-MM-dd HH:mm:ss.SSS')", '28801'],
      ["UNIX_TIMESTAMP('1970-01-01 08:00:01.001', 'yyyy-MM-dd HH:mm:ss.SSS X')", '-9223372036854775808'],
      ["TO_TIMESTAMP('2024-01-01 10:00:00')", '2024-01-01 10:00:00.000'],
      ["DATE_FORMAT(TIMESTAMP '2024-01-01 10:00:00', 'yyyy/MM/dd HH:mm')", '2024/01/01 10:00'],
    ]);
  });

  test('conditional functions', () => {
    examples([
      ['NULLIF(5, 5)', '<NULL>'],
      ['NULLIF(5, 0)', '5'],
      ["COALESCE(NULL, 'default')", 'default'],
      ['IF(5 > 3, 5, 3)', '5'],
      ['IFNULL(CAST(NULL AS INT), 5)', '5'],
      ["IS_DIGIT('123')", 'TRUE'],
      ["IS_DIGIT('12a')", 'FALSE'],
      ["IS_ALPHA('abc')", 'TRUE'],
      ["IS_ALPHA('ab1')", 'FALSE'],
      ["IS_DECIMAL('1.5')", 'TRUE'],
      ["IS_DECIMAL('x')", 'FALSE'],
      ['GREATEST(1, 3, 2)', '3'],
      ['LEAST(1, 3, 2)', '1'],
      ['GREATEST(1, CAST(NULL AS INT))', '<NULL>'],
    ]);
  });

  test('conversion: CAST and TRY_CAST', () => {
    examples([
      ["CAST('42' AS INT)", '42'],
      ['CAST(NULL AS STRING)', '<NULL>'],
      ["TRY_CAST('42' AS INT)", '42'],
      ['TRY_CAST(NULL AS STRING)', '<NULL>'],
      ["TRY_CAST('non-number' AS INT)", '<NULL>'],
      ["COALESCE(TRY_CAST('non-number' AS INT), 0)", '0'],
    ]);
    assert.throws(
      () => show("CAST('non-number' AS INT)"),
      (e: unknown) => e instanceof WeirError && e.code === 'INVALID_ARGUMENT',
    );
  });

  test('JSON functions', () => {
    examples([
      [`JSON_VALUE('{"a": true}', '$.a')`, 'true'],
      [`JSON_VALUE('{"a": true}', '$.a' RETURNING BOOLEAN)`, 'TRUE'],
      [`JSON_VALUE('{"a": true}', 'lax $.b' DEFAULT FALSE ON EMPTY)`, 'false'],
      [`JSON_VALUE('{"a": true}', 'strict $.b' DEFAULT FALSE ON ERROR)`, 'false'],
      [`JSON_VALUE('{"a.b": [0.998,0.996]}','$.["a.b"][0]' RETURNING DOUBLE)`, '0.998'],
      [
        `JSON_VALUE('{"contains blank": "right"}', 'strict $.[''contains blank'']' NULL ON EMPTY DEFAULT 'wrong' ON ERROR)`,
        'right',
      ],
      [`JSON_VALUE('{"a b": "true"}', '$.[''a b'']')`, 'true'],
      [`JSON_EXISTS('{"a": true}', 'strict $.b' TRUE ON ERROR)`, 'TRUE'],
      [`JSON_EXISTS('{"a": true}', 'strict $.b' FALSE ON ERROR)`, 'FALSE'],
      [`JSON_QUERY('{"a":[{"c":"c1"},{"c":"c2"}]}', 'lax $.a[*].c' RETURNING ARRAY<STRING>)`, '[c1, c2]'],
      [`JSON_QUERY('{}', '$' WITH CONDITIONAL ARRAY WRAPPER)`, '[{}]'],
      [`JSON_QUERY('[1, 2]', '$' WITH CONDITIONAL ARRAY WRAPPER)`, '[1,2]'],
      [`JSON_QUERY('[1, 2]', '$' WITH UNCONDITIONAL ARRAY WRAPPER)`, '[[1,2]]'],
      [`JSON_QUERY(1, '$')`, '<NULL>'],
      [`JSON_QUERY(1, '$' WITH CONDITIONAL ARRAY WRAPPER)`, '[1]'],
      [`JSON_QUERY('{}', 'lax $.invalid' EMPTY OBJECT ON EMPTY)`, '{}'],
      [`JSON_QUERY('{}', 'strict $.invalid' EMPTY ARRAY ON ERROR)`, '[]'],
      [`JSON_EXISTS('{"a": true}', '$.a')`, 'TRUE'],
      [`JSON_EXISTS('{"a": true}', '$.b')`, 'FALSE'],
      [`JSON_EXISTS('{"a": [{ "b": 1 }]}', '$.a[0].b')`, 'TRUE'],
      ['JSON_STRING(CAST(NULL AS INT))', '<NULL>'],
      ['JSON_STRING(1)', '1'],
      ['JSON_STRING(TRUE)', 'true'],
      ["JSON_STRING('Hello, World!')", '"Hello, World!"'],
      ['JSON_STRING(ARRAY[1, 2])', '[1,2]'],
      [`JSON_QUERY('{ "a": { "b": 1 } }', '$.a')`, '{"b":1}'],
      [`JSON_QUERY('[1, 2]', '$')`, '[1,2]'],
      [`JSON_QUERY(CAST(NULL AS STRING), '$')`, '<NULL>'],
      [`JSON_QUERY('{"a":[{"c":"c1"},{"c":"c2"}]}', 'lax $.a[*].c')`, '["c1","c2"]'],
      ['JSON_ARRAY()', '[]'],
      ["JSON_ARRAY(1, '2')", '[1,"2"]'],
      ['JSON_ARRAY(CAST(NULL AS STRING) NULL ON NULL)', '[null]'],
      ['JSON_ARRAY(CAST(NULL AS STRING) ABSENT ON NULL)', '[]'],
      ['JSON_ARRAY(JSON_ARRAY(1))', '[[1]]'],
      ["JSON_ARRAY(JSON_ARRAY(JSON_OBJECT('a' VALUE 1)))", '[[{"a":1}]]'],
      ['JSON_OBJECT()', '{}'],
      ["JSON_OBJECT('K1' VALUE 'V1', 'K2' VALUE 'V2')", '{"K1":"V1","K2":"V2"}'],
      ["JSON_OBJECT(KEY 'K1' VALUE CAST(NULL AS STRING) NULL ON NULL)", '{"K1":null}'],
      ["JSON_OBJECT(KEY 'K1' VALUE CAST(NULL AS STRING) ABSENT ON NULL)", '{}'],
      ["JSON_OBJECT(KEY 'K1' VALUE JSON_OBJECT(KEY 'K2' VALUE 'V'))", '{"K1":{"K2":"V"}}'],
      ["'1' IS JSON", 'TRUE'],
      ["'[]' IS JSON", 'TRUE'],
      ["'{}' IS JSON", 'TRUE'],
      [`'"abc"' IS JSON`, 'TRUE'],
      ["'abc' IS JSON", 'FALSE'],
      ['NULL IS JSON', 'FALSE'],
      ["'1' IS JSON SCALAR", 'TRUE'],
      ["'1' IS JSON ARRAY", 'FALSE'],
      ["'1' IS JSON OBJECT", 'FALSE'],
      ["'{}' IS JSON SCALAR", 'FALSE'],
      ["'{}' IS JSON ARRAY", 'FALSE'],
      ["'{}' IS JSON OBJECT", 'TRUE'],
      ["'abc' IS NOT JSON", 'TRUE'],
    ]);
  });

  test('functions the page documents without a stated result', () => {
    examples([
      ['ROUND(E(), 5)', '2.71828'],
      ['ROUND(SINH(0), 1)', '0.0'],
      ['COSH(0)', '1.0'],
      ['TANH(0)', '0.0'],
      ['ROUND(COT(1), 4)', '0.6421'],
      ['ASIN(1) = PI() / 2', 'TRUE'],
      ['ACOS(1)', '0.0'],
      ['ATAN(0)', '0.0'],
      ['ATAN2(0, 1)', '0.0'],
      ["SHA1('abc')", 'a9993e364706816aba3e25717850c26c9cd0d89d'],
      ["CHAR_LENGTH(SHA224('abc'))", '56'],
      ["CHAR_LENGTH(SHA384('abc'))", '96'],
      ["CHAR_LENGTH(SHA512('abc'))", '128'],
      ["SHA2('abc', 256) = SHA256('abc')", 'TRUE'],
      ["SHA2('abc', 100)", '<NULL>'],
      ["BTRIM('  a b  ')", 'a b'],
      ["BTRIM('xxaxx', 'x')", 'a'],
      ["STARTSWITH('Flink', 'Fl')", 'TRUE'],
      ["STARTSWITH('Flink', '')", 'TRUE'],
      ["ENDSWITH('Flink', 'Fl')", 'FALSE'],
      ['CARDINALITY(ARRAY[1, 2, 3])', '3'],
    ]);
  });
});
