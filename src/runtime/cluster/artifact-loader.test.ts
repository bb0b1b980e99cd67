import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { formatError } from '../../cli/error-report.ts';
import { bundleJob, type JobArtifact } from '../../cli/job-bundle.ts';
import { isWeirError } from '../../core/errors.ts';
import { removeArtifacts, storeArtifact } from './artifact-loader.ts';

const fixtures = join(import.meta.dirname, '../../../test/fixtures/bundle');
const importer = new URL('../../../test/fixtures/bundle/import-artifact.ts', import.meta.url);

interface Loaded {
  kind: 'loaded';
  greeting?: string;
  count?: number;
  opens?: boolean;
  sameWeir?: boolean;
  moduleUrl?: string;
  failure?: Error;
}
type Outcome = Loaded | { kind: 'failed'; error: Error };

/**
 * Imports the artifact at `url` in a fresh worker thread (which inherits this process's execArgv and
 * NODE_OPTIONS, so its conditions), after installing the artifact resolution there unless `install`
 * is false.
 */
async function importInWorker(url: string, dir: string, install = true): Promise<Outcome> {
  const worker = new Worker(importer, { workerData: { url, dir, install } });
  try {
    return await new Promise<Outcome>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('the worker did not answer in 30 s')), 30_000);
      worker.once('message', (m: Outcome) => {
        clearTimeout(deadline);
        resolve(m);
      });
      worker.once('error', (e) => {
        clearTimeout(deadline);
        reject(e);
      });
    });
  } finally {
    await worker.terminate();
  }
}

let dir: string;
let job: JobArtifact;
before(async () => {
  dir = join(mkdtempSync(join(tmpdir(), 'weir-artifact-loader-')), 'artifacts');
  job = await bundleJob(join(fixtures, 'job.ts'));
});
after(() => rmSync(dirname(dir), { recursive: true, force: true }));

describe('storeArtifact', () => {
  it('writes <dir>/<jobId>/<sha256 prefix>-<name>.mjs, private to the owner, and returns its URL', () => {
    const url = storeArtifact(dir, job, 'a1b2c3');
    const file = fileURLToPath(url);
    assert.equal(dirname(file), join(dir, 'a1b2c3'));
    assert.equal(file.endsWith(`${job.sha256.slice(0, 16)}-job.mjs`), true, file);
    assert.equal(readFileSync(file, 'utf8'), job.code);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(file)).mode & 0o777, 0o700);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    // Again: the same file, and no temporary files left.
    assert.equal(storeArtifact(dir, job, 'a1b2c3'), url);
    assert.deepEqual(readdirSync(dirname(file)), [file.slice(dirname(file).length + 1)]);
  });

  it("uses only a sanitized stem of the client's name, never a path", () => {
    for (const name of ['../../etc/passwd', '/etc/cron.d/evil.mjs', '..\\..\\x.mjs', '%2e%2e%2fx.js', '']) {
      const file = fileURLToPath(storeArtifact(dir, { name, code: 'export {};' }, 'names'));
      assert.equal(dirname(file), join(dir, 'names'), `${name} -> ${file}`);
      assert.match(file.slice(dirname(file).length + 1), /^[0-9a-f]{16}-[A-Za-z0-9_-]+\.mjs$/);
    }
  });

  it('refuses a job id that is not a plain directory name, with PATH_OUTSIDE_ROOT', () => {
    for (const jobId of ['..', '../x', 'a/b', '/tmp', '', '.hidden']) {
      assert.throws(
        () => storeArtifact(dir, job, jobId),
        (e: unknown) => isWeirError(e) && e.code === 'PATH_OUTSIDE_ROOT',
        jobId,
      );
    }
  });

  it('refuses an artifact whose sha256 does not match its code', () => {
    assert.throws(
      () => storeArtifact(dir, { name: 'j.mjs', code: 'export {};', sha256: '00'.repeat(32) }, 'sha'),
      (e: unknown) =>
        isWeirError(e) && e.code === 'INVALID_ARGUMENT' && /does not match its sha256/.test(e.message),
    );
  });

  it("removes a job's artifacts", () => {
    const file = fileURLToPath(storeArtifact(dir, job, 'removed'));
    removeArtifacts(dir, 'removed');
    assert.throws(() => statSync(dirname(file)), /ENOENT/);
    removeArtifacts(dir, 'removed'); // nothing left: no error
  });
});

describe('installArtifactResolution', () => {
  it("resolves an artifact's weir to the process's own copy, in a worker thread, and the job's code runs", async () => {
    const url = storeArtifact(dir, job, 'job-1');
    const loaded = await importInWorker(url, dir);
    assert.equal(loaded.kind, 'loaded', loaded.kind === 'failed' ? String(loaded.error?.stack) : '');
    const result = loaded as Loaded;
    assert.equal(result.greeting, 'hello from the helper');
    assert.equal(result.count, 3);
    // The very StreamExecutionEnvironment the worker imported from Weir (src/ under weir-source).
    assert.equal(result.sameWeir, true);
    assert.equal(result.moduleUrl, url);
  });

  it("maps a failure in the artifact back to the user's file and line through its source map", async () => {
    const loaded = (await importInWorker(storeArtifact(dir, job, 'job-2'), dir)) as Loaded;
    assert.ok(loaded.failure instanceof Error);
    assert.match(
      formatError(loaded.failure, false),
      /^(\S*\/)?test\/fixtures\/bundle\/helper\.ts:8:9\n {4}throw new Error/,
    );
  });

  it('resolves a native addon (lmdb) to the installed package', async () => {
    const native = await bundleJob(join(fixtures, 'native-job.ts'));
    const loaded = await importInWorker(storeArtifact(dir, native, 'native'), dir);
    assert.equal(loaded.kind, 'loaded', loaded.kind === 'failed' ? String(loaded.error?.stack) : '');
    assert.equal((loaded as Loaded).opens, true);
  });

  it('is what makes it work: without it, the artifact cannot find weir', async () => {
    const loaded = await importInWorker(storeArtifact(dir, job, 'job-3'), dir, false);
    assert.equal(loaded.kind, 'failed');
    assert.match(String((loaded as { error: Error }).error.message), /Cannot find package 'weir'/);
  });

  it('works when the artifacts directory is reached through a symbolic link', async () => {
    const real = join(dirname(dir), 'real-artifacts');
    mkdirSync(real);
    const link = join(dirname(dir), 'linked-artifacts');
    symlinkSync(real, link);
    const url = storeArtifact(link, job, 'job-5');
    assert.equal(fileURLToPath(url).startsWith(real), true, url);
    const loaded = await importInWorker(url, link);
    assert.equal(loaded.kind, 'loaded', loaded.kind === 'failed' ? String(loaded.error?.stack) : '');
  });

  it('leaves modules outside the artifacts directory to default resolution', async () => {
    // The same artifact in another directory, not registered: weir is not found there.
    const elsewhere = join(dirname(dir), 'elsewhere');
    const loaded = await importInWorker(storeArtifact(elsewhere, job, 'job-4'), dir);
    assert.equal(loaded.kind, 'failed');
  });
});
