/**
 * The logger every part of Weir writes its logs through: the runtime, the connectors (through their
 * context), the cluster processes. Logs are not the CLI's output: what a command prints for its user
 * (`weir: job "x" running in process N`, tables, error reports) stays on the terminal as it is.
 *
 * A line has a level, a message and structured fields; a child logger adds fields to every line it
 * writes (a task's logger carries `job_id`, `task`, `subtask` and `attempt`). Where the lines go is
 * the process's business (src/runtime/logging/process-logging.ts): by default only warnings and
 * errors are written, to stderr, as `weir: <message>` lines (what Weir always printed); a process
 * with a log file writes every line at `log.level` and above to it as JSON, and keeps those stderr
 * lines. The reserved field `console` overrides the stderr echo for one line: `true` prints it
 * whatever its level (a daemon's life-cycle lines), `false` keeps it out of stderr.
 *
 * Loggers never sit on the record path: a line is written when something happens to a task, a
 * connection or a checkpoint, not per record.
 */

/** The levels, from the most verbose (as pino's). */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** The levels in order, for validation and comparison. */
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** pino's numeric value of each level. */
export const LOG_LEVEL_VALUES: Readonly<Record<LogLevel, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

/**
 * Structured fields of a line. Snake case for the ids (`job_id`, `subtask`), `err` for an error
 * (written with its type, message, stack and causes). `console` is reserved (see the module comment).
 */
export type LogFields = Record<string, unknown> & { console?: boolean };

export interface Logger {
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  fatal(msg: string, fields?: LogFields): void;
  /** A logger whose every line also carries `bindings`. */
  child(bindings: LogFields): Logger;
  /** Whether a line at `level` goes anywhere (to skip building an expensive message). */
  isEnabled(level: LogLevel): boolean;
}

/**
 * The logger of a process without a log file: warnings and errors (and lines with `console: true`)
 * go to stderr as `weir: <message>`, the rest nowhere.
 */
export class ConsoleLogger implements Logger {
  trace(msg: string, fields?: LogFields): void {
    this.write(LOG_LEVEL_VALUES.trace, msg, fields);
  }
  debug(msg: string, fields?: LogFields): void {
    this.write(LOG_LEVEL_VALUES.debug, msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.write(LOG_LEVEL_VALUES.info, msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.write(LOG_LEVEL_VALUES.warn, msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.write(LOG_LEVEL_VALUES.error, msg, fields);
  }
  fatal(msg: string, fields?: LogFields): void {
    this.write(LOG_LEVEL_VALUES.fatal, msg, fields);
  }
  child(_bindings: LogFields): Logger {
    return this;
  }
  isEnabled(level: LogLevel): boolean {
    return LOG_LEVEL_VALUES[level] >= LOG_LEVEL_VALUES.warn;
  }
  private write(level: number, msg: string, fields: LogFields | undefined): void {
    echo(level, fields, `weir: ${msg}`);
  }
}

/**
 * Prints `line` on stderr when the line's level or fields say so: warnings and errors, unless
 * `console` says otherwise. A warning goes through console.warn, anything else console.error, as
 * Weir printed them before it had log files.
 */
export function echo(level: number, fields: LogFields | undefined, line: string): void {
  const forced = fields?.console;
  if (forced === false || (forced === undefined && level < LOG_LEVEL_VALUES.warn)) return;
  if (level === LOG_LEVEL_VALUES.warn && forced === undefined) console.warn(line);
  else console.error(line);
}

let processLog: Logger = new ConsoleLogger();

/** The logger of this thread (the process's, configured at its start; the console logger until then). */
export function processLogger(): Logger {
  return processLog;
}

/** Installs the logger of this thread (src/runtime/logging/process-logging.ts does, at start). */
export function setProcessLogger(logger: Logger): void {
  processLog = logger;
}

/**
 * A callback for components that report lines (`weir: TaskManager tm-1 registered ...`): each line
 * goes to `logger` at `info` and to stderr as it is, as before logs had files.
 */
export function lineLogger(logger: Logger): (line: string, level?: LogLevel) => void {
  return (line, level = 'info') => logger[level](line.replace(/^weir: /, ''), { console: true });
}
