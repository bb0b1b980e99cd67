/**
 * The CLI against a cluster: `weir submit`, `list`, `info`, `cancel`, and `savepoint`/`stop` for
 * jobs that run on a JobManager, over its REST API (see rest-client.ts).
 *
 * Which cluster: see cluster-endpoint.ts (`--jobmanager`, the configuration, the local cluster of
 * `weir cluster start`, or `http://127.0.0.1:8081`).
 *
 * `savepoint` and `stop` also reach jobs of a local `weir run` (its control socket), as before the
 * cluster existed. The rule: a number is a pid, always local; with `--jobmanager` the id is a
 * cluster job's; otherwise a job id (or unique prefix) that a running `weir run` serves is that
 * process's job, and any other goes to the cluster.
 *
 * Output: aligned tables for people, or with `--json` the REST responses as JSON (one document).
 */
import { parseArgs } from 'node:util';
import { WeirError } from '../core/errors.ts';
import { resolveCluster } from './cluster-endpoint.ts';
import {
  type JobDetails,
  type JobState,
  type JobSummary,
  type RestClient,
  type SubmitRequest,
  TERMINAL_STATES,
} from './rest-client.ts';
import { formatCount, formatDuration, formatFields, formatTable, formatTime } from './table.ts';

/** The flags every cluster command takes. */
const COMMON_OPTIONS = {
  jobmanager: { type: 'string', short: 'm' },
  config: { type: 'string' },
  define: { type: 'string', short: 'D', multiple: true },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
} as const;

/** The job a user names by its full id or a unique prefix of it (as with `weir run` jobs). */
async function resolveJobId(client: RestClient, target: string): Promise<string> {
  const { jobs } = await client.jobsOverview();
  if (jobs.some((j) => j.jid === target)) return target;
  const matches = jobs.filter((j) => j.jid.startsWith(target));
  if (matches.length === 1) return matches[0].jid;
  if (matches.length > 1) {
    throw new WeirError(
      'CLI_USAGE',
      `"${target}" matches several jobs: ${matches.map((j) => `${j.jid} ("${j.name}")`).join(', ')}`,
    );
  }
  throw new WeirError('JOB_NOT_FOUND', `the JobManager at ${client.url} has no job with the id "${target}"`);
}

/** A job id as the user typed it: hex digits and dashes (never a path). */
function checkJobId(command: string, id: string | undefined): string {
  if (!id || !/^[0-9a-f][0-9a-f-]*$/i.test(id)) {
    throw new WeirError(
      'CLI_USAGE',
      `weir ${command} needs the id of a job (as "weir list" shows it): weir ${command} <job id>`,
    );
  }
  return id;
}

function json(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

// ---------------------------------------------------------------------------------------- submit

/**
 * `weir submit job.ts [-p N] [-d] [--from-savepoint <path>] [--allow-non-restored-state]
 * [--env KEY[=VALUE]]... [-- args...]`: bundles the job, uploads it, prints its id, and without `-d`
 * follows it until it ends. Returns the exit code.
 */
export async function submitCommand(argv: string[]): Promise<number> {
  const split = argv.indexOf('--');
  const own = split < 0 ? argv : argv.slice(0, split);
  const args = split < 0 ? [] : argv.slice(split + 1);
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      parallelism: { type: 'string', short: 'p' },
      detached: { type: 'boolean', short: 'd' },
      'from-savepoint': { type: 'string', short: 's' },
      'allow-non-restored-state': { type: 'boolean', short: 'n' },
      env: { type: 'string', multiple: true },
    },
  });
  const [file, ...extra] = positionals;
  if (!file) throw new WeirError('CLI_USAGE', 'weir submit needs a job file: weir submit <job.ts> [-- args]');
  if (extra.length > 0) {
    throw new WeirError(
      'CLI_USAGE',
      `unexpected arguments: ${extra.join(' ')} (the job's own arguments go after "--")`,
    );
  }
  const parallelism =
    values.parallelism === undefined ? undefined : positive('--parallelism', values.parallelism);
  const env = jobEnvironment(values.env ?? [], process.env);
  const target = await resolveCluster({
    jobmanager: values.jobmanager,
    config: { file: values.config, defines: values.define },
  });
  const { bundleJob } = await import('./job-bundle.ts');
  const artifact = await bundleJob(file);
  for (const warning of artifact.warnings) console.error(`warning: ${warning}`);
  const request: SubmitRequest = {
    artifact: { name: artifact.name, code: artifact.code },
    args,
    env,
    allowNonRestoredState: values['allow-non-restored-state'] ?? false,
  };
  if (parallelism !== undefined) request.parallelism = parallelism;
  if (values['from-savepoint'] !== undefined) request.savepointPath = values['from-savepoint'];
  const { jobid } = await target.client.submit(request);
  if (values.detached) {
    if (values.json) json({ jobid });
    else console.log(`Job has been submitted with JobID ${jobid}`);
    return 0;
  }
  // Attached: progress goes to stdout for people; with --json to stderr, and the end state is the one
  // JSON document on stdout.
  const say = values.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
  say(`Job has been submitted with JobID ${jobid}`);
  return followJob(target.client, jobid, { say, json: values.json ?? false });
}

