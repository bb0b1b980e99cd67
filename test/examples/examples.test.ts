/**
 * Runs each example through the CLI, as a user would (`weir run examples/<x>.ts -p N`), and checks
 * what it prints against results computed here from the same data. The examples are not imported:
 * importing a job module runs its job.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { transaction } from '../../examples/data/transactions.ts';
import { assignToKeyGroup, computeOperatorIndexForKeyGroup } from '../../src/state/key-groups.ts';

const repo = join(import.meta.dirname, '../..');
/** Node 24, which runs TypeScript directly: this one, or the project's. */
const node = process.version.startsWith('v24') ? process.execPath : join(repo, 'node_modules/.bin/node');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function weir(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      node,
      [join(repo, 'bin/weir.js'), ...args],
      { cwd: repo, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l.length > 0);
const sorted = (xs: string[]) => [...xs].sort();

/** Splits `N> line` into the subtask (counted from 1) and the line. */
function unprefix(line: string): { subtask: number; text: string } {
  const m = /^(\d+)> (.*)$/.exec(line);
  assert.ok(m, `expected "N> " before ${JSON.stringify(line)}`);
  return { subtask: Number(m[1]), text: m[2] };
}

/** The subtask (from 1) that owns `key` at `parallelism` with the default 128 key groups. */
const owner = (key: string, parallelism: number) =>
  computeOperatorIndexForKeyGroup(128, parallelism, assignToKeyGroup(key, 128)) + 1;

/**
 * Checks the printed lines of a job at parallelism 2: every line has the `N> ` prefix of the
 * subtask owning its key, and the lines without prefix are `expected` up to order, with each key's
 * lines in the expected order.
 */
function checkParallelOutput(stdout: string, expected: string[], keyOf: (line: string) => string): void {
  const printed = lines(stdout).map(unprefix);
  for (const { subtask, text } of printed) {
    assert.equal(subtask, owner(keyOf(text), 2), `subtask of ${JSON.stringify(text)}`);
  }
  const texts = printed.map((p) => p.text);
  assert.deepEqual(sorted(texts), sorted(expected));
  const perKey = (xs: string[]) => {
    const m = new Map<string, string[]>();
    for (const x of xs) m.set(keyOf(x), [...(m.get(keyOf(x)) ?? []), x]);
    return m;
  };
  assert.deepEqual(perKey(texts), perKey(expected));
}

/**
 * The two contiguous index ranges a generator source reads at parallelism 2 (the first takes the
 * odd one out). A keyed function downstream sees each range's records in order, the two ranges
 * interleaved in some way; reading the input whole is one such interleaving.
 */
function splitHalves<T>(items: T[], indexOf: (t: T) => number, total: number): [T[], T[]] {
  const half = Math.ceil(total / 2);
  return [items.filter((t) => indexOf(t) < half), items.filter((t) => indexOf(t) >= half)];
}

describe('examples, run through the CLI', { concurrency: true }, () => {
  describe('fraud-detection', { concurrency: true }, () => {
    const TRANSACTIONS = 2_000;
    const THRESHOLD = 50_000;
    const txs = Array.from({ length: TRANSACTIONS }, (_, i) => transaction(i));
    const users = [...new Set(txs.map((t) => t.userId))];
    const alertLine = /^ALERT (user-\d+): total (\d+) after transaction (\d+)$/;

    it('at parallelism 1 prints each alert, in order, as the totals cross the threshold', async () => {
      const expected: string[] = [];
      const totals = new Map<string, number>();
      for (const tx of txs) {
        const previous = totals.get(tx.userId) ?? 0;
        const current = previous + tx.amount;
        totals.set(tx.userId, current);
        if (previous <= THRESHOLD && current > THRESHOLD) {
          expected.push(`ALERT ${tx.userId}: total ${current} after transaction ${tx.id}`);
        }
      }
      assert.ok(expected.length > 0, 'the data should raise alerts');
      const run = await weir(['run', 'examples/fraud-detection.ts', '-p', '1']);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(lines(run.stdout), expected);
    });

    it('at parallelism 2 prints one alert per user over the threshold, consistent with the order it saw', async () => {
      const run = await weir(['run', 'examples/fraud-detection.ts', '--parallelism', '2']);
      assert.equal(run.code, 0, run.stderr);
      const printed = lines(run.stdout).map(unprefix);
      const finalTotals = new Map(users.map((u) => [u, 0]));
      for (const tx of txs) finalTotals.set(tx.userId, finalTotals.get(tx.userId)! + tx.amount);
      const alerting = users.filter((u) => finalTotals.get(u)! > THRESHOLD).sort();
      const alerts = printed.map(({ subtask, text }) => {
        const m = alertLine.exec(text);
        assert.ok(m, `unexpected line ${JSON.stringify(text)}`);
        assert.equal(subtask, owner(m[1], 2), `subtask of ${text}`);
        return { user: m[1], total: Number(m[2]), id: Number(m[3]) };
      });
      assert.deepEqual(alerts.map((a) => a.user).sort(), alerting, 'one alert per user whose total crosses');

      // The source reads two halves in parallel: the detector saw each user's transactions of each
      // half in order, interleaved somehow. The alert must be the crossing of one such interleaving.
      for (const alert of alerts) {
        const mine = txs.filter((t) => t.userId === alert.user);
        const [first, second] = splitHalves(mine, (t) => t.id, TRANSACTIONS);
        const prefix = (xs: typeof txs, n: number) => xs.slice(0, n).reduce((s, t) => s + t.amount, 0);
        let explained = false;
        for (let i = 0; i <= first.length && !explained; i++) {
          for (let j = 0; j <= second.length && !explained; j++) {
            const sum = prefix(first, i) + prefix(second, j);
            const last = [i > 0 ? first[i - 1] : undefined, j > 0 ? second[j - 1] : undefined];
            for (const tx of last) {
              if (
                tx &&
                tx.id === alert.id &&
                sum === alert.total &&
                sum - tx.amount <= THRESHOLD &&
                sum > THRESHOLD
              ) {
                explained = true;
              }
            }
          }
        }
        assert.ok(explained, `no order of ${alert.user}'s transactions explains ${JSON.stringify(alert)}`);
      }
    });
  });

  describe('customer-spend', { concurrency: true }, () => {
    const csv = readFileSync(join(repo, 'examples/data/transactions.csv'), 'utf8');
    const [header, ...rows] = lines(csv.replace(/\r/g, ''));
    assert.equal(header, 'customerId,amount,timestamp');
    const expected: string[] = [];
    const totals = new Map<string, number>();
    for (const row of rows) {
      const [customer, amount] = row.split(',');
      const total = (totals.get(customer) ?? 0) + Number(amount);
      totals.set(customer, total);
      expected.push(`${customer} has spent ${(Math.round(total * 100) / 100).toFixed(2)}`);
    }
    const customerOf = (line: string) => line.split(' ')[0];

    it('at parallelism 1 prints every running total in file order', async () => {
      const run = await weir(['run', 'examples/customer-spend.ts', '-p', '1']);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(lines(run.stdout), expected);
    });

    it('at parallelism 2 prints the same totals, each customer in order, from the subtask owning it', async () => {
      const run = await weir(['run', 'examples/customer-spend.ts', '-p', '2']);
      assert.equal(run.code, 0, run.stderr);
      checkParallelOutput(run.stdout, expected, customerOf);
    });
  });

  describe('sensor-average', { concurrency: true }, () => {
    const READINGS = 30;
    const SENSORS = 3;
    // The example's reading(i): sensor i mod 3, a temperature that depends only on i.
    const readings = Array.from({ length: READINGS }, (_, i) => {
      const sensor = i % SENSORS;
      return { i, sensorId: `sensor-${sensor}`, temperature: 18 + sensor * 2 + ((i * 37) % 11) / 2 };
    });
    type Reading = (typeof readings)[number];
    const render = (sensorId: string, sum: number, count: number) =>
      `${sensorId} average ${(sum / count).toFixed(2)} over ${count} readings`;
    const sensorOf = (line: string) => line.split(' ')[0];

    it('at parallelism 1 prints the rolling average after every reading, in reading order', async () => {
      const expected: string[] = [];
      const acc = new Map<string, { sum: number; count: number }>();
      for (const r of readings) {
        const a = acc.get(r.sensorId) ?? { sum: 0, count: 0 };
        a.sum += r.temperature;
        a.count++;
        acc.set(r.sensorId, a);
        expected.push(render(r.sensorId, a.sum, a.count));
      }
      const run = await weir(['run', 'examples/sensor-average.ts', '-p', '1']);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(lines(run.stdout), expected);
    });

    it('at parallelism 2 prints, per sensor, the averages of an order of its readings', async () => {
      const run = await weir(['run', 'examples/sensor-average.ts', '-p', '2']);
      assert.equal(run.code, 0, run.stderr);
      const printed = lines(run.stdout).map(unprefix);
      assert.equal(printed.length, READINGS);
      for (const { subtask, text } of printed) assert.equal(subtask, owner(sensorOf(text), 2), text);
      // Whether the source reads the readings whole or in two halves at once, each sensor's
      // readings of each half arrive in order: the printed averages must follow one interleaving.
      for (let s = 0; s < SENSORS; s++) {
        const sensorId = `sensor-${s}`;
        const got = printed.map((p) => p.text).filter((t) => sensorOf(t) === sensorId);
        const [first, second] = splitHalves(
          readings.filter((r) => r.sensorId === sensorId),
          (r) => r.i,
          READINGS,
        );
        const sum = (xs: Reading[], n: number) => xs.slice(0, n).reduce((a, r) => a + r.temperature, 0);
        let states = [[0, 0]];
        for (const line of got) {
          const next = new Map<string, number[]>();
          for (const [i, j] of states) {
            for (const [a, b] of [
              [i + 1, j],
              [i, j + 1],
            ]) {
              if (a > first.length || b > second.length) continue;
              if (render(sensorId, sum(first, a) + sum(second, b), a + b) === line)
                next.set(`${a},${b}`, [a, b]);
            }
          }
          assert.ok(next.size > 0, `${JSON.stringify(line)} follows no order of ${sensorId}'s readings`);
          states = [...next.values()];
        }
        assert.equal(got.length, first.length + second.length, `one line per reading of ${sensorId}`);
        // The last average covers every reading, whatever the order.
        assert.equal(
          got.at(-1),
          render(sensorId, sum(first, first.length) + sum(second, second.length), got.length),
        );
      }
    });
  });
});
