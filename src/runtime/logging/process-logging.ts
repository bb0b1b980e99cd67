/**
 * A process's log file: pino writing one JSON object per line, with `level` (its label), `time`
 * (ISO 8601), `msg`, the process's `role` (`jobmanager`, `taskmanager`, `run`, `client`), `pid`,
 * and whatever the logger's bindings add (`job_id`, `task`, `subtask`, `attempt` on a task's lines,
 * `taskmanager` on a TaskManager's, `thread` on a slot thread's).
 *
 * Threads. The main thread writes through an asynchronous destination (sonic-boom): a line is queued
 * in memory and appended by the event loop, never by the caller; what is queued is flushed
 * synchronously when the process exits (pino's exit hook; a write under way at that moment may land
 * after it), and a crash that kills the process (SIGKILL, an OOM kill) loses at most that queue. Each slot thread (worker) opens the same file itself, from what the
 * main thread left in the threads' environment data, and writes synchronously: a slot may be
 * terminated at any moment, and its few lines (a task's state changes, warnings, never records)
 * must not be lost with it. Every writer opens the file with O_APPEND and hands the kernel whole
 * lines in one write(2), so that lines of different threads never interleave within a line (the
 * asynchronous writer only ever splits its queue between lines).
 *
 * Secrets. Fields named like secrets (token, secret, password, authorization, cookie, the cluster's
 * secret keys) are replaced by `******` (pino's redact), and the values of the configured secrets
 * (`rest.auth.token`, `security.rpc.secret`, of 8 characters or more) are replaced wherever they
 * appear in a line, a message or an error included. The configuration is logged through `ClusterConfig.toDisplay()` only.
 *
 * stderr. The lines Weir always printed (warnings, a daemon's life cycle) still go to stderr
 * (src/core/logger.ts), the configured secrets' values hidden there too; the file adds every line
 * at `log.level` and above, as JSON.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { getEnvironmentData, isMainThread, setEnvironmentData, threadId } from 'node:worker_threads';
import { type DestinationStream, type Logger as Pino, pino } from 'pino';
import {
  ConsoleLogger,
  echo,
  LOG_LEVEL_VALUES,
  type LogFields,
  type Logger,
  type LogLevel,
  setProcessLogger,
} from '../../core/logger.ts';

/** Which process writes the file. */
export type ProcessRole = 'jobmanager' | 'taskmanager' | 'run' | 'client';

export interface ProcessLoggingOptions {
  role: ProcessRole;
  /** The file to write (`--log-file`, `log.file`); wins over `dir`. */
  file?: string;
  /** The directory (`env.log.dir`): the file is `<dir>/<role>-<id>.log`. */
  dir?: string;
  /** The process's id in the file name (a TaskManager's id); default the pid. */
  id?: string;
  /** `log.level`; default info. */
  level?: LogLevel;
  /**
   * Values never written (the REST token, the RPC secret); undefined ones and those shorter than
   * {@link MIN_SCRUBBED_LENGTH} are skipped.
   */
  secrets?: ReadonlyArray<string | undefined>;
  /** Fields of every line of the process (`taskmanager: <id>`). */
  bindings?: LogFields;
}

/** What the main thread hands its slot threads (worker_threads environment data). */
interface ThreadLogging {
  file: string;
  level: LogLevel;
  role: ProcessRole;
  secrets: string[];
  bindings: LogFields;
}

const ENVIRONMENT_KEY = 'weir:logging';
/**
 * Secret values shorter than this are not searched for in lines: a short one (`wrong`, `test`) is
 * also a word of messages, which replacing would garble; such a secret is weak anyway.
 */
export const MIN_SCRUBBED_LENGTH = 8;
const REDACTED = '******';
/** The most a tail reads from the end of a file. */
export const MAX_TAIL_BYTES = 4 * 1024 * 1024;
/** The most lines a tail returns. */
export const MAX_TAIL_LINES = 10_000;

const SECRET_NAMES = [
  'token',
  'secret',
  'password',
  'passwd',
  'authorization',
  'cookie',
  '"set-cookie"',
  'WEIR_RPC_SECRET',
  'WEIR_REST_TOKEN',
  '"rest.auth.token"',
  '"security.rpc.secret"',
];
/** Secret-looking fields at the top and one or two levels down (`headers.authorization`, `config["rest.auth.token"]`). */
const REDACT_PATHS = SECRET_NAMES.flatMap((name) => {
  const key = name.startsWith('"') ? `[${name}]` : `.${name}`;
  return [key.startsWith('.') ? key.slice(1) : key, `*${key}`, `*.*${key}`];
}).concat(['security.*.password', '*.security.*.password']);

let destination: ReturnType<typeof pino.destination> | undefined;
let currentFile: string | undefined;

/**
 * Sets up this process's logging (main thread, once at start, before slot threads start): the log
 * file and the logger {@link processLogger} returns. Without a file or directory, the console logger
 * stays (stderr lines only). Returns the file, if any.
 */
export function configureProcessLogging(options: ProcessLoggingOptions): string | undefined {
  if (!isMainThread) throw new Error('configureProcessLogging runs on the main thread');
  void closeProcessLogging();
  const file =
    options.file ??
    (options.dir === undefined
      ? undefined
      : join(options.dir, `${options.role}-${options.id ?? process.pid}.log`));
  if (file === undefined) return undefined;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const thread: ThreadLogging = {
    file,
    level: options.level ?? 'info',
    role: options.role,
    secrets: (options.secrets ?? []).filter(
      (s): s is string => typeof s === 'string' && s.length >= MIN_SCRUBBED_LENGTH,
    ),
    bindings: options.bindings ?? {},
  };
  // Opened here, synchronously: lines written before the first turn of the event loop are kept.
  destination = pino.destination({ fd: openSync(file, 'a', 0o600), sync: false });
  currentFile = file;
  setProcessLogger(createLogger(thread, destination, {}));
  // Slot threads started from now on write to the same file.
  setEnvironmentData(ENVIRONMENT_KEY, thread as unknown as Record<string, unknown>);
  return file;
}

