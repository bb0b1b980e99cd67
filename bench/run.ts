/**
 * Nexmark benchmark runner: `npm run bench -- <query> --events <N> [--parallelism P] [--runs R]`.
 * Runs a warm-up, then R measured runs, and ends with one line:
 *   nexmark <query>: <N> events in <S> s = <R> events/s (<C> events/cpu-s)
 * taken from the median run (by wall time). CPU time is the whole process's (all threads). At
 * parallelism above 1 the job's task slots run on worker threads, one per core. When the slots take
 * every core, the runner starts itself again with `--single-threaded-gc --max-semi-space-size=16`, as
 * `weir cluster start` starts its TaskManagers (src/runtime/cluster/gc-threads.ts); `--default-gc`
 * keeps V8's defaults.
 *
 * `--metrics` runs the Prometheus exporter in this process, as `weir run --metrics-port` does, and
 * scrapes its /metrics every second while the job runs; without it nothing is exposed or scraped.
 * `--rate <events/s>` sets the generator's rate of event time (default 10,000,000: 10 M events span one
 * second, so windows of seconds do not turn over; 100,000 makes them). `--backend heap|lmdb` picks
 * the keyed state backend (heap by default; lmdb in temporary directories). `--latency-interval
 * <ms>` turns latency tracking on (off by default). `--print-metrics` prints the job's task metrics
 * after each run. `--checkpoint-interval <ms>` takes EXACTLY_ONCE checkpoints
 * every that many ms into a temporary directory (filesystem storage, as `weir run` jobs use),
 * removed after the runs; each run line then says how many completed. Each run line also gives
 * when the sinks' input ended: a bounded job with checkpoints then waits for its final checkpoint
 * (up to one interval), which is end latency, not throughput. `--incremental` makes those
 * checkpoints incremental (CheckpointConfig.enableIncrementalCheckpointing); each run line then
 * also gives the mean bytes written per checkpoint (of the last ten).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { JobClient } from 'weir';
import { setExecutionContext } from '../src/api/executor.ts';
import type { JobExecutionResult } from '../src/core/job-execution-result.ts';
import { gcFlagsForSlots, hasSingleThreadedGc, SLOT_SEMI_SPACE } from '../src/runtime/cluster/gc-threads.ts';
import { PrometheusExporter } from '../src/runtime/metrics/prometheus-exporter.ts';
import { startPrometheusServer } from '../src/runtime/metrics/prometheus-server.ts';
import { localRunScopes } from '../src/runtime/metrics/prometheus-views.ts';
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
    'latency-interval': { type: 'string', default: '0' },
    'print-metrics': { type: 'boolean', default: false },
    backend: { type: 'string', default: 'heap' },
    'checkpoint-interval': { type: 'string', default: '0' },
    incremental: { type: 'boolean', default: false },
    rate: { type: 'string', default: '0' },
    'default-gc': { type: 'boolean', default: false },
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
// Slots on every core: the runner starts again with the collector a TaskManager would get
// (runtime/cluster/gc-threads.ts), unless --default-gc asks for V8's default.
const gcFlags = values['default-gc'] ? [] : gcFlagsForSlots(parallelism);
if (gcFlags.length > 0 && !hasSingleThreadedGc()) {
  const child = spawnSync(process.execPath, [...process.execArgv, ...gcFlags, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}
const runs = Number(values.runs);
const warmup =
  values.warmup !== undefined
    ? Number(values.warmup)
    : Math.min(2_000_000, Math.max(100_000, Math.floor(events / 10)));
const latencyInterval = Number(values['latency-interval']);
const backend = values.backend;
if (backend !== 'heap' && backend !== 'lmdb') {
  console.error(`--backend must be heap or lmdb, got ${backend}`);
  process.exit(2);
}
const checkpointInterval = Number(values['checkpoint-interval']);
/** Filesystem checkpoint storage of the runs (with --checkpoint-interval), removed at the end. */
const checkpointDir =
  checkpointInterval > 0 ? mkdtempSync(join(tmpdir(), 'weir-bench-checkpoints-')) : undefined;
// Also when a run fails.
if (checkpointDir) process.on('exit', () => rmSync(checkpointDir, { recursive: true, force: true }));

let moduleRuns = 0;
/** The clients of the jobs of the run in progress: what the exporter reads. */
let running: JobClient[] = [];
/** Scrapes during the last run (with --metrics), and their total time in ms (request to last byte). */
let scrapes = 0;
let scrapeMs = 0;
/** Ends the exporter's server (with --metrics) once the runs are over. */
let closeMetrics = async (): Promise<void> => {};

/**
 * With --metrics: the exporter of this process for the whole benchmark (as `weir run
 * --metrics-port` has one), and a scraper that GETs /metrics every second, as Prometheus would (with
 * node:http: the scraper's own cost should be small, since Prometheus runs in another process).
 */
