import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseScript } from '../../src/sql/parser/parser.ts';

const dir = new URL('./nexmark/', import.meta.url);

test('every published Nexmark text for Flink parses: DDL, views and q0-q22', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  const queries = files.filter((f) => /^q\d+\.sql$/.test(f));
  assert.equal(queries.length, 23, `q0..q22, found ${queries.join(', ')}`);
  for (const file of files) {
    // The published texts have placeholders the benchmark's runner fills in: the source table's name
    // and, inside option strings, numbers.
    const text = readFileSync(new URL(file, dir), 'utf8')
      .replace(/\$\{NEXMARK_TABLE\}/g, 'datagen')
      .replace(/\$\{[A-Z_]+\}/g, '1');
    const statements = parseScript(text);
    assert.ok(statements.length > 0, file);
    if (queries.includes(file)) {
      assert.equal(statements.at(-1)?.statement.kind, 'insert', `${file} ends with its INSERT`);
    }
  }
});
