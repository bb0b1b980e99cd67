/**
 * Exactly-once from Kafka to Kafka under failures: 100,000 numbers in an input topic, a keyed
 * running count written with EXACTLY_ONCE, checkpoints every 200 ms. Faults: exceptions thrown
 * inside the job (restarted in place from the latest checkpoint) and `kill -9` of the whole
 * `weir run` process (resumed with --from-checkpoint). The output topic, read as a
 * `read_committed` consumer, must hold every `<key>:<count>` exactly once.
 *
 * Every step waits on an event, never on the machine's speed: the job reads its input without end,
 * so it cannot finish before the test has done its kills (the test cancels it at the end). Each run
 * is killed only once it has printed the checkpoint it restored from and completed a newer one (a
 * random 1 to 3 newer ones, then a random pause that only places the kill); each resume must have
 * restored from the newest checkpoint left by the killed run. The second half of the input is
 * written after the last kill, so the last run has counts of its own to commit; the test waits for
 * every count to be committed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { latestCheckpoint, restoredCheckpointIds, until } from '../faults/support.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, uniqueTopic } from './broker.ts';
import { audit, produceNumbers } from './eos-audit.ts';
import { readCommitted } from './read-committed.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = process.execPath;
const RECORDS = 100_000;
/** Written before the first run; the rest (up to RECORDS) after the last kill. */
const FIRST = 50_000;
const KEYS = 13;
const KILLS = 4;
const PARALLELISM = 2;
/** One in each half of the input, so each is met by some run, killed or not. */
const FAIL_AT = [20_011, 61_007];
/** Deadline of each wait: generous, since a wait ends as soon as its event happens. */
const DEADLINE = 180_000;

interface Run {
  child: ChildProcess;
  /** Resolves once the process has exited and its output is read to the end. */
  closed: Promise<number | null>;
  output: () => string;
  running: () => boolean;
}

function start(env: NodeJS.ProcessEnv, resume: string | undefined): Run {
  const args = ['bin/weir.js', 'run', 'test/kafka/jobs/kafka-count.ts', '-p', String(PARALLELISM)];
  if (resume) args.push('--from-checkpoint', resume);
  const child = spawn(NODE, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    closed,
    output: () => output,
    running: () => child.exitCode === null && child.signalCode === null,
  };
}

/**
 * Asserts that a run resumed from `expected`, the newest checkpoint when it started: its first
 * restore used it, and restarts in place (after an injected failure) used it or a newer one.
 */
function checkResume(run: Run, expected: number, what: string): number[] {
  const restores = restoredCheckpointIds(run.output());
  assert.ok(restores.length > 0, `${what} never restored: ${run.output()}`);
  assert.equal(Math.min(...restores), expected, `${what} restored from ${restores.join(', ')}`);
  return restores;
}

describe('Kafka exactly-once under failures', () => {
  it(`${RECORDS} records, keyed count to Kafka: kill -9 and injected failures, nothing lost or duplicated`, async (t) => {
    if (!(await kafkaBroker(t))) return;
    const input = uniqueTopic('eos-in');
    const output = uniqueTopic('eos-out');
    await createTopic(input, 4);
    await createTopic(output, 3);
    await produceNumbers(KAFKA_BOOTSTRAP, input, FIRST, 4);

    const work = mkdtempSync(join(tmpdir(), 'weir-kafka-eos-'));
    const checkpoints = join(work, 'checkpoints');
    const env = {
      ...process.env,
      WEIR_KAFKA_SERVERS: KAFKA_BOOTSTRAP,
      WEIR_KAFKA_INPUT: input,
      WEIR_KAFKA_OUTPUT: output,
      WEIR_KAFKA_KEYS: String(KEYS),
      WEIR_KAFKA_UNBOUNDED: '1',
      WEIR_KAFKA_OWNER: String(process.pid),
      // Slow enough that the kills fall within the first half on most machines; nothing depends on it.
      WEIR_KAFKA_RATE: '5000',
      WEIR_KAFKA_FAIL_AT: FAIL_AT.join(','),
      WEIR_KAFKA_MARKERS: work,
      WEIR_KAFKA_CHECKPOINTS: checkpoints,
    };
    let random = 17;
    const next = () => {
      random = (random * 1103515245 + 12345) % 2 ** 31;
      return random / 2 ** 31;
    };
    const runs: Run[] = [];
    try {
      const resumedFrom: number[][] = [];
      for (let round = 0; round < KILLS; round++) {
        const before = latestCheckpoint(checkpoints);
        const run = start(env, before > 0 ? checkpoints : undefined);
        runs.push(run);
        const newer = before + 1 + Math.floor(next() * 3);
        await until(
          () =>
            !run.running() ||
            ((before === 0 || restoredCheckpointIds(run.output()).length > 0) &&
              latestCheckpoint(checkpoints) >= newer),
          DEADLINE,
          `run ${round + 1}: checkpoint ${newer}`,
        );
        // Only places the kill between checkpoints: the job reads without end, so it cannot finish.
        await new Promise((r) => setTimeout(r, Math.floor(next() * 200)));
        assert.ok(run.running(), `run ${round + 1} ended before it was killed: ${run.output()}`);
        run.child.kill('SIGKILL');
        await run.closed;
        if (before > 0) resumedFrom.push(checkResume(run, before, `run ${round + 1}`));
      }

      const before = latestCheckpoint(checkpoints);
      const last = start(env, checkpoints);
      runs.push(last);
      await until(
        () => !last.running() || restoredCheckpointIds(last.output()).length > 0,
        DEADLINE,
        'the last run to restore',
      );
      await produceNumbers(KAFKA_BOOTSTRAP, input, RECORDS, 4, FIRST);
      let values: Array<string | null> = [];
      await until(
        async () => {
          if (!last.running()) return true;
          values = (await readCommitted(output)).map((r) => r.value);
          return audit(values, RECORDS, KEYS).lost === 0;
        },
        DEADLINE,
        `all ${RECORDS} counts committed`,
      );
      assert.ok(last.running(), `the last run ended before it was cancelled: ${last.output()}`);
      resumedFrom.push(checkResume(last, before, 'the last run'));
      last.child.kill('SIGTERM'); // suspends the job (weir run exits 143)
      await last.closed;

      const injected = FAIL_AT.filter((n) => existsSync(join(work, `failed-at-${n}`))).length;
      const { lost, duplicated } = audit(values, RECORDS, KEYS);
      console.log(
        `kafka exactly-once: ${KILLS} kill -9, ${injected} injected failures, ${lost} lost, ${duplicated} duplicated (${values.length} committed records read)`,
      );
      console.log(`  resumes restored from: ${resumedFrom.map((ids) => ids.join('/')).join(', ')}`);
      assert.equal(injected, FAIL_AT.length, 'every injected failure happened');
      assert.equal(lost, 0);
      assert.equal(duplicated, 0);
    } finally {
      for (const run of runs) {
        if (run.running()) {
          run.child.kill('SIGKILL');
          await run.closed;
        }
      }
      rmSync(work, { recursive: true, force: true });
    }
  });
});
