/**
 * Structured logs (src/core/logger.ts, src/runtime/logging/process-logging.ts): a process's log file
 * holds one JSON object per line with the level, time, message and role, a task's lines carry the
 * job, task, subtask and attempt; slot threads and the main thread append whole lines to one file;
 * secrets never reach it; what Weir prints on stderr stays as it was.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { processLogger } from '../../src/core/logger.ts';
import {
  closeProcessLogging,
  configureProcessLogging,
  readLogTail,
} from '../../src/runtime/logging/process-logging.ts';

const repo = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'weir-logger-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Line {
  level: string;
  time: string;
  msg: string;
  role: string;
  pid: number;
  [field: string]: unknown;
}

/** Every line of `file`, parsed; fails on a line that is not a whole JSON object. */
function lines(file: string): Line[] {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'), 'the file ends with a whole line');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line, i) => {
      try {
        return JSON.parse(line) as Line;
      } catch {
        assert.fail(`line ${i + 1} is not JSON: ${line.slice(0, 200)}`);
      }
    });
}

/** Runs `weir <args>` to its end. */
function weir(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(repo, 'bin/weir.js'), ...args],
      { cwd: repo, timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '--conditions=weir-source' } },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

/** What console.warn and console.error print while `fn` runs (both go to stderr). */
function stderrOf(fn: () => void): string[] {
  const printed: string[] = [];
  const { warn, error } = console;
  console.warn = (...args: unknown[]) => printed.push(`warn ${args.map(String).join(' ')}`);
  console.error = (...args: unknown[]) => printed.push(`error ${args.map(String).join(' ')}`);
  try {
    fn();
  } finally {
    console.warn = warn;
    console.error = error;
  }
  return printed;
}

