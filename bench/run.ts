/**
 * Nexmark benchmark runner: `npm run bench -- <query> --events <N> [--parallelism P] [--runs R]`.
 * Runs a warm-up, then R measured runs, and ends with one line:
 *   nexmark <query>: <N> events in <S> s = <R> events/s (<C> events/cpu-s)
 * taken from the median run (by wall time). CPU time is the whole process's (all threads). At
 * parallelism above 1 the job's task slots run on worker threads, one per core.
 */
import { parseArgs } from 'node:util';
import { runJob } from 'weir';
import { queries } from './nexmark-queries.ts';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    events: { type: 'string', default: '10000000' },
    parallelism: { type: 'string', short: 'p', default: '1' },
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string' },
    metrics: { type: 'boolean', default: false },
  },
});
const query = positionals[0];
if (!query || !(query in queries)) {
  console.error(
    `usage: npm run bench -- <${Object.keys(queries).join('|')}> --events N [--parallelism P] [--runs R]`,
  );
  process.exit(2);
}
const events = Number(values.events);
const parallelism = Number(values.parallelism);
const runs = Number(values.runs);
const warmup =
  values.warmup !== undefined
    ? Number(values.warmup)
    : Math.min(2_000_000, Math.max(100_000, Math.floor(events / 10)));

async function runOnce(
  n: number,
): Promise<{ seconds: number; cpuSeconds: number; rows: number; checksum: number }> {
  process.env.WEIR_BENCH_QUERY = query;
  process.env.WEIR_BENCH_EVENTS = String(n);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { results, clients } = await runJob(new URL('./nexmark-job.ts', import.meta.url), { parallelism });
  if (values.metrics) console.log(clients[0].getMetrics());
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const result = results[0];
  return {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rows: result.getAccumulatorResult<number>('rows') ?? 0,
    checksum: (result.getAccumulatorResult<number>('checksum') ?? 0) | 0,
  };
}

if (warmup > 0) await runOnce(warmup);
const results = [];
for (let i = 0; i < runs; i++) {
  const r = await runOnce(events);
  results.push(r);
  console.log(
    `run ${i + 1}: ${r.seconds.toFixed(2)} s, ${Math.round(events / r.seconds)} events/s, cpu ${r.cpuSeconds.toFixed(2)} s, rows ${r.rows}, checksum ${r.checksum}`,
  );
}
results.sort((a, b) => a.seconds - b.seconds);
const median = results[Math.floor(results.length / 2)];
console.log(
  `node ${process.version}, parallelism ${parallelism}, heap state backend, no checkpoints, median of ${runs} runs`,
);
console.log(
  `nexmark ${query}: ${events} events in ${median.seconds.toFixed(2)} s = ${Math.round(events / median.seconds)} events/s (${Math.round(events / median.cpuSeconds)} events/cpu-s)`,
);
