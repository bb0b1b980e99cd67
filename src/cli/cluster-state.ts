/**
 * What `weir cluster start` leaves on disk for the other commands: one directory with a pid file per
 * process (`jobmanager.pid`, `taskmanager-1.pid`, ...), their output (`jobmanager.out`, ...) and log
 * files (`jobmanager-<pid>.log`, ...), and
 * `cluster.json` — `{ restUrl, rpcAddress, startedAt, pids, logDir }` — through which `weir list`,
 * `submit` and the rest find the local cluster when none is named.
 *
 * The default directory is `<runtime dir>/cluster`, next to the control sockets of `weir run`
 * (`$XDG_RUNTIME_DIR/weir` or `<tmp>/weir-<uid>`, private to the user). A pid is trusted only while
 * its process still runs Weir in that role (`/proc/<pid>/cmdline`): a pid file outlives its process,
 * and the pid may belong to an unrelated process by now, which must never be signalled.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../core/process-alive.ts';
import { runtimeDirectory } from './control-channel.ts';

/** The contents of `cluster.json`. */
export interface ClusterState {
  /** Where the REST API answers, e.g. `http://127.0.0.1:8081`. */
  restUrl: string;
  /** `host:port` of the JobManager's RPC endpoint, which TaskManagers dial. */
  rpcAddress: string;
  /** ISO time of `weir cluster start`. */
  startedAt: string;
  pids: { jobmanager: number; taskmanagers: number[] };
  /** Where the logs are (the pid directory unless `env.log.dir` says otherwise). */
  logDir: string;
}

/** A cluster process as its pid file names it. */
export interface ClusterProcess {
  /** `jobmanager` or `taskmanager-<n>`. */
  name: string;
  role: 'jobmanager' | 'taskmanager';
  pid: number;
  pidFile: string;
}

export const STATE_FILE = 'cluster.json';

/** `<runtime dir>/cluster`: where a local cluster's pid files and logs go by default. */
export function defaultClusterDirectory(): string {
  return join(runtimeDirectory(), 'cluster');
}

/**
 * Creates `dir` (and its parents) private to this user. The default directory sits in the runtime
 * directory of the control sockets, which must stay 0700.
 */
export function ensureClusterDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** `cluster.json` in `dir`, or undefined when there is none or it is not one of ours. */
export function readClusterState(dir: string): ClusterState | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, STATE_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const state = JSON.parse(text) as ClusterState;
    if (typeof state.restUrl !== 'string' || typeof state.pids?.jobmanager !== 'number') return undefined;
    if (!Array.isArray(state.pids.taskmanagers)) return undefined;
    return state;
  } catch {
    return undefined;
  }
}

/** Writes `cluster.json` into `dir` (owner-only), replacing it atomically. */
export function writeClusterState(dir: string, state: ClusterState): void {
  const path = join(dir, STATE_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  // rename is atomic: a reader sees the old file or the new one, never half of one.
  renameSync(temporary, path);
}

/** Writes `<name>.pid` into `dir`. */
export function writePidFile(dir: string, name: string, pid: number): string {
  const path = join(dir, `${name}.pid`);
  writeFileSync(path, `${pid}\n`, { mode: 0o600 });
  return path;
}

/**
 * The processes whose pid files are in `dir`, the JobManager first, then the TaskManagers in their
 * order. Files that do not hold a pid are left out.
 */
export function listClusterProcesses(dir: string): ClusterProcess[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const processes: ClusterProcess[] = [];
  for (const file of names) {
    const match = /^(jobmanager|taskmanager-(\d+))\.pid$/.exec(file);
    if (!match) continue;
    const pidFile = join(dir, file);
    let text = '';
    try {
      text = readFileSync(pidFile, 'utf8').trim();
    } catch {
      continue;
    }
    if (!/^[1-9][0-9]*$/.test(text)) continue;
    processes.push({
      name: file.slice(0, -'.pid'.length),
      role: match[2] === undefined ? 'jobmanager' : 'taskmanager',
      pid: Number(text),
      pidFile,
    });
  }
  const order = (p: ClusterProcess) => (p.role === 'jobmanager' ? 0 : Number(p.name.split('-')[1]));
  return processes.sort((a, b) => order(a) - order(b));
}

/**
 * Whether `pid` runs a Weir process in `role` (`weir jobmanager` or `weir taskmanager`): its command
 * line holds `weir` and the role. Linux reads `/proc/<pid>/cmdline`; elsewhere `ps` is asked.
 */
export function isWeirProcess(pid: number, role: ClusterProcess['role']): boolean {
  if (!isProcessAlive(pid)) return false;
  let commandLine: string;
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    try {
      commandLine = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    } catch {
      return false;
    }
  }
  return /weir/.test(commandLine) && new RegExp(`(^|\\s)${role}(\\s|$)`).test(commandLine);
}

/**
 * Removes the pid files and `cluster.json` from `dir` (never the logs). The default directory goes
 * too when nothing else is left in it, and then the runtime directory above it when empty; a
 * directory the user named (`--dir`, `env.pid.dir`) stays.
 */
export function removeClusterFiles(dir: string): void {
  for (const process of listClusterProcesses(dir)) rmSync(process.pidFile, { force: true });
  rmSync(join(dir, STATE_FILE), { force: true });
  if (dir !== defaultClusterDirectory()) return;
  for (const candidate of [dir, runtimeDirectory()]) {
    try {
      rmdirSync(candidate);
    } catch {
      return; // not empty: logs, or a "weir run" control socket
    }
  }
}