/**
 * The environment a submitted job sees: exactly the variables named by `--env KEY` (its value in
 * this shell; unset is an error) and `--env KEY=VALUE`. Nothing else travels: the client's
 * environment holds secrets and paths of this machine, which are no business of the cluster's.
 */
export function jobEnvironment(flags: readonly string[], from: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    const key = eq < 0 ? flag : flag.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new WeirError(
        'CLI_USAGE',
        `--env needs KEY or KEY=VALUE with a variable name as KEY, got "${flag}"`,
      );
    }
    if (eq >= 0) env[key] = flag.slice(eq + 1);
    else {
      const value = from[key];
      if (value === undefined) {
        throw new WeirError('CLI_USAGE', `--env ${key}: ${key} is not set here (give --env ${key}=<value>)`);
      }
      env[key] = value;
    }
  }
  return env;
}

/** How often an attached `weir submit` and `weir cancel` ask for the job's state. */
export const POLL_INTERVAL_MS = 500;

/**
 * Follows a job until it ends: prints each state change; 0 when it finishes, 1 when it fails (with
 * the root exception) or is cancelled. Ctrl-C detaches, leaving the job running (exit 130).
 */
async function followJob(
  client: RestClient,
  jobId: string,
  options: { say: (line: string) => void; json: boolean },
): Promise<number> {
  let interrupted = false;
  let wake: () => void = () => {};
  const onInterrupt = () => {
    interrupted = true;
    wake();
  };
  process.on('SIGINT', onInterrupt);
  try {
    let last: JobState | undefined;
    for (;;) {
      const job = await client.job(jobId);
      if (job.state !== last) {
        last = job.state;
        options.say(`${formatTime(Date.now())} Job ${jobId} is ${job.state}.`);
      }
      if (TERMINAL_STATES.has(job.state)) return await jobEnded(client, job, options);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_INTERVAL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (interrupted) {
        console.error(
          `Detached from job ${jobId}: it keeps running on the cluster ("weir cancel ${jobId}" cancels it).`,
        );
        return 130;
      }
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

async function jobEnded(
  client: RestClient,
  job: JobDetails,
  options: { say: (line: string) => void; json: boolean },
): Promise<number> {
  if (options.json) json(job);
  if (job.state === 'FINISHED') {
    options.say(`Job ${job.jid} finished after ${formatDuration(job.duration)}.`);
    return 0;
  }
  if (job.state === 'CANCELED') {
    console.error(`Job ${job.jid} was cancelled.`);
    return 1;
  }
  const exceptions = await client.exceptions(job.jid).catch(() => undefined);
  console.error(`Job ${job.jid} failed${exceptions?.['root-exception'] ? ':' : '.'}`);
  if (exceptions?.['root-exception']) console.error(exceptions['root-exception']);
  return 1;
}

// ------------------------------------------------------------------------------------------ list

/** `weir list [--all] [--json]`: the cluster's jobs; running ones unless `--all`. */
export async function listCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, all: { type: 'boolean', short: 'a' } },
  });
  if (positionals.length > 0)
    throw new WeirError('CLI_USAGE', `unexpected arguments: ${positionals.join(' ')}`);
  const { client } = await resolveCluster({
    jobmanager: values.jobmanager,
    config: { file: values.config, defines: values.define },
  });
  const { jobs } = await client.jobsOverview();
  const shown = jobs
    .filter((job) => values.all || !TERMINAL_STATES.has(job.state))
    .sort((a, b) => a['start-time'] - b['start-time']);
  if (values.json) {
    json({ jobs: shown });
    return 0;
  }
  if (shown.length === 0) {
    console.log(values.all ? 'No jobs.' : 'No running jobs (weir list --all shows the ended ones too).');
    return 0;
  }
  console.log(jobTable(shown));
  return 0;
}