describe('the log file of weir run', () => {
  it("writes a task's lines as JSON with job_id, task, subtask and attempt, from its slot threads", async () => {
    const file = join(dir, 'run.log');
    const run = await weir(['run', 'test/jobs/keyed-timers.ts', '-p', '2', '--log-file', file]);
    assert.equal(run.code, 0, run.stderr);
    const jobId = /job "keyed-timers" \((\S+)\) running in process (\d+)/.exec(run.stderr)?.[1];
    assert.ok(jobId, run.stderr);
    assert.doesNotMatch(run.stderr, /"level"/, 'stderr has no JSON lines');
    const all = lines(file);
    for (const line of all) {
      assert.ok(['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(line.level), line.level);
      assert.ok(!Number.isNaN(Date.parse(line.time)), line.time);
      assert.equal(typeof line.msg, 'string');
      assert.equal(line.role, 'run');
    }
    // The job master (main thread) and every subtask of both vertices (slot threads).
    assert.ok(
      all.some(
        (l) => l.thread === undefined && l.job_id === jobId && /switched from .* to running/.test(l.msg),
      ),
      'the job master logs its transitions with the job id',
    );
    const tasks = all.filter((l) => l.thread !== undefined);
    const finished = tasks.filter((l) => /switched to FINISHED$/.test(l.msg));
    assert.deepEqual(finished.map((l) => `${l.task}#${l.subtask}`).sort(), [
      'orders#0',
      'orders#1',
      'totals -> Collect Sink -> Collect Sink#0',
      'totals -> Collect Sink -> Collect Sink#1',
    ]);
    for (const l of tasks) {
      assert.equal(l.job_id, jobId);
      assert.equal(l.attempt, 0);
    }
    assert.ok(new Set(tasks.map((l) => l.thread)).size >= 2, 'both slot threads wrote to the file');
  });

  it('refuses a log level it does not know', async () => {
    const bad = await weir([
      'run',
      'test/jobs/keyed-timers.ts',
      '-D',
      'log.level=loud',
      '-D',
      `log.file=${dir}/x.log`,
    ]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /^error: CLI_USAGE: -D log\.level must be one of trace, debug, info, warn, error, fatal, got "loud"$/m,
    );
  });
});

describe('the process logger', () => {
  it('writes lines at log.level and above to the file, and warnings to stderr as before', async () => {
    const file = configureProcessLogging({ role: 'client', file: join(dir, 'levels.log'), level: 'warn' });
    assert.ok(file);
    const printed = stderrOf(() => {
      const log = processLogger().child({ job_id: 'j-1' });
      log.info('an info line');
      log.warn('a warning');
      log.error('an error, in the file only', { console: false });
      log.info('a life-cycle line', { console: true });
    });
    await closeProcessLogging();
    assert.deepEqual(printed, ['warn weir: a warning', 'error weir: a life-cycle line']);
    const written = lines(file);
    assert.deepEqual(
      written.map((l) => [l.level, l.msg, l.job_id, 'console' in l]),
      [
        ['warn', 'a warning', 'j-1', false],
        ['error', 'an error, in the file only', 'j-1', false],
      ],
    );
  });

  it('without a file, prints warnings and errors as "weir: <message>" and nothing else', () => {
    const printed = stderrOf(() => {
      const log = processLogger().child({ task: 't' });
      log.debug('debug');
      log.info('info');
      log.warn('careful');
      log.error('broken');
    });
    assert.deepEqual(printed, ['warn weir: careful', 'error weir: broken']);
  });

  it('replaces secret fields and the values of the configured secrets, in messages and errors too', async () => {
    const token = 'tok-3f9a1c77e2';
    const secret = 'rpc-"quoted"-secret';
    const file = configureProcessLogging({
      role: 'jobmanager',
      file: join(dir, 'secrets.log'),
      secrets: [token, secret, undefined, '', 'wrong'],
    })!;
    const log = processLogger();
    stderrOf(() => {
      log.info('fields', {
        token: 'field-token-1',
        password: 'field-password-2',
        headers: { authorization: 'Bearer field-auth-3', cookie: 'field-cookie-4' },
        config: { 'rest.auth.token': 'field-config-5', 'security.rpc.secret': 'field-config-6' },
        env: { WEIR_RPC_SECRET: 'field-env-7' },
        security: { keystore: { password: 'field-keystore-8' } },
      });
      log.warn(`request with ${token} failed`, { err: new Error(`the peer sent ${secret}`) });
      log.info('the wrong secret: a value under 8 characters is also a word, left alone');
    });
    await closeProcessLogging();
    const text = readFileSync(file, 'utf8');
    for (let i = 1; i <= 8; i++) assert.doesNotMatch(text, new RegExp(`field-[a-z]+-${i}`), `field ${i}`);
    assert.ok(!text.includes(token), 'the token');
    assert.ok(!text.includes(JSON.stringify(secret).slice(1, -1)), 'the secret, as JSON writes it');
    const [fields, warning, short] = lines(file);
    assert.match(short.msg, /^the wrong secret/);
    assert.equal(fields.token, '******');
    assert.deepEqual(fields.headers, { authorization: '******', cookie: '******' });
    assert.equal(warning.msg, 'request with ****** failed');
    assert.match(String((warning.err as { message: string }).message), /^the peer sent \*{6}$/);
  });

  it('slot threads and the main thread append whole lines to one file, none lost', async () => {
    const file = configureProcessLogging({ role: 'taskmanager', file: join(dir, 'threads.log') })!;
    // Lines longer than a pipe's atomic size and than the asynchronous writer's chunk (16 KiB).
    const perWorker = 60;
    const workers = ['a', 'b', 'c'].map(
      (name) =>
        new Worker(new URL('./logger-worker.ts', import.meta.url), {
          workerData: { count: perWorker, size: 70_000, name },
        }),
    );
    const done = workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.once('message', () => resolve());
          w.once('error', reject);
        }),
    );
    const main = processLogger().child({ writer: 'main' });
    for (let i = 0; i < 200; i++) {
      main.info(`line ${i}`, { seq: i, padding: 'm'.repeat(i % 2 === 0 ? 30_000 : 100) });
      if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(done);
    await Promise.all(workers.map((w) => w.terminate()));
    await closeProcessLogging();
    const bySeq = new Map<string, number[]>();
    for (const line of lines(file)) {
      const writer = line.writer as string;
      assert.ok(
        (line.padding as string).split('').every((c) => c === writer[0]),
        `a line of ${writer} is whole`,
      );
      const seqs = bySeq.get(writer) ?? [];
      seqs.push(line.seq as number);
      bySeq.set(writer, seqs);
      assert.equal(line.thread === undefined, writer === 'main');
    }
    const expected = (n: number) => Array.from({ length: n }, (_, i) => i);
    assert.deepEqual(bySeq.get('main'), expected(200));
    for (const name of ['a', 'b', 'c']) assert.deepEqual(bySeq.get(name), expected(perWorker), name);
  });

  it('reads the tail of a file: the last n whole lines', () => {
    const file = join(dir, 'tail.log');
    writeFileSync(file, Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(''));
    assert.equal(readLogTail(file, 3), 'line 47\nline 48\nline 49\n');
    assert.equal(readLogTail(file, 1000).split('\n').length, 51);
    writeFileSync(file, '');
    assert.equal(readLogTail(file, 10), '');
  });
});
