/**
 * `weir savepoint|stop` reach a job through the control socket its `weir run` process owns, never
 * by a signal: a pid that is not a Weir job is refused and its process is left alone, and nothing
 * is left in the temporary directory.
 *
 * Before: `weir savepoint <pid>` wrote a request file into the temp directory and sent SIGUSR2 to
 * any pid (a `sleep` died of it, exit 140), then hung and left `weir-<pid>.savepoint-request.json`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { latestCheckpoint, until } from '../faults/support.ts';
import { lineMatching, Workspace } from './support.ts';

const DEADLINE = 180_000;
/** Sockets go to <TMPDIR>/weir-<uid> when XDG_RUNTIME_DIR is not set: the workspace's own. */
const NO_XDG = { XDG_RUNTIME_DIR: '' };

/** A checkpointed job that runs until the file `release` exists. */
const JOB = `
import { existsSync } from 'node:fs';
import { DataGeneratorSource, StreamExecutionEnvironment, WatermarkStrategy } from 'weir';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(100);
env.getCheckpointConfig().setCheckpointStorage('checkpoints');
env
  .fromSource(new DataGeneratorSource((i) => i, 10_000_000, { rateLimit: 2_000 }), WatermarkStrategy.noWatermarks(), 'numbers')
  .uid('numbers')
  .filter(() => existsSync('release'))
  .uid('until-released')
  .print();
await env.execute('controlled');
`;

/** Sends one request line to a control socket and parses the reply line. */
function ask(socket: string, line: string): Promise<{ kind: string; [key: string]: unknown }> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const connection = createConnection(socket, () => connection.write(`${line}\n`));
    connection.setEncoding('utf8');
    connection.on('data', (chunk) => (reply += chunk));
    connection.on('error', reject);
    connection.on('close', () => resolve(JSON.parse(reply)));
  });
}

describe('reliability: control channel of weir run', () => {
  it('weir savepoint <pid of a sleep> is refused with JOB_NOT_FOUND and the sleep lives', async (t) => {
    const ws = new Workspace('control-sleep');
    const sleep = spawn('sleep', ['600'], { stdio: 'ignore' });
    t.after(async () => {
      sleep.kill('SIGKILL');
      await ws.dispose();
    });
    const refused = await ws.run(['savepoint', String(sleep.pid)], NO_XDG);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(`error: JOB_NOT_FOUND: process ${sleep.pid} is not a Weir job \\(no control socket `),
    );
    assert.equal(sleep.exitCode, null, 'the sleep is still running');
    assert.equal(sleep.signalCode, null, 'no signal reached the sleep');
    process.kill(sleep.pid!, 0); // throws if it is gone
    const stopped = await ws.run(['stop', String(sleep.pid)], NO_XDG);
    assert.equal(stopped.code, 1);
    assert.match(stopped.stderr, /JOB_NOT_FOUND: process \d+ is not a Weir job/);
    assert.equal(sleep.exitCode, null, 'weir stop did not end it either');
    ws.assertNothingLeftInTmp();
  });

  it('weir savepoint <pid> and weir stop <job id> of a running job go over its socket; nothing is left behind', async (t) => {
    const ws = new Workspace('control-job');
    t.after(() => ws.dispose());
    ws.job('job.ts', JOB);
    const run = ws.start(['run', 'job.ts'], NO_XDG);
    let started: RegExpExecArray | null = null;
    await until(
      () => {
        if (run.child.exitCode !== null) throw new Error(`weir run ended early: ${run.stderr()}`);
        started = /weir: job "controlled" \(([0-9a-f-]+)\) running in process (\d+)/.exec(run.stderr());
        return started !== null;
      },
      DEADLINE,
      'the start line',
    );
    const [, jobId, pid] = started!;
    assert.equal(Number(pid), run.child.pid);
    // The socket: owner-only, in a private directory of the workspace's TMPDIR.
    const dir = join(ws.tmp, `weir-${process.getuid!()}`);
    const socket = join(dir, `${pid}.sock`);
    assert.ok(statSync(socket).isSocket());
    assert.equal(statSync(socket).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    await until(() => latestCheckpoint(ws.path('checkpoints')) >= 1, DEADLINE, 'the first checkpoint');

    // The protocol: one JSON line each way. "Who are you" names the process and its jobs.
    assert.deepEqual(await ask(socket, '{"kind":"hello"}'), {
      kind: 'hello',
      pid: Number(pid),
      jobs: [{ id: jobId, name: 'controlled', status: 'running' }],
    });
    assert.equal((await ask(socket, 'savepoint please')).kind, 'error');

    const savepoint = await ws.run(['savepoint', pid, 'by-pid'], NO_XDG);
    assert.equal(savepoint.code, 0, savepoint.stderr);
    const path = savepoint.stdout.trim();
    assert.ok(path.startsWith(ws.path('by-pid')), path);
    assert.ok(existsSync(join(path, '_metadata')));
    assert.equal(run.child.exitCode, null, 'the job runs on after a savepoint');

    // A unique prefix of the job id is enough, as with docker and git.
    const stop = await ws.run(['stop', jobId.slice(0, 8), 'by-id'], NO_XDG);
    assert.equal(stop.code, 0, stop.stderr);
    assert.ok(stop.stdout.trim().startsWith(ws.path('by-id')), stop.stdout);
    assert.ok(existsSync(join(stop.stdout.trim(), '_metadata')));
    const end = await run.done;
    assert.equal(end.code, 0, `the stopped job ends as finished: ${end.stderr}`);
    assert.ok(lineMatching(end.stderr, /savepoint written to .*by-id/), end.stderr);
    assert.equal(existsSync(dir), false, 'the socket and its directory are gone');
    ws.assertNothingLeftInTmp();

    // The process is gone: its pid and job id are refused.
    const again = await ws.run(['savepoint', jobId], NO_XDG);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /JOB_NOT_FOUND: no running Weir job has the id/);
  });

  it('a socket left by a killed weir run is removed by the next request and refused', async (t) => {
    const ws = new Workspace('control-stale');
    t.after(() => ws.dispose());
    ws.job('job.ts', JOB);
    const run = ws.start(['run', 'job.ts'], NO_XDG);
    const dir = join(ws.tmp, `weir-${process.getuid!()}`);
    const socket = join(dir, `${run.child.pid}.sock`);
    await until(() => existsSync(socket), DEADLINE, 'the control socket');
    run.child.kill('SIGKILL');
    await run.done;
    assert.ok(existsSync(socket), 'kill -9 leaves the socket');
    const refused = await ws.run(['savepoint', String(run.child.pid)], NO_XDG);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`JOB_NOT_FOUND: no process ${run.child.pid} is running`));
    assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], []);
    ws.assertNothingLeftInTmp();
  });

  it('SIGUSR2 to the weir run process takes a savepoint into its --savepoint-dir', async (t) => {
    const ws = new Workspace('control-usr2');
    t.after(() => ws.dispose());
    ws.job('job.ts', JOB);
    const run = ws.start(['run', 'job.ts', '--savepoint-dir', 'by-signal'], NO_XDG);
    await until(() => latestCheckpoint(ws.path('checkpoints')) >= 1, DEADLINE, 'the first checkpoint');
    run.child.kill('SIGUSR2');
    await until(() => /savepoint written to .*by-signal/.test(run.stderr()), DEADLINE, 'the savepoint');
    writeFileSync(ws.path('release'), '');
    const stop = await ws.run(['stop', String(run.child.pid)], NO_XDG);
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal((await run.done).code, 0);
    ws.assertNothingLeftInTmp();
  });
});