/** The table of `weir list`. */
export function jobTable(jobs: readonly JobSummary[]): string {
  return formatTable(
    [
      { header: 'JOB ID' },
      { header: 'NAME' },
      { header: 'STATE' },
      { header: 'START' },
      { header: 'DURATION', align: 'right' },
      { header: 'PARALLELISM', align: 'right' },
    ],
    jobs.map((job) => [
      job.jid,
      job.name,
      job.state,
      formatTime(job['start-time']),
      formatDuration(job.duration),
      String(job.parallelism),
    ]),
  );
}

// ------------------------------------------------------------------------------------------ info

/** `weir info <job id> [--json]`: the job, its vertices, its checkpoints and its last failure. */
export async function infoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: COMMON_OPTIONS });
  if (positionals.length > 1)
    throw new WeirError('CLI_USAGE', `unexpected arguments: ${positionals.slice(1).join(' ')}`);
  const target = checkJobId('info', positionals[0]);
  const { client } = await resolveCluster({
    jobmanager: values.jobmanager,
    config: { file: values.config, defines: values.define },
  });
  const jobId = await resolveJobId(client, target);
  const [job, checkpoints, exceptions] = await Promise.all([
    client.job(jobId),
    client.checkpoints(jobId),
    client.exceptions(jobId),
  ]);
  if (values.json) {
    json({ job, checkpoints, exceptions });
    return 0;
  }
  const lines = [
    formatFields([
      ['Job', `${job.name} (${job.jid})`],
      ['State', job.state],
      ['Started', formatTime(job['start-time'])],
      ...(job['end-time'] > 0 ? [['Ended', formatTime(job['end-time'])] as const] : []),
      ['Duration', formatDuration(job.duration)],
      ['Parallelism', String(job.parallelism)],
      ['Restarts', String(job.restarts)],
    ]),
    '',
    formatTable(
      [
        { header: 'VERTEX' },
        { header: 'NAME' },
        { header: 'PARALLELISM', align: 'right' },
        { header: 'RECORDS IN', align: 'right' },
        { header: 'RECORDS OUT', align: 'right' },
        { header: 'BACK-PRESSURED', align: 'right' },
        { header: 'BUSY', align: 'right' },
      ],
      job.vertices.map((v) => [
        v.id,
        v.name,
        String(v.parallelism),
        formatCount(v.metrics['read-records']),
        formatCount(v.metrics['write-records']),
        formatDuration(v.metrics['backpressured-ms']),
        formatDuration(v.metrics['busy-ms']),
      ]),
    ),
    '',
  ];
  const counts = checkpoints.counts;
  lines.push(
    `Checkpoints: ${counts.completed} completed, ${counts.failed} failed, ${counts.in_progress} in progress` +
      (counts.restored > 0 ? `, restored ${counts.restored} time(s)` : ''),
  );
  const latest = checkpoints.latest.completed;
  if (latest) {
    lines.push(
      `Latest checkpoint: #${latest.id} at ${latest.external_path} (${formatDuration(latest.end_to_end_duration)})`,
    );
  }
  if (checkpoints.latest.failure) lines.push(`Latest checkpoint failure: ${checkpoints.latest.failure}`);
  const root = exceptions['root-exception'];
  lines.push(
    root
      ? `Last exception (${formatTime(exceptions.timestamp ?? 0)}):\n${indent(root)}`
      : 'Last exception: none',
  );
  console.log(lines.join('\n'));
  return 0;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

// ---------------------------------------------------------------------------------------- cancel

/** How long `weir cancel` waits for the job to reach CANCELED. */
export const CANCEL_TIMEOUT_MS = 60_000;

