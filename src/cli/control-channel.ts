import { chmodSync, lstatSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WeirError } from '../core/errors.ts';
import type { JobClient, JobStatus } from '../core/job-client.ts';
import { isProcessAlive } from '../core/process-alive.ts';

/**
 * The control channel of a `weir run` process: a Unix domain socket that the process owns, through
 * which `weir savepoint|stop <pid|job id> [dir]` reach its jobs. No signal is ever sent to a process
 * that was only named: a pid or job id without a live socket is refused (JOB_NOT_FOUND).
 *
 * - Where: one socket per process, `<runtime dir>/<pid>.sock`, in a per-user runtime directory —
 *   `$XDG_RUNTIME_DIR/weir` when set, else `<os.tmpdir()>/weir-<uid>` — created with mode 0700 (a
 *   directory of another user or open to others is refused); the socket itself is 0600.
 * - Protocol: one JSON line per request, one JSON line in reply, then the connection closes.
 *   Requests: `{"kind":"hello"}` (who are you: the pid and the jobs, with ids, names and status),
 *   `{"kind":"savepoint"|"stop","job"?:id,"directory"?:dir}` (savepoints of the running jobs, or of
 *   job `job` only; stop cancels them afterwards). Replies: `{"kind":"hello",...}`,
 *   `{"kind":"savepoints","paths":[...]}` or `{"kind":"error","code","message"}`.
 * - Clean-up: the socket goes when the process ends (normally, by error or signal), and the runtime
 *   directory too when no other process uses it. A socket left by a process that died (`kill -9`)
 *   is removed by the next `weir run` (its pid no longer runs) or by the first request that finds
 *   nobody listening on it.
 *
 * SIGUSR2 (`kill -USR2 <pid>`, a signal the user sends to their own job) still takes a savepoint of
 * the process's jobs into its `--savepoint-dir`: see `run-command.ts`.
 */
export type ControlRequest =
  | { kind: 'hello' }
  | { kind: 'savepoint' | 'stop'; job?: string; directory?: string | null };

export type ControlReply =
  | { kind: 'hello'; pid: number; jobs: JobDescription[] }
  | { kind: 'savepoints'; paths: string[] }
  | { kind: 'error'; code: string; message: string };

export interface JobDescription {
  id: string;
  name: string;
  status: JobStatus;
}

/** A job of this process, as the control channel sees it. */
export interface ControlledJob {
  client: JobClient;
  name: string;
}

/** The per-user runtime directory of the control sockets (not created here). */
export function runtimeDirectory(): string {
  const xdg = process.env.XDG_RUNTIME_DIR;
  return xdg ? join(xdg, 'weir') : join(tmpdir(), `weir-${process.getuid?.() ?? 'user'}`);
}

/** Unix socket paths are limited to 108 bytes on Linux, 104 on macOS. */
const MAX_SOCKET_PATH = 103;

/** The socket of process `pid`. */
export function socketPath(pid: number): string {
  return join(runtimeDirectory(), `${pid}.sock`);
}

/** Creates the runtime directory (0700), or checks that the existing one is this user's and private. */
function ensureRuntimeDirectory(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0) {
    throw new WeirError(
      'IO_ERROR',
      `${dir} is not a private directory of this user (mode 0700): remove it, or set XDG_RUNTIME_DIR`,
    );
  }
}

/**
 * The control channel of this process: serves requests for the jobs `jobs()` returns until
 * `close()`. Opening it also removes sockets of processes that no longer run.
 *
 * @example
 * const channel = await ControlChannel.open(() => jobs, 'savepoints');
 * try { await runTheJobs(); } finally { channel.close(); }
 */
export class ControlChannel {
  readonly path: string;
  private readonly server: Server;
  private closed = false;
  private readonly onExit = () => this.close();

  private constructor(path: string, server: Server) {
    this.path = path;
    this.server = server;
    // A process.exit() (a forced exit on a second Ctrl-C) still removes the socket.
    process.once('exit', this.onExit);
  }

