/**
 * `weir cluster start|stop|status`: a local standalone cluster (Flink's `start-cluster.sh`) of one
 * JobManager and N TaskManagers as background processes, with pid files and logs in one directory
 * (see cluster-state.ts for the files and where they go).
 *
 * - start: checks that no cluster runs there and that the REST and RPC ports are free, spawns
 *   `weir jobmanager` detached (its own session: it outlives this command and a Ctrl-C here),
 *   waits until its REST API answers, spawns the TaskManagers pointed at its RPC port, and waits
 *   until `GET /taskmanagers` lists all of them. Every process runs this Node with this process's
 *   flags and `NODE_OPTIONS`, so a cluster started from the sources (`npm run weir`) runs the
 *   sources too. When anything fails within the deadline, it prints the end of the failing
 *   process's log and stops what it started.
 * - stop: SIGTERM to each recorded process that still runs Weir in its role (never to a pid that
 *   now belongs to something else), SIGKILL to whoever is left after the grace period, then the
 *   pid files and `cluster.json` go; the logs stay.
 * - status: each process with its pid and whether it runs, then, when the REST API answers, the
 *   TaskManagers and the running jobs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WeirError } from '../core/errors.ts';
import { loadClusterConfig } from '../runtime/cluster/cluster-config.ts';
import { gcFlagsForSlots } from '../runtime/cluster/gc-threads.ts';
import { jobTable } from './cluster-commands.ts';
import { type ClusterEndpoint, hostForUrl, loadEndpoint } from './cluster-endpoint.ts';
import {
  type ClusterProcess,
  type ClusterState,
  defaultClusterDirectory,
  ensureClusterDirectory,
  isWeirProcess,
  listClusterProcesses,
  readClusterState,
  removeClusterFiles,
  writeClusterState,
  writePidFile,
} from './cluster-state.ts';
import { RestClient, TERMINAL_STATES } from './rest-client.ts';
import { formatDuration, formatTable } from './table.ts';

/** The `weir` executable that cluster processes run (this package's, in src/ or dist/ alike). */
const WEIR_BIN = fileURLToPath(new URL('../../bin/weir.js', import.meta.url));

/** How long `start` waits for the JobManager and all TaskManagers. */
export const START_TIMEOUT_MS = 60_000;
/** How long `stop` gives a process to exit after SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 30_000;

/** `weir cluster <start|stop|status> [options]`; returns the exit code. */
export async function clusterCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      taskmanagers: { type: 'string' },
      slots: { type: 'string' },
      dir: { type: 'string' },
      config: { type: 'string' },
      define: { type: 'string', short: 'D', multiple: true },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [action, ...extra] = positionals;
  if (extra.length > 0) throw new WeirError('CLI_USAGE', `unexpected arguments: ${extra.join(' ')}`);
  const config = { file: values.config ? resolve(values.config) : undefined, defines: values.define ?? [] };
  const endpoint = await loadEndpoint(config);
  const dirs = clusterDirectories(endpoint, values.dir);
  switch (action) {
    case 'start': {
      const taskManagers = count('--taskmanagers', values.taskmanagers) ?? 1;
      const slots = count('--slots', values.slots);
      const state = await startCluster({ ...dirs, endpoint, taskManagers, slots, config });
      console.log(
        `Started a Weir cluster: 1 JobManager, ${taskManagers} TaskManager(s).\n` +
          `REST API: ${state.restUrl}\n` +
          `Logs:     ${state.logDir}\n` +
          `Stop it with "weir cluster stop${values.dir ? ` --dir ${values.dir}` : ''}".`,
      );
      return 0;
    }
    case 'stop': {
      const stopped = await stopCluster(dirs.pidDir);
      if (stopped.length === 0) console.log(`No cluster running (nothing in ${dirs.pidDir}).`);
      else console.log(`Stopped ${stopped.join(', ')}.`);
      return 0;
    }
    case 'status':
      return clusterStatus(dirs.pidDir, endpoint);
    default:
      throw new WeirError(
        'CLI_USAGE',
        action === undefined
          ? 'weir cluster needs an action: weir cluster start|stop|status'
          : `unknown action "weir cluster ${action}" (start, stop or status)`,
      );
  }
}

/** `--dir`, else `env.pid.dir` and `env.log.dir`, else the default directory. */
export function clusterDirectories(
  endpoint: Pick<ClusterEndpoint, 'pidDir' | 'logDir'>,
  dir?: string,
): { pidDir: string; logDir: string } {
  if (dir) return { pidDir: resolve(dir), logDir: resolve(dir) };
  const pidDir = endpoint.pidDir ? resolve(endpoint.pidDir) : defaultClusterDirectory();
  return { pidDir, logDir: endpoint.logDir ? resolve(endpoint.logDir) : pidDir };
}

