import { existsSync } from 'node:fs';
import type { JobClient, RestoreSettings } from '../api/executor.ts';
import { getExecutionContext, setExecutionContext } from '../api/executor.ts';
import { WeirError } from '../core/errors.ts';
import '../index.ts';
import { serveSavepointRequests } from './savepoint-control.ts';

export interface RunOptions {
  parallelism?: number;
  /** Print the job graph instead of running the job. */
  planOnly?: boolean;
  /** Worker threads for task slots. */
  taskSlots?: number;
  /** Start from a checkpoint or savepoint. */
  restore?: RestoreSettings;
  /** Where savepoints requested by signal go (default ./savepoints). */
  savepointDirectory?: string;
}

/**
 * Runs a job module: sets the execution context (parallelism), imports the module, which builds
 * its pipeline and calls execute(), and waits for every job it submitted. Ctrl-C cancels them.
 */
export async function runJobFile(url: string, displayPath: string, options: RunOptions): Promise<void> {
  if (!existsSync(new URL(url))) {
    throw new WeirError('CLI_USAGE', `job file not found: ${displayPath}`);
  }
  const clients: JobClient[] = [];
  const onSignal = () => {
    for (const c of clients) void c.cancel();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const stopServing = serveSavepointRequests(clients, options.savepointDirectory ?? 'savepoints');
  try {
    // `weir plan` stops the module at its first execute(): nothing after it runs.
    let planned = false;
    let onPlanned: (() => void) | undefined;
    const plannedAtExecute = new Promise<void>((resolve) => {
      onPlanned = () => {
        planned = true;
        resolve();
      };
    });
    setExecutionContext({
      parallelism: options.parallelism,
      taskSlots: options.taskSlots,
      planOnly: options.planOnly ?? false,
      onPlanned: options.planOnly ? onPlanned : undefined,
      jobModule: url,
      restore: options.restore,
      onJobSubmitted: (client, jobName) => {
        clients.push(client);
        if (options.planOnly) return;
        // Which process runs which job: what `weir savepoint <pid>` and `ps` need.
        process.title = `weir ${jobName}`;
        console.error(`weir: job "${jobName}" (${client.jobId}) running in process ${process.pid}`);
      },
    });
    try {
      await Promise.race([import(url), plannedAtExecute]);
      if (planned) return;
    } catch (error) {
      if (error instanceof WeirError) throw error;
      const code = (error as NodeJS.ErrnoException)?.code;
      if (
        code === 'ERR_MODULE_NOT_FOUND' ||
        code === 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING' ||
        error instanceof SyntaxError
      ) {
        throw new WeirError('CLI_USAGE', `cannot load job ${displayPath}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      throw new WeirError(
        'JOB_FAILED',
        `job ${displayPath} failed: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
    if ((getExecutionContext().jobsSubmitted ?? 0) === 0) {
      // As Flink's client: a program that runs no job is a mistake, not a success.
      throw new WeirError(
        'NO_JOB_EXECUTED',
        `${displayPath} ran no job: call execute() (or executeAsync()) on its StreamExecutionEnvironment`,
      );
    }
    // Jobs the module started without awaiting them.
    await Promise.all(clients.map((c) => c.getJobExecutionResult()));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stopServing();
    setExecutionContext(undefined);
  }
}
