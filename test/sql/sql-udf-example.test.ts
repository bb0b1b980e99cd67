import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NexmarkGenerator } from '../../src/connectors/nexmark/generator.ts';
import { weirSql } from './support.ts';

/** The example's result computed without Weir: per word of the item names, its auctions and longest name. */
function expectedWords(events: number): string[] {
  const generator = new NexmarkGenerator({ events });
  const words = new Map<string, { auctions: number; longest: string }>();
  for (let id = 1; id <= events; id++) {
    const event = generator.generateEvent(id);
    if (event.kind !== 'auction') continue;
    const name = event.auction.itemName;
    for (const w of name.split(' ')) {
      if (w.length === 0) continue;
      const word = w.toLowerCase();
      const seen = words.get(word);
      if (seen === undefined) words.set(word, { auctions: 1, longest: name });
      else {
        seen.auctions++;
        if (name.length > seen.longest.length) seen.longest = name;
      }
    }
  }
  return [...words].map(([w, s]) => `${w}|${s.auctions}|${s.longest}`).sort();
}

test('weir sql -f runs examples/sql/auction-words.sql: a table and an aggregate function in TypeScript', async () => {
  const run = await weirSql(['-f', 'examples/sql/auction-words.sql']);
  assert.equal(run.code, 0, run.stderr);
  // Apply the printed changelog: +I and +U set a word's row, -U and -D take it back.
  const rows = new Map<string, string>();
  for (const line of run.stdout.split('\n')) {
    const m = /^\| ([+-][IUD]) \|(.*)\|$/.exec(line);
    if (!m) continue;
    const cells = m[2].split('|').map((c) => c.trim());
    if (m[1] === '+I' || m[1] === '+U') rows.set(cells[0], cells.join('|'));
    else rows.delete(cells[0]);
  }
  const expected = expectedWords(1000);
  assert.ok(
    expected.some((r) => !r.includes('|1|')),
    'some word is used by several auctions',
  );
  assert.deepEqual([...rows.values()].sort(), expected);
});
