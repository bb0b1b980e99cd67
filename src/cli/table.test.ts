import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCount, formatDuration, formatFields, formatTable, formatTime } from './table.ts';

describe('CLI tables', () => {
  it('aligns columns with two spaces between them; right-aligned columns align their heading too', () => {
    assert.equal(
      formatTable(
        [{ header: 'ID' }, { header: 'N', align: 'right' }, { header: 'NAME' }],
        [
          ['a', '1', 'first'],
          ['bbb', '1000', ''],
        ],
      ),
      ['ID      N  NAME', 'a       1  first', 'bbb  1000'].join('\n'),
    );
  });

  it('a cell with line breaks or terminal escapes stays on its line', () => {
    assert.equal(formatTable([{ header: 'X' }], [['a\nb\u001b[31m']]), 'X\na ⏎ b?[31m');
  });

  it('fields align their values', () => {
    assert.equal(
      formatFields([
        ['Job', 'x'],
        ['Parallelism', '2'],
      ]),
      'Job:          x\nParallelism:  2',
    );
  });

  it('durations name the two largest units', () => {
    assert.deepEqual(
      [0, 850, 1_000, 59_999, 192_000, 3_600_000, 7_500_000, 90_061_000, -1, Number.NaN].map(formatDuration),
      ['0 ms', '850 ms', '1s', '59s', '3m 12s', '1h', '2h 5m', '1d 1h', '-', '-'],
    );
  });

  it('times are ISO 8601 in UTC to the second; unknown ones are "-"', () => {
    assert.equal(formatTime(Date.UTC(2026, 11, 2, 22, 10, 55, 123)), '2026-12-02T22:10:55Z');
    assert.equal(formatTime(-1), '-');
    assert.equal(formatTime(0), '-');
  });

  it('counts have thousands separators', () => {
    assert.equal(formatCount(1_234_567), '1,234,567');
    assert.equal(formatCount(0), '0');
  });
});
