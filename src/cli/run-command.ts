import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { ClusterSettings, RestoreSettings } from '../api/executor.ts';
import { getExecutionContext, setExecutionContext } from '../api/executor.ts';
import { WeirError } from '../core/errors.ts';
import type { Suspension } from '../core/job-client.ts';
import '../index.ts';
import type { PrometheusServer } from '../runtime/metrics/prometheus-server.ts';
import { ControlChannel, type ControlledJob, takeSavepoints } from './control-channel.ts';
import { locateSyntaxError } from './error-report.ts';
import { reportRecordsInErrors } from './records-in-errors-report.ts';
import type { WebDashboard, WebOptions } from './web-dashboard.ts';

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
  /** Settings of the local cluster (`-D key=value`). */
  cluster?: ClusterSettings;
  /** The command line to repeat in the resume hint (`weir run <file> -p 2`). */
  resumeCommand?: string;
  /**
   * `--metrics-port` / `--metrics-host`: serve the Prometheus exposition of both scopes (the local
   * cluster and its jobs, the subtasks and operators) at `http://host:port/metrics`.
   */
  metrics?: { port: string; host: string };
  /** `--web`: serve the REST API and the dashboard over this process's jobs. */
  web?: WebOptions;
}

/** How `weir run` ended when it did not fail: its jobs finished, or a signal suspended them. */
export type RunOutcome =
  | { kind: 'finished' }
  | { kind: 'suspended'; signal: 'SIGTERM' | 'SIGINT'; exitCode: 130 | 143; lines: string[] };

/**
 * Runs a job module: sets the execution context (parallelism), imports the module, which builds
 * its pipeline and calls execute(), and waits for every job it submitted.
 *
 * While it runs, the process answers `weir savepoint|stop` on its control channel
 * (control-channel.ts), and SIGUSR2 takes a savepoint into `--savepoint-dir`. SIGTERM and SIGINT
 * suspend the jobs, as Flink does when its cluster shuts down: their checkpoints stay, whatever the
 * retention, and the outcome says how to resume (exit code 143 or 130). A second signal exits at once.
 */
