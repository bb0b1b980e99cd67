/**
 * Standalone clusters of real processes for the cluster tests: one `weir jobmanager` and
 * TaskManagers (`weir taskmanager`), either each on its own host of a network of namespaces
 * (netns.ts: the data plane crosses real interfaces) or all on 127.0.0.1. The helpers wait on the
 * processes' log lines and on REST answers, always with a deadline; they kill TaskManagers with
 * SIGKILL, start them again on the same host, and unplug their links; jobs are submitted through
 * the CLI (`weir submit -d`), as users do.
 */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type JobDetails,
  type JobState,
  RestClient,
  type TaskManagerInfo,
} from '../../src/cli/rest-client.ts';
import { exited, until } from '../faults/support.ts';
import type { Network } from './netns.ts';

/** The repository: the processes' working directory. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEIR = join(ROOT, 'bin/weir.js');

/** One process of a cluster, with what it has written so far. */
export interface ClusterProcess {
  /** `jobmanager`, or `taskmanager-<i>` (the i-th TaskManager's host, whatever its incarnation). */
  readonly name: string;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  running(): boolean;
}

/** A TaskManager process and the ids it has registered with so far (one per registration). */
export interface TaskManagerProcess extends ClusterProcess {
  /** Which TaskManager host it runs on (0-based). */
  readonly index: number;
  registrations(): string[];
}

/** Where a cluster's processes run. */
export type ClusterPlacement =
  /** JobManager and TaskManagers on hosts of a network (their own addresses, real interfaces). */
  | { kind: 'network'; net: Network; jobManager: string; taskManagers: readonly string[] }
  /** All on 127.0.0.1, on free ports. */
  | { kind: 'loopback'; taskManagers: number };

export interface ClusterOptions {
  placement: ClusterPlacement;
  /** Slots per TaskManager. */
  slots: number;
  /** A directory of the test's own: checkpoints, savepoints and artifacts go below it. */
  work: string;
  /** Bearer token of the REST API and RPC secret (required for the non-loopback binds). */
  token: string;
  secret: string;
  heartbeat?: { intervalMs: number; timeoutMs: number };
  /** How long a restarting job waits for slots (`slot.request.timeout`). */
  slotRequestTimeoutMs?: number;
  /** How long to wait for each process to be up. */
  startTimeoutMs?: number;
}

const JM_READY = /JobManager ready: REST (\S+), RPC (\S+)/;
const TM_REGISTERED = /TaskManager (\S+) registered at /g;

/** A free TCP port on 127.0.0.1 (free when asked; the process that binds it comes right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * A running standalone cluster. {@link StandaloneCluster.start} returns it once every TaskManager
 * is registered; {@link StandaloneCluster.stop} (in `t.after`) kills every process it started.
 */
export class StandaloneCluster {
  readonly url: string;
  readonly client: RestClient;
  readonly jobManager: ClusterProcess;
  /** The current process of each TaskManager host. */
  readonly taskManagers: TaskManagerProcess[] = [];
  /** Every TaskManager process ever started here, in order (killed ones too: their output counts). */
  readonly allTaskManagers: TaskManagerProcess[] = [];
  private readonly options: ClusterOptions;
  private readonly processes = new Set<ClusterProcess>();
  private readonly rpc: string;

  private constructor(options: ClusterOptions, jobManager: ClusterProcess, url: string, rpc: string) {
    this.options = options;
    this.jobManager = jobManager;
    this.processes.add(jobManager);
    this.url = url;
    this.rpc = rpc;
    this.client = new RestClient({ url, token: options.token, timeoutMs: 10_000 });
    process.once('exit', this.killOnExit);
  }

  /** Should the test process end without `stop()` (an uncaught error), its cluster ends with it. */
  private readonly killOnExit = () => {
    for (const p of this.processes) if (p.running()) p.child.kill('SIGKILL');
  };

