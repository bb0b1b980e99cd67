/**
 * Benchmarks of a standalone cluster on 127.0.0.1: a JobManager and TaskManagers as processes
 * (`weir jobmanager`, `weir taskmanager`), started and killed by this script.
 *
 *   npm run bench:cluster -- [--part throughput,latency,recovery] [--q1-events N] [--bidder-events N]
 *                            [--runs R] [--no-reference] [--submissions S] [--kills K]
 *
 * Defaults: all parts, 20 M events for q1, 10 M for bidder-count, 3 rounds, 10 submissions, 5 kills.
 *
 * - throughput: Nexmark q1 and bidder-count (bench/nexmark-job.ts, submitted with its query and
 *   event count as --env) on 2 TaskManagers × 1 slot at -p 2, 1 TaskManager × 2 slots at -p 2 and
 *   1 TaskManager × 1 slot at -p 1; a warm-up run, then the median of R rounds, each through every
 *   setup (the three clusters run side by side, idle but for the measured one). The time is from the
 *   job's RUNNING to its FINISHED as this script observes them (GET /jobs/:id every 10 ms), next to
 *   the JobManager's own `duration` (end-time − start-time), and the CPU time of the TaskManager
 *   processes and of the JobManager (/proc). For reference, in each round, `bench/run.ts --runs 1` (the
 *   in-process mini-cluster of `weir run`) with the same events at -p 1 and -p 2.
 * - latency: on a warm cluster of 2 TaskManagers × 2 slots, S submissions of a small unbounded job
 *   (bench/jobs/cluster-unbounded.ts) at -p 4, each cancelled after: from the start of
 *   `POST /jobs` with an artifact bundled beforehand (and, separately, from the spawn of a
 *   `weir submit -d` command) to RUNNING, and to the first record the job prints on a TaskManager's
 *   stdout.
 * - recovery: 2 TaskManagers × 2 slots, the unbounded job at -p 4 with a checkpoint every 500 ms;
 *   K times a fresh job and a `kill -9` of a TaskManager that runs its subtasks: from the kill to
 *   RESTARTING, to RUNNING again and to the first checkpoint completed after the restart, with the
 *   default restart strategy and with `fixedDelayRestart(1000, 0)`. The killed TaskManager is
 *   started again between kills.
 *
 * Every process runs in its own process group; all of them are killed when the script ends, fails
 * or is interrupted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleJob, type JobArtifact } from '../src/cli/job-bundle.ts';
import { type JobState, RestClient, TERMINAL_STATES } from '../src/cli/rest-client.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const WEIR = join(ROOT, 'bin/weir.js');
const NEXMARK_JOB = join(ROOT, 'bench/nexmark-job.ts');
const UNBOUNDED_JOB = join(ROOT, 'bench/jobs/cluster-unbounded.ts');
const CHILD_ENV = { ...process.env, NODE_OPTIONS: '--conditions=weir-source' };

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    part: { type: 'string', default: 'throughput,latency,recovery' },
    'q1-events': { type: 'string', default: '20000000' },
    'bidder-events': { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '3' },
    submissions: { type: 'string', default: '10' },
    kills: { type: 'string', default: '5' },
    'no-reference': { type: 'boolean', default: false },
  },
});
const parts = new Set(values.part.split(','));

// ---------------------------------------------------------------------------------------------
// Processes

/** A process started by this script, with its output read line by line. */
interface Proc {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
  /** Calls `f` with every line of stdout and stderr from now on, and the time it arrived. */
  onLine(f: (line: string, at: number, stream: 'stdout' | 'stderr') => void): () => void;
  /** The last lines of output, for error messages. */
  tail(): string;
}

const procs = new Set<Proc>();

