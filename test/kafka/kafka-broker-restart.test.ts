/**
 * The broker goes away in the middle of an exactly-once job and comes back: the job fails, restarts
 * from its latest checkpoint until the broker answers again, and the output is still exactly-once.
 * The test runs a broker of its own (scripts/kafka.sh with KAFKA_DIR/KAFKA_PORT on 127.0.0.1:9094),
 * so stopping it disturbs no other test.
 *
 * Every step waits on an event, never on the machine's speed: the job reads its input without end
 * (it cannot finish before the broker is stopped; the test cancels it at the end), the broker stops
 * after a completed checkpoint with a known id, stays down until the job has failed over, and the
 * second half of the input is written only after the broker is back, so its counts are committed
 * after the restart. The restored subtasks print the checkpoint they restored from.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exited, latestCheckpoint, restoredCheckpointIds, until } from '../faults/support.ts';
import { createTopic, kafkaBroker, uniqueTopic } from './broker.ts';
import { audit, produceNumbers } from './eos-audit.ts';
import { readCommitted } from './read-committed.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVERS = '127.0.0.1:9094';
/** Written before the job starts; the rest (up to RECORDS) after the broker is back. */
const FIRST = 15_000;
const RECORDS = 30_000;
const KEYS = 7;
/** The broker stops once a checkpoint with at least this id has completed. */
const KNOWN_CHECKPOINT = 3;
/** Deadline of each wait: generous, since a wait ends as soon as its event happens. */
const DEADLINE = 180_000;
const run = promisify(execFile);

function broker(command: 'start' | 'stop', dir: string): Promise<unknown> {
  return run('bash', ['scripts/kafka.sh', command], {
    cwd: ROOT,
    env: { ...process.env, KAFKA_DIR: dir, KAFKA_PORT: '9094', KAFKA_CONTROLLER_PORT: '9095' },
    timeout: 120_000,
  });
}

/** Per key, the count that the first FIRST numbers reach: outputs above it come from the second half. */
function countsOfFirstHalf(): number[] {
  const counts = new Array<number>(KEYS).fill(0);
  for (let n = 0; n < FIRST; n++) counts[n % KEYS]++;
  return counts;
}

describe('Kafka broker restart during a job', () => {
  it('the job restores from a checkpoint taken before the broker stopped, commits after the restart, exactly once', async (t) => {
    // The shared broker's presence says whether Kafka can run here at all (CI: it must).
    if (!(await kafkaBroker(t))) return;
    const work = mkdtempSync(join(tmpdir(), 'weir-kafka-restart-'));
    const dir = join(work, 'broker');
    const checkpoints = join(work, 'checkpoints');
    let child: ReturnType<typeof spawn> | undefined;
    try {
      await broker('start', dir);
      const input = uniqueTopic('restart-in');
      const output = uniqueTopic('restart-out');
      await createTopic(input, 2, SERVERS);
      await createTopic(output, 2, SERVERS);
      await produceNumbers(SERVERS, input, FIRST, 2);
      child = spawn(process.execPath, ['bin/weir.js', 'run', 'test/kafka/jobs/kafka-count.ts', '-p', '1'], {
        cwd: ROOT,
        env: {
          ...process.env,
          WEIR_KAFKA_SERVERS: SERVERS,
          WEIR_KAFKA_INPUT: input,
          WEIR_KAFKA_OUTPUT: output,
          WEIR_KAFKA_KEYS: String(KEYS),
          WEIR_KAFKA_UNBOUNDED: '1',
          WEIR_KAFKA_OWNER: String(process.pid),
          WEIR_KAFKA_RATE: '3000',
          WEIR_KAFKA_RESTARTS: '1000',
          WEIR_KAFKA_CHECKPOINTS: checkpoints,
          WEIR_KAFKA_MARKERS: work,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const job = child;
      let stderr = '';
      job.stderr!.on('data', (d) => (stderr += d));
      const done = exited(job);
      const running = () => job.exitCode === null && job.signalCode === null;

      await until(
        () => latestCheckpoint(checkpoints) >= KNOWN_CHECKPOINT || !running(),
        DEADLINE,
        `checkpoint ${KNOWN_CHECKPOINT}`,
      );
      assert.ok(running(), `the job ended before the broker was stopped: ${stderr}`);
      const before = latestCheckpoint(checkpoints);
      assert.deepEqual(restoredCheckpointIds(stderr), [], 'no restore before the broker stopped');

      await broker('stop', dir);
      // Down until the job has failed over (a restart is logged), however long that takes.
      await until(() => /restarts in/.test(stderr) || !running(), DEADLINE, 'a restart of the job');
      await broker('start', dir);
      await produceNumbers(SERVERS, input, RECORDS, 2, FIRST);

      let values: Array<string | null> = [];
      await until(
        async () => {
          if (!running()) return true;
          values = (await readCommitted(output, SERVERS)).map((r) => r.value);
          return audit(values, RECORDS, KEYS).lost === 0;
        },
        DEADLINE,
        `all ${RECORDS} counts committed`,
      );
      assert.ok(running(), `the job ended before it was cancelled: ${stderr}`);
      const { lost, duplicated } = audit(values, RECORDS, KEYS);
      const first = countsOfFirstHalf();
      const afterRestart = values.filter((v) => {
        const [key, count] = String(v).split(':').map(Number);
        return count > first[key];
      }).length;
      const restores = restoredCheckpointIds(stderr);
      const restarts = stderr.match(/restarts in/g)?.length ?? 0;
      console.log(
        `kafka broker restart: checkpoint ${before} before the stop, ${restarts} job restarts, restored from ${restores.join(', ')}; ${afterRestart} counts committed after the restart, ${lost} lost, ${duplicated} duplicated`,
      );
      if (process.env.WEIR_DEBUG_RESTART) console.log(stderr);
      assert.ok(restores.length > 0, `the job restarted but never restored from a checkpoint: ${stderr}`);
      for (const id of restores) {
        assert.ok(
          id >= before,
          `restored from checkpoint ${id}, older than ${before} completed before the stop`,
        );
      }
      assert.equal(afterRestart, RECORDS - FIRST);
      assert.equal(lost, 0);
      assert.equal(duplicated, 0);

      job.kill('SIGTERM'); // suspends the job (weir run exits 143)
      await done;
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
      await broker('stop', dir).catch(() => {});
      rmSync(work, { recursive: true, force: true });
    }
  });
});