  /**
   * Starts the JobManager, waits for its ready line, then the TaskManagers, and waits until each has
   * registered and `GET /taskmanagers` lists them all. On failure, kills what it started and throws
   * with the processes' output.
   */
  static async start(options: ClusterOptions): Promise<StandaloneCluster> {
    const { placement, work } = options;
    const timeout = options.startTimeoutMs ?? 60_000;
    mkdirSync(join(work, 'checkpoints'), { recursive: true });
    mkdirSync(join(work, 'savepoints'), { recursive: true });
    const address =
      placement.kind === 'network' ? placement.net.hosts[placement.jobManager].address : '127.0.0.1';
    const restPort = placement.kind === 'network' ? 8081 : await freePort();
    const rpcPort = placement.kind === 'network' ? 6123 : await freePort();
    const jobManager = launch(
      options,
      'jobmanager',
      placement.kind === 'network' ? placement.jobManager : undefined,
      [
        'jobmanager',
        '--rest-port',
        String(restPort),
        '--rpc-port',
        String(rpcPort),
        ...defines({
          'rest.bind-address': address,
          'rest.address': address,
          'jobmanager.bind-host': address,
          'jobmanager.rpc.address': address,
          'state.checkpoints.dir': join(work, 'checkpoints'),
          'state.savepoints.dir': join(work, 'savepoints'),
          'web.upload.dir': join(work, 'uploads-jobmanager'),
          ...heartbeatDefines(options),
          ...(options.slotRequestTimeoutMs === undefined
            ? {}
            : { 'slot.request.timeout': String(options.slotRequestTimeoutMs) }),
        }),
      ],
    );
    const url = `http://${address}:${restPort}`;
    const cluster = new StandaloneCluster(options, jobManager, url, `${address}:${rpcPort}`);
    try {
      await waitForOutput(jobManager, 'stderr', JM_READY, timeout, 'the JobManager to be ready');
      const count = placement.kind === 'network' ? placement.taskManagers.length : placement.taskManagers;
      const started: TaskManagerProcess[] = [];
      for (let i = 0; i < count; i++) started.push(cluster.launchTaskManager(i));
      await Promise.all(started.map((tm) => cluster.waitForRegistration(tm, 1, timeout)));
      await cluster.waitForTaskManagers(count, timeout);
      return cluster;
    } catch (error) {
      const logs = cluster.logs();
      await cluster.stop();
      throw new Error(`${(error as Error).message}\n${logs}`);
    }
  }

  /** The address the i-th TaskManager advertises and binds to. */
  private taskManagerAddress(index: number): string {
    const { placement } = this.options;
    return placement.kind === 'network'
      ? placement.net.hosts[placement.taskManagers[index]].address
      : '127.0.0.1';
  }

  private launchTaskManager(index: number): TaskManagerProcess {
    const { placement, work } = this.options;
    const incarnation = this.allTaskManagers.filter((tm) => tm.index === index).length;
    const address = this.taskManagerAddress(index);
    const base = launch(
      this.options,
      `taskmanager-${index}`,
      placement.kind === 'network' ? placement.taskManagers[index] : undefined,
      [
        'taskmanager',
        '--jobmanager',
        this.rpc,
        '--slots',
        String(this.options.slots),
        ...defines({
          'taskmanager.host': address,
          'taskmanager.bind-host': address,
          // Each TaskManager fetches artifacts into a directory of its own, as on separate machines.
          'web.upload.dir': join(work, `uploads-tm${index}-${incarnation}`),
          ...heartbeatDefines(this.options),
        }),
      ],
    );
    const tm: TaskManagerProcess = {
      ...base,
      index,
      registrations: () => [...base.stderr().matchAll(TM_REGISTERED)].map((m) => m[1]),
    };
    this.processes.add(tm);
    this.taskManagers[index] = tm;
    this.allTaskManagers.push(tm);
    return tm;
  }

  /** Waits until `tm` has registered `times` times (its stderr says so). */
  async waitForRegistration(tm: TaskManagerProcess, times: number, timeoutMs = 60_000): Promise<string> {
    await until(
      () => {
        if (!tm.running()) throw new Error(`${tm.name} exited before registering:\n${tail(tm.stderr())}`);
        return tm.registrations().length >= times;
      },
      timeoutMs,
      `${tm.name} to register (${times})`,
    );
    return tm.registrations()[times - 1];
  }

