import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashCode } from '../../runtime/operators/sql/sql-hash-code.ts';
import { Binder, Catalog } from '../binder/binder.ts';
import { parseScript } from '../parser/parser.ts';
import type { Rel } from '../plan/rel.ts';
import { splitDistinctAggregates } from './split-distinct.ts';

function bind(query: string): Rel {
  const sql = `CREATE TABLE T (\`day\` INT, user_id BIGINT, flag STRING, amount INT) WITH ('connector' = 'datagen');\n${query}`;
  const catalog = new Catalog();
  let rel: Rel | undefined;
  for (const { statement } of parseScript(sql)) {
    const b = new Binder(catalog, sql);
    if (statement.kind === 'create-table') catalog.put(b.createTable(statement));
    else if (statement.kind === 'query') rel = b.query(statement.query);
  }
  return rel!;
}

/** The aggregates from the top down, as `groupBy fields; calls`. */
function aggregates(rel: Rel): string[] {
  const out: string[] = [];
  const walk = (r: Rel): void => {
    if (r.kind === 'aggregate') {
      const calls = r.aggs.map((a) => `${a.fn}${a.distinct ? ' DISTINCT' : ''}(${a.args.join(',')})`);
      out.push(`${r.groupKeys.map((k) => r.input.fields[k].name).join(',')}; ${calls.join(' ')}`);
    }
    const node = r as unknown as { input?: Rel; inputs?: Rel[] };
    if (node.input) walk(node.input);
    if (node.inputs) walk(node.inputs[0]);
  };
  walk(rel);
  return out;
}

test("Flink's example: COUNT(DISTINCT user_id) by day becomes SUM0 of counts by day and bucket", () => {
  const original = bind('SELECT `day`, COUNT(DISTINCT user_id) FROM T GROUP BY `day`');
  const split = splitDistinctAggregates(original, 1024);
  assert.deepEqual(aggregates(split), ['$f0; SUM0(2)', '$f0,$bucket; COUNT DISTINCT(1)']);
  // The same output fields, names and types, as the query's.
  assert.deepEqual(split.fields, original.fields);
  // The bucket: MOD(HASH_CODE(user_id), 1024).
  const json = JSON.stringify(split);
  assert.match(json, /"op":"MOD","args":\[\{"kind":"call","op":"HASH_CODE"/);
  assert.match(json, /"value":1024/);
});

test('other aggregates go along; several distinct columns get a copy of the rows each ($e)', () => {
  const split = splitDistinctAggregates(
    bind(
      'SELECT `day`, COUNT(DISTINCT user_id), SUM(DISTINCT amount), COUNT(*), AVG(amount), MAX(amount) FROM T GROUP BY `day`',
    ),
    16,
  );
  const [final, partial] = aggregates(split);
  assert.equal(final, '$f0; SUM0(3) SUM(4) SUM0(5) SUM(6) SUM0(7) MAX(8)');
  assert.equal(partial, '$f0,$bucket,$e; COUNT DISTINCT(1) SUM DISTINCT(2) COUNT() SUM(2) COUNT(2) MAX(2)');
  assert.match(JSON.stringify(split), /"kind":"union"/);
});

test('aggregates the rewrite does not know, and queries without DISTINCT, stay as they are', () => {
  for (const sql of [
    'SELECT `day`, COUNT(DISTINCT user_id), FIRST_VALUE(flag) FROM T GROUP BY `day`',
    'SELECT `day`, COUNT(user_id) FROM T GROUP BY `day`',
  ]) {
    const rel = bind(sql);
    assert.deepEqual(splitDistinctAggregates(rel, 1024), rel);
  }
});

test("HASH_CODE is Java's hashCode: strings, integers, booleans", () => {
  assert.equal(hashCode('a'), 97);
  assert.equal(hashCode('hello'), 99162322);
  assert.equal(hashCode(42), 42);
  assert.equal(hashCode(true), 1231);
});
