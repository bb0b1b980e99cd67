/**
 * Errors a user can act on, as `weir run` prints them (issue 12, item 5).
 *
 * Before:
 * - a throwing map printed only Weir's message (and, with --verbose, Weir's internal frames), never
 *   the user's file and line;
 * - a syntax error printed "cannot load job job.ts: Expression expected", with no line or column;
 * - an open() that throws in a map was reported against the source operator ("source \"Elements
 *   Source\" (uid source-0) ... failed");
 * - at -p 2, causes read "caused by Error: Error: ...";
 * - a CSV field of binary garbage put the raw bytes (1.2 KB and more) into the message.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repo, Workspace } from './support.ts';

/** A bound on each case: a run that hangs fails it instead of the suite. */
const DEADLINE = 300_000;

/** The failure report: stderr without the `weir: job ... running` lines of the start. */
function report(stderr: string): string[] {
  return stderr.split('\n').filter((line) => !line.startsWith('weir: '));
}

/** The column of the caret in `lines[i]` relative to the source line above it (1-based). */
function caretColumn(lines: string[], sourceLine: string, i: number): number {
  const shown = lines[i - 1];
  const indent = sourceLine.length - sourceLine.trimStart().length;
  assert.equal(shown.trim(), sourceLine.trim(), 'the source line is shown above the caret');
  return lines[i].indexOf('^') - (shown.length - shown.trimStart().length) + indent + 1;
}

const THROWING = `import { StreamExecutionEnvironment } from 'weir';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSequence(1, 10)
  .map((n) => {
    if (n === 3) throw new Error('three is a crowd');
    return n * 2;
  })
  .name('crowd-control')
  .print();
await env.execute('failing job');
`;