  /** Waits until `GET /taskmanagers` lists `count` TaskManagers. */
  async waitForTaskManagers(count: number, timeoutMs = 60_000): Promise<TaskManagerInfo[]> {
    let listed: TaskManagerInfo[] = [];
    await until(
      async () => {
        this.checkJobManager();
        listed = (await this.client.taskManagers().catch(() => ({ taskmanagers: [] }))).taskmanagers;
        return listed.length === count;
      },
      timeoutMs,
      `${count} TaskManagers in GET /taskmanagers`,
    );
    return listed;
  }

  /** Kills the i-th TaskManager's process with SIGKILL and waits for it to be gone. */
  async killTaskManager(index: number): Promise<void> {
    const tm = this.taskManagers[index];
    tm.child.kill('SIGKILL');
    await exited(tm.child);
  }

  /** Starts a new TaskManager process on the i-th host and waits until it has registered. */
  async restartTaskManager(index: number, timeoutMs = 60_000): Promise<TaskManagerProcess> {
    if (this.taskManagers[index]?.running()) throw new Error(`taskmanager-${index} still runs`);
    const tm = this.launchTaskManager(index);
    await this.waitForRegistration(tm, 1, timeoutMs);
    return tm;
  }

  /** Unplugs the i-th TaskManager host's link (network placement only). */
  linkDown(index: number): void {
    const { placement } = this.options;
    if (placement.kind !== 'network') throw new Error('linkDown needs a network placement');
    placement.net.linkDown(placement.taskManagers[index]);
  }

  /** Plugs it back in. */
  linkUp(index: number): void {
    const { placement } = this.options;
    if (placement.kind !== 'network') throw new Error('linkUp needs a network placement');
    placement.net.linkUp(placement.taskManagers[index]);
  }