if (values.metrics) {
  const exporter = new PrometheusExporter({
    scopes: localRunScopes(
      () => running.map((client) => ({ client, name: `nexmark ${query}` })),
      parallelism,
    ),
  });
  const server = await startPrometheusServer({
    exporter,
    host: '127.0.0.1',
    port: 0,
    settings: { port: '--metrics', host: '--metrics' },
    log: () => {},
  });
  const target = server!.url;
  const scrape = () => {
    const t0 = performance.now();
    get(target, (response) => {
      response.resume();
      response.on('end', () => {
        scrapes++;
        scrapeMs += performance.now() - t0;
      });
    }).on('error', () => {});
  };
  setInterval(scrape, 1_000).unref();
  closeMetrics = () => server!.close();
}

/**
 * Runs the Nexmark job module as `runJob` does (a fresh module instance, slots on worker threads),
 * with the jobs' clients known while they run, for the exporter.
 */
async function runModule(): Promise<{ results: JobExecutionResult[]; clients: JobClient[] }> {
  const url = new URL('./nexmark-job.ts', import.meta.url);
  url.searchParams.set('weir-run', String(++moduleRuns));
  const clients: JobClient[] = [];
  running = clients;
  scrapes = 0;
  scrapeMs = 0;
  setExecutionContext({
    parallelism,
    jobModule: url.href,
    cluster: latencyInterval > 0 ? { latencyTrackingIntervalMs: latencyInterval } : undefined,
    onJobSubmitted: (client) => clients.push(client),
  });
  try {
    await import(url.href);
    const results = await Promise.all(clients.map((c) => c.getJobExecutionResult()));
    return { results, clients };
  } finally {
    setExecutionContext(undefined);
    running = [];
  }
}

async function runOnce(n: number): Promise<{
  seconds: number;
  cpuSeconds: number;
  rows: number;
  checksum: number;
  checkpoints: number;
  checkpointBytes: number;
  inputSeconds: number;
}> {
  process.env.WEIR_BENCH_QUERY = query;
  process.env.WEIR_BENCH_EVENTS = String(n);
  process.env.WEIR_BENCH_BACKEND = backend;
  process.env.WEIR_BENCH_RATE = values.rate;
  process.env.WEIR_BENCH_CHECKPOINT_INTERVAL = String(checkpointInterval);
  process.env.WEIR_BENCH_CHECKPOINT_DIR = checkpointDir ?? '';
  process.env.WEIR_BENCH_INCREMENTAL = values.incremental ? '1' : '';
  const cpu0 = process.cpuUsage();
  const start = Date.now();
  const t0 = performance.now();
  const { results, clients } = await runModule();
  if (values['print-metrics']) console.log(clients[0].getMetrics());
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const result = results[0];
  return {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rows: result.getAccumulatorResult<number>('rows') ?? 0,
    checksum: (result.getAccumulatorResult<number>('checksum') ?? 0) | 0,
    checkpoints: clients[0].getCheckpointStatistics?.().completed ?? 0,
    checkpointBytes: meanCheckpointBytes(clients[0]),
    inputSeconds: ((result.getAccumulatorResult<number>('inputEndedAt') ?? 0) - start) / 1000,
  };
}

/** Mean state bytes written per completed checkpoint, over the history's (the last ten). */
function meanCheckpointBytes(client: JobClient): number {
  const completed = (client.getCheckpointHistory?.() ?? []).filter(
    (h) => h.status === 'COMPLETED' && !h.isSavepoint,
  );
  return completed.length === 0 ? 0 : completed.reduce((sum, h) => sum + h.stateSize, 0) / completed.length;
}

if (warmup > 0) await runOnce(warmup);
const results = [];
for (let i = 0; i < runs; i++) {
  const r = await runOnce(events);
  results.push(r);
  console.log(
    `run ${i + 1}: ${r.seconds.toFixed(2)} s, ${Math.round(events / r.seconds)} events/s, cpu ${r.cpuSeconds.toFixed(2)} s, rows ${r.rows}, checksum ${r.checksum}${checkpointDir ? `, ${r.checkpoints} checkpoints of ${Math.round(r.checkpointBytes)} bytes written on average` : ''}, input ended at ${r.inputSeconds.toFixed(2)} s (${Math.round(events / r.inputSeconds)} events/s)${values.metrics ? `, ${scrapes} scrapes of ${(scrapeMs / Math.max(1, scrapes)).toFixed(1)} ms` : ''}`,
  );
}
results.sort((a, b) => a.seconds - b.seconds);
const median = results[Math.floor(results.length / 2)];
console.log(
  `node ${process.version}${hasSingleThreadedGc() ? ` (single-threaded GC${process.execArgv.includes(SLOT_SEMI_SPACE) ? ', 16 MB semi-spaces' : ''})` : ''}, parallelism ${parallelism}, ${Number(values.rate) > 0 ? `${values.rate} events/s of event time` : 'default event rate'}, ${backend} state backend, ${checkpointInterval > 0 ? `${values.incremental ? 'incremental ' : ''}checkpoints every ${checkpointInterval} ms (filesystem storage)` : 'no checkpoints'}, metrics ${values.metrics ? 'exported and scraped every second' : 'not exported'}, latency tracking ${latencyInterval > 0 ? `every ${latencyInterval} ms` : 'off'}, median of ${runs} runs`,
);
console.log(
  `nexmark ${query}: ${events} events in ${median.seconds.toFixed(2)} s = ${Math.round(events / median.seconds)} events/s (${Math.round(events / median.cpuSeconds)} events/cpu-s)`,
);
await closeMetrics();
