/**
 * Runs the window examples through the CLI at parallelism 1 and 2 and checks what they print
 * against results computed here, directly from the same data and the window definitions.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CARD_TRANSACTIONS, cardTransaction, SALES, sale } from '../../examples/data/card-events.ts';
import { CLICK_DELIVERIES } from '../../examples/data/clicks.ts';
import { BUSY, QUIET } from '../../examples/data/partition-clicks.ts';
import { USER_CLICKS } from '../../examples/data/user-clicks.ts';

const repo = join(import.meta.dirname, '../..');
const node = process.version.startsWith('v24') ? process.execPath : join(repo, 'node_modules/.bin/node');

function weir(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      node,
      [join(repo, 'bin/weir.js'), ...args],
      { cwd: repo, timeout: 120_000 },
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

/** Printed lines by print identifier (`clicks> x`, `clicks:2> x`), without the prefix, in print order. */
function byIdentifier(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const m = /^([a-z]+)(?::\d+)?> (.*)$/.exec(line);
    assert.ok(m, `expected "identifier> " before ${JSON.stringify(line)}`);
    out.set(m[1], [...(out.get(m[1]) ?? []), m[2]]);
  }
  return out;
}

/** Lines grouped by the `userId` of their JSON, each group in print order. */
function perUser(lines: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of lines) {
    const user = (JSON.parse(line) as { userId: string }).userId;
    out.set(user, [...(out.get(user) ?? []), line]);
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Mathematical modulo: the result has the sign of the divisor. */
const mod = (a: number, n: number) => ((a % n) + n) % n;
const iso = (t: number) => new Date(t).toISOString();

/**
 * click-windows by Flink's rules, from the deliveries: the source's periodic watermark (highest
 * timestamp − 5 s − 1) is emitted between deliveries; a window fires when the watermark reaches its
 * end − 1, and again for each element that arrives later but within the 10 s of lateness; an
 * element for a window past end − 1 + lateness is late; the end of input fires the rest.
 */
function expectedClickWindows() {
  const size = 60_000;
  const bound = 5_000;
  const lateness = 10_000;
  const windows = new Map<string, { userId: string; end: number; clicks: number }>();
  const counts: string[] = [];
  const late: string[] = [];
  let refirings = 0;
  let outOfOrderOnTime = 0;
  let watermark = Number.NEGATIVE_INFINITY;
  let maxTs = Number.NEGATIVE_INFINITY;
  const line = (w: { userId: string; end: number; clicks: number }) =>
    JSON.stringify({ userId: w.userId, windowEnd: iso(w.end), clicks: w.clicks });
  const advance = (to: number) => {
    for (const [id, w] of windows) {
      if (w.end - 1 > watermark && w.end - 1 <= to) counts.push(line(w));
      if (w.end - 1 + lateness <= to) windows.delete(id);
    }
    watermark = to;
  };
  for (const delivery of CLICK_DELIVERIES) {
    for (const click of delivery) {
      const end = click.timestamp - mod(click.timestamp, size) + size;
      if (end - 1 + lateness <= watermark) {
        late.push(JSON.stringify({ userId: click.userId, url: click.url, time: iso(click.timestamp) }));
      } else {
        const id = `${click.userId}|${end}`;
        const w = windows.get(id) ?? { userId: click.userId, end, clicks: 0 };
        windows.set(id, w);
        w.clicks++;
        if (end - 1 <= watermark) {
          counts.push(line(w));
          refirings++;
        } else if (click.timestamp < maxTs) {
          outOfOrderOnTime++;
        }
      }
      maxTs = Math.max(maxTs, click.timestamp);
    }
    advance(maxTs - bound - 1);
  }
  advance(Number.POSITIVE_INFINITY);
  return { counts, late, refirings, outOfOrderOnTime };
}

/** Sessions with a 10 min gap: a user's clicks at most the gap apart (windows that touch merge). */
function expectedSessions(clicks: ReadonlyArray<{ userId: string; timestamp: number }>): string[] {
  const gap = 10 * 60_000;
  const byUser = new Map<string, number[]>();
  for (const c of clicks) byUser.set(c.userId, [...(byUser.get(c.userId) ?? []), c.timestamp]);
  const sessions: string[] = [];
  for (const [userId, all] of byUser) {
    const ts = [...all].sort((a, b) => a - b);
    let first = 0;
    for (let i = 1; i <= ts.length; i++) {
      if (i < ts.length && ts[i] - ts[i - 1] <= gap) continue;
      sessions.push(
        JSON.stringify({
          userId,
          sessionStart: iso(ts[first]),
          sessionEnd: iso(ts[i - 1] + gap),
          clicks: i - first,
        }),
      );
      first = i;
    }
  }
  return sessions.sort();
}

/** The article's session durations: per user and 5 min tumbling window, last click − first click. */
function expectedDurations(): string[] {
  const size = 5 * 60_000;
  const windows = new Map<string, { userId: string; windowEnd: number; min: number; max: number }>();
  for (const c of USER_CLICKS) {
    const windowEnd = c.timestamp - mod(c.timestamp, size) + size;
    const id = `${c.userId}|${windowEnd}`;
    const w = windows.get(id) ?? { userId: c.userId, windowEnd, min: c.timestamp, max: c.timestamp };
    w.min = Math.min(w.min, c.timestamp);
    w.max = Math.max(w.max, c.timestamp);
    windows.set(id, w);
  }
  return [...windows.values()]
    .map((w) => JSON.stringify({ userId: w.userId, windowEnd: w.windowEnd, duration: w.max - w.min }))
    .sort();
}

/**
 * idle-partitions: clicks per user and 10 s window. With idleness, the quiet partition stops
 * holding the watermark back, which then follows the busy partition (highest timestamp − 1 s − 1,
 * emitted while it lingers after its last click): windows up to there fire while running, the
 * others at the end of input. Without idleness, every window waits for the end of input.
 */
function expectedIdleWindows(idleness: boolean): string[] {
  const size = 10_000;
  const lastBusyWatermark = Math.max(...BUSY.map((c) => c.timestamp)) - 1_000 - 1;
  const counts = new Map<string, { userId: string; end: number; clicks: number }>();
  for (const c of [...BUSY, ...QUIET]) {
    const end = c.timestamp - mod(c.timestamp, size) + size;
    const id = `${c.userId}|${end}`;
    const w = counts.get(id) ?? { userId: c.userId, end, clicks: 0 };
    w.clicks++;
    counts.set(id, w);
  }
  return [...counts.values()]
    .map((w) =>
      JSON.stringify({
        userId: w.userId,
        windowEnd: iso(w.end),
        clicks: w.clicks,
        firedAt: idleness && w.end - 1 <= lastBusyWatermark ? 'while running' : 'end of input',
      }),
    )
    .sort();
}

interface TimedRun {
  code: number | null;
  stderr: string;
  /** Printed lines without the subtask prefix, with when they arrived (ms after the start). */
  lines: Array<{ text: string; at: number }>;
  /** When the process exited (ms after the start). */
  exitedAt: number;
}

/** Runs `weir` and notes when each printed line arrives. */
function weirTimed(args: string[], env: Record<string, string> = {}): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(node, [join(repo, 'bin/weir.js'), ...args], {
      cwd: repo,
      env: { ...process.env, ...env },
      timeout: 120_000,
    });
    const lines: TimedRun['lines'] = [];
    let partial = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const at = performance.now() - started;
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) if (p.length > 0) lines.push({ text: p.replace(/^\d+> /, ''), at });
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, lines, exitedAt: performance.now() - started }));
  });
}

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

    it('click-windows counts clicks per user and minute; a late click within the lateness fires again, a later one goes to the side output', async () => {
      const run = await weir(['run', 'examples/click-windows.ts', '-p', parallelism]);
      assert.equal(run.code, 0, run.stderr);
      const expected = expectedClickWindows();
      assert.ok(expected.outOfOrderOnTime > 0, 'the data has a click out of order within the bound');
      assert.ok(expected.refirings > 0, 'the data has a late click within the allowed lateness');
      assert.ok(expected.late.length > 0, 'the data has a click beyond the allowed lateness');
      const printed = byIdentifier(run.stdout);
      assert.deepEqual([...printed.keys()].sort(), ['clicks', 'late']);
      assert.deepEqual([...(printed.get('clicks') ?? [])].sort(), [...expected.counts].sort());
      // Each user's firings in order: the late click's firing comes after the window's first one.
      assert.deepEqual(perUser(printed.get('clicks') ?? []), perUser(expected.counts));
      assert.deepEqual(printed.get('late'), expected.late);
    });

    it("session-clicks counts clicks per 10 min session, and the article's session durations per 5 min window", async () => {
      const run = await weir(['run', 'examples/session-clicks.ts', '-p', parallelism]);
      assert.equal(run.code, 0, run.stderr);
      const sessions = expectedSessions(USER_CLICKS);
      // The data has a click that arrives after a later one of its user and bridges two sessions.
      const bridging = USER_CLICKS.filter((c, i) =>
        USER_CLICKS.slice(0, i).some((d) => d.userId === c.userId && d.timestamp > c.timestamp),
      );
      assert.ok(bridging.length > 0, 'the data has out-of-order clicks');
      assert.ok(
        expectedSessions(USER_CLICKS.filter((c) => !bridging.includes(c))).length > sessions.length,
        'an out-of-order click bridges two sessions',
      );
      const printed = byIdentifier(run.stdout);
      assert.deepEqual([...(printed.get('session') ?? [])].sort(), sessions);
      assert.deepEqual([...(printed.get('duration') ?? [])].sort(), expectedDurations());
    });

    it("idle-partitions: with withIdleness, the busy partition's windows fire while the quiet one is silent", async () => {
      const run = await weirTimed(['run', 'examples/idle-partitions.ts', '-p', parallelism]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.lines.map((l) => l.text).sort(), expectedIdleWindows(true));
      // Fired while running: printed well before the quiet partition lets the job end.
      const first = run.lines.find((l) => l.text.includes('"while running"'));
      assert.ok(first, 'windows fired while the input was running');
      assert.ok(
        first.at < run.exitedAt - 300,
        `the first window was printed at ${first.at.toFixed(0)} ms, the job ended at ${run.exitedAt.toFixed(0)} ms`,
      );
    });

    it('product-sales prints the revenue of each product per 1 min tumbling window', async () => {
      const run = await weir(['run', 'examples/product-sales.ts', '-p', parallelism]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(printed(run.stdout), expectedSales());
    });
  });
}

describe('idle-partitions without idleness', () => {
  it('every window waits for the end of input: the silent partition holds the watermark back', async () => {
    const run = await weirTimed(['run', 'examples/idle-partitions.ts', '-p', '1'], { IDLENESS: 'off' });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.lines.map((l) => l.text).sort(), expectedIdleWindows(false));
  });
});
