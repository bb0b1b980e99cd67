/**
 * Runs the window examples through the CLI at parallelism 1 and 2 and checks what they print
 * against results computed here, directly from the same data and the window definitions.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CARD_TRANSACTIONS, cardTransaction, SALES, sale } from '../../examples/data/card-events.ts';

const repo = join(import.meta.dirname, '../..');
const node = process.version.startsWith('v24') ? process.execPath : join(repo, 'node_modules/.bin/node');

function weir(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      node,
      [join(repo, 'bin/weir.js'), ...args],
      { cwd: repo, timeout: 20_000 },
      (_e, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** Printed lines without the `N> ` subtask prefix, sorted. */
const printed = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.replace(/^\d+> /, ''))
    .sort();

function expectedFraudAlerts(): string[] {
  const size = 60_000;
  const slide = 10_000;
  const counts = new Map<string, number>();
  for (let i = 0; i < CARD_TRANSACTIONS; i++) {
    const tx = cardTransaction(i);
    // Every window [start, start + size) with start a multiple of slide that contains the timestamp.
    for (let start = tx.timestamp - (tx.timestamp % slide); start > tx.timestamp - size; start -= slide) {
      const k = `${tx.userId}|${start}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  const alerts: string[] = [];
  for (const [k, count] of counts) {
    if (count <= 5) continue;
    const [user, start] = k.split('|');
    const s = Number(start);
    alerts.push(
      `ALERT ${user}: ${count} transactions in [${new Date(s).toISOString()}, ${new Date(s + size).toISOString()})`,
    );
  }
  return alerts.sort();
}

function expectedSales(): string[] {
  const totals = new Map<string, number>();
  for (let i = 0; i < SALES; i++) {
    const s = sale(i);
    const end = s.timestamp - (s.timestamp % 60_000) + 60_000;
    const k = `${s.productId}|${end}`;
    totals.set(k, (totals.get(k) ?? 0) + s.quantity * s.price);
  }
  return [...totals]
    .map(([k, revenue]) => {
      const [productId, end] = k.split('|');
      return JSON.stringify({ productId, windowEnd: new Date(Number(end)).toISOString(), revenue });
    })
    .sort();
}

for (const parallelism of ['1', '2']) {
  describe(`window examples at parallelism ${parallelism}`, () => {
    it('fraud-sliding-window alerts for every 1 min window (sliding by 10 s) with more than 5 transactions of a user', async () => {
      const run = await weir(['run', 'examples/fraud-sliding-window.ts', '-p', parallelism]);
      assert.equal(run.code, 0, run.stderr);
      const expected = expectedFraudAlerts();
      assert.ok(expected.length > 0, 'the data has bursts');
      assert.deepEqual(printed(run.stdout), expected);
    });

    it('product-sales prints the revenue of each product per 1 min tumbling window', async () => {
      const run = await weir(['run', 'examples/product-sales.ts', '-p', parallelism]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(printed(run.stdout), expectedSales());
    });
  });
}
