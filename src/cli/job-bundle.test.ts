import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isWeirError, type WeirError } from '../core/errors.ts';
import { formatError } from './error-report.ts';
import { bundleJob, hasNativeAddon } from './job-bundle.ts';

const fixtures = join(import.meta.dirname, '../../test/fixtures/bundle');
const scratch = mkdtempSync(join(tmpdir(), 'weir-job-bundle-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The artifact's code without its inline source map (which names the sources, and would match anything). */
function codeOf(code: string): string {
  return code.replace(/\/\/# sourceMappingURL=.*$/m, '');
}

async function bundleFailure(entry: string): Promise<WeirError> {
  try {
    await bundleJob(entry);
  } catch (error) {
    assert.ok(isWeirError(error), `expected a WeirError, got ${String(error)}`);
    return error as WeirError;
  }
  assert.fail(`bundling ${entry} should have failed`);
}

describe('bundleJob', () => {
  it('bundles the job, its local modules and its pure-JS packages into one module, and keeps weir an import', async () => {
    const artifact = await bundleJob(join(fixtures, 'job.ts'));
    assert.equal(artifact.name, 'job.mjs');
    assert.deepEqual(artifact.externals, ['weir']);
    const code = codeOf(artifact.code);
    assert.match(code, /import \{ StreamExecutionEnvironment \} from "weir";/);
    // The helper and yaml are inside, not imported.
    assert.match(code, /from the helper/);
    assert.match(code, /function greet\(/);
    assert.match(code, /node_modules\/yaml\/dist\/index\.js/);
    assert.doesNotMatch(code, /from ["']yaml["']/);
    assert.doesNotMatch(code, /from ["']\.\/helper/);
    // The top-level await stays (ESM output).
    assert.match(code, /^await new Promise/m);
    assert.equal(artifact.sha256, createHash('sha256').update(artifact.code).digest('hex'));
    assert.equal(artifact.bytes, Buffer.byteLength(artifact.code));
  });

  it("carries an inline source map naming the user's files by file URL", async () => {
    const artifact = await bundleJob(join(fixtures, 'job.ts'));
    const match = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(artifact.code);
    assert.ok(match, 'an inline source map at the end');
    const map = JSON.parse(Buffer.from(match[1], 'base64').toString('utf8')) as { sources: string[] };
    assert.ok(map.sources.includes(`file://${join(fixtures, 'helper.ts')}`), map.sources.join(', '));
    assert.ok(map.sources.every((s) => s.startsWith('file:///')));
  });

  it('keeps a package with a native addon (lmdb) an import, and lists it', async () => {
    const artifact = await bundleJob(join(fixtures, 'native-job.ts'));
    assert.deepEqual(artifact.externals, ['lmdb']);
    assert.match(codeOf(artifact.code), /import \{ open \} from "lmdb";/);
    assert.ok(artifact.bytes < 10_000, `lmdb's code is not bundled (${artifact.bytes} bytes)`);
  });

  it('tells packages with native addons from pure-JS ones', () => {
    const modules = join(import.meta.dirname, '../../node_modules');
    assert.equal(hasNativeAddon(join(modules, 'lmdb')), true);
    assert.equal(hasNativeAddon(join(modules, 'msgpackr-extract')), true);
    assert.equal(hasNativeAddon(join(modules, 'yaml')), false);
    assert.equal(hasNativeAddon(join(modules, 'msgpackr')), false);
  });

  it('keeps node builtins imports and does not list them', async () => {
    const entry = join(scratch, 'builtins.ts');
    writeFileSync(
      entry,
      "import { sep } from 'node:path';\nimport os from 'os';\nexport const s = sep + os.EOL;\n",
    );
    const artifact = await bundleJob(entry);
    assert.deepEqual(artifact.externals, []);
    assert.match(artifact.code, /from "node:path"/);
    assert.match(artifact.code, /from "os"/);
  });

  it('fails with BUNDLE_FAILED at the file, line and column of a syntax error', async () => {
    const entry = join(scratch, 'broken.ts');
    writeFileSync(entry, "import { helper } from './broken-helper.ts';\nexport const x = helper();\n");
    writeFileSync(join(scratch, 'broken-helper.ts'), 'export function helper() {\n  return 1 +;\n}\n');
    const error = await bundleFailure(entry);
    assert.equal(error.code, 'BUNDLE_FAILED');
    assert.ok(
      error.message.includes(`${join(scratch, 'broken-helper.ts')}:2:13: Unexpected ";"`),
      error.message,
    );
    // The CLI's report shows the place, with the line and a caret.
    const report = formatError(error, false);
    assert.match(report, /broken-helper\.ts:2:13\n {4}return 1 \+;\n {4} {10}\^/);
  });

  it('fails with BUNDLE_FAILED naming an import that cannot be resolved, and where it is', async () => {
    const entry = join(scratch, 'missing.ts');
    writeFileSync(
      entry,
      "export const a = 1;\nimport { x } from 'no-such-package-anywhere';\nexport const b = x;\n",
    );
    const error = await bundleFailure(entry);
    assert.equal(error.code, 'BUNDLE_FAILED');
    assert.match(error.message, /missing\.ts:2:19: Could not resolve "no-such-package-anywhere"/);
  });

  it('fails with BUNDLE_FAILED for a job file that does not exist', async () => {
    const error = await bundleFailure(join(scratch, 'nothing-here.ts'));
    assert.equal(error.code, 'BUNDLE_FAILED');
    assert.match(error.message, /nothing-here\.ts: no such file/);
  });

  it("refuses a job that imports Weir's own sources by path instead of 'weir'", async () => {
    const entry = join(scratch, 'by-path.ts');
    const index = join(import.meta.dirname, '../index.ts');
    writeFileSync(
      entry,
      `import { StreamExecutionEnvironment } from ${JSON.stringify(index)};\nexport const e = StreamExecutionEnvironment;\n`,
    );
    const error = await bundleFailure(entry);
    assert.equal(error.code, 'BUNDLE_FAILED');
    assert.match(error.message, /imports Weir's own file src\/index\.ts by its path: import from 'weir'/);
  });

  it("keeps import.meta.url the artifact's by default, and with importMetaUrl 'source' makes it the source file's", async () => {
    const entry = join(scratch, 'meta.ts');
    writeFileSync(entry, 'export const url = import.meta.url;\nexport const dir = import.meta.dirname;\n');
    const byDefault = await bundleJob(entry);
    assert.match(codeOf(byDefault.code), /var url = import\.meta\.url;/);
    const source = await bundleJob(entry, { importMetaUrl: 'source' });
    const code = codeOf(source.code);
    assert.ok(code.includes(`var url = ${JSON.stringify(`file://${entry}`)};`), code);
    assert.ok(code.includes(`var dir = ${JSON.stringify(scratch)};`), code);
  });

  it('compiles all of TypeScript, enums and parameter properties included', async () => {
    const entry = join(scratch, 'full-ts.ts');
    writeFileSync(
      entry,
      [
        'enum Level { Low = 1, High = 5 }',
        'class Box { constructor(private readonly size: number) {} get twice(): number { return this.size * 2; } }',
        'export const value: number = Level.High + new Box(4).twice;',
      ].join('\n'),
    );
    const out = join(scratch, 'full-ts.mjs');
    writeFileSync(out, (await bundleJob(entry)).code);
    assert.equal(((await import(out)) as { value: number }).value, 13);
  });

  it('bundles a CommonJS package that requires a builtin, runnable as ESM', async () => {
    const pkg = join(scratch, 'node_modules', 'cjs-thing');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{"name":"cjs-thing","version":"1.0.0","main":"index.js"}');
    writeFileSync(
      join(pkg, 'index.js'),
      "const path = require('path');\nexports.joined = path.join('a', 'b');\n",
    );
    const entry = join(scratch, 'uses-cjs.mjs');
    writeFileSync(entry, "import { joined } from 'cjs-thing';\nexport const value = joined;\n");
    const artifact = await bundleJob(entry);
    assert.deepEqual(artifact.externals, []);
    const out = join(scratch, 'out-cjs.mjs');
    writeFileSync(out, artifact.code);
    const loaded = (await import(out)) as { value: string };
    assert.equal(loaded.value, join('a', 'b'));
    assert.doesNotMatch(readFileSync(out, 'utf8'), /from ["']cjs-thing["']/);
  });
});
