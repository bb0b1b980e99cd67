import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ClusterSettings } from '../api/executor.ts';
import { WeirError } from '../core/errors.ts';
import { formatError } from './error-report.ts';

/** Names only: the commands' modules load on use (`weir --version` and `--help` need none of them). */
const CLUSTER_COMMANDS = new Set(['submit', 'list', 'info', 'cancel', 'savepoint', 'stop']);

const HELP = `weir — stateful stream processing for TypeScript

Usage:
  weir run <job.ts|job.js> [options]   run a job on the local mini-cluster
  weir plan <job.ts|job.js>            print the job graph as JSON without running it
  weir sql [-f script.sql] [-p N]      the SQL client: run a script's statements, or statements typed
                                       at the prompt (results as tableau, table or changelog:
                                       --result-mode or SET 'sql-client.execution.result-mode');
                                       -m <host:port>: INSERTs run on that cluster (docs/sql.md),
                                       -D key=value: a session setting, as SET gives it
  weir savepoint <pid|job id> [dir]    take a savepoint of a job of a running "weir run"
                                       (a pid: of each of its jobs), into [dir] or its --savepoint-dir,
                                       or of a cluster job (see "Against a cluster")
  weir stop <pid|job id> [dir]         take a savepoint, then stop the job
  weir checkpoints list <dir>          jobs and checkpoints in a checkpoint storage directory
  weir checkpoints delete <dir>...     delete job directories or checkpoints, or with
                                       --keep-jobs N all but the N latest jobs of a storage root
  weir --help | -h                     this help
  weir --version | -v                  the version

Against a cluster (a JobManager's REST API):
  weir cluster start|stop|status       a local cluster: a JobManager and TaskManagers as background
                                       processes, pid files and logs in one directory
  weir jobmanager [--rest-port P] [--rpc-port P]
                                       run a JobManager in the foreground (REST API and RPC)
  weir taskmanager --jobmanager <host:port> [--slots N]
                                       run a TaskManager in the foreground, registered with the
                                       JobManager at its RPC address
  weir submit <job.ts> [-- args...]    bundle the job with its imports, upload it, run it; without -d,
                                       follow it until it ends (Ctrl-C detaches, the job runs on)
  weir list [--all]                    the cluster's running jobs (--all: the ended ones too)
  weir info <job id>                   a job's vertices, records, back-pressure, checkpoints, failure
  weir cancel <job id>                 cancel a job and wait until it is CANCELED
  weir savepoint|stop <job id> [dir]   a savepoint of a cluster job (stop: then the job ends); [dir]
                                       relative to the cluster's state.savepoints.dir, default that

Options of run and plan:
  -p, --parallelism <n>   default parallelism of the job's operators
  --slots <n>             worker threads for task slots (default: one per core); the job's
                          subtasks run on them at every parallelism (at most one per subtask)
  --from-checkpoint <dir> resume from the latest complete checkpoint in <dir> (a checkpoint
                          directory, a job's directory or the checkpoint storage root)
  --from-savepoint <dir>  start from a savepoint (at any parallelism; operators matched by uid)
  --allow-non-restored-state  drop state of operators the job no longer has
  --savepoint-dir <dir>   where savepoints go when no [dir] is given (default ./savepoints)
  --log-file <file>       write the process's log there, as JSON lines (also -D log.file=<file>,
                          or -D env.log.dir=<dir> for <dir>/run-<pid>.log; -D log.level=debug...)
  --metrics-port <port>   serve Prometheus metrics at http://127.0.0.1:<port>/metrics (0: any free
                          port; a range 9250-9260: the first free one); --metrics-host <address> to
                          bind elsewhere (then $WEIR_REST_TOKEN is required, as a bearer token)
  --web                   serve the REST API and the web dashboard while the job runs (prints its URL):
                          --web-port <port> (default 8081, 0: any free port), --web-host <address>
                          (default 127.0.0.1; another address needs --web-token or $WEIR_REST_TOKEN)
  -D <key>=<value>        a setting of the local cluster:
                            task.cancellation.timeout=<ms>  how long a cancelled task may take
                              to end before its slot thread is terminated (default 5000; 0: no limit)
                            taskmanager.memory.slot.heap.size=<MB>  heap limit of each slot thread
                              (default: Node's heap limit, at most memory / (slots + 1))
  --verbose               print stack traces of errors

Options against a cluster:
  -m, --jobmanager <url>  the JobManager's REST API (default: the configuration's rest.address and
                          rest.port, else the cluster "weir cluster start" left, else 127.0.0.1:8081)
  --config <file>         the cluster configuration (default $WEIR_CONF_DIR/config.yaml); -D key=value
                          overrides it; the token: rest.auth.token or $WEIR_REST_TOKEN
  --json                  print the REST API's answer as JSON instead of a table
  submit: -p <n> parallelism, -d detached, --from-savepoint <path>, --allow-non-restored-state,
          --env KEY[=VALUE] (repeatable: the only environment variables the job sees on the cluster;
          KEY alone passes this shell's value)
  jobmanager, taskmanager, cluster: --config <file> and -D key=value (docs/cluster.md lists the keys)
  cluster start: --taskmanagers <n> (default 1), --slots <n> per TaskManager, --dir <dir> for pid
          files and logs (default env.pid.dir/env.log.dir, else $XDG_RUNTIME_DIR/weir/cluster or
          <tmp>/weir-<uid>/cluster)
  savepoint|stop <id>: a number is the pid of a "weir run"; another id is a job of a "weir run" when
          one runs it, else the cluster's; with --jobmanager always the cluster's

Signals to "weir run": SIGTERM or Ctrl-C (SIGINT) suspends the jobs, keeping their checkpoints,
prints how to resume them (--from-checkpoint) and exits 143 or 130; a second one exits at once.
SIGUSR2 takes a savepoint into --savepoint-dir. "weir savepoint|stop" reach the process through its
control socket ($XDG_RUNTIME_DIR/weir or <tmp>/weir-<uid>), never by a signal.

A job is a module that builds a pipeline on StreamExecutionEnvironment.getExecutionEnvironment()
and calls execute(). TypeScript jobs run directly, with no build step.`;