export async function runJobFile(url: string, displayPath: string, options: RunOptions): Promise<RunOutcome> {
  if (!existsSync(new URL(url))) {
    throw new WeirError('CLI_USAGE', `job file not found: ${displayPath}`);
  }
  const jobs: ControlledJob[] = [];
  const savepointDirectory = resolve(options.savepointDirectory ?? 'savepoints');
  let signalled: 'SIGTERM' | 'SIGINT' | undefined;
  const suspensions: Array<Promise<string>> = [];
  let onSuspended!: () => void;
  const suspendedAll = new Promise<void>((r) => (onSuspended = r));
  const suspend = (job: ControlledJob) =>
    suspensions.push(
      job.client.suspend
        ? job.client
            .suspend()
            .then((s) => resumeHint(job.name, s, options.resumeCommand ?? `weir run ${displayPath}`))
        : job.client.cancel().then(() => `weir: job "${job.name}" was cancelled`),
    );
  const onSignal = (signal: 'SIGTERM' | 'SIGINT') => {
    if (signalled) {
      // A second Ctrl-C (or SIGTERM): do not wait for the tasks. The control socket goes on exit.
      console.error(`weir: ${signal} again: exiting now`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    signalled = signal;
    console.error(
      jobs.length === 0
        ? `weir: ${signal}: no job has started yet: stopping`
        : `weir: ${signal}: suspending ${jobs.length === 1 ? 'the job' : `${jobs.length} jobs`} (again to exit at once)`,
    );
    for (const job of jobs) suspend(job);
    void Promise.all(suspensions).then(() => onSuspended());
  };
  const onSigterm = () => onSignal('SIGTERM');
  const onSigint = () => onSignal('SIGINT');
  // Savepoints on signal, into --savepoint-dir: a signal the user sends to their own job.
  const onSigusr2 = () => {
    takeSavepoints(jobs, 'savepoint', savepointDirectory).catch((error: unknown) =>
      console.error(`weir: savepoint failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  process.on('SIGUSR2', onSigusr2);
  let channel: ControlChannel | undefined;
  if (!options.planOnly) {
    channel = await ControlChannel.open(() => jobs, savepointDirectory).catch((error: unknown) => {
      console.error(
        `weir: no control channel, "weir savepoint|stop" cannot reach this process: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    });
  }
  let metrics: PrometheusServer | undefined;
  let web: WebDashboard | undefined;
  try {
    if (options.metrics && !options.planOnly) metrics = await startRunMetrics(options, () => jobs);
    if (options.web && !options.planOnly) {
      const { startWebDashboard } = await import('./web-dashboard.ts');
      web = await startWebDashboard(options.web, { savepointDirectory, taskSlots: options.taskSlots });
      for (const job of jobs) web.adopt(job.client);
      // Tests and scripts read the port from this line.
      console.error(`weir: web dashboard at ${web.url}`);
    }
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
      cluster: options.cluster,
      onJobSubmitted: (client, jobName) => {
        const job = { client, name: jobName };
        jobs.push(job);
        web?.adopt(client);
        if (options.planOnly) return;
        if (signalled) suspend(job); // started after the signal
        // Which process runs which job: what `weir savepoint <pid>` and `ps` need.
        process.title = `weir ${jobName}`;
        console.error(`weir: job "${jobName}" (${client.jobId}) running in process ${process.pid}`);
        // At its end, the records its sources could not read and skipped, per source.
        client.getJobExecutionResult().then(reportRecordsInErrors, () => {});
      },
    });
    try {
      // A module stuck outside its jobs (a top-level await that never settles) does not hold up a suspend.
      await Promise.race([import(url), plannedAtExecute, suspendedAll]);
      if (planned) return { kind: 'finished' };
    } catch (error) {
      if (signalled) return suspendedOutcome(signalled, suspensions);
      if (error instanceof WeirError) throw error;
      const code = (error as NodeJS.ErrnoException)?.code;
      if (
        code === 'ERR_MODULE_NOT_FOUND' ||
        code === 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING' ||
        error instanceof SyntaxError
      ) {
        locateSyntaxError(error, new URL(url));
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
    if (signalled) return suspendedOutcome(signalled, suspensions);
    if ((getExecutionContext().jobsSubmitted ?? 0) === 0) {
      // As Flink's client: a program that runs no job is a mistake, not a success.
      throw new WeirError(
        'NO_JOB_EXECUTED',
        `${displayPath} ran no job: call execute() (or executeAsync()) on its StreamExecutionEnvironment`,
      );
    }
    // Jobs the module started without awaiting them.
    try {
      await Promise.race([Promise.all(jobs.map((j) => j.client.getJobExecutionResult())), suspendedAll]);
    } catch (error) {
      if (!signalled) throw error;
    }
    if (signalled) return suspendedOutcome(signalled, suspensions);
    return { kind: 'finished' };
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    process.off('SIGUSR2', onSigusr2);
    channel?.close();
    await metrics?.close();
    await web?.close();
    setExecutionContext(undefined);
  }
}

/** The Prometheus endpoint of this process (loaded only when asked for). */
async function startRunMetrics(options: RunOptions, jobs: () => readonly ControlledJob[]) {
  const [{ PrometheusExporter }, { startPrometheusServer }, { localRunScopes }] = await Promise.all([
    import('../runtime/metrics/prometheus-exporter.ts'),
    import('../runtime/metrics/prometheus-server.ts'),
    import('../runtime/metrics/prometheus-views.ts'),
  ]);
  const log = (line: string) => console.error(line);
  return startPrometheusServer({
    exporter: new PrometheusExporter({
      scopes: localRunScopes(jobs, options.taskSlots ?? availableParallelism()),
      log,
    }),
    host: options.metrics!.host,
    port: options.metrics!.port,
    token: process.env.WEIR_REST_TOKEN,
    settings: { port: '--metrics-port', host: '--metrics-host' },
    log,
  });
}

/** Waits for every job to be suspended and collects the lines that say how to resume them. */
async function suspendedOutcome(
  signal: 'SIGTERM' | 'SIGINT',
  suspensions: Array<Promise<string>>,
): Promise<RunOutcome> {
  const settled = await Promise.allSettled(suspensions);
  const lines = settled.map((s) =>
    s.status === 'fulfilled' ? s.value : `weir: a job could not be suspended: ${String(s.reason)}`,
  );
  if (lines.length === 0) lines.push(`weir: ${signal} before any job started: there is nothing to resume`);
  return { kind: 'suspended', signal, exitCode: signal === 'SIGINT' ? 130 : 143, lines };
}

/**
 * The one line that says how to resume a suspended job: `--from-checkpoint` with the directory of
 * its checkpoints (the job's own directory in the checkpoint storage), or why it cannot be resumed.
 */
export function resumeHint(name: string, s: Suspension, command: string): string {
  if (s.checkpoint !== null && s.storage !== null) {
    return `weir: job "${name}" suspended; resume with: npx ${command} --from-checkpoint ${quote(dirname(s.checkpoint))}`;
  }
  if (s.storage !== null) {
    return `weir: job "${name}" suspended before its first checkpoint completed: it cannot be resumed (run it again to start from the beginning)`;
  }
  return `weir: job "${name}" suspended; it cannot be resumed: it has no checkpoint storage (env.getCheckpointConfig().setCheckpointStorage(dir))`;
}

/** A path as a shell argument. */
function quote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}