function count(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(text) || Number(text) > 1024) {
    throw new WeirError('CLI_USAGE', `${flag} must be a positive integer, got "${text}"`);
  }
  return Number(text);
}

// ----------------------------------------------------------------------------------------- start

export interface StartOptions {
  pidDir: string;
  logDir: string;
  endpoint: ClusterEndpoint;
  taskManagers: number;
  /** Slots per TaskManager (`--slots`); else the configuration's `taskmanager.numberOfTaskSlots`. */
  slots?: number;
  /** Passed on to every process as `--config` and `-D`. */
  config: { file?: string; defines: string[] };
  timeoutMs?: number;
}

/** Starts the cluster and returns what `cluster.json` now holds; throws when it could not. */
export async function startCluster(options: StartOptions): Promise<ClusterState> {
  const { pidDir, logDir, endpoint } = options;
  const running = listClusterProcesses(pidDir).filter((p) => isWeirProcess(p.pid, p.role));
  if (running.length > 0) {
    throw new WeirError(
      'CLI_USAGE',
      `a Weir cluster is already running from ${pidDir} (${running.map((p) => `${p.name} pid ${p.pid}`).join(', ')}): ` +
        `stop it with "weir cluster stop", or start another with --dir and other ports`,
    );
  }
  // Files of a cluster whose processes are all gone (a reboot, kill -9): nothing to keep.
  removeClusterFiles(pidDir);
  for (const [key, port] of [
    ['rest.port', endpoint.restPort],
    ['jobmanager.rpc.port', endpoint.rpcPort],
  ] as const) {
    if (port === 0) {
      throw new WeirError('INVALID_CONFIG', `weir cluster start needs a fixed ${key}, not 0`);
    }
    await checkPortFree(key, port);
  }
  ensureClusterDirectory(pidDir);
  ensureClusterDirectory(logDir);

  const common = [
    ...(options.config.file ? ['--config', options.config.file] : []),
    ...options.config.defines.flatMap((d) => ['-D', d]),
  ];
  const restUrl = `${endpoint.tls ? 'https' : 'http'}://${hostForUrl(endpoint.restAddress)}:${endpoint.restPort}`;
  const rpcAddress = `${hostForUrl(endpoint.rpcAddress)}:${endpoint.rpcPort}`;
  const client = new RestClient({
    url: restUrl,
    token: endpoint.token,
    ca: endpoint.caFile ? readFileSync(endpoint.caFile) : undefined,
    timeoutMs: 5_000,
  });
  const started: Started[] = [];
  const deadline = Date.now() + (options.timeoutMs ?? START_TIMEOUT_MS);
  try {
    started.push(launch('jobmanager', 'jobmanager', ['jobmanager', ...common], pidDir, logDir));
    await waitFor(started, deadline, "the JobManager's REST API to answer", async () => {
      await client.overview();
      return true;
    });
    const gcFlags = gcFlagsForSlots(configuredSlots(options));
    for (let i = 1; i <= options.taskManagers; i++) {
      const args = [
        'taskmanager',
        '--jobmanager',
        rpcAddress,
        ...(options.slots ? ['--slots', String(options.slots)] : []),
        ...common,
      ];
      started.push(launch(`taskmanager-${i}`, 'taskmanager', args, pidDir, logDir, gcFlags));
    }
    const state: ClusterState = {
      restUrl,
      rpcAddress,
      startedAt: new Date().toISOString(),
      pids: { jobmanager: started[0].pid, taskmanagers: started.slice(1).map((s) => s.pid) },
      logDir,
    };
    writeClusterState(pidDir, state);
    await waitFor(started, deadline, `${options.taskManagers} TaskManager(s) to register`, async () => {
      const { taskmanagers } = await client.taskManagers();
      return taskmanagers.length >= options.taskManagers;
    });
    return state;
  } catch (error) {
    // The process that ended shows why; after a timeout, each one's log may.
    const exited = (error as { process?: Started }).process;
    const shown = exited ? [exited] : started;
    const tails = shown.map(
      (s) => `\nlast lines of ${s.log}:\n${logTail(s.log, exited ? 20 : 10) || '  (empty)'}`,
    );
    await stopProcesses(started.map((s) => ({ name: s.name, role: s.role, pid: s.pid, pidFile: '' })));
    removeClusterFiles(pidDir);
    const message = error instanceof Error ? error.message : String(error);
    throw new WeirError(
      'CLUSTER_UNAVAILABLE',
      `the cluster did not start: ${message}; stopped what had started${tails.join('')}`,
      { cause: error },
    );
  }
}