  static async open(jobs: () => readonly ControlledJob[], defaultDirectory: string): Promise<ControlChannel> {
    const dir = runtimeDirectory();
    const path = socketPath(process.pid);
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
      throw new WeirError(
        'IO_ERROR',
        `the control socket path ${path} is too long for a Unix socket: set XDG_RUNTIME_DIR or TMPDIR to a shorter directory`,
      );
    }
    const server = createServer((socket) => {
      let buffer = '';
      socket.setEncoding('utf8');
      socket.on('error', () => {});
      socket.on('data', (chunk: string) => {
        buffer += chunk;
        const end = buffer.indexOf('\n');
        if (end < 0) {
          if (buffer.length > 64 * 1024) socket.destroy();
          return;
        }
        void answer(buffer.slice(0, end), jobs(), defaultDirectory).then((reply) =>
          socket.end(`${JSON.stringify(reply)}\n`),
        );
      });
    });
    server.unref(); // the jobs keep the process alive, not the channel
    for (let attempt = 0; ; attempt++) {
      ensureRuntimeDirectory(dir);
      removeStaleSockets(dir);
      try {
        await listen(server, path);
        break;
      } catch (error) {
        // EADDRINUSE: a socket left by an earlier process that had this pid. ENOENT: another
        // process removed the (empty) directory between our mkdir and listen. Either way, again.
        const code = (error as NodeJS.ErrnoException).code;
        if (attempt >= 2 || (code !== 'EADDRINUSE' && code !== 'ENOENT')) throw error;
        if (code === 'EADDRINUSE') rmSync(path, { force: true });
      }
    }
    // The directory is 0700 already; the socket is owner-only as well.
    chmodSync(path, 0o600);
    return new ControlChannel(path, server);
  }

  /** Stops serving, removes the socket, and the runtime directory when it is empty. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.off('exit', this.onExit);
    this.server.close();
    rmSync(this.path, { force: true });
    try {
      rmdirSync(runtimeDirectory());
    } catch {
      // Not empty: another `weir run` uses it.
    }
  }
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(path, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Removes sockets of processes that are gone (`kill(pid, 0)` only asks whether pid exists). */
function removeStaleSockets(dir: string): void {
  for (const name of readdirSync(dir)) {
    const match = /^(\d+)\.sock$/.exec(name);
    if (!match || Number(match[1]) === process.pid) continue;
    if (!isProcessAlive(Number(match[1]))) rmSync(join(dir, name), { force: true });
  }
}

