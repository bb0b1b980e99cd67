/**
 * The canonical result format shared with the Flink reference run (test/sql/nexmark/README.md):
 * `canonicalRows` reproduces, byte for byte, the lines Flink's run wrote, and applies changelogs,
 * rounds decimals and sorts lines as the Java side does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../src/core/errors.ts';
import {
  type ChangelogRow,
  canonicalRows,
  canonicalSha256,
  canonicalValue,
  loadExpected,
  loadManifest,
  parseCanonicalLine,
} from './nexmark/expected.ts';

describe('Flink reference results (test/sql/nexmark/expected)', () => {
  it('has an entry for every query q0 to q22, with the columns of each query Flink planned', () => {
    const manifest = loadManifest();
    assert.equal(manifest.events.count, 100_000);
    assert.equal(manifest.events.rate, 1_000);
    for (let q = 0; q <= 22; q++) {
      const entry = manifest.queries[`q${q}`];
      assert.ok(entry, `q${q}`);
      if (entry.status === 'ok') {
        assert.ok(entry.file !== undefined && entry.sha256 !== null && entry.rows !== null, `q${q}`);
        assert.ok(entry.columns !== null && entry.columns.length > 0, `q${q}`);
      }
    }
    assert.equal(manifest.queries.q12.status, 'processing-time');
  });

  // Queries covering every column type in the outputs: BIGINT, DECIMAL, TIMESTAMP(3), STRING and
  // VARCHAR(n), retract and upsert changelogs, whole files and first-lines-only files.
  for (const query of ['q0', 'q1', 'q4', 'q5', 'q9', 'q11', 'q14', 'q15', 'q17', 'q21']) {
    it(`re-canonicalizes ${query}'s Flink lines to the same text`, () => {
      const { entry, lines, complete } = loadExpected(query);
      assert.equal(entry.status, 'ok');
      assert.ok(lines.length > 0);
      const types = (entry.columns ?? []).map((c) => c.type);
      const changelog: ChangelogRow[] = lines.map((line) => ({
        kind: '+I',
        values: parseCanonicalLine(line, types),
      }));
      // Reversed, so that the sort is exercised too.
      assert.deepEqual(canonicalRows(changelog.reverse(), types), lines);
      if (complete) assert.equal(canonicalSha256(lines), entry.sha256);
      else assert.equal(lines.length, entry.fileLines);
    });
  }
});

describe('canonicalRows', () => {
  const types = ['BIGINT', 'STRING'];

  it('adds rows on +I and +U and removes one copy on -U and -D', () => {
    const rows = canonicalRows(
      [
        { kind: '+I', values: [1, 'a'] },
        { kind: '+I', values: [1, 'a'] },
        { kind: '+I', values: [2, 'b'] },
        { kind: '-U', values: [2, 'b'] },
        { kind: '+U', values: [2, 'c'] },
        { kind: '-D', values: [1, 'a'] },
      ],
      types,
    );
    assert.deepEqual(rows, ['[1,"a"]', '[2,"c"]']);
  });

  it('rejects the retraction of a row that is not in the result', () => {
    assert.throws(
      () => canonicalRows([{ kind: '-D', values: [1, 'a'] }], types),
      (e: unknown) => isWeirError(e, 'INVALID_ARGUMENT') && /-D of a row not in the result/.test(e.message),
    );
  });

  it('sorts lines by their UTF-8 bytes, not by UTF-16 code units', () => {
    // U+FF21 is EF BC A1 in UTF-8, U+1F600 is F0 9F 98 80: UTF-8 puts U+FF21 first, UTF-16 the
    // other (its surrogate D83D is below FF21).
    const rows = canonicalRows(
      [
        { kind: '+I', values: [1, '\u{1F600}'] },
        { kind: '+I', values: [1, '\uFF21'] },
        { kind: '+I', values: [1, 'z'] },
      ],
      types,
    );
    assert.deepEqual(rows, ['[1,"z"]', '[1,"\uFF21"]', '[1,"\u{1F600}"]']);
  });
});

describe('canonicalValue', () => {
  it('rounds doubles as Java rounds new BigDecimal(double): exact binary value, half-up to 6 places', () => {
    // Expected values printed by Java 17 (setScale(6, HALF_UP).stripTrailingZeros().toPlainString()).
    const cases: [number, string][] = [
      [0.1, '0.1'],
      [1.0000005, '1.000001'],
      [2.5e-7, '0'],
      [-0.0000005, '0'],
      [1e21, '1000000000000000000000'],
      [5e-324, '0'],
      [0.0000015, '0.000002'],
      [1234.5678905, '1234.56789'],
      [-2, '-2'],
      [-0, '0'],
      [100, '100'],
      [0.3333333333, '0.333333'],
      [2 ** 53 + 2, '9007199254740994'],
    ];
    for (const [value, text] of cases) assert.equal(canonicalValue(value, 'DOUBLE'), text, String(value));
  });

  it('rounds decimal text half-up, ties away from zero', () => {
    const cases: [string, string][] = [
      ['123.4567895', '123.45679'],
      ['-123.4567895', '-123.45679'],
      ['-0.0000004', '0'],
      ['123456789012345678901234.5', '123456789012345678901234.5'],
      ['10.000', '10'],
      ['1E-7', '0'],
      ['5E-7', '0.000001'],
      ['12244.380', '12244.38'],
    ];
    for (const [value, text] of cases) assert.equal(canonicalValue(value, 'DECIMAL(24, 3)'), text, value);
    assert.equal(canonicalValue(12n, 'DECIMAL(24, 3)'), '12');
  });

  it('writes integers, booleans, NULL, timestamps in UTC and strings as JSON.stringify does', () => {
    assert.equal(canonicalValue(2n ** 62n, 'BIGINT'), '4611686018427387904');
    assert.equal(canonicalValue(-7, 'INT NOT NULL'), '-7');
    assert.equal(canonicalValue(true, 'BOOLEAN'), 'true');
    assert.equal(canonicalValue(null, 'BIGINT'), 'null');
    assert.equal(canonicalValue(undefined, 'STRING'), 'null');
    const ms = Date.UTC(2026, 0, 1, 0, 1, 40, 7);
    assert.equal(canonicalValue(ms, 'TIMESTAMP(3)'), '"2026-01-01 00:01:40.007"');
    assert.equal(canonicalValue(new Date(ms), 'TIMESTAMP_LTZ(3)'), '"2026-01-01 00:01:40.007"');
    assert.equal(canonicalValue('2026-01-01 00:01:40.007', 'TIMESTAMP(3)'), '"2026-01-01 00:01:40.007"');
    assert.equal(canonicalValue('a"b\\c\n\u0001é', 'VARCHAR(9)'), '"a\\"b\\\\c\\n\\u0001é"');
  });

  it('rejects a value that does not fit its column type', () => {
    assert.throws(
      () => canonicalValue(1.5, 'BIGINT'),
      (e: unknown) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => canonicalValue('x', 'TIMESTAMP(3)'),
      (e: unknown) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => canonicalValue([1], 'ARRAY<INT>'),
      (e: unknown) => isWeirError(e, 'INVALID_ARGUMENT'),
    );
  });
});
