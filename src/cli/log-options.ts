/**
 * The logging settings of the CLI's processes: which file a process writes its JSON log lines to,
 * and at which level (src/runtime/logging/process-logging.ts). `weir run` writes a file only when
 * asked (`--log-file`, `-D log.file=`, `-D env.log.dir=`); `weir jobmanager` and `weir taskmanager`
 * always do, in `env.log.dir` (default `<runtime dir>/log`).
 */
import { join, resolve } from 'node:path';
import { WeirError } from '../core/errors.ts';
import { LOG_LEVELS, type LogLevel, processLogger } from '../core/logger.ts';
import type { ClusterConfig } from '../runtime/cluster/cluster-config.ts';
import {
  configureProcessLogging,
  type ProcessLoggingOptions,
  type ProcessRole,
} from '../runtime/logging/process-logging.ts';
import { runtimeDirectory } from './control-channel.ts';

/** Where daemons write their log files when `env.log.dir` is not set. */
export function defaultLogDirectory(): string {
  return join(runtimeDirectory(), 'log');
}

/**
 * Takes the logging keys (`log.file`, `log.level`, `env.log.dir`) out of `weir run`'s `-D` settings;
 * the rest go on to the local cluster's settings. `logFile` is `--log-file`, which wins over
 * `log.file`. Returns the logging options when a file is asked for.
 */
export function runLogging(
  defines: readonly string[],
  logFile: string | undefined,
): { logging: ProcessLoggingOptions | undefined; defines: string[] } {
  const rest: string[] = [];
  let file = logFile === undefined ? undefined : resolve(logFile);
  let dir: string | undefined;
  let level: LogLevel | undefined;
  for (const define of defines) {
    const eq = define.indexOf('=');
    const key = eq < 0 ? define : define.slice(0, eq);
    const value = eq < 0 ? '' : define.slice(eq + 1).trim();
    if (key !== 'log.file' && key !== 'log.level' && key !== 'env.log.dir') {
      rest.push(define);
      continue;
    }
    if (value === '') throw new WeirError('CLI_USAGE', `-D ${key} needs a value`);
    if (key === 'log.level') level = logLevel(value, `-D ${key}`);
    else if (key === 'env.log.dir') dir = resolve(value);
    else if (logFile === undefined) file = resolve(value);
  }
  const logging =
    file === undefined && dir === undefined
      ? undefined
      : {
          role: 'run' as const,
          file,
          dir,
          level,
          secrets: [process.env.WEIR_REST_TOKEN, process.env.WEIR_RPC_SECRET],
        };
  return { logging, defines: rest };
}

/** `value` as a log level, or CLI_USAGE naming `where`. */
function logLevel(value: string, where: string): LogLevel {
  const level = value.toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    throw new WeirError('CLI_USAGE', `${where} must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return level;
}

/**
 * Starts a daemon's log file (`<env.log.dir>/<role>-<id>.log`, or `log.file`) and logs the
 * configuration as `ClusterConfig.toDisplay()` shows it (secrets as `******`). Returns the file.
 */
export function startDaemonLogging(
  role: Extract<ProcessRole, 'jobmanager' | 'taskmanager'>,
  config: ClusterConfig,
  version: string,
  id?: string,
): string | undefined {
  const file = configureProcessLogging({
    role,
    file: config.log.file,
    dir: config.env.log.dir ?? defaultLogDirectory(),
    id,
    level: config.log.level,
    secrets: [config.rest.auth.token, config.security.rpc.secret],
    bindings: id === undefined ? {} : { taskmanager: id },
  });
  processLogger().info(`starting the ${role === 'jobmanager' ? 'JobManager' : 'TaskManager'}`, {
    version,
    node: process.version,
    config: config.toDisplay(),
  });
  return file;
}