/** Runs the CLI and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let verbose = argv.includes('--verbose');
  try {
    if (argv[0] === 'cluster' || (argv[0] !== undefined && CLUSTER_COMMANDS.has(argv[0]))) {
      const own = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
      if (own.includes('--help') || own.includes('-h')) {
        console.log(HELP);
        return 0;
      }
      if (argv[0] === 'cluster') {
        const { clusterCommand } = await import('./cluster-process.ts');
        return await clusterCommand(argv.slice(1));
      }
      const { runClusterCommand } = await import('./cluster-commands.ts');
      return await runClusterCommand(argv);
    }
    if (argv[0] === 'jobmanager' || argv[0] === 'taskmanager') {
      if (argv.includes('--help') || argv.includes('-h')) {
        console.log(HELP);
        return 0;
      }
      const { jobManagerCommand, taskManagerCommand } = await import('./daemon-commands.ts');
      const code = await (argv[0] === 'jobmanager' ? jobManagerCommand : taskManagerCommand)(argv.slice(1));
      // Whatever a job module left behind in this process (a timer, a socket) does not hold the exit up.
      setTimeout(() => process.exit(code), 2_000).unref();
      return code;
    }
    if (argv[0] === 'sql') {
      if (argv.includes('--help') || argv.includes('-h')) {
        console.log(HELP);
        return 0;
      }
      const { sqlCommand } = await import('./sql-command.ts');
      return await sqlCommand(argv.slice(1));
    }
    if (argv[0] === 'checkpoints') {
      const { checkpointsCommand } = await import('./checkpoints-command.ts');
      return await checkpointsCommand(argv.slice(1));
    }
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        parallelism: { type: 'string', short: 'p' },
        slots: { type: 'string' },
        verbose: { type: 'boolean' },
        'from-checkpoint': { type: 'string' },
        'from-savepoint': { type: 'string' },
        'allow-non-restored-state': { type: 'boolean' },
        'log-file': { type: 'string' },
        'savepoint-dir': { type: 'string' },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
        web: { type: 'boolean' },
        'web-port': { type: 'string' },
        'web-host': { type: 'string' },
        'web-token': { type: 'string' },
        define: { type: 'string', short: 'D', multiple: true },
      },
    });
    verbose = values.verbose ?? false;
    if (values.version) {
      console.log(`weir ${version()}`);
      return 0;
    }
    const [command, file, ...rest] = positionals;
    if (values.help || command === undefined || command === 'help') {
      console.log(HELP);
      return command === undefined && !values.help ? 1 : 0;
    }
    if (command !== 'run' && command !== 'plan') {
      throw new WeirError('CLI_USAGE', `unknown command "${command}" (see weir --help)`);
    }
    if (!file) throw new WeirError('CLI_USAGE', `weir ${command} needs a job file: weir ${command} <job.ts>`);
    if (rest.length > 0) throw new WeirError('CLI_USAGE', `unexpected arguments: ${rest.join(' ')}`);
    const parallelism = positiveInteger('--parallelism', values.parallelism);
    const taskSlots = positiveInteger('--slots', values.slots);
    if (values['from-checkpoint'] && values['from-savepoint']) {
      throw new WeirError('CLI_USAGE', 'give --from-checkpoint or --from-savepoint, not both');
    }
    const restorePath = values['from-checkpoint'] ?? values['from-savepoint'];
    const { runLogging } = await import('./log-options.ts');
    const { logging, defines } = runLogging(values.define ?? [], values['log-file']);
    const cluster = clusterSettings(defines);
    if (command === 'run') {
      // Before the first slot thread starts: slots write to the same file.
      if (logging) {
        const { configureProcessLogging } = await import('../runtime/logging/process-logging.ts');
        configureProcessLogging(logging);
      }
      // The job runs on a slot thread: start one before this thread loads the engine, so that both
      // load it at once (the slot pool module itself is small).
      const { defaultSlotHeapMb, taskSlotPool } = await import('../runtime/cluster/task-slot-pool.ts');
      taskSlotPool.prestart(cluster.slotHeapMb ?? defaultSlotHeapMb(taskSlots));
    }
    const { runJobFile } = await import('./run-command.ts');
    const outcome = await runJobFile(pathToFileURL(resolve(file)).href, file, {
      parallelism,
      taskSlots,
      planOnly: command === 'plan',
      savepointDirectory: values['savepoint-dir'],
      cluster,
      resumeCommand: ['weir run', file, ...(parallelism ? ['-p', String(parallelism)] : [])].join(' '),
      metrics: metricsEndpoint(values['metrics-port'], values['metrics-host']),
      web: webEndpoint(values),
      restore: restorePath
        ? {
            path: restorePath,
            kind: values['from-savepoint'] ? 'savepoint' : 'checkpoint',
            allowNonRestoredState: values['allow-non-restored-state'] ?? false,
          }
        : undefined,
    });
    if (outcome.kind === 'suspended') {
      for (const line of outcome.lines) console.error(line);
      // Whatever the module still waits for (a timer, a socket) does not hold the exit up.
      setTimeout(() => process.exit(outcome.exitCode), 2_000).unref();
      return outcome.exitCode;
    }
    return 0;
  } catch (error) {
    printError(error, verbose);
    return 1;
  }
}

/**
 * A flag's value as a positive integer, written in plain decimal digits: `Number()` alone would
 * also take `1e1`, `0x10`, ` 2 ` or `2.0`.
 */
