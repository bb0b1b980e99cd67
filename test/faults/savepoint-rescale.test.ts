/**
 * Savepoints and rescaling: a job is stopped with a savepoint (`weir stop <pid>`) five times and
 * resumed each time at another parallelism (2 → 1 → 3 → 2 → 1 → 3); its committed output must be
 * identical to a run without interruptions.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { latestCheckpoint } from './support.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EVENTS = 60_000;
const KEYS = 7;

function weir(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['bin/weir.js', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('fault injection: savepoints at one parallelism, restored at another', () => {
  it('stop with a savepoint at 2, resume at 1, 3, 2, 1, 3: committed output identical', async () => {
    const work = mkdtempSync(join(tmpdir(), 'weir-sp-'));
    const checkpoints = join(work, 'checkpoints');
    const savepoints = join(work, 'savepoints');
    const output = join(work, 'out');
    const env = {
      ...process.env,
      WEIR_FAULTS_EVENTS: String(EVENTS),
      WEIR_FAULTS_KEYS: String(KEYS),
      WEIR_FAULTS_RATE: '4000', // 15 s of input: every round is stopped while the job still runs
      WEIR_FAULTS_CHECKPOINTS: checkpoints,
      WEIR_FAULTS_OUTPUT: output,
    };
    try {
      const parallelisms = [2, 1, 3, 2, 1, 3];
      let savepoint: string | undefined;
      let stops = 0;
      for (let i = 0; i < parallelisms.length; i++) {
        const args = ['run', 'test/faults/jobs/exactly-once-file.ts', '-p', String(parallelisms[i])];
        if (savepoint) args.push('--from-savepoint', savepoint);
        const before = latestCheckpoint(checkpoints);
        const run = weir(args, env);
        const done = finished(run);
        if (i === parallelisms.length - 1) {
          const last = await done;
          assert.equal(last.code, 0, last.stderr);
          break;
        }
        const deadline = Date.now() + 30_000;
        while (latestCheckpoint(checkpoints) <= before && run.exitCode === null && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(run.exitCode, null, 'the job must still run when it is stopped');
        const stop = await finished(weir(['stop', String(run.pid), savepoints], env));
        assert.equal(stop.code, 0, stop.stderr);
        savepoint = stop.stdout.trim().split('\n')[0];
        assert.ok(existsSync(join(savepoint, '_metadata')), `savepoint at ${savepoint}`);
        const stopped = await done;
        assert.equal(stopped.code, 0, `a job stopped with a savepoint ends cleanly: ${stopped.stderr}`);
        // What the savepoint pre-committed is committed when the job stops, also on worker threads
        // (where the completion and the stop arrive as two messages): no pending part file is left.
        const pending = readdirSync(output).filter((f) => f.endsWith('.pending'));
        assert.deepEqual(pending, [], `the stop at parallelism ${parallelisms[i]} left pre-committed files`);
        stops++;
      }

      const seen = new Map<string, number>();
      for (const file of readdirSync(output)) {
        if (/\.(inprogress|pending)$/.test(file)) continue;
        for (const line of readFileSync(join(output, file), 'utf8').split('\n')) {
          if (line) seen.set(line, (seen.get(line) ?? 0) + 1);
        }
      }
      let lost = 0;
      let duplicated = 0;
      for (let k = 0; k < KEYS; k++) {
        const n = Math.floor(EVENTS / KEYS) + (k < EVENTS % KEYS ? 1 : 0);
        for (let c = 1; c <= n; c++) {
          const line = JSON.stringify([k, c]);
          const times = seen.get(line) ?? 0;
          if (times === 0) lost++;
          else duplicated += times - 1;
          seen.delete(line);
        }
      }
      for (const times of seen.values()) duplicated += times;
      console.log(`faults: ${stops} injected, ${lost} lost, ${duplicated} duplicated`);
      assert.equal(stops, 5);
      assert.equal(lost, 0);
      assert.equal(duplicated, 0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('weir savepoint <pid> takes a savepoint while the job keeps running, and kill -USR2 one into --savepoint-dir', async () => {
    const work = mkdtempSync(join(tmpdir(), 'weir-sp-cli-'));
    const env = {
      ...process.env,
      WEIR_FAULTS_EVENTS: '40000',
      WEIR_FAULTS_RATE: '8000', // 5 s: the job still runs when the signal comes
      WEIR_FAULTS_CHECKPOINTS: join(work, 'checkpoints'),
      WEIR_FAULTS_OUTPUT: join(work, 'out'),
    };
    try {
      const run = weir(
        ['run', 'test/faults/jobs/exactly-once-file.ts', '--savepoint-dir', join(work, 'by-signal')],
        env,
      );
      const done = finished(run);
      const deadline = Date.now() + 30_000;
      while (latestCheckpoint(join(work, 'checkpoints')) === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const taken = await finished(weir(['savepoint', String(run.pid), join(work, 'by-command')], env));
      assert.equal(taken.code, 0, taken.stderr);
      const path = taken.stdout.trim();
      assert.ok(path.startsWith(join(work, 'by-command')), path);
      assert.ok(existsSync(join(path, '_metadata')));
      run.kill('SIGUSR2');
      const end = await done;
      assert.equal(end.code, 0, `the job went on to finish: ${end.stderr}`);
      assert.match(end.stderr, /savepoint written to .*by-signal/);
      assert.equal(readdirSync(join(work, 'by-signal')).length, 1);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