/** The reply to one request line. */
async function answer(
  line: string,
  jobs: readonly ControlledJob[],
  defaultDirectory: string,
): Promise<ControlReply> {
  let request: ControlRequest;
  try {
    request = JSON.parse(line) as ControlRequest;
    if (typeof request !== 'object' || request === null) throw new TypeError('not an object');
  } catch {
    return { kind: 'error', code: 'CLI_USAGE', message: 'a control request is one line of a JSON object' };
  }
  if (request.kind === 'hello') {
    return {
      kind: 'hello',
      pid: process.pid,
      jobs: jobs.map((j) => ({ id: j.client.jobId, name: j.name, status: j.client.getJobStatus() })),
    };
  }
  if (request.kind !== 'savepoint' && request.kind !== 'stop') {
    return {
      kind: 'error',
      code: 'CLI_USAGE',
      message: `unknown control request "${String((request as { kind?: unknown }).kind)}"`,
    };
  }
  try {
    const selected = request.job ? jobs.filter((j) => j.client.jobId === request.job) : jobs;
    const paths = await takeSavepoints(
      selected,
      request.kind,
      resolve(request.directory ?? defaultDirectory),
    );
    return { kind: 'savepoints', paths };
  } catch (error) {
    return {
      kind: 'error',
      code: error instanceof WeirError ? error.code : 'CHECKPOINT_FAILED',
      message: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * Savepoints of the running jobs among `jobs` into `directory` (then, for `stop`, the jobs end):
 * what a control request and SIGUSR2 do. Logs each savepoint on stderr.
 */
export async function takeSavepoints(
  jobs: readonly ControlledJob[],
  action: 'savepoint' | 'stop',
  directory: string,
): Promise<string[]> {
  const running = jobs.filter((j) => j.client.getJobStatus() === 'running');
  if (running.length === 0) throw new WeirError('JOB_NOT_FOUND', 'no job of this process is running');
  const paths = await Promise.all(
    running.map(({ client }) => {
      const take = action === 'stop' ? client.stopWithSavepoint : client.triggerSavepoint;
      if (!take) throw new WeirError('NOT_SUPPORTED', 'this job cannot take savepoints');
      return take.call(client, directory);
    }),
  );
  for (const p of paths) console.error(`weir: savepoint written to ${p}`);
  return paths;
}

/** One request to the socket at `path`; rejects with the socket error (ENOENT, ECONNREFUSED...). */
export function sendControlRequest(
  path: string,
  request: ControlRequest,
  timeoutMs: number,
): Promise<ControlReply> {
  return new Promise((resolvePromise, reject) => {
    const socket = createConnection(path);
    let buffer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new WeirError('CHECKPOINT_FAILED', `no answer on ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const line = buffer.split('\n')[0];
      try {
        resolvePromise(JSON.parse(line) as ControlReply);
      } catch {
        reject(new WeirError('IO_ERROR', `no valid reply on ${path}`));
      }
    });
  });
}

/**
 * The socket of `target`, a pid or a job id (or a unique prefix of one), and the job id to address
 * there (none for a pid: every job of that process). Refuses anything that is not a live Weir job.
 */
export async function findJob(target: string): Promise<{ path: string; job?: string }> {
  if (/^[0-9]+$/.test(target)) {
    const pid = Number(target);
    const path = socketPath(pid);
    const failure = await sendControlRequest(path, { kind: 'hello' }, HELLO_TIMEOUT_MS).then(
      () => undefined,
      (error: unknown) => notAWeirJob(pid, path, error),
    );
    if (failure === undefined) return { path };
    // A job id prefix can be all digits too ("52988728" of a UUID): a pid that names no Weir
    // job is tried as one before the pid's error is reported.
    const byId = await findJobById(target).catch(() => undefined);
    if (byId === undefined) throw failure;
    return byId;
  }
  return findJobById(target);
}

async function findJobById(target: string): Promise<{ path: string; job: string }> {
  const dir = runtimeDirectory();
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => /^\d+\.sock$/.test(n));
  } catch {
    // No directory: no Weir job runs for this user.
  }
  const matches: Array<{ path: string; job: JobDescription }> = [];
  await Promise.all(
    names.map(async (name) => {
      const path = join(dir, name);
      const reply = await sendControlRequest(path, { kind: 'hello' }, HELLO_TIMEOUT_MS).catch((error) => {
        removeIfStale(path, error);
        return undefined;
      });
      if (reply?.kind !== 'hello') return;
      for (const job of reply.jobs) if (job.id.startsWith(target)) matches.push({ path, job });
    }),
  );
  if (matches.length === 0) {
    throw new WeirError(
      'JOB_NOT_FOUND',
      `no running Weir job has the id "${target}" (${names.length} "weir run" control socket(s) in ${dir})`,
    );
  }
  if (matches.length > 1) {
    throw new WeirError(
      'CLI_USAGE',
      `"${target}" matches several jobs: ${matches.map((m) => `${m.job.id} ("${m.job.name}")`).join(', ')}`,
    );
  }
  return { path: matches[0].path, job: matches[0].job.id };
}

const HELLO_TIMEOUT_MS = 5_000;

/** Nobody listens on a socket file: its process died without removing it. */
function removeIfStale(path: string, error: unknown): void {
  if ((error as NodeJS.ErrnoException)?.code !== 'ECONNREFUSED') return;
  rmSync(path, { force: true });
  try {
    rmdirSync(runtimeDirectory());
  } catch {
    // Not empty: other processes use it.
  }
}

function notAWeirJob(pid: number, path: string, error: unknown): WeirError {
  removeIfStale(path, error);
  if (!isProcessAlive(pid)) return new WeirError('JOB_NOT_FOUND', `no process ${pid} is running`);
  return new WeirError(
    'JOB_NOT_FOUND',
    `process ${pid} is not a Weir job (no control socket ${path}): give the pid or job id that "weir run" printed at start`,
  );
}

/**
 * `weir savepoint|stop <pid|job id> [dir]`: asks the `weir run` process that runs the job for
 * savepoints over its control channel, and waits for their paths.
 */
export async function requestSavepoint(
  target: string,
  action: 'savepoint' | 'stop',
  directory: string | null,
  timeoutMs = 600_000,
): Promise<string[]> {
  const { path, job } = await findJob(target);
  const reply = await sendControlRequest(
    path,
    { kind: action, job, directory: directory === null ? null : resolve(directory) },
    timeoutMs,
  );
  if (reply.kind === 'error') {
    throw new WeirError(reply.code as WeirError['code'], `${action} failed: ${reply.message}`);
  }
  if (reply.kind !== 'savepoints') throw new WeirError('IO_ERROR', `unexpected reply on ${path}`);
  return reply.paths;
}
