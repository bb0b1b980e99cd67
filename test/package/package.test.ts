/**
 * Weir as users get it: `npm pack`, then an install of the tarball into a fresh project outside the
 * repository (no link to the repository's node_modules, no source condition), on the lowest Node
 * version `engines` allows and on Node 24 LTS. In that project a plain tsconfig type-checks a job
 * whose types are inferred, and `npx weir run` runs a TypeScript job, a JavaScript job and a test
 * written against `weir/testing`. The Node binaries come from the npm packages `node@<version>`,
 * installed into each project, so `node` and `npx` there are the version under test.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PROJECT = fileURLToPath(new URL('./project/', import.meta.url));
const repoPackage = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
  devDependencies: Record<string, string>;
};
/** The lowest version `engines` admits, and the Node 24 the repository itself runs on. */
const LOWEST = /\^(\d+\.\d+\.\d+)/.exec(repoPackage.engines.node)![1]!;
const NODE_VERSIONS = [LOWEST, repoPackage.devDependencies.node!.replace(/^\^/, '')];
const TYPESCRIPT = repoPackage.devDependencies.typescript!.replace(/^\^/, '');

/**
 * The environment of a user's shell: no npm script variables, no source condition, no NODE_PATH,
 * and none of the repository's node_modules/.bin on the PATH; the project's own .bin comes first.
 */
function userEnv(project: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('npm_') || k === 'INIT_CWD') continue;
    if (k === 'NODE_OPTIONS' || k === 'NODE_PATH' || k === 'NODE_TEST_CONTEXT') continue;
    env[k] = v;
  }
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '' && !dir.includes('node_modules') && !dir.startsWith(REPO));
  env.PATH = [join(project, 'node_modules', '.bin'), ...path].join(delimiter);
  return env;
}

async function inProject(project: string, file: string, args: string[]) {
  try {
    return await run(file, args, { cwd: project, env: userEnv(project), timeout: 300_000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${project}: ${e.message}\n${e.stdout}\n${e.stderr}`);
  }
}

describe('the npm package, installed from its tarball', { concurrency: false }, () => {
  let work: string;
  let tarball: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'weir-package-'));
    // `npm pack` builds dist/ first (the prepare script).
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: REPO,
      env: userEnv(REPO),
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[];
    tarball = join(work, packed!.filename);
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('holds the build, the CLI and the sources, and no tests, benchmarks or fixtures', async () => {
    const { stdout } = await run('tar', ['tzf', tarball]);
    const files = stdout.trim().split('\n');
    assert.ok(files.includes('package/dist/index.js'), 'dist/index.js');
    assert.ok(files.includes('package/dist/index.d.ts'), 'dist/index.d.ts');
    assert.ok(files.includes('package/dist/testing/index.d.ts'), 'dist/testing/index.d.ts');
    assert.ok(files.includes('package/dist/cli/main.js.map'), 'source maps');
    assert.ok(files.includes('package/bin/weir.js'), 'bin/weir.js');
    // The web dashboard ships prebuilt: the REST server serves it from dist/ui.
    assert.ok(files.includes('package/dist/ui/index.html'), 'dist/ui/index.html');
    assert.ok(
      files.some((f) => /^package\/dist\/ui\/assets\/index-[\w-]+\.js$/.test(f)),
      'the dashboard script',
    );
    assert.ok(!files.some((f) => f.startsWith('package/ui/')), 'not the dashboard sources');
    const unwanted = files.filter((f) =>
      /(\.test\.ts|\.bench\.ts|\.contract\.ts|test-support\.ts|^package\/(test|bench|examples|scripts|kafka|docs)\/)/.test(
        f,
      ),
    );
    assert.deepEqual(unwanted, []);
  });

  for (const version of NODE_VERSIONS) {
    describe(`on Node ${version}`, { concurrency: false }, () => {
      let project: string;

      before(async () => {
        project = mkdtempSync(join(tmpdir(), `weir-user-project-${version}-`));
        writeFileSync(
          join(project, 'package.json'),
          `${JSON.stringify({ name: 'weir-user', private: true, type: 'module' }, null, 2)}\n`,
        );
        for (const f of readdirSync(PROJECT)) copyFileSync(join(PROJECT, f), join(project, f));
        await inProject(project, 'npm', [
          'install',
          '--no-audit',
          '--no-fund',
          tarball,
          `node@${version}`,
          `typescript@${TYPESCRIPT}`,
        ]);
      });

      after(() => rmSync(project, { recursive: true, force: true }));

      it('runs on that Node version', async () => {
        const { stdout } = await inProject(project, 'node', ['--version']);
        assert.equal(stdout.trim(), `v${version}`);
      });

      it('type-checks a job with a plain tsconfig: inferred KeyedStream<string, number>, an expected error', async () => {
        await inProject(project, 'npx', ['tsc', '-p', 'tsconfig.json']);
      });

      it("Weir's own declarations type-check without skipLibCheck", async () => {
        const config = JSON.parse(readFileSync(join(project, 'tsconfig.json'), 'utf8'));
        config.compilerOptions.skipLibCheck = false;
        writeFileSync(join(project, 'tsconfig.strict-libs.json'), JSON.stringify(config));
        const result = await run('npx', ['tsc', '-p', 'tsconfig.strict-libs.json'], {
          cwd: project,
          env: userEnv(project),
          timeout: 300_000,
        }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
        // Other packages' declarations may have errors of their own; Weir's may not.
        const ours = result.stdout.split('\n').filter((line) => line.includes('node_modules/weir/'));
        assert.deepEqual(ours, []);
      });

      it('npx weir run job.ts prints the job output', async () => {
        const { stdout } = await inProject(project, 'npx', ['weir', 'run', 'job.ts']);
        assert.deepEqual(stdout.trim().split('\n').sort(), ['x:1', 'yy:2', 'zz:2']);
      });

      it('npx weir run job.mjs prints the running sums', async () => {
        const { stdout } = await inProject(project, 'npx', ['weir', 'run', 'job.mjs']);
        assert.deepEqual(stdout.trim().split('\n'), ['30', '40', '60']);
      });

      it('npx weir run job.mjs -p 2 runs the subtasks on worker threads of the installed package', async () => {
        const { stdout } = await inProject(project, 'npx', ['weir', 'run', 'job.mjs', '-p', '2']);
        // At parallelism 2, print prefixes each line with its subtask ("2> 30"); one key, one subtask.
        const lines = stdout.trim().split('\n');
        const prefixes = new Set(lines.map((line) => /^(\d)> /.exec(line)?.[1]));
        assert.equal(prefixes.size, 1, stdout);
        assert.ok(!prefixes.has(undefined), stdout);
        // The map runs on two subtasks, so the three records reach the sum in any order: three
        // running sums, the last of them 60.
        const sums = lines.map((line) => Number(line.replace(/^\d> /, '')));
        assert.equal(sums.length, 3, stdout);
        assert.equal(sums[2], 60, stdout);
        assert.deepEqual(
          [...sums].sort((a, b) => a - b),
          sums,
          stdout,
        );
      });

      it('a test importing weir/testing passes under node --test', async () => {
        const { stdout } = await inProject(project, 'node', [
          '--test',
          '--test-reporter=tap',
          'counter.spec.ts',
        ]);
        assert.match(stdout, /# pass 1\b/);
        assert.match(stdout, /# fail 0\b/);
      });

      it('npx weir --version names the installed version', async () => {
        const { stdout } = await inProject(project, 'npx', ['weir', '--version']);
        assert.equal(stdout.trim(), `weir ${repoPackage.version}`);
      });
    });
  }
});