/** A process `start` spawned. */
interface Started {
  name: string;
  role: ClusterProcess['role'];
  pid: number;
  log: string;
  child: ChildProcess;
  /** Set when it exited during `start`. */
  exit?: string;
}

/**
 * Spawns `weir <args>` detached, its output (stdout and stderr, Flink's `.out`) appended to
 * `<logDir>/<name>.out`, and writes its pid file. The process writes its JSON log file in `logDir`
 * too (`-D env.log.dir`, after the user's settings: the directory of the cluster wins).
 */
function launch(
  name: string,
  role: ClusterProcess['role'],
  args: string[],
  pidDir: string,
  logDir: string,
  v8Flags: readonly string[] = [],
): Started {
  const log = join(logDir, `${name}.out`);
  const fd = openSync(log, 'a', 0o600);
  try {
    writeSync(
      fd,
      `--- weir ${args.join(' ')} (started by weir cluster start at ${new Date().toISOString()})\n`,
    );
    const child = spawn(
      process.execPath,
      [...nodeFlags(), ...v8Flags, WEIR_BIN, ...args, '-D', `env.log.dir=${logDir}`],
      {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: process.env,
      },
    );
    if (child.pid === undefined) throw new WeirError('IO_ERROR', `could not start ${name}: no pid`);
    const started: Started = { name, role, pid: child.pid, log, child };
    child.on('error', (error) => (started.exit = error.message));
    child.on('exit', (code, signal) => (started.exit = signal ? `killed by ${signal}` : `exit code ${code}`));
    // The cluster outlives this command: nothing of ours waits for it.
    child.unref();
    writePidFile(pidDir, name, child.pid);
    return started;
  } finally {
    closeSync(fd);
  }
}

/**
 * The slots each TaskManager will run: `--slots`, else the configuration's. A configuration that
 * does not load counts as one slot here; the TaskManager itself reports what is wrong with it.
 */
function configuredSlots(options: { slots?: number; config: { file?: string; defines: string[] } }): number {
  if (options.slots !== undefined) return options.slots;
  try {
    return loadClusterConfig({ file: options.config.file, defines: options.config.defines }).taskmanager
      .numberOfTaskSlots;
  } catch {
    return 1;
  }
}

/**
 * This process's Node flags for a cluster process: `--conditions` and the like carry over (as does
 * `NODE_OPTIONS`, through the environment); a test runner's, an inspector's and `--eval` do not.
 */
function nodeFlags(): string[] {
  const flags: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (/^--(test|inspect|debug|watch|eval|print|input-type)/.test(flag) || /^-[ep]$/.test(flag)) {
      // A flag whose value is the next argument goes with it.
      if (!flag.includes('=') && /^(-e|-p|--eval|--print|--input-type)$/.test(flag)) i++;
      continue;
    }
    flags.push(flag);
  }
  return flags;
}

/**
 * Polls `ready` every 200 ms until it returns true, a started process exits (rejects with that
 * process attached), or the deadline passes.
 */
