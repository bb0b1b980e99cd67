/**
 * `kill -9` of the whole `weir run` process at random moments, then `--from-checkpoint`: the
 * committed output of the exactly-once file sink must hold every (key, count) exactly once.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exited, latestCheckpoint, until } from './support.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = process.execPath;
const EVENTS = 60_000;
const KEYS = 7;
const KILLS = 5;

function start(parallelism: number, env: NodeJS.ProcessEnv, resume: string | undefined): ChildProcess {
  const args = ['bin/weir.js', 'run', 'test/faults/jobs/exactly-once-file.ts', '-p', String(parallelism)];
  if (resume) args.push('--from-checkpoint', resume);
  return spawn(NODE, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function killAndResume(parallelism: number, seed: number): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'weir-kill-'));
  const checkpoints = join(work, 'checkpoints');
  const output = join(work, 'out');
  const env = {
    ...process.env,
    WEIR_FAULTS_EVENTS: String(EVENTS),
    WEIR_FAULTS_KEYS: String(KEYS),
    WEIR_FAULTS_RATE: '10000', // 6 s of input: room for five kills even on a slow machine
    WEIR_FAULTS_CHECKPOINTS: checkpoints,
    WEIR_FAULTS_OUTPUT: output,
  };
  let random = seed;
  const next = () => {
    random = (random * 1103515245 + 12345) % 2 ** 31;
    return random / 2 ** 31;
  };
  try {
    let kills = 0;
    for (let round = 0; round < KILLS; round++) {
      const before = latestCheckpoint(checkpoints);
      const child = start(parallelism, env, before > 0 ? checkpoints : undefined);
      const done = exited(child);
      // Let the run make progress (at least one new checkpoint), then kill it at a random moment.
      await until(() => latestCheckpoint(checkpoints) > before || child.exitCode !== null, 30_000);
      await new Promise((r) => setTimeout(r, 50 + Math.floor(next() * 300)));
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        kills++;
      }
      await done;
    }
    const last = start(parallelism, env, checkpoints);
    let stderr = '';
    last.stderr!.on('data', (d) => (stderr += d));
    assert.equal(await exited(last), 0, stderr);

    const seen = new Map<string, number>();
    for (const file of readdirSync(output)) {
      if (/\.(inprogress|pending)$/.test(file)) continue;
      for (const line of readFileSync(join(output, file), 'utf8').split('\n')) {
        if (line) seen.set(line, (seen.get(line) ?? 0) + 1);
      }
    }
    let lost = 0;
    let duplicated = 0;
    const perKey = new Array<number>(KEYS).fill(0);
    for (let i = 0; i < EVENTS; i++) perKey[i % KEYS]++;
    for (let k = 0; k < KEYS; k++) {
      for (let n = 1; n <= perKey[k]; n++) {
        const times = seen.get(JSON.stringify([k, n])) ?? 0;
        if (times === 0) lost++;
        else duplicated += times - 1;
        seen.delete(JSON.stringify([k, n]));
      }
    }
    duplicated += [...seen.values()].reduce((a, b) => a + b, 0); // lines that should not exist at all
    console.log(`faults: ${kills} injected, ${lost} lost, ${duplicated} duplicated`);
    assert.ok(kills >= KILLS, `only ${kills} kills landed before the job ended`);
    assert.equal(lost, 0);
    assert.equal(duplicated, 0);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

describe('fault injection: kill -9 of weir run, resume from the retained checkpoint', () => {
  it('parallelism 1: committed output identical to a run without failures', async () => {
    await killAndResume(1, 7);
  });
  it('parallelism 2 on worker threads: committed output identical to a run without failures', async () => {
    await killAndResume(2, 11);
  });
});