/** `weir cancel <job id>`: cancels the job and waits until it is CANCELED. */
export async function cancelCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: COMMON_OPTIONS });
  if (positionals.length > 1)
    throw new WeirError('CLI_USAGE', `unexpected arguments: ${positionals.slice(1).join(' ')}`);
  const target = checkJobId('cancel', positionals[0]);
  const { client } = await resolveCluster({
    jobmanager: values.jobmanager,
    config: { file: values.config, defines: values.define },
  });
  const jobId = await resolveJobId(client, target);
  const before = await client.job(jobId);
  if (TERMINAL_STATES.has(before.state)) {
    throw new WeirError('INVALID_ARGUMENT', `job ${jobId} has already ended: it is ${before.state}`);
  }
  await client.cancel(jobId);
  const deadline = Date.now() + CANCEL_TIMEOUT_MS;
  for (;;) {
    const job = await client.job(jobId);
    if (job.state === 'CANCELED') {
      if (values.json) json({ jid: job.jid, state: job.state });
      else console.log(`Cancelled job ${jobId}.`);
      return 0;
    }
    if (TERMINAL_STATES.has(job.state)) {
      throw new WeirError('INVALID_ARGUMENT', `job ${jobId} ended as ${job.state} before it was cancelled`);
    }
    if (Date.now() >= deadline) {
      throw new WeirError(
        'JOB_CANCELLED',
        `job ${jobId} was asked to cancel but is still ${job.state} after ${CANCEL_TIMEOUT_MS / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

// ----------------------------------------------------------------------------- savepoint and stop

/**
 * `weir savepoint|stop <pid|job id> [dir] [--savepoint-dir dir]`: a savepoint (stop: then the job
 * ends) of a job of a local `weir run` or of the cluster, by the rule at the top of this module.
 * Prints each savepoint's path.
 */
export async function savepointCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, 'savepoint-dir': { type: 'string' } },
  });
  const [command, target, ...rest] = positionals as ['savepoint' | 'stop', string | undefined, ...string[]];
  if (!target || !/^([1-9][0-9]*|[0-9a-f][0-9a-f-]*)$/i.test(target)) {
    throw new WeirError(
      'CLI_USAGE',
      `weir ${command} needs the pid or job id that "weir run" printed at start, or the id of a cluster job: weir ${command} <pid|job id> [dir]`,
    );
  }
  if (rest.length > 1) throw new WeirError('CLI_USAGE', `unexpected arguments: ${rest.slice(1).join(' ')}`);
  const directory = rest[0] ?? values['savepoint-dir'];
  const isPid = /^[1-9][0-9]*$/.test(target) && target.length <= 10;
  const { findJob, requestSavepoint } = await import('./control-channel.ts');
  const local = async () => {
    const paths = await requestSavepoint(target, command, directory ?? null);
    if (values.json) json({ locations: paths });
    else for (const p of paths) console.log(p);
    return 0;
  };
  if (values.jobmanager === undefined && isPid) return local();
  let localMiss: WeirError | undefined;
  if (values.jobmanager === undefined) {
    try {
      await findJob(target);
      return await local();
    } catch (error) {
      if (!(error instanceof WeirError) || error.code !== 'JOB_NOT_FOUND') throw error;
      localMiss = error;
    }
  }
  const cluster = await resolveCluster({
    jobmanager: values.jobmanager,
    config: { file: values.config, defines: values.define },
  });
  let jobId: string;
  try {
    jobId = await resolveJobId(cluster.client, target);
  } catch (error) {
    // Neither a "weir run" nor the cluster has the job: say both (the default cluster, which
    // nobody named, not answering is no news).
    if (localMiss && error instanceof WeirError) {
      if (error.code === 'JOB_NOT_FOUND') {
        throw new WeirError(
          'JOB_NOT_FOUND',
          `${localMiss.message}, and the JobManager at ${cluster.client.url} has none either`,
        );
      }
      if (error.code === 'CLUSTER_UNAVAILABLE') {
        if (cluster.source === 'default') {
          throw new WeirError(
            'JOB_NOT_FOUND',
            `${localMiss.message}, and no JobManager answers at ${cluster.client.url}`,
          );
        }
        throw new WeirError(
          'CLUSTER_UNAVAILABLE',
          `${error.message} (and no "weir run" runs a job "${target}")`,
          {
            cause: error.cause,
          },
        );
      }
    }
    throw error;
  }
  const client = cluster.client;
  const triggerId =
    command === 'stop'
      ? await client.stopWithSavepoint(jobId, directory)
      : await client.triggerSavepoint(jobId, directory);
  const location = await client.awaitSavepoint(jobId, triggerId);
  if (values.json) json({ status: { id: 'COMPLETED' }, operation: { location } });
  else console.log(location);
  return 0;
}

function positive(flag: string, text: string): number {
  if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new WeirError('CLI_USAGE', `${flag} must be a positive integer, got "${text}"`);
  }
  return Number(text);
}

/** The commands this module serves, by the CLI's first argument. */
export const CLUSTER_COMMANDS: ReadonlySet<string> = new Set([
  'submit',
  'list',
  'info',
  'cancel',
  'savepoint',
  'stop',
]);

/** Runs `weir <command> ...` for a command of {@link CLUSTER_COMMANDS}; returns the exit code. */
export async function runClusterCommand(argv: string[]): Promise<number> {
  switch (argv[0]) {
    case 'submit':
      return submitCommand(argv.slice(1));
    case 'list':
      return listCommand(argv.slice(1));
    case 'info':
      return infoCommand(argv.slice(1));
    case 'cancel':
      return cancelCommand(argv.slice(1));
    case 'savepoint':
    case 'stop':
      return savepointCommand(argv);
    default:
      throw new WeirError('CLI_USAGE', `unknown command "${argv[0]}" (see weir --help)`);
  }
}
