/**
 * `weir cluster start|stop|status` and the files it keeps (cluster-state.ts): pid files and
 * `cluster.json`, which processes `stop` signals (only those that still run Weir in their role),
 * the refusals of `start` (a cluster already there, a port taken), and its clean-up when the
 * JobManager does not come up. The last case starts a real cluster of one JobManager and two
 * TaskManagers.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { portOwner, stopCluster } from '../../src/cli/cluster-process.ts';
import {
  type ClusterState,
  isWeirProcess,
  listClusterProcesses,
  readClusterState,
  writeClusterState,
  writePidFile,
} from '../../src/cli/cluster-state.ts';
import { main } from '../../src/cli/main.ts';
import { RestClient } from '../../src/cli/rest-client.ts';

const repo = join(import.meta.dirname, '../..');

/** Runs `weir <argv>` in this process, capturing what it prints. */
async function weir(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
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

/** A process whose command line looks like `weir <role>` (and does nothing). */
async function fakeWeir(role: 'jobmanager' | 'taskmanager'): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'weir', role], {
    stdio: 'ignore',
  });
  await once(child, 'spawn');
  return child;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('weir cluster: pid files and cluster.json', () => {
  const children: ChildProcess[] = [];
  let root = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'weir-cluster-process-'));
  });
  after(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });
  let cases = 0;
  const freshDir = () => {
    const dir = join(root, `case-${++cases}`);
    mkdirSync(dir);
    return dir;
  };

  it('cluster.json round-trips; a broken one reads as none', () => {
    const dir = freshDir();
    assert.equal(readClusterState(dir), undefined);
    const state: ClusterState = {
      restUrl: 'http://127.0.0.1:8081',
      rpcAddress: '127.0.0.1:6123',
      startedAt: '2026-12-02T22:00:00.000Z',
      pids: { jobmanager: 100, taskmanagers: [101, 102] },
      logDir: dir,
    };
    writeClusterState(dir, state);
    assert.deepEqual(readClusterState(dir), state);
    assert.deepEqual(readdirSync(dir), ['cluster.json'], 'no temporary file is left');
    writeFileSync(join(dir, 'cluster.json'), '{"restUrl": 1');
    assert.equal(readClusterState(dir), undefined);
  });

  it('pid files list the JobManager first, then the TaskManagers in order; other files are ignored', () => {
    const dir = freshDir();
    writePidFile(dir, 'taskmanager-10', 210);
    writePidFile(dir, 'taskmanager-2', 202);
    writePidFile(dir, 'jobmanager', 200);
    writePidFile(dir, 'taskmanager-1', 201);
    writeFileSync(join(dir, 'taskmanager-3.pid'), 'not a pid\n');
    writeFileSync(join(dir, 'other.pid'), '300\n');
    writeFileSync(join(dir, 'jobmanager.log'), 'log\n');
    assert.deepEqual(
      listClusterProcesses(dir).map((p) => [p.name, p.role, p.pid]),
      [
        ['jobmanager', 'jobmanager', 200],
        ['taskmanager-1', 'taskmanager', 201],
        ['taskmanager-2', 'taskmanager', 202],
        ['taskmanager-10', 'taskmanager', 210],
      ],
    );
  });

  it('a pid counts as a cluster process only while it runs weir in that role', async () => {
    const jm = await fakeWeir('jobmanager');
    const sleep = spawn('sleep', ['600'], { stdio: 'ignore' });
    children.push(jm, sleep);
    await once(sleep, 'spawn');
    assert.equal(isWeirProcess(jm.pid!, 'jobmanager'), true);
    assert.equal(isWeirProcess(jm.pid!, 'taskmanager'), false);
    assert.equal(isWeirProcess(sleep.pid!, 'jobmanager'), false);
    jm.kill('SIGKILL');
    await once(jm, 'exit');
    assert.equal(isWeirProcess(jm.pid!, 'jobmanager'), false);
  });

  it('stop signals the recorded weir processes, never a pid now used by something else; files go, logs stay', async () => {
    const dir = freshDir();
    const jm = await fakeWeir('jobmanager');
    const tm = await fakeWeir('taskmanager');
    const unrelated = spawn('sleep', ['600'], { stdio: 'ignore' });
    children.push(jm, tm, unrelated);
    await once(unrelated, 'spawn');
    writePidFile(dir, 'jobmanager', jm.pid!);
    writePidFile(dir, 'taskmanager-1', tm.pid!);
    // The second TaskManager's pid was taken over by an unrelated process.
    writePidFile(dir, 'taskmanager-2', unrelated.pid!);
    writeClusterState(dir, {
      restUrl: 'http://127.0.0.1:1',
      rpcAddress: '127.0.0.1:2',
      startedAt: new Date().toISOString(),
      pids: { jobmanager: jm.pid!, taskmanagers: [tm.pid!, unrelated.pid!] },
      logDir: dir,
    });
    writeFileSync(join(dir, 'jobmanager.log'), 'the log\n');

    const stopped = weir(['cluster', 'stop', '--dir', dir]);
    const [jmExit, tmExit] = await Promise.all([once(jm, 'exit'), once(tm, 'exit')]);
    assert.deepEqual([jmExit[1], tmExit[1]], ['SIGTERM', 'SIGTERM']);
    const run = await stopped;
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `Stopped jobmanager (pid ${jm.pid}), taskmanager-1 (pid ${tm.pid}).`);
    assert.doesNotMatch(run.stdout, /taskmanager-2/);
    assert.equal(unrelated.exitCode, null, 'the unrelated process runs on');
    assert.equal(unrelated.signalCode, null);
    assert.deepEqual(readdirSync(dir), ['jobmanager.log']);

    const again = await weir(['cluster', 'stop', '--dir', dir]);
    assert.equal(again.code, 0);
    assert.equal(again.stdout, `No cluster running (nothing in ${dir}).`);
  });

  it('stopCluster SIGKILLs a process that ignores SIGTERM after the grace period', async () => {
    const dir = freshDir();
    const stubborn = spawn(
      process.execPath,
      [
        '-e',
        "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('ready')",
        'weir',
        'taskmanager',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    children.push(stubborn);
    // Its SIGTERM handler is installed once it says so.
    await once(stubborn.stdout!, 'data');
    writePidFile(dir, 'taskmanager-1', stubborn.pid!);
    const exited = once(stubborn, 'exit');
    assert.deepEqual(await stopCluster(dir, 500), [`taskmanager-1 (pid ${stubborn.pid})`]);
    assert.equal((await exited)[1], 'SIGKILL');
  });

  it('status lists each process and whether it runs', async () => {
    const dir = freshDir();
    const jm = await fakeWeir('jobmanager');
    children.push(jm);
    writePidFile(dir, 'jobmanager', jm.pid!);
    const gone = spawn(process.execPath, ['-e', '0']);
    await once(gone, 'exit');
    writePidFile(dir, 'taskmanager-1', gone.pid!);
    writeClusterState(dir, {
      restUrl: `http://127.0.0.1:${await freePort()}`,
      rpcAddress: '127.0.0.1:6123',
      startedAt: '2026-12-02T22:00:00.000Z',
      pids: { jobmanager: jm.pid!, taskmanagers: [gone.pid!] },
      logDir: dir,
    });
    const run = await weir(['cluster', 'status', '--dir', dir]);
    assert.equal(run.code, 1, 'the REST API does not answer');
    const lines = run.stdout.split('\n');
    assert.match(lines[0], /^PROCESS +PID {2}STATE$/);
    assert.match(lines[1], new RegExp(`^jobmanager +${jm.pid} {2}running$`));
    assert.match(lines[2], new RegExp(`^taskmanager-1 +${gone.pid} {2}not running$`));
    assert.match(run.stdout, /The REST API does not answer: no JobManager at/);
  });

  it('start refuses when a cluster already runs from the directory', async () => {
    const dir = freshDir();
    const jm = await fakeWeir('jobmanager');
    children.push(jm);
    writePidFile(dir, 'jobmanager', jm.pid!);
    const run = await weir(['cluster', 'start', '--dir', dir]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(
        `^error: CLI_USAGE: a Weir cluster is already running from ${dir} \\(jobmanager pid ${jm.pid}\\): stop it with "weir cluster stop"`,
        'm',
      ),
    );
  });

  it('start refuses a port in use, naming the process that holds it', async (t) => {
    const dir = freshDir();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    t.after(() => holder.close());
    const { port } = holder.address() as { port: number };
    assert.match(portOwner(port) ?? '', new RegExp(`^pid ${process.pid} \\(`));
    const run = await weir(['cluster', 'start', '--dir', dir, '-D', `rest.port=${port}`]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(
        `^error: CLI_USAGE: port ${port} \\(rest\\.port\\) is in use by pid ${process.pid} \\(.*\\): stop that process, or give another port with -D rest\\.port=<port>$`,
        'm',
      ),
    );
    assert.deepEqual(readdirSync(dir), [], 'nothing was started');
  });

  it('start stops what it started and shows the log when the JobManager does not come up', async () => {
    const dir = freshDir();
    // A non-loopback bind without a token: the JobManager refuses to start (and before
    // `weir jobmanager` existed, the command was unknown): either way it exits at once.
    const run = await weir([
      'cluster',
      'start',
      '--dir',
      dir,
      '-D',
      `rest.port=${await freePort()}`,
      '-D',
      `jobmanager.rpc.port=${await freePort()}`,
      '-D',
      'rest.bind-address=0.0.0.0',
    ]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^error: CLUSTER_UNAVAILABLE: the cluster did not start: jobmanager \(pid \d+\) ended \(exit code 1\) while waiting for the JobManager's REST API to answer; stopped what had started$/m,
    );
    assert.match(run.stderr, new RegExp(`^last lines of ${join(dir, 'jobmanager.out')}:$`, 'm'));
    assert.match(run.stderr, /^ {2}error: /m, 'the output tail shows the error');
    const files = readdirSync(dir).sort();
    assert.equal(files.length, 2, `no pid file or cluster.json is left: ${files}`);
    assert.match(files[0], /^jobmanager-\d+\.log$/, 'the JobManager wrote its log file in the directory');
    assert.equal(files[1], 'jobmanager.out');
    assert.match(readFileSync(join(dir, 'jobmanager.out'), 'utf8'), /^--- weir jobmanager -D /);
  });
});

