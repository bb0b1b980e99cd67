/**
 * Exactly-once from Kafka to Kafka under failures: 100,000 numbers in an input topic, a keyed
 * running count written with EXACTLY_ONCE, checkpoints every 200 ms. Faults: exceptions thrown
 * inside the job (restarted in place from the latest checkpoint) and `kill -9` of the whole
 * `weir run` process (resumed with --from-checkpoint). The output topic, read as a
 * `read_committed` consumer, must hold every `<key>:<count>` exactly once.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exited, latestCheckpoint, until } from '../faults/support.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, uniqueTopic } from './broker.ts';
import { audit, produceNumbers } from './eos-audit.ts';
import { readCommitted } from './read-committed.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = process.execPath;
const RECORDS = 100_000;
const KEYS = 13;
const KILLS = 4;
const FAIL_AT = [20_011, 61_007];

function start(parallelism: number, env: NodeJS.ProcessEnv, resume: string | undefined): ChildProcess {
  const args = ['bin/weir.js', 'run', 'test/kafka/jobs/kafka-count.ts', '-p', String(parallelism)];
  if (resume) args.push('--from-checkpoint', resume);
  return spawn(NODE, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('Kafka exactly-once under failures', () => {
  it(`${RECORDS} records, keyed count to Kafka: kill -9 and injected failures, nothing lost or duplicated`, async (t) => {
    if (!(await kafkaBroker(t))) return;
    const input = uniqueTopic('eos-in');
    const output = uniqueTopic('eos-out');
    await createTopic(input, 4);
    await createTopic(output, 3);
    await produceNumbers(KAFKA_BOOTSTRAP, input, RECORDS, 4);

    const work = mkdtempSync(join(tmpdir(), 'weir-kafka-eos-'));
    const checkpoints = join(work, 'checkpoints');
    const env = {
      ...process.env,
      WEIR_KAFKA_SERVERS: KAFKA_BOOTSTRAP,
      WEIR_KAFKA_INPUT: input,
      WEIR_KAFKA_OUTPUT: output,
      WEIR_KAFKA_KEYS: String(KEYS),
      // About 10 s for the whole input at parallelism 2: room for the kills on a slow machine.
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
    try {
      let kills = 0;
      for (let round = 0; round < KILLS; round++) {
        const before = latestCheckpoint(checkpoints);
        const child = start(2, env, before > 0 ? checkpoints : undefined);
        const done = exited(child);
        await until(() => latestCheckpoint(checkpoints) > before || child.exitCode !== null, 60_000);
        await new Promise((r) => setTimeout(r, 100 + Math.floor(next() * 600)));
        if (child.exitCode === null) {
          child.kill('SIGKILL');
          kills++;
        }
        await done;
      }
      const last = start(2, env, checkpoints);
      let stderr = '';
      last.stderr!.on('data', (d) => (stderr += d));
      assert.equal(await exited(last), 0, stderr);
      const injected = FAIL_AT.filter((n) => existsSync(join(work, `failed-at-${n}`))).length;

      const records = await readCommitted(output);
      const { lost, duplicated } = audit(
        records.map((r) => r.value),
        RECORDS,
        KEYS,
      );
      const faults = kills + injected;
      console.log(`kafka exactly-once: ${faults} faults, ${lost} lost, ${duplicated} duplicated`);
      console.log(
        `  (${kills} kill -9, ${injected} injected failures; ${records.length} committed records read)`,
      );
      assert.ok(kills >= KILLS, `only ${kills} kills landed before the job ended`);
      assert.equal(injected, FAIL_AT.length, 'every injected failure happened');
      assert.ok(faults >= 5);
      assert.equal(lost, 0);
      assert.equal(duplicated, 0);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
