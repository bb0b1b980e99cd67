/**
 * The Kafka walkthrough end to end, as a user runs it: examples/kafka-produce-sales.ts fills the
 * input topic, `weir run examples/kafka-hourly-spend.ts -p 2` computes the hourly spend, and the
 * output topic, read as a `read_committed` consumer, holds each customer's spend per hour exactly
 * once, as computed here from the same data; the one malformed record is in the dead-letter topic.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SALES, sale } from '../../examples/data/sales.ts';
import { KAFKA_BOOTSTRAP, kafkaBroker, uniqueTopic } from './broker.ts';
import { readCommitted } from './read-committed.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const HOUR = 3_600_000;

describe('examples/kafka-hourly-spend.ts', () => {
  it('hourly spend per customer from raw JSON transactions, exactly once, with the bad record dead-lettered', async (t) => {
    if (!(await kafkaBroker(t))) return;
    const input = uniqueTopic('raw-transactions');
    const env = {
      ...process.env,
      KAFKA_BOOTSTRAP,
      SPEND_INPUT: input,
      SPEND_OUTPUT: `${input}-hourly`,
      SPEND_DLQ: `${input}-dlq`,
      SPEND_BOUNDED: 'true',
    };
    const produced = await run(process.execPath, ['examples/kafka-produce-sales.ts'], { cwd: ROOT, env });
    assert.match(produced.stdout, /wrote 2000 sales and 1 malformed record/);
    const job = await run(
      process.execPath,
      ['bin/weir.js', 'run', 'examples/kafka-hourly-spend.ts', '-p', '2'],
      {
        cwd: ROOT,
        env,
        timeout: 60_000,
      },
    );
    assert.doesNotMatch(job.stderr, /FAILED/);
    assert.ok(
      job.stderr.includes(
        `weir: skipped 1 bad record in source "raw-transactions" (sent to dead-letter topic "${input}-dlq")`,
      ),
      job.stderr,
    );

    const expected = new Map<string, number>();
    for (let i = 0; i < SALES; i++) {
      const s = sale(i);
      const hour = new Date(s.eventTime - (s.eventTime % HOUR)).toISOString();
      const key = `${s.customerId} ${hour}`;
      expected.set(key, (expected.get(key) ?? 0) + s.amountCents);
    }
    const output = await readCommitted(`${input}-hourly`);
    const actual = new Map<string, number>();
    for (const record of output) {
      const spend = JSON.parse(record.value ?? 'null') as {
        customerId: string;
        hourStart: string;
        spendCents: number;
      };
      assert.equal(record.key, spend.customerId, 'records are keyed by customer');
      const key = `${spend.customerId} ${spend.hourStart}`;
      assert.equal(actual.has(key), false, `${key} written twice`);
      actual.set(key, spend.spendCents);
    }
    assert.deepEqual(
      [...actual].sort(([a], [b]) => a.localeCompare(b)),
      [...expected].sort(([a], [b]) => a.localeCompare(b)),
    );

    // What the walkthrough tells users to run to see its output: one line per committed record.
    const read = await run(process.execPath, ['bin/weir.js', 'run', 'examples/kafka-read-topic.ts'], {
      cwd: ROOT,
      env: { ...env, TOPIC: `${input}-hourly` },
      timeout: 60_000,
    });
    const lines = read.stdout.trim().split('\n');
    assert.equal(lines.length, output.length, read.stderr);
    for (const line of lines) {
      const [where, key, ...value] = line.split(' ');
      assert.match(where, new RegExp(`^${input}-hourly/\\d@\\d+$`));
      const spend = JSON.parse(value.join(' ')) as {
        customerId: string;
        hourStart: string;
        spendCents: number;
      };
      assert.equal(key, spend.customerId);
      assert.equal(actual.get(`${spend.customerId} ${spend.hourStart}`), spend.spendCents);
    }

    const dead = await readCommitted(`${input}-dlq`);
    assert.equal(dead.length, 1);
    assert.equal(dead[0].key, 'bad');
    assert.match(dead[0].value ?? '', /amountCents: oops/);
    assert.equal(dead[0].headers.get('weir.error.topic'), input);
    assert.match(dead[0].headers.get('weir.error.message') ?? '', /JSON/);
  });
});
