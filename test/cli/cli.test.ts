import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';

const repo = join(import.meta.dirname, '../..');
/** Node 24, which runs TypeScript directly: this one, or the project's. */
const node = process.version.startsWith('v24') ? process.execPath : join(repo, 'node_modules/.bin/node');
/** Temporary job files live outside the package, so they import the engine by file URL. */
const weirUrl = pathToFileURL(join(repo, 'src/index.ts')).href;

interface Run {
  pid: number | undefined;
  code: number | null;
  stdout: string;
  stderr: string;
}

function weir(args: string[], cwd = repo): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      node,
      [join(repo, 'bin/weir.js'), ...args],
      { cwd, timeout: 120_000 },
      (_error, stdout, stderr) => resolve({ pid: child.pid, code: child.exitCode, stdout, stderr }),
    );
  });
}

const STACK_LINE = /^ {4}at /m;

describe('weir CLI', { concurrency: 4 }, () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weir-cli-'));
    await writeFile(
      join(dir, 'failing-job.ts'),
      `import { StreamExecutionEnvironment } from ${JSON.stringify(weirUrl)};
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromElements(1, 2, 3, 4)
  .map((n) => {
    if (n === 3) throw new Error('three is a crowd');
    return n * 2;
  })
  .name('crowd-control')
  .print();
await env.execute('failing job');
`,
    );
    await writeFile(
      join(dir, 'parallel-job.ts'),
      `import { StreamExecutionEnvironment } from ${JSON.stringify(weirUrl)};
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.fromSequence(1, 6).map((n) => n * 10).print('x');
await env.execute('parallel job');
`,
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--help exits 0 and describes run and plan', async () => {
    const run = await weir(['--help']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /weir run <job/);
    assert.match(run.stdout, /weir plan <job/);
    assert.match(run.stdout, /--parallelism/);
    assert.match(run.stdout, /weir savepoint <pid\|job id> \[dir\]/);
    assert.match(run.stdout, /task\.cancellation\.timeout/);
    assert.match(run.stdout, /SIGTERM or Ctrl-C \(SIGINT\) suspends the jobs/);
  });

  it('--version prints the version of package.json', async () => {
    const { version } = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { version: string };
    const run = await weir(['--version']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), `weir ${version}`);
  });

  it('run of a missing file exits 1 with a readable error and no stack trace', async () => {
    const run = await weir(['run', 'missing.ts']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: CLI_USAGE: job file not found: missing\.ts$/m);
    assert.doesNotMatch(run.stderr, STACK_LINE);
    assert.equal(run.stdout, '');
  });

  it('a job whose map throws exits 1 naming the operator and the cause, without a stack trace', async () => {
    const run = await weir(['run', join(dir, 'failing-job.ts')]);
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /^error: USER_FUNCTION_FAILED: /m);
    assert.match(run.stderr, /operator "crowd-control"/);
    assert.match(run.stderr, /on record 3\b/);
    assert.match(run.stderr, /collection element 2/);
    assert.match(run.stderr, /caused by Error: three is a crowd/);
    assert.doesNotMatch(run.stderr, STACK_LINE);
    assert.match(run.stderr, /--verbose/);
  });

  it('--verbose adds the stack trace of a failing job', async () => {
    const run = await weir(['run', join(dir, 'failing-job.ts'), '--verbose']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /operator "crowd-control"/);
    assert.match(run.stderr, STACK_LINE);
  });

  it('run -p 2 runs a job at parallelism 2', async () => {
    const run = await weir(['run', join(dir, 'parallel-job.ts'), '-p', '2']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`^weir: job "[^"]+" \\([0-9a-f-]+\\) running in process ${run.pid}$`, 'm'),
      'the job and its process are named at start',
    );
    // 1..6 at parallelism 2: subtask 1 reads 1..3, subtask 2 reads 4..6.
    assert.deepEqual(run.stdout.split('\n').filter(Boolean).sort(), [
      'x:1> 10',
      'x:1> 20',
      'x:1> 30',
      'x:2> 40',
      'x:2> 50',
      'x:2> 60',
    ]);
  });

  it('plan prints the job graph as JSON, with vertices and edges, and runs nothing', async () => {
    const run = await weir(['plan', 'examples/fraud-detection.ts']);
    assert.equal(run.code, 0, run.stderr);
    const graph = JSON.parse(run.stdout) as {
      jobName: string;
      vertices: Array<{ id: string; name: string; parallelism: number; operators: Array<{ kind: string }> }>;
      edges: Array<{ source: string; target: string; partitioner: { kind: string } }>;
    };
    assert.equal(graph.jobName, 'fraud-detection');
    assert.ok(graph.vertices.length >= 2);
    const kinds = graph.vertices.flatMap((v) => v.operators.map((o) => o.kind));
    for (const kind of ['source', 'keyed-process', 'map', 'sink']) assert.ok(kinds.includes(kind), kind);
    assert.ok(graph.vertices.some((v) => v.name.includes('fraud-detector')));
    assert.ok(
      graph.edges.some((e) => e.partitioner.kind === 'hash'),
      'keyBy is a hash edge',
    );
    const ids = new Set(graph.vertices.map((v) => v.id));
    for (const e of graph.edges) assert.ok(ids.has(e.source) && ids.has(e.target));
    assert.doesNotMatch(run.stdout, /ALERT/);
  });

  it('plan stops the module at execute(): no code after it runs', async () => {
    const run = await weir(['plan', 'test/jobs/after-execute.ts']);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /after execute/, 'the code after execute() did not run');
    const graph = JSON.parse(run.stdout) as { jobName: string };
    assert.equal(graph.jobName, 'after-execute');
  });

  it('plan -p 3 plans the job at parallelism 3', async () => {
    const run = await weir(['plan', 'examples/fraud-detection.ts', '-p', '3']);
    assert.equal(run.code, 0, run.stderr);
    const graph = JSON.parse(run.stdout) as { vertices: Array<{ name: string; parallelism: number }> };
    const detector = graph.vertices.find((v) => v.name.includes('fraud-detector'));
    assert.equal(detector?.parallelism, 3);
  });

  // Plain decimal digits only: Number() would take 1e1 as 10, 0x2 as 2 and 2.0 as 2.
  for (const bad of ['0', 'two', '1e1', '0x2', '2.0', '-1', '']) {
    it(`--parallelism "${bad}" is a usage error`, async () => {
      const run = await weir(['run', 'examples/fraud-detection.ts', `--parallelism=${bad}`]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: CLI_USAGE: --parallelism must be a positive integer/m);
      assert.doesNotMatch(run.stderr, STACK_LINE);
      assert.equal(run.stdout, '', 'the job did not run');
    });
  }

  for (const flag of ['--from-checkpoint', '--from-savepoint']) {
    it(`${flag} with a path that does not exist says so`, async () => {
      const missing = join(tmpdir(), `weir-missing-${process.pid}`, 'chk-7');
      const run = await weir(['run', 'examples/fraud-detection.ts', flag, missing]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^error: CHECKPOINT_NOT_FOUND: .*chk-7 does not exist$/m);
      assert.equal(run.stdout, '', 'the job did not run');
    });
  }

  it('a module that never calls execute() fails with NO_JOB_EXECUTED', async () => {
    const run = await weir(['run', 'test/jobs/no-execute.ts']);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^error: NO_JOB_EXECUTED: test\/jobs\/no-execute\.ts ran no job: call execute\(\)/m,
    );
    assert.equal(run.stdout, '', 'nothing ran');
  });

  it('--slots 1e1 is a usage error', async () => {
    const run = await weir(['run', 'examples/fraud-detection.ts', '--slots', '1e1']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: CLI_USAGE: --slots must be a positive integer, got "1e1"/m);
    assert.equal(run.stdout, '', 'the job did not run');
  });

  it('weir savepoint needs a pid or job id, and refuses one without a control socket', async () => {
    const missing = await weir(['savepoint']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: CLI_USAGE: weir savepoint needs the pid or job id/m);
    const bad = await weir(['stop', '../etc']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /CLI_USAGE/);
    // This test process is alive and is no Weir job: refused, and no signal reaches it (SIGUSR2 would kill it).
    const notWeir = await weir(['savepoint', String(process.pid)]);
    assert.equal(notWeir.code, 1);
    assert.match(notWeir.stderr, new RegExp(`JOB_NOT_FOUND: process ${process.pid} is not a Weir job`));
    const unknownJob = await weir(['stop', 'deadbeef-0000']);
    assert.equal(unknownJob.code, 1);
    assert.match(unknownJob.stderr, /JOB_NOT_FOUND: no running Weir job has the id "deadbeef-0000"/);
  });

  it('-D takes known cluster settings only, with integer values', async () => {
    const unknown = await weir(['run', 'examples/fraud-detection.ts', '-D', 'task.cancelation.timeout=5']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /CLI_USAGE: unknown setting -D task\.cancelation\.timeout/);
    const bad = await weir([
      'run',
      'examples/fraud-detection.ts',
      '-D',
      'taskmanager.memory.slot.heap.size=1e3',
    ]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /CLI_USAGE: -D taskmanager\.memory\.slot\.heap\.size must be a positive number of MB, got "1e3"/,
    );
    assert.equal(bad.stdout, '', 'the job did not run');
  });

  it('an unknown command or option is a usage error', async () => {
    const command = await weir(['deploy', 'job.ts']);
    assert.equal(command.code, 1);
    assert.match(command.stderr, /CLI_USAGE: unknown command "deploy"/);
    const option = await weir(['run', 'examples/fraud-detection.ts', '--fast']);
    assert.equal(option.code, 1);
    assert.match(option.stderr, /CLI_USAGE/);
    assert.equal(option.stdout, '');
  });
});
