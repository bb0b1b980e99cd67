import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isWeirError, WeirError } from '../core/errors.ts';

const HELP = `weir — stateful stream processing for TypeScript

Usage:
  weir run <job.ts|job.js> [options]   run a job on the local mini-cluster
  weir plan <job.ts|job.js>            print the job graph as JSON without running it
  weir savepoint <pid> [dir]           take a savepoint of the jobs of a running "weir run"
  weir stop <pid> [dir]                take a savepoint, then cancel those jobs
  weir --help | -h                     this help
  weir --version | -v                  the version

Options of run and plan:
  -p, --parallelism <n>   default parallelism of the job's operators
  --slots <n>             worker threads for task slots (default: one per core);
                          subtasks run on worker threads when the parallelism is above 1
  --from-checkpoint <dir> resume from the latest complete checkpoint in <dir> (a checkpoint
                          directory, a job's directory or the checkpoint storage root)
  --from-savepoint <dir>  start from a savepoint (at any parallelism; operators matched by uid)
  --allow-non-restored-state  drop state of operators the job no longer has
  --savepoint-dir <dir>   where savepoints requested by signal go (default ./savepoints)
  --verbose               print stack traces of errors

A job is a module that builds a pipeline on StreamExecutionEnvironment.getExecutionEnvironment()
and calls execute(). TypeScript jobs run directly, with no build step.`;

/** Runs the CLI and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let verbose = argv.includes('--verbose');
  try {
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
        'savepoint-dir': { type: 'string' },
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
    if (command === 'savepoint' || command === 'stop') {
      const pid = Number(file);
      if (!Number.isInteger(pid) || pid < 1) {
        throw new WeirError('CLI_USAGE', `weir ${command} needs the process id of a running "weir run"`);
      }
      // Loaded on use: `weir --version` and `weir --help` need none of the engine.
      const { requestSavepoint } = await import('./savepoint-control.ts');
      const paths = await requestSavepoint(pid, {
        action: command,
        directory: rest[0] ?? values['savepoint-dir'] ?? null,
      });
      for (const p of paths) console.log(p);
      return 0;
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
    const { runJobFile } = await import('./run-command.ts');
    await runJobFile(pathToFileURL(resolve(file)).href, file, {
      parallelism,
      taskSlots,
      planOnly: command === 'plan',
      savepointDirectory: values['savepoint-dir'],
      restore: restorePath
        ? {
            path: restorePath,
            kind: values['from-savepoint'] ? 'savepoint' : 'checkpoint',
            allowNonRestoredState: values['allow-non-restored-state'] ?? false,
          }
        : undefined,
    });
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

function printError(error: unknown, verbose: boolean): void {
  if (isWeirError(error)) {
    console.error(`error: ${error.describe()}`);
  } else if (
    error instanceof Error &&
    (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
  ) {
    console.error(`error: CLI_USAGE: ${error.message} (see weir --help)`);
    return;
  } else if (error instanceof Error) {
    console.error(`error: ${error.name}: ${error.message}`);
  } else {
    console.error(`error: ${String(error)}`);
  }
  if (verbose && error instanceof Error && error.stack) console.error(error.stack);
  else console.error('(run with --verbose for the stack trace)');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
