/**
 * `weir jobmanager` and `weir taskmanager`: the processes of a standalone cluster, in the
 * foreground (`weir cluster start` runs them in the background). Both read the cluster
 * configuration (`--config`, `$WEIR_CONF_DIR/config.yaml`, `-D key=value`) and stop cleanly on
 * SIGTERM or SIGINT: the JobManager suspends its jobs first, a TaskManager ends its slots.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WeirError } from '../core/errors.ts';
import { loadClusterConfig } from '../runtime/cluster/cluster-config.ts';
import { flushProcessLog } from '../runtime/logging/process-logging.ts';
import { startDaemonLogging } from './log-options.ts';

/** `weir jobmanager [--rest-port P] [--rpc-port P] [--config F] [-D key=value]...`: runs until a signal. */
export async function jobManagerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'rest-port': { type: 'string' },
      'rpc-port': { type: 'string' },
      config: { type: 'string' },
      define: { type: 'string', short: 'D', multiple: true },
      verbose: { type: 'boolean' },
    },
  });
  if (positionals.length > 0)
    throw new WeirError('CLI_USAGE', `unexpected arguments: ${positionals.join(' ')}`);
  const defines = [...(values.define ?? [])];
  if (values['rest-port'] !== undefined) defines.push(`rest.port=${values['rest-port']}`);
  if (values['rpc-port'] !== undefined) defines.push(`jobmanager.rpc.port=${values['rpc-port']}`);
  const config = loadClusterConfig({ file: values.config && resolve(values.config), defines });
  startDaemonLogging('jobmanager', config, version());
  const { JobManager } = await import('../runtime/cluster/job-manager.ts');
  const jm = await JobManager.start({ config, version: version() });
  const { rest, rpc } = jm.addresses;
  process.title = 'weir jobmanager';
  console.error(`weir: JobManager ready: REST ${rest}, RPC ${rpc.host}:${rpc.port}`);
  return untilSignal('JobManager', () => jm.close().finally(flushProcessLog));
}

/** `weir taskmanager --jobmanager host:port [--slots N] [--config F] [-D key=value]...`: runs until a signal. */
export async function taskManagerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      jobmanager: { type: 'string', short: 'm' },
      slots: { type: 'string' },
      config: { type: 'string' },
      define: { type: 'string', short: 'D', multiple: true },
      verbose: { type: 'boolean' },
    },
  });
  if (positionals.length > 0)
    throw new WeirError('CLI_USAGE', `unexpected arguments: ${positionals.join(' ')}`);
  const defines = [...(values.define ?? [])];
  if (values.slots !== undefined) defines.push(`taskmanager.numberOfTaskSlots=${values.slots}`);
  const config = loadClusterConfig({ file: values.config && resolve(values.config), defines });
  const jobManager = values.jobmanager
    ? parseHostPort(values.jobmanager)
    : { host: config.jobmanager.rpc.address, port: config.jobmanager.rpc.port };
  const { TaskManager, newTaskManagerId } = await import('../runtime/cluster/task-manager.ts');
  const id = newTaskManagerId();
  startDaemonLogging('taskmanager', config, version(), id);
  const tm = await TaskManager.start({ config, jobManager, version: version(), id });
  process.title = 'weir taskmanager';
  return untilSignal('TaskManager', () => tm.close().finally(flushProcessLog));
}

/** `host:port`, `[::1]:6123`. */
function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port < 1 || port > 65_535) {
    throw new WeirError(
      'CLI_USAGE',
      `--jobmanager must be host:port (the JobManager's RPC port), got "${text}"`,
    );
  }
  return { host: m[1] ?? m[2], port };
}

/** Resolves with exit code 0 once a SIGTERM or SIGINT has closed the process's servers. */
function untilSignal(what: string, close: () => Promise<void>): Promise<number> {
  return new Promise((resolveExit) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        console.error(`weir: ${signal} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      console.error(`weir: ${signal}: the ${what} stops`);
      close().then(
        () => resolveExit(0),
        (error: unknown) => {
          console.error(
            `weir: the ${what} did not stop cleanly: ${(error as Error)?.message ?? String(error)}`,
          );
          resolveExit(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