describe('reliability: errors', { concurrency: 2 }, () => {
  for (const p of ['1', '2']) {
    it(`a throwing map prints the user's file:line:column first, then the code and message (-p ${p})`, {
      timeout: DEADLINE,
    }, async (t) => {
      const ws = new Workspace(`errors-throw-p${p}`);
      t.after(() => ws.dispose());
      ws.job('job.ts', THROWING);
      const run = await ws.run(['run', 'job.ts', '-p', p]);
      assert.equal(run.code, 1, run.stderr);
      const lines = report(run.stderr);
      assert.equal(lines[0], 'job.ts:6:24', run.stderr);
      assert.equal(caretColumn(lines, "    if (n === 3) throw new Error('three is a crowd');", 2), 24);
      assert.match(
        lines[3],
        /^error: USER_FUNCTION_FAILED: operator "crowd-control" \(uid map-1\) in subtask \d\/\d failed on record 3 .*: three is a crowd$/,
      );
      assert.equal(lines[4], '  caused by Error: three is a crowd');
      assert.doesNotMatch(run.stderr, /Error: Error:/, 'causes are not doubled');
      assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace without --verbose');
      ws.assertNothingLeftInTmp();
    });
  }

  it('a failure reads the same at -p 1 and -p 2: each cause once, with its own name', {
    timeout: DEADLINE,
  }, async (t) => {
    const ws = new Workspace('errors-causes');
    t.after(() => ws.dispose());
    ws.job(
      'job.ts',
      `import { StreamExecutionEnvironment } from 'weir';
class LookupError extends Error {
  override name = 'LookupError';
}
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromElements(7)
  .map((n) => {
    throw new LookupError(\`no customer \${n}\`, { cause: new TypeError('socket closed') });
  })
  .name('lookup')
  .print();
await env.execute('causes');
`,
    );
    const described: string[][] = [];
    for (const p of ['1', '2']) {
      const run = await ws.run(['run', 'job.ts', '-p', p]);
      assert.equal(run.code, 1, run.stderr);
      const lines = report(run.stderr);
      assert.equal(lines[0], 'job.ts:9:56', `where the innermost cause was made\n${run.stderr}`);
      described.push(lines.slice(3, 6).map((l) => l.replace(/subtask \d\/\d/, 'subtask n')));
    }
    assert.deepEqual(described[0], [
      'error: USER_FUNCTION_FAILED: operator "lookup" (uid map-1) in subtask n failed on record 7 at collection element 0: no customer 7',
      '  caused by LookupError: no customer 7',
      '  caused by TypeError: socket closed',
    ]);
    assert.deepEqual(described[1].slice(1), described[0].slice(1), 'the causes are the same at -p 2');
    assert.doesNotMatch(described[1].join('\n'), /Error: Error:/);
    ws.assertNothingLeftInTmp();
  });

  it('a compiled .js job with a source map is reported at its .ts line, on a slot thread too', {
    timeout: DEADLINE,
  }, async (t) => {
    const ws = new Workspace('errors-source-map');
    t.after(() => ws.dispose());
    const source = ws.job(
      'job.ts',
      `import { StreamExecutionEnvironment } from 'weir';

interface Doubled { n: number; twice: number }

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSequence(1, 10)
  .map((n: number): Doubled => {
    if (n === 3) throw new Error('compiled three');
    return { n, twice: n * 2 };
  })
  .print();
await env.execute('compiled job');
`,
    );
    const tsc = spawnSync(
      join(repo, 'node_modules/.bin/tsc'),
      [
        source,
        '--outDir',
        ws.path('out'),
        '--sourceMap',
        '--module',
        'esnext',
        '--target',
        'es2017',
        '--noCheck',
        '--ignoreConfig',
      ],
      { encoding: 'utf8' },
    );
    assert.ok(existsSync(ws.path('out/job.js.map')), `${tsc.stdout}${tsc.stderr}`);
    // An .mjs name makes it an ES module without a package.json; the map's `sources` are relative.
    renameSync(ws.path('out/job.js'), ws.path('out/job.mjs'));
    for (const p of ['1', '2']) {
      const run = await ws.run(['run', 'out/job.mjs', '-p', p]);
      assert.equal(run.code, 1, run.stderr);
      const lines = report(run.stderr);
      assert.equal(lines[0], 'job.ts:9:24', run.stderr);
      assert.match(lines[3], /^error: USER_FUNCTION_FAILED: .*compiled three$/);
    }
    ws.assertNothingLeftInTmp();
  });

  it('a syntax error shows file:line:column, the line and a caret (TypeScript, an imported module, JavaScript)', {
    timeout: DEADLINE,
  }, async (t) => {
    const ws = new Workspace('errors-syntax');
    t.after(() => ws.dispose());
    ws.job(
      'job.ts',
      `import { StreamExecutionEnvironment } from 'weir';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
const limit = (1 + );
env.fromElements(limit).print();
await env.execute('syntax');
`,
    );
    mkdirSync(ws.path('lib'));
    ws.job('lib/helper.ts', `export const a = 1;\nexport const b: = 2;\n`);
    ws.job('imports.ts', `import { a } from './lib/helper.ts';\nconsole.log(a);\n`);
    ws.job('job.mjs', `const ok = 1;\nconst broken = (ok + );\n`);
    ws.job('enum.ts', `const a = 1;\nenum Color { Red }\n`);
    const cases = [
      {
        file: 'job.ts',
        at: 'job.ts:3:20',
        line: 'const limit = (1 + );',
        column: 20,
        message: /Expression expected/,
      },
      {
        file: 'imports.ts',
        at: join('lib', 'helper.ts:2:17'),
        line: 'export const b: = 2;',
        column: 17,
        message: /Unexpected token/,
      },
      {
        file: 'job.mjs',
        at: 'job.mjs:2:22',
        line: 'const broken = (ok + );',
        column: 22,
        message: /Unexpected token '\)'/,
      },
      {
        file: 'enum.ts',
        at: 'enum.ts:2:1',
        line: 'enum Color { Red }',
        column: 1,
        message: /enum is not supported/,
      },
    ];
    for (const c of cases) {
      const run = await ws.run(['run', c.file]);
      assert.equal(run.code, 1, run.stderr);
      const lines = report(run.stderr);
      assert.equal(lines[0], c.at, run.stderr);
      assert.equal(caretColumn(lines, c.line, 2), c.column, run.stderr);
      assert.match(lines[3], /^error: CLI_USAGE: cannot load job /);
      assert.match(lines[3], c.message);
    }
    ws.assertNothingLeftInTmp();
  });

  it('an open() that throws is reported against its own operator, not the source', {
    timeout: DEADLINE,
  }, async (t) => {
    const ws = new Workspace('errors-open');
    t.after(() => ws.dispose());
    ws.job(
      'job.ts',
      `import { RichMapFunction, StreamExecutionEnvironment } from 'weir';
class Enrich extends RichMapFunction<number, number> {
  open() {
    throw new Error('cannot connect to the lookup service');
  }
  map(n: number) {
    return n;
  }
}
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.fromElements(1, 2, 3).map(new Enrich()).name('enrich').print();
await env.execute('open fails');
`,
    );
    for (const p of ['1', '2']) {
      const run = await ws.run(['run', 'job.ts', '-p', p]);
      assert.equal(run.code, 1, run.stderr);
      const lines = report(run.stderr);
      assert.equal(lines[0], 'job.ts:4:11', run.stderr);
      assert.match(
        run.stderr,
        /error: USER_FUNCTION_FAILED: operator "enrich" \(uid map-1\) in subtask \d\/\d failed in open\(\): cannot connect to the lookup service/,
      );
      assert.doesNotMatch(run.stderr, /source "Elements Source"/);
    }
    ws.assertNothingLeftInTmp();
  });

  it('a CSV field of binary garbage is quoted short and escaped', { timeout: DEADLINE }, async (t) => {
    const ws = new Workspace('errors-binary');
    t.after(() => ws.dispose());
    // 1,200 bytes of every byte value but the line break, comma and quote, after a valid header.
    const garbage = Buffer.from(
      Array.from({ length: 1_200 }, (_, i) => i % 256).filter(
        (b) => b !== 10 && b !== 13 && b !== 44 && b !== 34,
      ),
    );
    writeFileSync(
      ws.path('binary.csv'),
      Buffer.concat([Buffer.from('id,amount\n1,'), garbage, Buffer.from('\n')]),
    );
    ws.job(
      'job.ts',
      `import { CsvSource, StreamExecutionEnvironment, WatermarkStrategy } from 'weir';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSource(new CsvSource<{ id: string; amount: number }>('binary.csv', { types: { amount: 'number' } }), WatermarkStrategy.noWatermarks(), 'csv')
  .print();
await env.execute('binary');
`,
    );
    const run = await ws.run(['run', 'job.ts']);
    assert.equal(run.code, 1, run.stderr);
    const line = report(run.stderr).find((l) => l.startsWith('error: '));
    assert.ok(line, run.stderr);
    assert.match(
      line,
      /^error: DESERIALIZATION_FAILED: cannot parse CSV at file "binary.csv" line 2 column "amount": expected a number, found "\\x00\\x01\\x02.*"… \(\d+ characters\)$/,
    );
    assert.ok(line.length < 300, `the message is short: ${line.length} characters`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting there are none
    assert.doesNotMatch(run.stderr, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, 'no raw control bytes');
    assert.ok(run.stderr.length < 1_000, `stderr is short: ${run.stderr.length} characters`);
    ws.assertNothingLeftInTmp();
  });
});
