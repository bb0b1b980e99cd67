/**
 * One serialization boundary: a record is the same value at every parallelism. The job sends records
 * holding a Map, a Set, a Date, bigints (2^70, negative, 0n), a typed array and an instance of a
 * registered class through a keyBy, and prints what arrives, type by type. At -p 2 most records
 * cross threads (encoded); at -p 1 they stay in the thread (checked, passed by reference). The
 * output must be identical. A function, a symbol, a cycle or an unregistered class instance in a
 * record fails with the same UNSERIALIZABLE_RECORD error, naming the operator and the field path,
 * at both.
 *
 * Before: at -p 2 the bigint 2^70 failed the job with msgpack's "too large to fit in MessagePack
 * 64-bit integer format"; without it, Sets arrived as arrays, the Float32Array as a Uint8Array and
 * the class instance as a plain object, while -p 1 kept them all; a function field made -p 1 exit 0
 * with every record (the function intact) and vanished silently across threads; a symbol failed and
 * a cycle overflowed the stack across threads only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Workspace } from './support.ts';

const JOB = `
import { threadId } from 'node:worker_threads';
import { StreamExecutionEnvironment } from 'weir';

class Money {
  cents: bigint;
  currency: string;
  constructor(cents: bigint, currency: string) {
    this.cents = cents;
    this.currency = currency;
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.registerType(Money, {
  encode: (m) => new TextEncoder().encode(\`\${m.cents} \${m.currency}\`),
  decode: (bytes) => {
    const [cents, currency] = new TextDecoder().decode(bytes).split(' ');
    return new Money(BigInt(cents), currency);
  },
});
// WEIR_SER_BAD puts a value no record may hold into record 7: a function, a symbol, a cycle or an
// instance of a class that was not registered.
const bad = process.env.WEIR_SER_BAD;
class Unregistered {}
const badPayload = (i: number): object => {
  if (bad === 'function') return { callback: () => i };
  if (bad === 'symbol') return { callback: Symbol('s') };
  if (bad === 'class') return { callback: new Unregistered() };
  const cyclic: { callback?: object } = {};
  cyclic.callback = cyclic;
  return cyclic;
};
const records = Array.from({ length: RECORDS }, (_, i) => ({
  id: i,
  tags: new Map<string, number>([['n', i], ['double', 2 * i]]),
  seen: new Set([i, i + 1]),
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
  big: 2n ** 70n + BigInt(i),
  negative: -(2n ** 70n),
  zero: 0n,
  price: new Money(BigInt(i) * 100n, 'EUR'),
  bytes: new Float32Array([i / 2]),
  payload: bad !== undefined && i === 7 ? badPayload(i) : { note: 'plain' },
}));
type R = (typeof records)[number];
const show = (r: R): string =>
  [
    \`id=\${r.id}\`,
    r.tags instanceof Map ? \`tags=Map(\${[...r.tags].join(';')})\` : \`tags=\${JSON.stringify(r.tags)}\`,
    r.seen instanceof Set ? \`seen=Set(\${[...r.seen].join(';')})\` : \`seen=\${JSON.stringify(r.seen)}\`,
    r.at instanceof Date ? \`at=Date(\${r.at.toISOString()})\` : \`at=\${typeof r.at}\`,
    \`big=\${typeof r.big}:\${r.big}\`,
    \`negative=\${typeof r.negative}:\${r.negative}\`,
    \`zero=\${typeof r.zero}:\${r.zero}\`,
    r.price instanceof Money ? \`price=Money(\${r.price.cents} \${r.price.currency})\` : \`price=\${r.price?.constructor?.name}\`,
    r.bytes instanceof Float32Array ? \`bytes=Float32Array(\${[...r.bytes]})\` : \`bytes=\${r.bytes?.constructor?.name}\`,
    \`payload=\${JSON.stringify(r.payload)}\`,
  ].join(' ');

env
  .fromElements(...records)
  .keyBy((r) => r.id % 5)
  .map((r) => \`thread=\${threadId} \${show(r)}\`)
  .print();
await env.execute('serialization');
`;

const RECORDS = 40;
/** What every record must look like after the exchange. */
function expected(): string[] {
  const lines: string[] = [];
  const big = 2n ** 70n;
  for (let i = 0; i < RECORDS; i++) {
    lines.push(
      [
        `id=${i}`,
        `tags=Map(n,${i};double,${2 * i})`,
        `seen=Set(${i};${i + 1})`,
        `at=Date(${new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()})`,
        `big=bigint:${big + BigInt(i)}`,
        `negative=bigint:${-big}`,
        'zero=bigint:0',
        `price=Money(${i * 100} EUR)`,
        `bytes=Float32Array(${i / 2})`,
        'payload={"note":"plain"}',
      ].join(' '),
    );
  }
  return lines.sort();
}

