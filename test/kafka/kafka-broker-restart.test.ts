/**
 * The broker goes away in the middle of an exactly-once job and comes back: the job fails, restarts
 * from its latest checkpoint until the broker answers again, and the output is still exactly-once.
 * The test runs a broker of its own (scripts/kafka.sh with KAFKA_DIR/KAFKA_PORT on 127.0.0.1:9094),
 * so stopping it disturbs no other test.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { exited, latestCheckpoint } from '../faults/support.ts';
import { createTopic, kafkaBroker, uniqueTopic } from './broker.ts';
import { audit, produceNumbers } from './eos-audit.ts';
import { readCommitted } from './read-committed.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVERS = '127.0.0.1:9094';
const RECORDS = 30_000;
const KEYS = 7;
const run = promisify(execFile);

function broker(command: 'start' | 'stop', dir: string): Promise<unknown> {
  return run('bash', ['scripts/kafka.sh', command], {
    cwd: ROOT,
    env: { ...process.env, KAFKA_DIR: dir, KAFKA_PORT: '9094', KAFKA_CONTROLLER_PORT: '9095' },
    timeout: 120_000,
  });
}

describe('Kafka broker restart during a job', () => {
  it('the job recovers when the broker is back, and the output is still exactly-once', async (t) => {
    // The shared broker's presence says whether Kafka can run here at all (CI: it must).
    if (!(await kafkaBroker(t))) return;
    const work = mkdtempSync(join(tmpdir(), 'weir-kafka-restart-'));
    const dir = join(work, 'broker');
    const checkpoints = join(work, 'checkpoints');
    try {
      await broker('start', dir);
      const input = uniqueTopic('restart-in');
      const output = uniqueTopic('restart-out');
      await createTopic(input, 2, SERVERS);
      await createTopic(output, 2, SERVERS);
      await produceNumbers(SERVERS, input, RECORDS, 2);
      const child = spawn(
        process.execPath,
        ['bin/weir.js', 'run', 'test/kafka/jobs/kafka-count.ts', '-p', '1'],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            WEIR_KAFKA_SERVERS: SERVERS,
            WEIR_KAFKA_INPUT: input,
            WEIR_KAFKA_OUTPUT: output,
            WEIR_KAFKA_KEYS: String(KEYS),
            WEIR_KAFKA_RATE: '3000',
            WEIR_KAFKA_RESTARTS: '200',
            WEIR_KAFKA_CHECKPOINTS: checkpoints,
            WEIR_KAFKA_MARKERS: work,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const done = exited(child);
      const deadline = Date.now() + 60_000;
      while (latestCheckpoint(checkpoints) < 3 && child.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(child.exitCode, null, `the job ended before the broker was stopped: ${stderr}`);
      await broker('stop', dir);
      await new Promise((r) => setTimeout(r, 1_000));
      await broker('start', dir);
      assert.equal(await done, 0, stderr);
      // Whether the clients ride out the gap (retries) or the job fails and restarts from its
      // checkpoint depends on timing; either way the output must be exactly-once.
      const restarts = stderr.match(/restarts in/g)?.length ?? 0;
      const { lost, duplicated } = audit(
        (await readCommitted(output, SERVERS)).map((r) => r.value),
        RECORDS,
        KEYS,
      );
      console.log(`kafka broker restart: ${restarts} job restarts, ${lost} lost, ${duplicated} duplicated`);
      if (process.env.WEIR_DEBUG_RESTART) console.log(stderr);
      assert.equal(lost, 0);
      assert.equal(duplicated, 0);
    } finally {
      await broker('stop', dir).catch(() => {});
      rmSync(work, { recursive: true, force: true });
    }
  });
});
