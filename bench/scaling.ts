/**
 * Scaling across cores, against the machine's own bound:
 *   npm run bench:scaling -- <query> [--events N] [--rounds R]
 *
 * Each round runs, one after the other:
 *   - p1: the query at parallelism 1 on N events;
 *   - pair: two independent processes at parallelism 1, N/2 events each, started together. No
 *     exchange and no shared heap: the most that two cores of this machine give this work;
 *   - p2: the query at parallelism 2 on N events.
 * and prints the wall times of the measured runs (bench/run.ts `--runs 1`, its usual warm-up first)
 * with the speedups p1/p2 and p1/pair. The end line gives the medians over the rounds: how far the
 * runtime's parallelism is from what two independent processes reach on the same cores.
 *
 * The pair runs with the V8 flags run.ts gives parallelism 2 (src/runtime/cluster/gc-threads.ts:
 * on a 2-core machine the single-threaded collector and capped semi-spaces), so that both sides
 * collect garbage alike.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gcFlagsForSlots } from '../src/runtime/cluster/gc-threads.ts';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    events: { type: 'string', default: '20000000' },
    rounds: { type: 'string', default: '5' },
  },
});
const query = positionals[0];
if (!query) {
  console.error('usage: npm run bench:scaling -- <query> [--events N] [--rounds R]');
  process.exit(2);
}
const events = Number(values.events);
const rounds = Number(values.rounds);
const runner = fileURLToPath(new URL('./run.ts', import.meta.url));

/** Wall seconds of one measured run of bench/run.ts (its first run line). */
function run(parallelism: number, n: number, flags: string[] = []): Promise<number> {
  const args = [...flags, runner, query, '--events', String(n), '--runs', '1', '-p', String(parallelism)];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /^run 1: ([\d.]+) s/m.exec(out);
      if (code !== 0 || m === null)
        reject(new Error(`bench/run.ts ${args.join(' ')} failed (${code}):\n${out}`));
      else resolve(Number(m[1]));
    });
  });
}

const pairFlags = gcFlagsForSlots(2);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p1s: number[] = [];
const pairs: number[] = [];
const p2s: number[] = [];
const speedups: number[] = [];
const bounds: number[] = [];
for (let r = 1; r <= rounds; r++) {
  const p1 = await run(1, events);
  const half = Math.floor(events / 2);
  const both = await Promise.all([run(1, half, pairFlags), run(1, events - half, pairFlags)]);
  const pair = Math.max(...both);
  const p2 = await run(2, events);
  p1s.push(p1);
  pairs.push(pair);
  p2s.push(p2);
  speedups.push(p1 / p2);
  bounds.push(p1 / pair);
  console.log(
    `round ${r}: p1 ${p1.toFixed(2)} s, pair ${both.map((s) => s.toFixed(2)).join(' and ')} s, p2 ${p2.toFixed(2)} s; p1/p2 ${(p1 / p2).toFixed(2)}, p1/pair ${(p1 / pair).toFixed(2)}`,
  );
}
console.log(
  `scaling ${query}, ${events} events, median of ${rounds} rounds: p1 ${median(p1s).toFixed(2)} s, pair ${median(pairs).toFixed(2)} s, p2 ${median(p2s).toFixed(2)} s; speedup p1/p2 ${median(speedups).toFixed(2)}, bound p1/pair ${median(bounds).toFixed(2)}`,
);