function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(value)) {
    throw new WeirError('CLI_USAGE', `${flag} must be a positive integer, got "${text}"`);
  }
  return value;
}

/** `--metrics-port <port|from-to>` and `--metrics-host <address>` (default 127.0.0.1): the Prometheus endpoint of `weir run`. */
function metricsEndpoint(
  port: string | undefined,
  host: string | undefined,
): { port: string; host: string } | undefined {
  if (port === undefined) {
    if (host !== undefined) throw new WeirError('CLI_USAGE', '--metrics-host needs --metrics-port');
    return undefined;
  }
  if (!/^\d{1,5}(-\d{1,5})?$/.test(port)) {
    throw new WeirError(
      'CLI_USAGE',
      `--metrics-port must be a port (0: any free one) or a range such as 9250-9260, got "${port}"`,
    );
  }
  return { port, host: host ?? '127.0.0.1' };
}

/**
 * `--web [--web-port N] [--web-host H] [--web-token T]`: the REST API and dashboard of `weir run`,
 * on 127.0.0.1:8081 by default; the token also comes from WEIR_REST_TOKEN.
 */
function webEndpoint(values: {
  web?: boolean;
  'web-port'?: string;
  'web-host'?: string;
  'web-token'?: string;
}): { port: number; host: string; token?: string } | undefined {
  if (!values.web) {
    const given = (['web-port', 'web-host', 'web-token'] as const).find((f) => values[f] !== undefined);
    if (given) throw new WeirError('CLI_USAGE', `--${given} needs --web`);
    return undefined;
  }
  const portText = values['web-port'] ?? '8081';
  const port = Number(portText);
  if (!/^(0|[1-9][0-9]{0,4})$/.test(portText) || port > 65535) {
    throw new WeirError(
      'CLI_USAGE',
      `--web-port must be a port from 0 (any free one) to 65535, got "${portText}"`,
    );
  }
  const token = values['web-token'] ?? (process.env.WEIR_REST_TOKEN || undefined);
  return { port, host: values['web-host'] ?? '127.0.0.1', ...(token === undefined ? {} : { token }) };
}

/**
 * `-D key=value` settings of the local cluster. Unknown keys are an error (a typo must not be
 * silently ignored).
 */
function clusterSettings(defines: string[]): ClusterSettings {
  const settings: ClusterSettings = {};
  for (const define of defines) {
    const eq = define.indexOf('=');
    const key = eq < 0 ? define : define.slice(0, eq);
    const value = eq < 0 ? '' : define.slice(eq + 1);
    const count = (what: string, allowZero: boolean) => {
      if (!(allowZero ? /^(0|[1-9][0-9]*)$/ : /^[1-9][0-9]*$/).test(value)) {
        throw new WeirError('CLI_USAGE', `-D ${key} must be ${what}, got "${value}"`);
      }
      return Number(value);
    };
    switch (key) {
      case 'task.cancellation.timeout':
        settings.cancellationTimeoutMs = count('a number of milliseconds (0: no limit)', true);
        break;
      case 'taskmanager.memory.slot.heap.size':
        settings.slotHeapMb = count('a positive number of MB', false);
        break;
      case 'metrics.latency.interval':
        settings.latencyTrackingIntervalMs = count('a number of milliseconds (0: off)', true);
        break;
      default:
        throw new WeirError(
          'CLI_USAGE',
          `unknown setting -D ${key} (known: task.cancellation.timeout, taskmanager.memory.slot.heap.size, metrics.latency.interval)`,
        );
    }
  }
  return settings;
}

function printError(error: unknown, verbose: boolean): void {
  console.error(formatError(error, verbose));
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
