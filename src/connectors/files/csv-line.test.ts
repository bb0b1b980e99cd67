import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CsvSyntaxError, splitCsvLine } from './csv-line.ts';

describe('splitCsvLine', () => {
  it('splits plain fields, keeping empty ones', () => {
    assert.deepEqual(splitCsvLine('a,b,,d,', ','), ['a', 'b', '', 'd', '']);
    assert.deepEqual(splitCsvLine('', ','), ['']);
  });

  it('reads quoted fields with delimiters and doubled quotes (RFC 4180)', () => {
    assert.deepEqual(splitCsvLine('1,"Smith, Jo","say ""hi""",""', ','), ['1', 'Smith, Jo', 'say "hi"', '']);
    assert.deepEqual(splitCsvLine('"a";"b;c"', ';'), ['a', 'b;c']);
    assert.deepEqual(splitCsvLine('"x",', ','), ['x', '']);
  });

  it('keeps a quote inside an unquoted field as is', () => {
    assert.deepEqual(splitCsvLine('5" screen,2', ','), ['5" screen', '2']);
  });

  it('rejects an unterminated quote and text after a closing quote, naming the field', () => {
    assert.throws(
      () => splitCsvLine('a,"open', ','),
      (e) => e instanceof CsvSyntaxError && e.column === 1,
    );
    assert.throws(
      () => splitCsvLine('"a"b,c', ','),
      (e) =>
        e instanceof CsvSyntaxError && e.column === 0 && e.message === 'unexpected "b" after a closing quote',
    );
  });
});
