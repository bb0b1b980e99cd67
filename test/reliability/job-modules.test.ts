/**
 * Job modules and values, as `weir run` and `weir plan` run them (issue 12, item 6).
 *
 * Before (the list; the first four were fixed in earlier sessions, these cases keep them):
 * - `map` returning a Promise emitted `{}`;
 * - a module that never calls `execute()` exited 0 silently;
 * - `weir plan` ran the code after `execute()`;
 * - messages at -p 2 read "caused by Error: Error: ...";
 * - a second `execute()` hung at -p 2 (and, once every job ran on slot threads, at -p 1): the slot
 *   got back the module's first evaluation, still waiting in its first execute();
 * - a map returning `undefined` emitted it: "u> undefined" printed, at -p 1 and -p 2.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Workspace } from './support.ts';

/** A bound on each case: a run that hangs (as a second execute() did) fails it instead of the suite. */
const DEADLINE = 300_000;

/** stdout's records of `print(prefix)`, without the subtask index, sorted. */
function printed(stdout: string, prefix: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(`${prefix}>`) || l.startsWith(`${prefix}:`))
    .map((l) => l.slice(l.indexOf('> ') + 2))
    .sort();
}

describe('reliability: job modules', { concurrency: 2 }, () => {
  for (const p of ['1', '2']) {
    it(`a second execute() runs what was built since as a second job (-p ${p})`, {
      timeout: DEADLINE,
    }, async (t) => {
      const ws = new Workspace(`modules-twice-p${p}`);
      t.after(() => ws.dispose());
      ws.job(
        'job.ts',
        `import { writeFileSync } from 'node:fs';
import { StreamExecutionEnvironment } from 'weir';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.fromSequence(1, 4).map((n) => n * 10).print('first');
const one = await env.execute('one');
env.fromSequence(5, 8).map((n) => n * 100).print('second');
const two = await env.execute('two');
writeFileSync('done.txt', [one.jobName, two.jobName].join(','));
`,
      );
      const run = await ws.run(['run', 'job.ts', '-p', p]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(printed(run.stdout, 'first'), ['10', '20', '30', '40']);
      assert.deepEqual(printed(run.stdout, 'second'), ['500', '600', '700', '800']);
      assert.match(run.stderr, /weir: job "one" \(/);
      assert.match(run.stderr, /weir: job "two" \(/);
      assert.equal(readFileSync(ws.path('done.txt'), 'utf8'), 'one,two', 'the code after both runs');
      ws.assertNothingLeftInTmp();
    });
  }

  it('weir plan stops at the first execute(): no code after it runs', { timeout: DEADLINE }, async (t) => {
    const ws = new Workspace('modules-plan');
    t.after(() => ws.dispose());
    ws.job(
      'job.ts',
      `import { writeFileSync } from 'node:fs';
import { StreamExecutionEnvironment } from 'weir';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.fromElements(1, 2).map((n) => n + 1).name('plus-one').print();
await env.execute('planned');
writeFileSync('after-execute.txt', 'ran');
`,
    );
    const run = await ws.run(['plan', 'job.ts']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /"plus-one"/);
    assert.equal(existsSync(ws.path('after-execute.txt')), false, 'the code after execute() did not run');
    ws.assertNothingLeftInTmp();
  });

  it('a module that never calls execute() fails with NO_JOB_EXECUTED', { timeout: DEADLINE }, async (t) => {
    const ws = new Workspace('modules-no-execute');
    t.after(() => ws.dispose());
    ws.job(
      'job.ts',
      `import { StreamExecutionEnvironment } from 'weir';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.fromElements(1, 2).print();
`,
    );
    const run = await ws.run(['run', 'job.ts']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^error: NO_JOB_EXECUTED: job\.ts ran no job: call execute\(\)/m);
    assert.equal(run.stdout, '', 'nothing ran');
    ws.assertNothingLeftInTmp();
  });

  for (const p of ['1', '2']) {
    it(`a map returning a Promise fails and points to Async I/O, with no doubled cause (-p ${p})`, {
      timeout: DEADLINE,
    }, async (t) => {
      const ws = new Workspace(`modules-promise-p${p}`);
      t.after(() => ws.dispose());
      ws.job(
        'job.ts',
        `import { StreamExecutionEnvironment } from 'weir';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.fromElements(1, 2).map(async (n) => n * 2).name('lookup').print('p');
await env.execute('promise');
`,
      );
      const run = await ws.run(['run', 'job.ts', '-p', p]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stderr,
        /error: USER_FUNCTION_FAILED: operator "lookup" \(uid map-1\) .*map\(\) returned a Promise: .*Async I\/O \(AsyncDataStream\.orderedWait/,
      );
      assert.doesNotMatch(run.stdout, /\{\}/, 'no {} records');
      assert.doesNotMatch(run.stderr, /Error: Error:|WeirError: WeirError:/, 'causes are not doubled');
      ws.assertNothingLeftInTmp();
    });
  }

  for (const p of ['1', '2']) {
    it(`undefined is not a record: map, flatMap and process fail naming the operator; null passes (-p ${p})`, {
      timeout: DEADLINE,
    }, async (t) => {
      const ws = new Workspace(`modules-undefined-p${p}`);
      t.after(() => ws.dispose());
      const job = (name: string, stage: string) =>
        ws.job(
          `${name}.ts`,
          `import { ProcessFunction, StreamExecutionEnvironment } from 'weir';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.fromElements(1, 2, 3)${stage}.name('${name}').print('out');
await env.execute('${name}');
`,
        );
      job('maybe', `.map((n) => (n === 2 ? undefined : n) as number)`);
      job('spread', `.flatMap<number>((n, out) => out.collect((n === 2 ? undefined : n) as number))`);
      job(
        'routed',
        `.process(new (class extends ProcessFunction<number, number> {
  processElement(n: number, _ctx: unknown, out: { collect(v: number): void }) {
    out.collect((n === 2 ? undefined : n) as number);
  }
})())`,
      );
      for (const name of ['maybe', 'spread', 'routed']) {
        const run = await ws.run(['run', `${name}.ts`, '-p', p]);
        assert.equal(run.code, 1, `${name}: ${run.stderr}`);
        assert.match(
          run.stderr,
          new RegExp(
            `error: USER_FUNCTION_FAILED: operator "${name}" \\(uid [a-z-]+-1\\) in subtask \\d/\\d failed on record 2 .*: emitted undefined, which is not a record`,
          ),
          name,
        );
        assert.doesNotMatch(run.stdout, /undefined/, `${name}: undefined is never printed`);
      }
      job('absent', `.map((n) => (n === 2 ? null : n))`);
      const run = await ws.run(['run', 'absent.ts', '-p', p]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(printed(run.stdout, 'out'), ['1', '3', 'null']);
      ws.assertNothingLeftInTmp();
    });
  }
});
