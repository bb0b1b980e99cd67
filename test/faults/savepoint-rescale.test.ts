/**
 * Savepoints and rescaling: a job is stopped with a savepoint (`weir stop <pid>`) five times and
 * resumed each time at another parallelism (2 → 1 → 3 → 2 → 1 → 3); its committed output must be
 * identical to a run without interruptions, and each resume must restore from the savepoint taken
 * by the stop before it.
 *
 * Nothing here depends on the machine's speed: the job cannot end before the test releases it
 * (WEIR_FAULTS_RELEASE), every stop comes after the run completed a checkpoint of its own, and the
 * deadlines only bound how long an event may take to come.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Children, latestCheckpoint, type Run, restoredCheckpointIds, until } from './support.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EVENTS = 60_000;
const KEYS = 7;
/** An upper bound on waiting for one event (a checkpoint, a savepoint), for a loaded machine. */
const DEADLINE = 180_000;

function weir(children: Children, args: string[], env: NodeJS.ProcessEnv): Run {
  return children.spawn(process.execPath, ['bin/weir.js', ...args], { cwd: ROOT, env });
}

/** Waits for a checkpoint newer than `after`, failing at once if the run ends first. */
async function checkpointAfter(run: Run, checkpoints: string, after: number): Promise<void> {
  await until(
    () => {
      if (run.child.exitCode !== null) {
        throw new Error(`weir run ended (${run.child.exitCode}) before it was stopped: ${run.stderr()}`);
      }
      return latestCheckpoint(checkpoints) > after;
    },
    DEADLINE,
    `a checkpoint after ${after}`,
  );
}

/** The id of a savepoint, from its directory's name (`savepoint-<job>-<id>-<suffix>`). */
function savepointId(path: string): number {
  const match = /^savepoint-.+-(\d+)-[0-9a-f]+$/.exec(basename(path));
  assert.ok(match, `a savepoint directory: ${path}`);
  return Number(match[1]);
}

describe('fault injection: savepoints at one parallelism, restored at another', () => {
  it('stop with a savepoint at 2, resume at 1, 3, 2, 1, 3: committed output identical', async () => {
    const work = mkdtempSync(join(tmpdir(), 'weir-sp-'));
    const checkpoints = join(work, 'checkpoints');
    const savepoints = join(work, 'savepoints');
    const output = join(work, 'out');
    const release = join(work, 'release');
    const env = {
      ...process.env,
      WEIR_FAULTS_EVENTS: String(EVENTS),
      WEIR_FAULTS_KEYS: String(KEYS),
      WEIR_FAULTS_RATE: '10000',
      WEIR_FAULTS_CHECKPOINTS: checkpoints,
      WEIR_FAULTS_OUTPUT: output,
      WEIR_FAULTS_RELEASE: release,
      WEIR_FAULTS_OWNER: String(process.pid),
    };
    const children = new Children();
    try {
      const parallelisms = [2, 1, 3, 2, 1, 3];
      let savepoint: string | undefined;
      let stops = 0;
      for (let i = 0; i < parallelisms.length; i++) {
        const last = i === parallelisms.length - 1;
        const dir = join(work, `round-${i}`);
        mkdirSync(dir);
        const args = ['run', 'test/faults/jobs/exactly-once-file.ts', '-p', String(parallelisms[i])];
        if (savepoint) args.push('--from-savepoint', savepoint);
        if (last) writeFileSync(release, '');
        const before = latestCheckpoint(checkpoints);
        const run = weir(children, args, { ...env, WEIR_FAULTS_DIR: dir });
        let stderr: string;
        let written: string | undefined;
        if (last) {
          const end = await run.done;
          assert.equal(end.code, 0, end.stderr);
          stderr = end.stderr;
        } else {
          await checkpointAfter(run, checkpoints, before);
          const stop = await weir(children, ['stop', String(run.child.pid), savepoints], env).done;
          assert.equal(stop.code, 0, stop.stderr);
          written = stop.stdout.trim().split('\n')[0];
          const stopped = await run.done;
          assert.equal(stopped.code, 0, `a job stopped with a savepoint ends cleanly: ${stopped.stderr}`);
          stderr = stopped.stderr;
        }
        // Every counting subtask restored from the savepoint the previous stop wrote (none at first).
        const restores = existsSync(join(dir, 'restores'))
          ? readFileSync(join(dir, 'restores'), 'utf8').split('\n').filter(Boolean).map(Number)
          : [];
        const expected = savepoint ? new Array(parallelisms[i]).fill(savepointId(savepoint)) : [];
        assert.deepEqual(
          restores,
          expected,
          `run ${i} at parallelism ${parallelisms[i]} restored from [${restores}]`,
        );
        assert.deepEqual(
          [...new Set(restoredCheckpointIds(stderr))],
          [...new Set(expected)],
          'printed restores',
        );
        if (last) break;

        savepoint = written!;
        assert.ok(existsSync(join(savepoint, '_metadata')), `savepoint at ${savepoint}`);
        assert.ok(
          savepointId(savepoint) > before,
          `savepoint ${savepoint} is newer than checkpoint ${before}`,
        );
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
      await children.killAll();
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('weir savepoint <pid> takes a savepoint while the job keeps running, and kill -USR2 one into --savepoint-dir', async () => {
    const work = mkdtempSync(join(tmpdir(), 'weir-sp-cli-'));
    const release = join(work, 'release');
    const env = {
      ...process.env,
      WEIR_FAULTS_EVENTS: '40000',
      WEIR_FAULTS_RATE: '8000',
      WEIR_FAULTS_CHECKPOINTS: join(work, 'checkpoints'),
      WEIR_FAULTS_OUTPUT: join(work, 'out'),
      WEIR_FAULTS_RELEASE: release,
      WEIR_FAULTS_OWNER: String(process.pid),
    };
    const children = new Children();
    try {
      const run = weir(
        children,
        ['run', 'test/faults/jobs/exactly-once-file.ts', '--savepoint-dir', join(work, 'by-signal')],
        env,
      );
      // The job is running (and answers signals) once it has completed a checkpoint.
      await checkpointAfter(run, join(work, 'checkpoints'), 0);
      const taken = await weir(children, ['savepoint', String(run.child.pid), join(work, 'by-command')], env)
        .done;
      assert.equal(taken.code, 0, taken.stderr);
      const path = taken.stdout.trim();
      assert.ok(path.startsWith(join(work, 'by-command')), path);
      assert.ok(existsSync(join(path, '_metadata')));
      assert.equal(run.child.exitCode, null, 'the job keeps running after a savepoint');
      run.child.kill('SIGUSR2');
      await until(
        () => /savepoint written to .*by-signal/.test(run.stderr()) || run.child.exitCode !== null,
        DEADLINE,
        'the savepoint asked for by SIGUSR2',
      );
      writeFileSync(release, '');
      const end = await run.done;
      assert.equal(end.code, 0, `the job went on to finish: ${end.stderr}`);
      assert.match(end.stderr, /savepoint written to .*by-signal/);
      assert.equal(readdirSync(join(work, 'by-signal')).length, 1);
    } finally {
      await children.killAll();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
