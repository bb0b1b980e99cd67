/**
 * The CLI against a cluster (`weir submit`, `list`, `info`, `cancel`, `savepoint`, `stop`), run
 * in-process through `main(argv)` against a fake JobManager (fake-jobmanager.ts) that answers with
 * the REST API's shapes: the tables, `--json`, the exit codes and the errors a user sees.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jobEnvironment } from '../../src/cli/cluster-commands.ts';
import { main } from '../../src/cli/main.ts';
import { RestClient } from '../../src/cli/rest-client.ts';
import { selfSignedCertificate } from '../support/self-signed.ts';
import { type FakeJob, jobDetails, startFakeJobManager } from './fake-jobmanager.ts';

const repo = join(import.meta.dirname, '../..');
const RUNNING_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const FINISHED_ID = 'ffee0011223344556677889900aabbcc';

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `weir <argv>` in this process, capturing what it prints. */
async function weir(argv: string[]): Promise<Output> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...args: unknown[]) => out.push(args.join(' '));
  console.error = (...args: unknown[]) => err.push(args.join(' '));
  try {
    const code = await main(argv);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function cannedJobs(): FakeJob[] {
  return [
    {
      details: jobDetails(RUNNING_ID, 'fraud detection', 'RUNNING'),
      checkpoints: {
        counts: { restored: 0, total: 13, in_progress: 1, completed: 12, failed: 0 },
        latest: {
          completed: {
            id: 12,
            external_path: '/data/checkpoints/job/chk-12',
            end_to_end_duration: 120,
            trigger_timestamp: 0,
            latest_ack_timestamp: 0,
            state_size: 0,
          },
          restored: null,
          failure: null,
        },
        history: [],
      },
    },
    {
      details: jobDetails(FINISHED_ID, 'word count', 'FINISHED', {
        'start-time': Date.UTC(2026, 11, 2, 21, 0, 0),
        'end-time': Date.UTC(2026, 11, 2, 21, 0, 5),
        duration: 5_000,
        parallelism: 4,
      }),
      exceptions: {
        'root-exception': 'USER_FUNCTION_FAILED: operator "count" failed\n  caused by Error: boom',
        timestamp: Date.UTC(2026, 11, 2, 21, 0, 4),
        'all-exceptions': [],
        truncated: false,
      },
    },
  ];
}

describe('weir CLI against a cluster', () => {
  const savedEnv = { ...process.env };
  let runtime = '';
  before(() => {
    // No "weir run" control sockets and no cluster.json of this machine's user take part.
    runtime = mkdtempSync(join(tmpdir(), 'weir-cluster-cli-'));
    process.env.XDG_RUNTIME_DIR = runtime;
    delete process.env.WEIR_REST_TOKEN;
    delete process.env.WEIR_CONF_DIR;
  });
  after(() => {
    process.env = savedEnv;
    rmSync(runtime, { recursive: true, force: true });
  });

  it('weir list prints the running jobs as an aligned table; --all adds the ended ones', async (t) => {
    const jm = await startFakeJobManager({ jobs: cannedJobs() });
    t.after(() => jm.close());
    const running = await weir(['list', '-m', jm.url]);
    assert.equal(running.code, 0, running.stderr);
    assert.equal(
      running.stdout,
      [
        'JOB ID                            NAME             STATE    START                 DURATION  PARALLELISM',
        'a1b2c3d4e5f60718293a4b5c6d7e8f90  fraud detection  RUNNING  2026-12-02T22:00:00Z    3m 12s            2',
      ].join('\n'),
    );
    const all = await weir(['list', '--all', '--jobmanager', jm.url]);
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout.split('\n');
    assert.equal(lines.length, 3);
    // Oldest first, as they started.
    assert.equal(
      lines[1],
      'ffee0011223344556677889900aabbcc  word count       FINISHED  2026-12-02T21:00:00Z        5s            4',
    );
    assert.match(lines[2], /^a1b2c3d4/);
  });

  it('weir list --json prints the jobs as the REST API gives them', async (t) => {
    const jm = await startFakeJobManager({ jobs: cannedJobs() });
    t.after(() => jm.close());
    const run = await weir(['list', '--json', '-m', jm.url]);
    assert.equal(run.code, 0, run.stderr);
    const { jobs } = JSON.parse(run.stdout) as { jobs: Array<Record<string, unknown>> };
    assert.deepEqual(
      jobs.map((j) => [j.jid, j.state, j.parallelism]),
      [[RUNNING_ID, 'RUNNING', 2]],
    );
    assert.equal(jobs[0]['start-time'], Date.UTC(2026, 11, 2, 22, 0, 0));
  });

  it('weir list with no running job says so', async (t) => {
    const jm = await startFakeJobManager({ jobs: [] });
    t.after(() => jm.close());
    const run = await weir(['list', '-m', jm.url]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^No running jobs/);
  });

  it('weir info shows the job, its vertices with records and back-pressure, checkpoints and the last exception', async (t) => {
    const jm = await startFakeJobManager({ jobs: cannedJobs() });
    t.after(() => jm.close());
    // A unique prefix of the id is enough.
    const run = await weir(['info', 'a1b2c3', '-m', jm.url]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      [
        'Job:          fraud detection (a1b2c3d4e5f60718293a4b5c6d7e8f90)',
        'State:        RUNNING',
        'Started:      2026-12-02T22:00:00Z',
        'Duration:     3m 12s',
        'Parallelism:  2',
        'Restarts:     0',
        '',
        'VERTEX                            NAME                PARALLELISM  RECORDS IN  RECORDS OUT  BACK-PRESSURED  BUSY',
        'cbc357ccb763df2852fee8c4fc7d55f2  Source: numbers               2           0    1,234,567              1s    1m',
        '90bea66de1c231edf33913ecd54406c1  Map -> Sink: print            2   1,234,567            0            0 ms    2m',
        '',
        'Checkpoints: 12 completed, 0 failed, 1 in progress',
        'Latest checkpoint: #12 at /data/checkpoints/job/chk-12 (120 ms)',
        'Last exception: none',
      ].join('\n'),
    );

    const failed = await weir(['info', FINISHED_ID, '-m', jm.url]);
    assert.match(
      failed.stdout,
      /^Last exception \(2026-12-02T21:00:04Z\):\n {2}USER_FUNCTION_FAILED: operator "count" failed\n {4}caused by Error: boom$/m,
    );
  });

  it('weir info --json prints the job, its checkpoints and its exceptions', async (t) => {
    const jm = await startFakeJobManager({ jobs: cannedJobs() });
    t.after(() => jm.close());
    const run = await weir(['info', RUNNING_ID, '--json', '-m', jm.url]);
    assert.equal(run.code, 0, run.stderr);
    const info = JSON.parse(run.stdout);
    assert.equal(info.job.jid, RUNNING_ID);
    assert.equal(info.job.vertices.length, 2);
    assert.equal(info.checkpoints.counts.completed, 12);
    assert.equal(info.exceptions['root-exception'], null);
  });

  it('an unknown job is JOB_NOT_FOUND (404), a wrong id is a usage error', async (t) => {
    const jm = await startFakeJobManager({ jobs: cannedJobs() });
    t.after(() => jm.close());
    const run = await weir(['info', 'deadbeef', '-m', jm.url]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(`^error: JOB_NOT_FOUND: the JobManager at ${jm.url} has no job with the id "deadbeef"`, 'm'),
    );
    // The client turns the server's 404 { code } into the same WeirError.
    await assert.rejects(new RestClient({ url: jm.url }).job('deadbeef'), { code: 'JOB_NOT_FOUND' });
    const bad = await weir(['cancel', '../../etc/passwd', '-m', jm.url]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: CLI_USAGE: weir cancel needs the id of a job/m);
    assert.equal(jm.calls.filter((c) => c.method === 'cancel').length, 0, 'nothing was cancelled');
  });

  it('no JobManager listening is CLUSTER_UNAVAILABLE, with how to start or name one', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = await weir(['list', '-m', url]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(
        `^error: CLUSTER_UNAVAILABLE: no JobManager at ${url}: start one with "weir cluster start" or name it with --jobmanager$`,
        'm',
      ),
    );
  });

  it('a JobManager with a token: 401 without it is UNAUTHORIZED, WEIR_REST_TOKEN gives it', async (t) => {
    const jm = await startFakeJobManager({ jobs: cannedJobs(), token: 's3cret' });
    t.after(() => jm.close());
    const refused = await weir(['list', '-m', jm.url]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^error: UNAUTHORIZED: the JobManager at http:\/\/127\.0\.0\.1:\d+ requires a token: give it with rest\.auth\.token in the configuration or the WEIR_REST_TOKEN environment variable$/m,
    );
    process.env.WEIR_REST_TOKEN = 'wrong';
    try {
      const wrong = await weir(['list', '-m', jm.url]);
      assert.match(
        wrong.stderr,
        /^error: UNAUTHORIZED: the JobManager at .* refused the token: check rest\.auth\.token/m,
      );
      process.env.WEIR_REST_TOKEN = 's3cret';
      const allowed = await weir(['list', '-m', jm.url]);
      assert.equal(allowed.code, 0, allowed.stderr);
    } finally {
      delete process.env.WEIR_REST_TOKEN;
    }
  });

  it('weir submit -d bundles the job, uploads it with its arguments and the --env variables, and prints its id', async (t) => {
    let received: unknown;
    const jm = await startFakeJobManager({
      onSubmit: (request) => {
        received = request;
        return { details: jobDetails('0123456789abcdef0123456789abcdef', 'bundle fixture', 'RUNNING') };
      },
    });
    t.after(() => jm.close());
    process.env.WEIR_TEST_SHELL_VALUE = 'from the shell';
    const run = await weir([
      'submit',
      join(repo, 'test/fixtures/bundle/job.ts'),
      '-d',
      '-p',
      '3',
      '--env',
      'WEIR_TEST_SHELL_VALUE',
      '--env',
      'MODE=fast',
      '-m',
      jm.url,
      '--',
      '--input',
      'in.txt',
      '-p',
      '9',
    ]);
    delete process.env.WEIR_TEST_SHELL_VALUE;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'Job has been submitted with JobID 0123456789abcdef0123456789abcdef');
    const request = received as {
      artifact: { name: string; code: string };
      parallelism: number;
      args: string[];
      env: Record<string, string>;
      allowNonRestoredState: boolean;
      savepointPath?: string;
    };
    assert.equal(request.artifact.name, 'job.mjs');
    assert.match(request.artifact.code, /from the helper/, 'the local helper is in the bundle');
    assert.match(request.artifact.code, /from "weir"/, 'weir stays an import');
    assert.equal(request.parallelism, 3);
    assert.deepEqual(request.args, ['--input', 'in.txt', '-p', '9']);
    assert.deepEqual(request.env, { WEIR_TEST_SHELL_VALUE: 'from the shell', MODE: 'fast' });
    assert.equal(request.allowNonRestoredState, false);
    assert.equal(request.savepointPath, undefined);
    // Only the submission: a detached submit does not follow the job.
    assert.deepEqual(
      jm.calls.map((c) => c.method),
      ['submit'],
    );
  });

  it('weir submit -d --json prints the answer of POST /jobs; --from-savepoint is resolved by the cluster', async (t) => {
    let received: { savepointPath?: string; allowNonRestoredState?: boolean } = {};
    const jm = await startFakeJobManager({
      onSubmit: (request) => {
        received = request;
        return { details: jobDetails('feedfacefeedfacefeedfacefeedface', 'restored', 'RUNNING') };
      },
    });
    t.after(() => jm.close());
    const run = await weir([
      'submit',
      join(repo, 'test/fixtures/bundle/job.ts'),
      '-d',
      '--json',
      '--from-savepoint',
      'savepoint-1a2b',
      '--allow-non-restored-state',
      '-m',
      jm.url,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { jobid: 'feedfacefeedfacefeedfacefeedface' });
    // Relative to the cluster's savepoint root, resolved there.
    assert.equal(received.savepointPath, join(jm.savepointRoot, 'savepoint-1a2b'));
    assert.equal(received.allowNonRestoredState, true);
  });

  it('weir submit of a file that does not bundle fails with BUNDLE_FAILED and uploads nothing', async (t) => {
    const jm = await startFakeJobManager({ onSubmit: () => assert.fail('nothing is uploaded') });
    t.after(() => jm.close());
    const run = await weir(['submit', join(repo, 'test/fixtures/bundle/no-such-job.ts'), '-m', jm.url]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: BUNDLE_FAILED: /m);
    assert.equal(jm.calls.length, 0);
  });

  it('weir submit follows the job: state changes, exit 0 when it finishes', async (t) => {
    const jm = await startFakeJobManager({
      onSubmit: () => ({
        details: jobDetails('1111222233334444aaaabbbbccccdddd', 'short', 'CREATED', { duration: 2_000 }),
        states: ['CREATED', 'RUNNING', 'RUNNING', 'FINISHED'],
      }),
    });
    t.after(() => jm.close());
    const run = await weir(['submit', join(repo, 'test/fixtures/bundle/job.ts'), '-m', jm.url]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n');
    assert.equal(lines[0], 'Job has been submitted with JobID 1111222233334444aaaabbbbccccdddd');
    assert.deepEqual(
      lines.slice(1, 4).map((line) => line.replace(/^\S+ /, '')),
      [
        'Job 1111222233334444aaaabbbbccccdddd is CREATED.',
        'Job 1111222233334444aaaabbbbccccdddd is RUNNING.',
        'Job 1111222233334444aaaabbbbccccdddd is FINISHED.',
      ],
    );
    assert.match(lines[1], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /);
    assert.equal(lines[4], 'Job 1111222233334444aaaabbbbccccdddd finished after 2s.');
  });

  it('weir submit of a job that fails exits 1 with the root exception', async (t) => {
    const jm = await startFakeJobManager({
      onSubmit: () => ({
        details: jobDetails('2222222233334444aaaabbbbccccdddd', 'failing', 'RUNNING'),
        states: ['RUNNING', 'FAILED'],
        exceptions: {
          'root-exception': 'USER_FUNCTION_FAILED: three is a crowd',
          timestamp: 1,
          'all-exceptions': [],
          truncated: false,
        },
      }),
    });
    t.after(() => jm.close());
    const run = await weir(['submit', join(repo, 'test/fixtures/bundle/job.ts'), '-m', jm.url]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^Job 2222222233334444aaaabbbbccccdddd failed:\nUSER_FUNCTION_FAILED: three is a crowd$/m,
    );
  });

  it('weir submit --json follows on stderr and prints the ended job as JSON', async (t) => {
    const jm = await startFakeJobManager({
      onSubmit: () => ({
        details: jobDetails('3333222233334444aaaabbbbccccdddd', 'cancelled', 'RUNNING'),
        states: ['RUNNING', 'CANCELED'],
      }),
    });
    t.after(() => jm.close());
    const run = await weir(['submit', join(repo, 'test/fixtures/bundle/job.ts'), '--json', '-m', jm.url]);
    assert.equal(run.code, 1, 'a cancelled job is no success');
    assert.equal(JSON.parse(run.stdout).state, 'CANCELED');
    assert.match(run.stderr, /Job has been submitted with JobID 3333/);
    assert.match(run.stderr, /Job 3333222233334444aaaabbbbccccdddd was cancelled\./);
  });

  it('Ctrl-C while weir submit follows a job detaches and leaves the job running', async (t) => {
    const jm = await startFakeJobManager({
      onSubmit: () => ({ details: jobDetails('4444222233334444aaaabbbbccccdddd', 'endless', 'RUNNING') }),
    });
    t.after(() => jm.close());
    const out: string[] = [];
    const { log, error } = console;
    console.log = (...args: unknown[]) => {
      out.push(args.join(' '));
      // Interrupt once the job is seen running.
      if (/is RUNNING/.test(args.join(' '))) setImmediate(() => process.emit('SIGINT', 'SIGINT'));
    };
    console.error = (...args: unknown[]) => out.push(args.join(' '));
    let code: number;
    try {
      code = await main(['submit', join(repo, 'test/fixtures/bundle/job.ts'), '-m', jm.url]);
    } finally {
      console.log = log;
      console.error = error;
    }
    assert.equal(code, 130);
    assert.match(
      out.join('\n'),
      /Detached from job 4444222233334444aaaabbbbccccdddd: it keeps running on the cluster \("weir cancel 4444222233334444aaaabbbbccccdddd" cancels it\)\./,
    );
    assert.equal(jm.calls.filter((c) => c.method === 'cancel').length, 0, 'not cancelled');
    assert.equal(process.listenerCount('SIGINT'), 0, 'the handler is gone');
  });

  it('weir cancel asks the JobManager to cancel and waits until the job is CANCELED', async (t) => {
    const jm = await startFakeJobManager({ jobs: cannedJobs() });
    t.after(() => jm.close());
    const run = await weir(['cancel', RUNNING_ID, '-m', jm.url]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `Cancelled job ${RUNNING_ID}.`);
    assert.deepEqual(
      jm.calls.filter((c) => c.method === 'cancel'),
      [{ method: 'cancel', args: [RUNNING_ID] }],
    );
    assert.equal(jm.jobs.get(RUNNING_ID)?.details.state, 'CANCELED');
    const ended = await weir(['cancel', FINISHED_ID, '-m', jm.url]);
    assert.equal(ended.code, 1);
    assert.match(
      ended.stderr,
      /INVALID_ARGUMENT: job ffee0011223344556677889900aabbcc has already ended: it is FINISHED/,
    );
  });

  it('weir cancel --json prints the final state', async (t) => {
    const jm = await startFakeJobManager({ jobs: cannedJobs() });
    t.after(() => jm.close());
    const run = await weir(['cancel', RUNNING_ID, '--json', '-m', jm.url]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { jid: RUNNING_ID, state: 'CANCELED' });
  });

  it('weir savepoint and weir stop of a cluster job trigger, poll, and print the location', async (t) => {
    const jm = await startFakeJobManager({ jobs: cannedJobs() });
    t.after(() => jm.close());
    const savepoint = await weir(['savepoint', RUNNING_ID.slice(0, 8), 'nightly', '-m', jm.url]);
    assert.equal(savepoint.code, 0, savepoint.stderr);
    // A relative directory is inside the cluster's savepoint root.
    assert.equal(savepoint.stdout, join(jm.savepointRoot, 'nightly', 'savepoint-1'));
    assert.deepEqual(jm.calls.find((c) => c.method === 'savepoint')?.args, [
      RUNNING_ID,
      join(jm.savepointRoot, 'nightly'),
      false,
    ]);
    assert.equal(jm.calls.filter((c) => c.method === 'savepointStatus').length, 2, 'polled until completed');
    const stop = await weir(['stop', RUNNING_ID, '--json', '-m', jm.url]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.deepEqual(JSON.parse(stop.stdout), {
      status: { id: 'COMPLETED' },
      operation: { location: join(jm.savepointRoot, 'savepoint-1') },
    });
    // No directory: the cluster's savepoint root; stop: the job ends.
    assert.deepEqual(jm.calls.filter((c) => c.method === 'savepoint').at(-1)?.args, [
      RUNNING_ID,
      jm.savepointRoot,
      true,
    ]);
    const outside = await weir(['savepoint', RUNNING_ID, '../../etc', '-m', jm.url]);
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /^error: PATH_OUTSIDE_ROOT: /m);
  });

  it('weir stop of an id that no weir run has goes to the cluster; a named one not answering says both', async () => {
    const port = await closedPort();
    const run = await weir(['stop', 'deadbeef-0000', '-D', `rest.port=${port}`]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(
        `^error: CLUSTER_UNAVAILABLE: no JobManager at http://127\\.0\\.0\\.1:${port}: start one with "weir cluster start" or name it with --jobmanager \\(and no "weir run" runs a job "deadbeef-0000"\\)$`,
        'm',
      ),
    );
  });

  it('weir savepoint of an id that neither a weir run nor the cluster has is JOB_NOT_FOUND, saying both', async (t) => {
    const jm = await startFakeJobManager({ jobs: cannedJobs() });
    t.after(() => jm.close());
    const port = new URL(jm.url).port;
    const run = await weir(['savepoint', 'deadbeef-0000', '-D', `rest.port=${port}`]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(
        `^error: JOB_NOT_FOUND: no running Weir job has the id "deadbeef-0000" \\(0 "weir run" control socket\\(s\\) in .*\\), and the JobManager at ${jm.url} has none either$`,
        'm',
      ),
    );
  });

  it("--env takes KEY (this shell's value) or KEY=VALUE, and nothing else travels", () => {
    assert.deepEqual(jobEnvironment(['A', 'B=2', 'C='], { A: '1', SECRET: 'x' }), { A: '1', B: '2', C: '' });
    assert.throws(() => jobEnvironment(['UNSET'], {}), /CLI_USAGE|UNSET is not set here/);
    assert.throws(() => jobEnvironment(['1BAD=x'], {}), /--env needs KEY or KEY=VALUE/);
  });

  it('https with a self-signed certificate: trusted with ca, refused without', async (t) => {
    const certificate = selfSignedCertificate();
    t.after(() => certificate.remove());
    const jm = await startFakeJobManager({
      jobs: cannedJobs(),
      tls: { key: certificate.key, cert: certificate.cert },
    });
    t.after(() => jm.close());
    const trusted = new RestClient({ url: jm.url, ca: certificate.cert });
    assert.equal((await trusted.jobsOverview()).jobs.length, 2);
    await assert.rejects(
      new RestClient({ url: jm.url }).jobsOverview(),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'CLUSTER_UNAVAILABLE');
        assert.match(error.message, /cannot be reached: self[- ]signed certificate/);
        return true;
      },
    );
  });
});