describe('weir cluster start --taskmanagers 2: a real cluster', () => {
  it('starts a JobManager and two TaskManagers in the background, lists them, and stops them', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-cluster-start-'));
    const restPort = await freePort();
    const rpcPort = await freePort();
    const cli = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          [join(repo, 'bin/weir.js'), ...args],
          { cwd: repo, timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '--conditions=weir-source' } },
          (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
        );
      });
    const defines = ['-D', `rest.port=${restPort}`, '-D', `jobmanager.rpc.port=${rpcPort}`];
    t.after(async () => {
      await cli(['cluster', 'stop', '--dir', dir]);
      rmSync(dir, { recursive: true, force: true });
    });
    const start = await cli([
      'cluster',
      'start',
      '--taskmanagers',
      '2',
      '--slots',
      '2',
      '--dir',
      dir,
      ...defines,
    ]);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, new RegExp(`^REST API: http://127\\.0\\.0\\.1:${restPort}$`, 'm'));
    assert.match(start.stdout, new RegExp(`^Logs: +${dir}$`, 'm'));
    const state = readClusterState(dir)!;
    assert.equal(state.pids.taskmanagers.length, 2);
    for (const name of ['jobmanager', 'taskmanager-1', 'taskmanager-2']) {
      assert.ok(existsSync(join(dir, `${name}.pid`)), name);
      assert.ok(existsSync(join(dir, `${name}.out`)), name);
    }
    // The processes outlived the command that started them.
    assert.equal(isWeirProcess(state.pids.jobmanager, 'jobmanager'), true);
    const { taskmanagers } = await new RestClient({ url: state.restUrl }).taskManagers();
    assert.equal(taskmanagers.length, 2);
    assert.deepEqual(
      taskmanagers.map((tm) => tm.slotsNumber),
      [2, 2],
    );

    const again = await cli(['cluster', 'start', '--dir', dir, ...defines]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already running/);

    const status = await cli(['cluster', 'status', '--dir', dir]);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(status.stdout, /^TaskManagers \(2\):$/m);

    const stop = await cli(['cluster', 'stop', '--dir', dir]);
    assert.equal(stop.code, 0, stop.stderr);
    for (const pid of [state.pids.jobmanager, ...state.pids.taskmanagers]) {
      assert.equal(isWeirProcess(pid, pid === state.pids.jobmanager ? 'jobmanager' : 'taskmanager'), false);
    }
    const files = readdirSync(dir).sort();
    assert.deepEqual(
      files.filter((f) => f.endsWith('.out')),
      ['jobmanager.out', 'taskmanager-1.out', 'taskmanager-2.out'],
    );
    // Each process's own JSON log file, in the same directory.
    const logs = files.filter((f) => f.endsWith('.log'));
    assert.equal(logs.length, 3, String(logs));
    assert.match(logs[0], /^jobmanager-\d+\.log$/);
    for (const log of logs.slice(1)) assert.match(log, /^taskmanager-tm-.+\.log$/);
    assert.equal(files.length, 6, String(files));
  });
});
