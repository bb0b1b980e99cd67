/**
 * Helpers of the metrics tests: a real Prometheus server (Debian's `prometheus`, /usr/bin/prometheus)
 * in a temporary directory, scraping given targets every second; Weir processes started from the CLI;
 * and the exposition text read as names and samples.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../cluster/cluster-support.ts';
import { Children, type Run, until } from '../faults/support.ts';

export const PROMETHEUS = process.env.WEIR_PROMETHEUS ?? '/usr/bin/prometheus';
export const repo = join(import.meta.dirname, '../..');
export const node = process.version.startsWith('v24')
  ? process.execPath
  : join(repo, 'node_modules/.bin/node');
export const WEIR = join(repo, 'bin/weir.js');
export const METRICS_JOB = join(import.meta.dirname, 'jobs/metrics-job.ts');
export const METRICS_LINE = /weir: metrics at (http:\/\/\S+\/metrics)/;

/** The environment of a Weir process: the engine's sources, no inherited NODE_OPTIONS. */
export function weirEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _ignored, ...rest } = process.env;
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  return { ...rest, NODE_OPTIONS: '--conditions=weir-source', TMPDIR: tmp, XDG_RUNTIME_DIR: '', ...extra };
}

/** Starts `weir <args>` in `dir`. */
export function startWeir(
  children: Children,
  dir: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Run {
  return children.spawn(node, [WEIR, ...args], { cwd: dir, env: weirEnv(dir, env) });
}

/** Waits for `run`'s `weir: metrics at <url>` line and returns the URL. */
export async function metricsUrl(run: Run, timeoutMs = 120_000): Promise<string> {
  let url: string | undefined;
  await until(
    () => {
      url = METRICS_LINE.exec(run.stderr())?.[1];
      if (url === undefined && run.child.exitCode !== null)
        throw new Error(`the process exited before serving metrics:\n${run.stderr()}`);
      return url !== undefined;
    },
    timeoutMs,
    'the "weir: metrics at" line',
  );
  return url!;
}

/** GET the exposition. */
export async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return response.text();
}

/** One sample of an exposition: name, labels, value. */
export interface ExposedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of an exposition in the text format (comments skipped). */
export function samples(text: string): ExposedSample[] {
  const out: ExposedSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** A Prometheus server of a test. */
export interface PrometheusServer {
  readonly url: string;
  readonly run: Run;
  /** Instant query: the result vector (`[]` when nothing matches). */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** The targets' health, by scrape URL. */
  targets(): Promise<Array<{ scrapeUrl: string; health: string; lastError: string }>>;
}

/** True when Debian's Prometheus is installed. */
export function hasPrometheus(): boolean {
  return existsSync(PROMETHEUS);
}

/**
 * Starts Prometheus on 127.0.0.1 (a free port), its TSDB in `dir`, scraping each of `targets`
 * (`http://host:port/metrics`) every second, and waits until it is ready.
 */
export async function startPrometheus(
  children: Children,
  dir: string,
  targets: readonly string[],
  timeoutMs = 60_000,
): Promise<PrometheusServer> {
  mkdirSync(dir, { recursive: true });
  const hosts = targets.map((t) => new URL(t).host);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: weir',
      '    metrics_path: /metrics',
      '    static_configs:',
      `      - targets: [${hosts.map((h) => JSON.stringify(h)).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const run = children.spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { cwd: dir, env: process.env },
  );
  const url = `http://127.0.0.1:${port}`;
  await until(
    async () => {
      if (run.child.exitCode !== null) throw new Error(`prometheus exited:\n${run.stderr()}`);
      const ready = await fetch(`${url}/-/ready`).catch(() => undefined);
      return ready?.status === 200;
    },
    timeoutMs,
    'Prometheus to be ready',
  );
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`GET ${path}: ${body.error ?? response.status}`);
    return body.data;
  };
  return {
    url,
    run,
    query: async (promql) =>
      (
        await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
          `/api/v1/query?query=${encodeURIComponent(promql)}`,
        )
      ).result,
    targets: async () =>
      (
        await api<{ activeTargets: Array<{ scrapeUrl: string; health: string; lastError: string }> }>(
          '/api/v1/targets',
        )
      ).activeTargets,
  };
}

/** Polls the instant query until it returns at least one series; returns them. */
export async function untilSeries(
  prometheus: PrometheusServer,
  promql: string,
  timeoutMs = 90_000,
): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  let result: Array<{ metric: Record<string, string>; value: [number, string] }> = [];
  await until(
    async () => {
      result = await prometheus.query(promql);
      return result.length > 0;
    },
    timeoutMs,
    `PromQL ${promql} to return a series`,
  );
  return result;
}

export { Children, until };