/** The printed records without the print sink's subtask prefix, and the threads that printed them. */
function parse(stdout: string): { records: string[]; threads: Set<string> } {
  const records: string[] = [];
  const threads = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /^(?:\d+> )?thread=(\d+) (.*)$/.exec(line);
    if (!m) continue;
    threads.add(m[1]);
    records.push(m[2]);
  }
  return { records: records.sort(), threads };
}

describe('reliability: one serialization boundary', () => {
  it('a Map, a Set, a Date, bigints of 2^70, a typed array and a registered class arrive the same at -p 1 and -p 2', async (t) => {
    const ws = new Workspace('serialization');
    t.after(() => ws.dispose());
    const job = ws.job('job.ts', JOB.replace('RECORDS', String(RECORDS)));
    const outputs: string[][] = [];
    for (const p of ['1', '2']) {
      const run = await ws.run(['run', '-p', p, job]);
      assert.equal(run.code, 0, `-p ${p} exits 0; stderr:\n${run.stderr}`);
      const { records, threads } = parse(run.stdout);
      assert.deepEqual(records, expected(), `-p ${p}: every record arrives once, with its types`);
      if (p === '2')
        assert.equal(threads.size, 2, 'at -p 2 the keyed map runs in two threads: records crossed');
      outputs.push(records);
    }
    assert.deepEqual(outputs[0], outputs[1], 'identical output at -p 1 and -p 2');
    ws.assertNothingLeftInTmp();
  });

  const BAD: Record<string, RegExp> = {
    function: /record\.payload\.callback is a function/,
    symbol: /record\.payload\.callback is a symbol/,
    cycle: /record\.payload\.callback .*(circular|cycle)/,
    class: /record\.payload\.callback .*Unregistered/,
  };
  for (const [kind, what] of Object.entries(BAD)) {
    it(`a ${kind} in a record fails with the same UNSERIALIZABLE_RECORD error at -p 1 and -p 2`, async (t) => {
      const ws = new Workspace(`serialization-${kind}`);
      t.after(() => ws.dispose());
      const job = ws.job('job.ts', JOB.replace('RECORDS', String(RECORDS)));
      const errors: string[] = [];
      for (const p of ['1', '2']) {
        const run = await ws.run(['run', '-p', p, job], { WEIR_SER_BAD: kind });
        assert.equal(run.code, 1, `-p ${p} fails; stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
        const error = run.stderr.split('\n').find((l) => l.startsWith('error: '));
        assert.ok(error, `-p ${p} prints one error line:\n${run.stderr}`);
        assert.match(error, /^error: UNSERIALIZABLE_RECORD: /);
        assert.match(error, /operator "Elements Source" \(uid source-0\)/, 'names the operator');
        assert.match(error, what, 'names the field path and the type');
        assert.match(error, /env\.registerType/, 'says what records may hold');
        assert.doesNotMatch(run.stdout, /id=7 /, 'the bad record is not printed');
        errors.push(error);
      }
      assert.equal(errors[0], errors[1], 'the same error at -p 1 and -p 2');
      ws.assertNothingLeftInTmp();
    });
  }

  it('a type registered in one thread only fails at the start, naming the types of each', async (t) => {
    const ws = new Workspace('serialization-mismatch');
    t.after(() => ws.dispose());
    const job = ws.job(
      'job.ts',
      `
import { isMainThread } from 'node:worker_threads';
import { StreamExecutionEnvironment } from 'weir';
class Point {
  x = 1;
}
const env = StreamExecutionEnvironment.getExecutionEnvironment();
if (isMainThread) env.registerType(Point, { encode: (p) => new Uint8Array([p.x]), decode: () => new Point() });
env.fromElements(1, 2, 3).keyBy((n) => n % 2).map((n) => n * 2).print();
await env.execute('mismatch');
`,
    );
    for (const p of ['1', '2']) {
      const run = await ws.run(['run', '-p', p, job]);
      assert.equal(run.code, 1, `-p ${p} fails; stderr:\n${run.stderr}`);
      assert.match(
        run.stderr,
        /GRAPH_MISMATCH: worker thread \d registered the types \[\], the coordinator \["Point"\]: .*env\.registerType/,
      );
    }
    ws.assertNothingLeftInTmp();
  });
});