async function waitFor(
  started: readonly Started[],
  deadline: number,
  what: string,
  ready: () => Promise<boolean>,
): Promise<void> {
  let lastError: unknown;
  for (;;) {
    const exited = started.find((s) => s.exit !== undefined);
    if (exited) {
      throw Object.assign(
        new Error(`${exited.name} (pid ${exited.pid}) ended (${exited.exit}) while waiting for ${what}`),
        {
          process: exited,
        },
      );
    }
    try {
      if (await ready()) return;
    } catch (error) {
      lastError = error;
      if (error instanceof WeirError && error.code === 'UNAUTHORIZED') throw error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? ` (last: ${lastError.message})` : '';
      throw new Error(`timed out waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The last `lines` lines of a log file, indented. */
function logTail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((line) => `  ${line}`)
      .join('\n');
  } catch {
    return '';
  }
}

/**
 * Throws when `port` is taken on this host, naming the process that listens on it when /proc says.
 * (Checked on all interfaces: the JobManager may bind any of them.)
 */
async function checkPortFree(key: string, port: number): Promise<void> {
  const error = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => done(e));
    server.listen({ port, exclusive: true }, () => server.close(() => done(undefined)));
  });
  if (!error) return;
  if (error.code !== 'EADDRINUSE') return; // e.g. EACCES on a low port: the JobManager will say
  const owner = portOwner(port);
  throw new WeirError(
    'CLI_USAGE',
    `port ${port} (${key}) is in use${owner ? ` by ${owner}` : ''}: stop that process, or give another port ` +
      `with -D ${key}=<port>`,
  );
}

/** `pid 123 (node bin/weir.js jobmanager)` of the process listening on TCP `port`, from /proc (Linux). */
export function portOwner(port: number): string | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue; // 0A: LISTEN
      if (Number.parseInt(fields[1].split(':')[1], 16) === port) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let link = '';
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const match = /^socket:\[(\d+)\]$/.exec(link);
      if (match && inodes.has(match[1])) {
        let command = '';
        try {
          command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
        } catch {
          // gone meanwhile
        }
        return `pid ${pid}${command ? ` (${command.slice(0, 120)})` : ''}`;
      }
    }
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------ stop

/**
 * Stops the cluster recorded in `pidDir`; returns `name (pid N)` of each process it stopped. Pids
 * that no longer run Weir in their role are not signalled.
 */
export async function stopCluster(pidDir: string, graceMs = STOP_GRACE_MS): Promise<string[]> {
  const processes = recordedProcesses(pidDir);
  const running = processes.filter((p) => isWeirProcess(p.pid, p.role));
  await stopProcesses(running, graceMs);
  removeClusterFiles(pidDir);
  return running.map((p) => `${p.name} (pid ${p.pid})`);
}

/** The pid files' processes, plus those only `cluster.json` still names. */
function recordedProcesses(pidDir: string): ClusterProcess[] {
  const processes = listClusterProcesses(pidDir);
  const state = readClusterState(pidDir);
  if (state) {
    const known = new Set(processes.map((p) => p.pid));
    const add = (name: string, role: ClusterProcess['role'], pid: number) => {
      if (!known.has(pid)) processes.push({ name, role, pid, pidFile: '' });
    };
    add('jobmanager', 'jobmanager', state.pids.jobmanager);
    state.pids.taskmanagers.forEach((pid, i) => add(`taskmanager-${i + 1}`, 'taskmanager', pid));
  }
  return processes;
}

/** SIGTERM to each (TaskManagers first), then SIGKILL to what still runs after `graceMs`. */
async function stopProcesses(processes: readonly ClusterProcess[], graceMs = STOP_GRACE_MS): Promise<void> {
  const ordered = [...processes].sort((a, b) => (a.role === b.role ? 0 : a.role === 'taskmanager' ? -1 : 1));
  const signal = (p: ClusterProcess, name: NodeJS.Signals) => {
    if (!isWeirProcess(p.pid, p.role)) return;
    try {
      process.kill(p.pid, name);
    } catch {
      // gone meanwhile
    }
  };
  for (const p of ordered) signal(p, 'SIGTERM');
  const alive = () => ordered.filter((p) => isWeirProcess(p.pid, p.role));
  const deadline = Date.now() + graceMs;
  while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const p of alive()) signal(p, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (alive().length > 0 && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 100));
}

// ---------------------------------------------------------------------------------------- status

/** Prints the processes, and what the REST API says when it answers. 0 when the cluster runs. */
async function clusterStatus(pidDir: string, endpoint: ClusterEndpoint): Promise<number> {
  const processes = recordedProcesses(pidDir);
  const state = readClusterState(pidDir);
  if (processes.length === 0) {
    console.log(`No cluster running (nothing in ${pidDir}).`);
    return 1;
  }
  console.log(
    formatTable(
      [{ header: 'PROCESS' }, { header: 'PID', align: 'right' }, { header: 'STATE' }],
      processes.map((p) => [p.name, String(p.pid), isWeirProcess(p.pid, p.role) ? 'running' : 'not running']),
    ),
  );
  if (state)
    console.log(`\nREST API: ${state.restUrl}   Logs: ${state.logDir}   Started: ${state.startedAt}`);
  if (!state) return 1;
  const client = new RestClient({
    url: state.restUrl,
    token: endpoint.token,
    ca: endpoint.caFile ? readFileSync(endpoint.caFile) : undefined,
    timeoutMs: 5_000,
  });
  try {
    const [{ taskmanagers }, { jobs }] = await Promise.all([client.taskManagers(), client.jobsOverview()]);
    console.log(`\nTaskManagers (${taskmanagers.length}):`);
    console.log(
      formatTable(
        [
          { header: 'ID' },
          { header: 'ADDRESS' },
          { header: 'SLOTS', align: 'right' },
          { header: 'FREE', align: 'right' },
          { header: 'LAST HEARTBEAT', align: 'right' },
        ],
        taskmanagers.map((tm) => [
          tm.id,
          tm.address,
          String(tm.slotsNumber),
          String(tm.freeSlots),
          `${formatDuration(tm.timeSinceLastHeartbeat)} ago`,
        ]),
      ),
    );
    const running = jobs.filter((j) => !TERMINAL_STATES.has(j.state));
    console.log(running.length === 0 ? '\nNo running jobs.' : `\nRunning jobs:\n${jobTable(running)}`);
    return 0;
  } catch (error) {
    console.log(`\nThe REST API does not answer: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
