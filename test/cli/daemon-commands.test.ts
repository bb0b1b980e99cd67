/**
 * `weir jobmanager` and `weir taskmanager` as processes: what they print when ready or registered,
 * that they refuse a non-loopback bind without a token or secret, and that a TaskManager with the
 * wrong secret exits.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const repo = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'weir-daemons-'));
const children = new Set<ChildProcess>();

after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `weir <args>`; `line` resolves with the first stderr line matching `match`. */
function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [join(repo, 'bin/weir.js'), ...args], {
    cwd: repo,
    env: { ...process.env, NODE_OPTIONS: '--conditions=weir-source', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  const watchers: Array<{ match: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    for (const w of [...watchers]) {
      const m = stderr.match(w.match);
      if (m) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve({ code, stderr });
    }),
  );
  return {
    child,
    exited,
    line: (match: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const m = stderr.match(match);
        if (m) return resolve(m);
        watchers.push({ match, resolve });
        void exited.then(({ code, stderr }) =>
          reject(new Error(`exited with ${code} before ${match}: ${stderr}`)),
        );
      }),
  };
}

const uploads = (name: string) => ['-D', `web.upload.dir=${join(dir, name)}`];

describe('weir jobmanager and weir taskmanager', () => {
  it('a TaskManager registers with a JobManager; SIGTERM stops both with exit code 0', async () => {
    const jm = start(['jobmanager', '--rest-port', '0', '--rpc-port', '0', ...uploads('jm')]);
    const ready = await jm.line(/JobManager ready: REST (http:\/\/127\.0\.0\.1:\d+), RPC (127\.0\.0\.1:\d+)/);
    const tm = start(['taskmanager', '--jobmanager', ready[2], '--slots', '3', ...uploads('tm')]);
    await tm.line(/TaskManager \S+ registered at 127\.0\.0\.1:\d+ \(3 slots, data 127\.0\.0\.1:\d+\)/);
    const { taskmanagers } = (await (await fetch(`${ready[1]}/taskmanagers`)).json()) as {
      taskmanagers: Array<{ slotsNumber: number }>;
    };
    assert.deepEqual(
      taskmanagers.map((t) => t.slotsNumber),
      [3],
    );
    tm.child.kill('SIGTERM');
    assert.equal((await tm.exited).code, 0);
    await jm.line(/was lost/);
    jm.child.kill('SIGTERM');
    assert.equal((await jm.exited).code, 0);
  });

  it('refuses a non-loopback REST bind without a token', async () => {
    const jm = start([
      'jobmanager',
      '--rest-port',
      '0',
      '--rpc-port',
      '0',
      '-D',
      'rest.bind-address=0.0.0.0',
    ]);
    const { code, stderr } = await jm.exited;
    assert.equal(code, 1);
    assert.match(stderr, /TOKEN_REQUIRED: refusing to bind the REST API to 0\.0\.0\.0/);
  });

  it('refuses a non-loopback RPC bind without the shared secret', async () => {
    const jm = start(
      ['jobmanager', '--rest-port', '0', '--rpc-port', '0', '-D', 'jobmanager.bind-host=0.0.0.0'],
      {
        WEIR_REST_TOKEN: 'a-token',
      },
    );
    const { code, stderr } = await jm.exited;
    assert.equal(code, 1);
    assert.match(
      stderr,
      /TOKEN_REQUIRED: refusing to bind the RPC port to 0\.0\.0\.0,.*security\.rpc\.secret/,
    );
  });

  it("refuses a TaskManager's non-loopback data plane without the shared secret", async () => {
    const tm = start(['taskmanager', '--jobmanager', '127.0.0.1:1', '-D', 'taskmanager.bind-host=0.0.0.0']);
    const { code, stderr } = await tm.exited;
    assert.equal(code, 1);
    assert.match(
      stderr,
      /TOKEN_REQUIRED: refusing to bind the data plane to 0\.0\.0\.0,.*taskmanager\.bind-host/,
    );
  });

  it('a TaskManager with the wrong secret is refused and exits with code 1', async () => {
    const jm = start(['jobmanager', '--rest-port', '0', '--rpc-port', '0', ...uploads('jm-2')], {
      WEIR_RPC_SECRET: 'right',
    });
    const ready = await jm.line(/RPC (127\.0\.0\.1:\d+)/);
    const tm = start(['taskmanager', '--jobmanager', ready[1], ...uploads('tm-2')], {
      WEIR_RPC_SECRET: 'wrong',
    });
    const { code, stderr } = await tm.exited;
    assert.equal(code, 1);
    assert.match(stderr, /wrong shared secret.*check security\.rpc\.secret/);
    await jm.line(/refused a connection on the RPC port: .*wrong shared secret/);
    jm.child.kill('SIGTERM');
    assert.equal((await jm.exited).code, 0);
  });
});