  /**
   * Submits `job` through the CLI (`weir submit <job> -p <n> -d --env ...`, with the token in
   * WEIR_REST_TOKEN) and returns the job id it prints.
   */
  async submit(
    job: string,
    options: { parallelism: number; env?: Record<string, string>; args?: readonly string[] },
  ): Promise<string> {
    const args = [WEIR, 'submit', job, '-p', String(options.parallelism), '-d', '--jobmanager', this.url];
    for (const [key, value] of Object.entries(options.env ?? {})) args.push('--env', `${key}=${value}`);
    if (options.args) args.push('--', ...options.args);
    const cli = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, WEIR_REST_TOKEN: this.options.token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    cli.stdout!.on('data', (d) => (stdout += d));
    cli.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => cli.kill('SIGKILL'), 120_000);
    const code = await new Promise<number | null>((resolve) => cli.once('close', (c) => resolve(c)));
    clearTimeout(timer);
    const id = /JobID (\S+)/.exec(stdout)?.[1];
    if (code !== 0 || id === undefined) {
      throw new Error(`weir submit ${job} exited ${code}:\n${stdout}${stderr}\n${this.logs()}`);
    }
    return id;
  }

  /**
   * Polls `GET /jobs/:id` until `condition` holds; throws when the job reaches a state in `fatal`
   * (FAILED and CANCELED by default) or the deadline passes, with the job's exceptions and the logs.
   */
  async waitForJob(
    jobId: string,
    condition: (job: JobDetails) => boolean | Promise<boolean>,
    what: string,
    timeoutMs = 120_000,
    fatal: readonly JobState[] = ['FAILED', 'CANCELED'],
  ): Promise<JobDetails> {
    let job: JobDetails | undefined;
    try {
      await until(
        async () => {
          this.checkJobManager();
          job = await this.client.job(jobId);
          if (fatal.includes(job.state)) throw new Error(`job ${jobId} is ${job.state}`);
          return condition(job);
        },
        timeoutMs,
        what,
      );
    } catch (error) {
      const exceptions = await this.client.exceptions(jobId).catch(() => undefined);
      throw new Error(
        `${(error as Error).message} (job: ${job?.state}, ${job?.restarts} restarts)\n` +
          `exceptions: ${JSON.stringify(exceptions?.['all-exceptions']?.slice(-5) ?? null)}\n${this.logs()}`,
      );
    }
    return job!;
  }

  /**
   * {@link until} that fails with the end of every process's log, and early when the JobManager
   * has exited.
   */
  async until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    try {
      await until(
        () => {
          this.checkJobManager();
          return condition();
        },
        timeoutMs,
        what,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.logs()}`);
    }
  }

  /** The id of the job's latest completed checkpoint (0: none yet). */
  async latestCheckpoint(jobId: string): Promise<number> {
    return (await this.client.checkpoints(jobId)).latest.completed?.id ?? 0;
  }

  /** What every TaskManager process has printed on stdout (print sinks), killed ones included. */
  taskManagerStdout(): string {
    return this.allTaskManagers.map((tm) => tm.stdout()).join('');
  }

  /** What every TaskManager process has written on stderr, killed ones included. */
  taskManagerStderr(): string {
    return this.allTaskManagers.map((tm) => tm.stderr()).join('');
  }

  /** The end of each process's stderr, for failure messages. */
  logs(): string {
    return [this.jobManager, ...this.allTaskManagers]
      .map((p) => `--- ${p.name} (pid ${p.child.pid}${p.running() ? '' : ', exited'}):\n${tail(p.stderr())}`)
      .join('\n');
  }

  /** Kills every process of the cluster (SIGKILL) and waits until each has exited. */
  async stop(): Promise<void> {
    process.off('exit', this.killOnExit);
    const all = [...this.processes];
    for (const p of all) if (p.running()) p.child.kill('SIGKILL');
    await Promise.all(all.map((p) => exited(p.child)));
  }

  private checkJobManager(): void {
    if (!this.jobManager.running())
      throw new Error(`the JobManager exited:\n${tail(this.jobManager.stderr())}`);
  }
}

/** Spawns `weir <args>` on `host` of the placement's network (or here), collecting its output. */
function launch(
  options: ClusterOptions,
  name: string,
  host: string | undefined,
  args: readonly string[],
): ClusterProcess {
  const spawnOptions: SpawnOptions = {
    cwd: ROOT,
    env: { ...process.env, WEIR_REST_TOKEN: options.token, WEIR_RPC_SECRET: options.secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  };
  const { placement } = options;
  const child =
    placement.kind === 'network' && host !== undefined
      ? placement.net.exec(host, process.execPath, [WEIR, ...args], spawnOptions)
      : spawn(process.execPath, [WEIR, ...args], spawnOptions);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.once('error', (error) => (stderr += `\nspawn failed: ${error.message}\n`));
  return {
    name,
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    running: () => child.exitCode === null && child.signalCode === null,
  };
}

/** Waits until the process's `stream` has a line matching `pattern`; fails early when it exits. */
export async function waitForOutput(
  p: ClusterProcess,
  stream: 'stdout' | 'stderr',
  pattern: RegExp,
  timeoutMs: number,
  what: string,
): Promise<RegExpExecArray> {
  let match: RegExpExecArray | null = null;
  await until(
    () => {
      match = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(p[stream]());
      if (match === null && !p.running()) {
        throw new Error(`${p.name} exited (${p.child.exitCode ?? p.child.signalCode}) before ${what}`);
      }
      return match !== null;
    },
    timeoutMs,
    what,
  );
  return match!;
}

function defines(values: Record<string, string>): string[] {
  return Object.entries(values).flatMap(([key, value]) => ['-D', `${key}=${value}`]);
}

function heartbeatDefines(options: ClusterOptions): Record<string, string> {
  if (options.heartbeat === undefined) return {};
  return {
    'heartbeat.interval': String(options.heartbeat.intervalMs),
    'heartbeat.timeout': String(options.heartbeat.timeoutMs),
  };
}

/** The last lines of a log. */
function tail(text: string, lines = 30): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** A seeded pseudo-random generator in [0, 1) (a linear congruential one), so a run can be repeated. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

/** Lines of a text, without empty ones. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.length > 0);
}

/** The lines of `text` as a sorted list (a multiset, comparable with deepEqual). */
export function multiset(text: string): string[] {
  return lines(text).sort();
}