/** `node <script> args` (by default `weir args`) with the engine's sources, in a process group of its own. */
function start(name: string, args: string[], script = WEIR): Proc {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: CHILD_ENV,
    detached: true, // its own process group, killed as one
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const listeners = new Set<(line: string, at: number, stream: 'stdout' | 'stderr') => void>();
  const last: string[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    createInterface({ input: child[stream]! }).on('line', (line) => {
      const at = performance.now();
      last.push(`${stream}: ${line}`);
      if (last.length > 40) last.shift();
      for (const f of listeners) f(line, at, stream);
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc: Proc = {
    name,
    child,
    exited,
    onLine(f) {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    tail: () => last.join('\n'),
  };
  procs.add(proc);
  void exited.then(() => procs.delete(proc));
  return proc;
}

/** `kill -9` of the process group. */
function killGroup(proc: Proc): void {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  try {
    process.kill(-proc.child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Directories of clusters not yet stopped, removed at exit. */
const dirs = new Set<string>();

function killAll(): void {
  for (const p of procs) killGroup(p);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** Resolves with the first line matching `pattern` and its arrival time; rejects on exit or timeout. */
function waitForLine(
  proc: Proc,
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<{ match: RegExpMatchArray; at: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        finish(new Error(`${proc.name}: no line matching ${pattern} within ${timeoutMs} ms\n${proc.tail()}`)),
      timeoutMs,
    );
    const off = proc.onLine((line, at) => {
      const match = line.match(pattern);
      if (match) finish(undefined, { match, at });
    });
    void proc.exited.then(() =>
      finish(new Error(`${proc.name} exited (waiting for ${pattern})\n${proc.tail()}`)),
    );
    let done = false;
    function finish(error?: Error, value?: { match: RegExpMatchArray; at: number }): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      off();
      if (error) reject(error);
      else resolve(value!);
    }
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `f` every `intervalMs` until it returns a value other than undefined. */
async function until<T>(
  what: string,
  f: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 10,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// A cluster

interface TaskManagerProc extends Proc {
  id: string;
  slots: number;
}

class Cluster {
  readonly dir: string;
  readonly rest: RestClient;
  readonly restUrl: string;
  readonly rpc: string;
  readonly jm: Proc;
  readonly taskManagers: TaskManagerProc[] = [];
  private tmCount = 0;

  private constructor(dir: string, jm: Proc, restUrl: string, rpc: string) {
    this.dir = dir;
    this.jm = jm;
    this.restUrl = restUrl;
    this.rpc = rpc;
    this.rest = new RestClient({ url: restUrl });
  }

  static async start(taskManagers: number, slots: number): Promise<Cluster> {
    const dir = mkdtempSync(join(tmpdir(), 'weir-bench-cluster-'));
    dirs.add(dir);
    const jm = start('jobmanager', [
      'jobmanager',
      '--rest-port',
      '0',
      '--rpc-port',
      '0',
      '-D',
      `web.upload.dir=${join(dir, 'jm-uploads')}`,
    ]);
    const { match } = await waitForLine(jm, /JobManager ready: REST (\S+), RPC (\S+)/);
    const cluster = new Cluster(dir, jm, match[1].replace(/,$/, ''), match[2]);
    for (let i = 0; i < taskManagers; i++) await cluster.startTaskManager(slots);
    return cluster;
  }

  async startTaskManager(slots: number): Promise<TaskManagerProc> {
    const n = ++this.tmCount;
    const uploads = join(this.dir, `tm-${n}`);
    mkdirSync(uploads, { recursive: true });
    const proc = start(`taskmanager ${n}`, [
      'taskmanager',
      '--jobmanager',
      this.rpc,
      '--slots',
      String(slots),
      '-D',
      `web.upload.dir=${uploads}`,
    ]);
    const { match } = await waitForLine(proc, /TaskManager (\S+) registered at/);
    const tm = Object.assign(proc, { id: match[1], slots });
    this.taskManagers.push(tm);
    return tm;
  }

  killTaskManager(tm: TaskManagerProc): void {
    killGroup(tm);
    this.taskManagers.splice(this.taskManagers.indexOf(tm), 1);
  }

  /** Waits until every slot of the registered TaskManagers is free (no job holds one). */
  async allSlotsFree(): Promise<void> {
    const total = this.taskManagers.reduce((s, tm) => s + tm.slots, 0);
    await until('all slots free', async () => {
      const o = await this.rest.overview();
      return o.taskmanagers === this.taskManagers.length && o['slots-available'] === total ? true : undefined;
    });
  }

  async stop(): Promise<void> {
    for (const p of [...this.taskManagers, this.jm]) killGroup(p);
    await Promise.all([...this.taskManagers, this.jm].map((p) => p.exited));
    rmSync(this.dir, { recursive: true, force: true });
    dirs.delete(this.dir);
  }
}

/** Polls the job every 10 ms until it is in `state` (or a terminal state, which is an error unless wanted). */
async function awaitState(
  rest: RestClient,
  jobId: string,
  state: JobState,
  timeoutMs = 120_000,
): Promise<number> {
  return until(
    `job ${jobId} ${state}`,
    async () => {
      const { state: s } = await rest.job(jobId);
      if (s === state) return performance.now();
      if (TERMINAL_STATES.has(s)) {
        const ex = await rest.exceptions(jobId);
        throw new Error(`job ${jobId} is ${s} (waiting for ${state}): ${ex['root-exception']}`);
      }
      return undefined;
    },
    timeoutMs,
  );
}

async function cancelAndWait(rest: RestClient, jobId: string): Promise<void> {
  await rest.cancel(jobId);
  await awaitState(rest, jobId, 'CANCELED', 60_000);
}

// ---------------------------------------------------------------------------------------------
// Statistics and output

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${Math.round(n)} ms`;
const lines: string[] = [];
function report(line: string): void {
  lines.push(line);
  console.log(line);
}

// ---------------------------------------------------------------------------------------------
// 1. Throughput

/** CPU seconds (user + system, all threads) a process has used so far, from /proc. */
function cpuSeconds(proc: Proc): number {
  const stat = readFileSync(`/proc/${proc.child.pid}/stat`, 'utf8');
  // Fields after the command (which may hold spaces) start at state; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

interface Setup {
  label: string;
  taskManagers: number;
  slots: number;
  p: number;
  cluster?: Cluster;
}

interface Measured {
  /** From RUNNING to FINISHED as observed, in s. */
  observed: number;
  /** The JobManager's duration (end-time − start-time), in s. */
  duration: number;
  /** CPU of the TaskManagers during the run, in s (in-process: the whole process's). */
  cpu: number;
  /** CPU of the JobManager during the run, in s (mostly answering this script's polls). */
  jmCpu: number;
}

/**
 * All three clusters run from the start (idle ones cost only heartbeats), and the runs go round by
 * round through every setup and query, with the in-process reference in each round, so that every
 * cell sees the same changes of this shared VM's speed.
 */
async function throughput(): Promise<void> {
  const artifact = await bundleJob(NEXMARK_JOB);
  const runs = Number(values.runs);
  const queries: Array<[string, number]> = [
    ['q1', Number(values['q1-events'])],
    ['bidder-count', Number(values['bidder-events'])],
  ];
  const setups: Setup[] = [
    { label: '2 TM × 1 slot, -p 2', taskManagers: 2, slots: 1, p: 2 },
    { label: '1 TM × 2 slots, -p 2', taskManagers: 1, slots: 2, p: 2 },
    { label: '1 TM × 1 slot, -p 1', taskManagers: 1, slots: 1, p: 1 },
  ];
  try {
    for (const setup of setups) setup.cluster = await Cluster.start(setup.taskManagers, setup.slots);
    const one = async (setup: Setup, query: string, n: number): Promise<Measured> => {
      const cluster = setup.cluster!;
      await cluster.allSlotsFree();
      const members = [cluster.jm, ...cluster.taskManagers];
      const cpu0 = members.map(cpuSeconds);
      const { jobid } = await cluster.rest.submit({
        artifact: { name: artifact.name, code: artifact.code },
        parallelism: setup.p,
        args: [],
        env: { WEIR_BENCH_QUERY: query, WEIR_BENCH_EVENTS: String(n) },
        allowNonRestoredState: false,
      });
      const running = await awaitState(cluster.rest, jobid, 'RUNNING');
      const finished = await awaitState(cluster.rest, jobid, 'FINISHED', 600_000);
      const used = members.map((m, i) => cpuSeconds(m) - cpu0[i]);
      const job = await cluster.rest.job(jobid);
      return {
        observed: (finished - running) / 1000,
        duration: job.duration / 1000,
        cpu: used.slice(1).reduce((a, b) => a + b, 0),
        jmCpu: used[0],
      };
    };
    const reference = async (query: string, n: number, p: number) => {
      const proc = start(
        'bench/run.ts',
        [query, '--events', String(n), '--parallelism', String(p), '--runs', '1'],
        join(ROOT, 'bench/run.ts'),
      );
      const { match } = await waitForLine(
        proc,
        /^nexmark \S+: .* in ([\d.]+) s = \d+ events\/s \((\d+) events\/cpu-s\)/,
        600_000,
      );
      await proc.exited;
      return { observed: Number(match[1]), duration: Number(match[1]), cpu: n / Number(match[2]), jmCpu: 0 };
    };
    const cells = new Map<string, Measured[]>();
    const add = (key: string, m: Measured) => {
      const list = cells.get(key) ?? [];
      list.push(m);
      cells.set(key, list);
    };
    // Warm-up: a fifth of the events through every setup.
    for (const setup of setups)
      for (const [query, events] of queries)
        await one(setup, query, Math.max(1_000_000, Math.floor(events / 5)));
    for (let round = 1; round <= runs; round++) {
      for (const [query, events] of queries) {
        for (const setup of setups) {
          const m = await one(setup, query, events);
          add(`${setup.label}|${query}`, m);
          console.log(
            `  round ${round} ${setup.label} ${query}: ${m.observed.toFixed(2)} s observed (${fmt(events / m.observed)} events/s), JobManager duration ${m.duration.toFixed(2)} s, cpu TaskManagers ${m.cpu.toFixed(2)} s, JobManager ${m.jmCpu.toFixed(2)} s`,
          );
        }
        if (values['no-reference']) continue;
        for (const p of [1, 2]) {
          const m = await reference(query, events, p);
          add(`in-process, -p ${p}|${query}`, m);
          console.log(
            `  round ${round} in-process -p ${p} ${query}: ${m.observed.toFixed(2)} s, cpu ${m.cpu.toFixed(2)} s`,
          );
        }
      }
    }
    report(
      '\n## throughput: setup | query | events | events/s (RUNNING to FINISHED observed) | [events/s by the JobManager duration] | events/cpu-s (TaskManagers) | JobManager cpu-s | runs (s)',
    );
    for (const [key, list] of cells) {
      const [label, query] = key.split('|');
      const events = queries.find(([q]) => q === query)![1];
      const observed = median(list.map((m) => m.observed));
      report(
        `${label} | ${query} | ${fmt(events)} | ${fmt(events / observed)} | [${fmt(events / median(list.map((m) => m.duration)))}] | ${fmt(events / median(list.map((m) => m.cpu)))} | ${median(list.map((m) => m.jmCpu)).toFixed(2)} | ${list.map((m) => m.observed.toFixed(2)).join(', ')}`,
      );
    }
  } finally {
    for (const setup of setups) await setup.cluster?.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Submission latency

async function latency(): Promise<void> {
  const submissions = Number(values.submissions);
  const p = 4;
  const cluster = await Cluster.start(2, 2);
  try {
    const artifact = await bundleJob(UNBOUNDED_JOB);
    /** The first line of `tag` on any TaskManager's stdout. */
    const firstRecord = (tag: string) =>
      Promise.race(
        cluster.taskManagers.map((tm) => waitForLine(tm, new RegExp(`^(\\d+> )?${tag} `), 60_000)),
      ).then((r) => r.at);
    let seq = 0;
    const viaRest = async () => {
      const tag = `bench-${++seq}`;
      await cluster.allSlotsFree();
      const first = firstRecord(tag);
      const t0 = performance.now();
      const { jobid } = await cluster.rest.submit({
        artifact: { name: artifact.name, code: artifact.code },
        parallelism: p,
        args: [],
        env: { BENCH_TAG: tag, BENCH_RATE: '1000' },
        allowNonRestoredState: false,
      });
      const accepted = performance.now();
      const running = await awaitState(cluster.rest, jobid, 'RUNNING');
      const out = await first;
      await cancelAndWait(cluster.rest, jobid);
      return { accepted: accepted - t0, running: running - t0, firstRecord: out - t0 };
    };
    const viaCli = async () => {
      const tag = `bench-${++seq}`;
      await cluster.allSlotsFree();
      const first = firstRecord(tag);
      const t0 = performance.now();
      const cli = start('weir submit', [
        'submit',
        UNBOUNDED_JOB,
        '-p',
        String(p),
        '-d',
        '--jobmanager',
        cluster.restUrl,
        '--env',
        `BENCH_TAG=${tag}`,
        '--env',
        'BENCH_RATE=1000',
      ]);
      const { match, at } = await waitForLine(cli, /submitted with JobID ([0-9a-f]{32})/, 60_000);
      const jobid = match[1];
      const running = await awaitState(cluster.rest, jobid, 'RUNNING');
      const out = await first;
      await cli.exited;
      await cancelAndWait(cluster.rest, jobid);
      return { accepted: at - t0, running: running - t0, firstRecord: out - t0 };
    };
    // Warm-up: one of each (the JobManager's and TaskManagers' code paths loaded and compiled).
    await viaRest();
    await viaCli();
    report(`\n## submission latency, 2 TM × 2 slots, -p 4, ${submissions} submissions each (median / max)`);
    for (const [label, f] of [
      ['POST /jobs (bundled beforehand)', viaRest],
      ['weir submit -d (CLI process)', viaCli],
    ] as const) {
      const rs: Array<{ accepted: number; running: number; firstRecord: number }> = [];
      for (let i = 0; i < submissions; i++) {
        const r = await f();
        rs.push(r);
        console.log(
          `  ${label} ${i + 1}: accepted ${ms(r.accepted)}, RUNNING ${ms(r.running)}, first record ${ms(r.firstRecord)}`,
        );
      }
      const col = (k: 'accepted' | 'running' | 'firstRecord') =>
        `${ms(median(rs.map((r) => r[k])))} / ${ms(Math.max(...rs.map((r) => r[k])))}`;
      report(
        `${label} | accepted ${col('accepted')} | RUNNING ${col('running')} | first record ${col('firstRecord')}`,
      );
    }
  } finally {
    await cluster.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Recovery

async function recovery(): Promise<void> {
  const kills = Number(values.kills);
  const cluster = await Cluster.start(2, 2);
  try {
    const artifact: JobArtifact = await bundleJob(UNBOUNDED_JOB);
    const checkpoints = join(cluster.dir, 'checkpoints');
    mkdirSync(checkpoints);
    for (const strategy of ['default', 'zero'] as const) {
      const rs: Array<{ restarting: number; running: number; checkpoint: number }> = [];
      for (let k = 0; k < kills; k++) {
        while (cluster.taskManagers.length < 2) await cluster.startTaskManager(2);
        await cluster.allSlotsFree();
        const env: Record<string, string> = {
          BENCH_RATE: '20000',
          BENCH_KEYS: '10000',
          BENCH_CHECKPOINT_MS: '500',
          BENCH_CHECKPOINTS: checkpoints,
        };
        if (strategy === 'zero') env.BENCH_RESTART = 'zero';
        const { jobid } = await cluster.rest.submit({
          artifact: { name: artifact.name, code: artifact.code },
          parallelism: 4,
          args: [],
          env,
          allowNonRestoredState: false,
        });
        await awaitState(cluster.rest, jobid, 'RUNNING');
        // Two completed checkpoints: the job is well under way, with one to restore.
        await until('two checkpoints', async () =>
          (await cluster.rest.checkpoints(jobid)).counts.completed >= 2 ? true : undefined,
        );
        // A TaskManager that runs subtasks of the job (alternately the older and the newer).
        const infos = (await cluster.rest.taskManagers()).taskmanagers;
        const busy = cluster.taskManagers.filter((tm) =>
          infos.some((i) => i.id === tm.id && i.freeSlots < i.slotsNumber),
        );
        const victim = busy[k % busy.length];
        const before = await cluster.rest.checkpoints(jobid);
        const t0 = performance.now();
        cluster.killTaskManager(victim);
        let restarting: number | undefined;
        let running: number | undefined;
        const restarts0 = (await cluster.rest.job(jobid)).restarts;
        let checkpoint: number;
        try {
          checkpoint = await until(
            'a checkpoint after the restart',
            async () => {
              const [job, cps] = await Promise.all([
                cluster.rest.job(jobid),
                cluster.rest.checkpoints(jobid),
              ]);
              const now = performance.now();
              if (TERMINAL_STATES.has(job.state))
                throw new Error(`job ${jobid} is ${job.state} after the kill`);
              // A restart without delay may go through RESTARTING between two polls: the restart
              // count tells that it happened.
              if (restarting === undefined && (job.state === 'RESTARTING' || job.restarts > restarts0))
                restarting = now;
              if (running === undefined && job.state === 'RUNNING' && job.restarts > restarts0) running = now;
              const restored = cps.latest.restored;
              const completed = cps.latest.completed;
              if (
                running !== undefined &&
                cps.counts.restored > before.counts.restored &&
                restored !== null &&
                completed !== null &&
                completed.id > restored.id
              )
                return now;
              return undefined;
            },
            60_000,
          );
        } catch (error) {
          console.error(`job ${jobid} after the kill of ${victim.name} (${victim.id}):`);
          console.error(JSON.stringify(await cluster.rest.job(jobid).catch(String)));
          console.error(JSON.stringify(await cluster.rest.checkpoints(jobid).catch(String)));
          console.error(JSON.stringify(await cluster.rest.exceptions(jobid).catch(String)));
          console.error(JSON.stringify(await cluster.rest.taskManagers().catch(String)));
          for (const p of [cluster.jm, victim, ...cluster.taskManagers])
            console.error(`--- ${p.name}\n${p.tail()}`);
          throw error;
        }
        await victim.exited;
        const r = { restarting: restarting! - t0, running: running! - t0, checkpoint: checkpoint - t0 };
        rs.push(r);
        console.log(
          `  ${strategy} kill ${k + 1} (${victim.name}): RESTARTING ${ms(r.restarting)}, RUNNING ${ms(r.running)}, checkpoint ${ms(r.checkpoint)}`,
        );
        await cancelAndWait(cluster.rest, jobid);
      }
      const col = (key: 'restarting' | 'running' | 'checkpoint') =>
        `${ms(median(rs.map((r) => r[key])))} (${rs.map((r) => Math.round(r[key])).join(', ')})`;
      report(
        `${strategy === 'default' ? 'default strategy' : 'fixedDelayRestart(1000, 0)'} | RESTARTING ${col('restarting')} | RUNNING ${col('running')} | first checkpoint ${col('checkpoint')}`,
      );
    }
  } finally {
    await cluster.stop();
  }
}

// ---------------------------------------------------------------------------------------------

report(`node ${process.version}, ${new Date().toISOString()}`);
try {
  if (parts.has('throughput')) await throughput();
  if (parts.has('latency')) await latency();
  if (parts.has('recovery')) await recovery();
  console.log(`\n# summary\n${lines.join('\n')}`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  killAll();
}