/**
 * In a slot thread: writes to the process's log file when the main thread configured one (the
 * worker entry calls this first thing). Synchronous writes, see the module comment.
 */
export function initThreadLogging(): void {
  if (isMainThread) return;
  const thread = getEnvironmentData(ENVIRONMENT_KEY) as ThreadLogging | undefined;
  if (thread === undefined) return;
  const dest = pino.destination({ fd: openSync(thread.file, 'a', 0o600), sync: true });
  setProcessLogger(createLogger(thread, dest, { thread: threadId }));
}

/** This process's log file, if it writes one. */
export function processLogFile(): string | undefined {
  return currentFile;
}

/**
 * Resolves once the main thread's destination has written every line queued so far (before the
 * file is read back: the REST tail, a TaskManager's answer).
 */
export function flushProcessLog(): Promise<void> {
  const dest = destination;
  // With no minimum length, a line is written at once unless a write is under way, and the
  // destination emits 'drain' when the queue behind that write is empty (sonic-boom's `flush`
  // does not wait for it then).
  if (dest === undefined || !(dest as unknown as { _writing: boolean })._writing) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      dest.off('drain', done);
      dest.off('error', done);
      resolve();
    };
    dest.once('drain', done);
    dest.once('error', done);
  });
}

/**
 * Writes out what is queued and closes the file (in order: the write under way first); the console
 * logger takes over at once. Resolves once the file is closed.
 */
export function closeProcessLogging(): Promise<void> {
  const dest = destination;
  destination = undefined;
  currentFile = undefined;
  setProcessLogger(new ConsoleLogger());
  if (isMainThread) setEnvironmentData(ENVIRONMENT_KEY, undefined);
  if (dest === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    dest.once('close', () => resolve());
    dest.once('error', () => resolve());
    dest.end();
  });
}

/**
 * The last `lines` lines of `file` (at most {@link MAX_TAIL_LINES} lines and {@link MAX_TAIL_BYTES}
 * bytes), whole lines only.
 */
export function readLogTail(file: string, lines: number): string {
  const wanted = Math.max(1, Math.min(MAX_TAIL_LINES, Math.floor(lines)));
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, MAX_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, size - length + read);
      if (n === 0) break;
      read += n;
    }
    let text = buffer.subarray(0, read).toString('utf8');
    // A window that starts inside a line drops that line's end.
    if (length < size) text = text.slice(text.indexOf('\n') + 1);
    const all = text.split('\n');
    if (all.at(-1) === '') all.pop();
    return all.length === 0 ? '' : `${all.slice(-wanted).join('\n')}\n`;
  } finally {
    closeSync(fd);
  }
}

/**
 * A TaskManager's answer to the JobManager's `log-tail` request: the tail of this process's log
 * file, or why there is none.
 */
export async function logTailAnswer(lines: number): Promise<{ text?: string; error?: string }> {
  const file = currentFile;
  if (file === undefined) return { error: 'it writes no log file' };
  await flushProcessLog();
  try {
    return { text: readLogTail(file, lines) };
  } catch (error) {
    return { error: `cannot read its log file: ${(error as Error).message}` };
  }
}

/** Replaces every value of `secrets` (as written and as JSON escapes it) in a line by `******`. */
function scrubber(secrets: readonly string[]): (line: string) => string {
  const forms = secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
  return (line) => {
    let out = line;
    for (const secret of forms) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    return out;
  };
}

function createLogger(thread: ThreadLogging, dest: DestinationStream, extra: LogFields): Logger {
  const scrub = scrubber(thread.secrets);
  const p = pino(
    {
      level: thread.level,
      base: { role: thread.role, pid: process.pid, ...thread.bindings, ...extra },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      hooks: { streamWrite: scrub },
    },
    dest,
  );
  return new PinoLogger(p, scrub);
}

/** A {@link Logger} on pino, echoing to stderr what the console logger would print. */
class PinoLogger implements Logger {
  private readonly pino: Pino;
  /** The stderr echo hides the secrets too. */
  private readonly scrub: (text: string) => string;

  constructor(p: Pino, scrub: (text: string) => string) {
    this.pino = p;
    this.scrub = scrub;
  }

  trace(msg: string, fields?: LogFields): void {
    this.write('trace', msg, fields);
  }
  debug(msg: string, fields?: LogFields): void {
    this.write('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.write('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.write('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.write('error', msg, fields);
  }
  fatal(msg: string, fields?: LogFields): void {
    this.write('fatal', msg, fields);
  }
  child(bindings: LogFields): Logger {
    return new PinoLogger(this.pino.child(bindings), this.scrub);
  }
  isEnabled(level: LogLevel): boolean {
    return this.pino.isLevelEnabled(level) || LOG_LEVEL_VALUES[level] >= LOG_LEVEL_VALUES.warn;
  }

  private write(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (this.pino.isLevelEnabled(level)) {
      if (fields === undefined) this.pino[level](msg);
      else if (fields.console === undefined) this.pino[level](fields, msg);
      else {
        const { console: _, ...rest } = fields;
        this.pino[level](rest, msg);
      }
    }
    const value = LOG_LEVEL_VALUES[level];
    if (value >= LOG_LEVEL_VALUES.warn || fields?.console) echo(value, fields, this.scrub(`weir: ${msg}`));
  }
}
