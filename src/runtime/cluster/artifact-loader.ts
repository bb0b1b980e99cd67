/**
 * Job artifacts on a cluster process. A submitted job arrives as one ES module (cli/job-bundle.ts)
 * that still imports Weir (`weir`, `weir/testing`) and the packages with native addons. The
 * JobManager and each TaskManager store it in a directory of their own (`web.upload.dir`), outside
 * any node_modules, and evaluate it from there as slots evaluate job modules. Node would look for
 * those imports in node_modules folders above the artifact and find none (or a stranger's copy), so
 * a resolve hook, installed in every thread that imports artifacts, resolves the bare imports of
 * files in an artifacts directory as if Weir's own package imported them: `weir` is then the very
 * copy the process runs (its source under the `weir-source` condition, its build otherwise), and
 * `lmdb` the TaskManager's installed addon. Imports of other files are left to Node.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as nodeModule from 'node:module';
import { basename, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WeirError } from '../../core/errors.ts';

/** Weir's package.json: bare imports of artifacts resolve as if this file imported them. */
const WEIR_PACKAGE_JSON = new URL('../../../package.json', import.meta.url).href;

/** A job id that is safe as one directory name. */
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * Writes the artifact of job `jobId` to `<dir>/<jobId>/<sha256 prefix>-<name>.mjs` (the directories
 * mode 0700, the file 0600) and returns the file's URL, to import. The client's `name` only
 * contributes a sanitized stem (letters, digits, `_`, `-`), never a path. Storing the same code again
 * reuses the file.
 *
 * @throws WeirError PATH_OUTSIDE_ROOT when `jobId` is not a plain directory name; INVALID_ARGUMENT
 * when the artifact names a `sha256` that its code does not have.
 */
export function storeArtifact(
  dir: string,
  artifact: { name: string; code: string; sha256?: string },
  jobId: string,
): string {
  const jobDir = jobDirectory(dir, jobId);
  const sha256 = createHash('sha256').update(artifact.code, 'utf8').digest('hex');
  if (artifact.sha256 !== undefined && artifact.sha256.toLowerCase() !== sha256) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `the artifact ${JSON.stringify(artifact.name)} of job ${jobId} does not match its sha256: expected ${artifact.sha256}, got ${sha256}`,
    );
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  mkdirSync(jobDir, { recursive: true, mode: 0o700 });
  chmodSync(jobDir, 0o700);
  const file = join(jobDir, `${sha256.slice(0, 16)}-${artifactStem(artifact.name)}.mjs`);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== artifact.code) {
    // Written aside and renamed: a reader never sees half a module.
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temporary, artifact.code, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, file);
  }
  return pathToFileURL(realpathSync(file)).href;
}

/** Deletes the stored artifacts of job `jobId` (nothing when there are none). */
export function removeArtifacts(dir: string, jobId: string): void {
  rmSync(jobDirectory(dir, jobId), { recursive: true, force: true });
}

function jobDirectory(dir: string, jobId: string): string {
  if (!JOB_ID.test(jobId)) {
    throw new WeirError(
      'PATH_OUTSIDE_ROOT',
      `job id ${JSON.stringify(jobId)} cannot name a directory in the artifacts directory: expected letters, digits, '_' and '-'`,
    );
  }
  return join(resolve(dir), jobId);
}

/** `fraud-detection.mjs` -> `fraud-detection`; `../../etc/passwd` -> `passwd`; `` -> `job`. */
function artifactStem(name: string): string {
  const stem = basename(name.replaceAll('\\', '/'))
    .replace(/\.[cm]?[jt]s$/, '')
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .replace(/^[_-]+/, '')
    .slice(0, 64);
  return stem === '' ? 'job' : stem;
}

/** Artifact directories of this thread (each as given and as its real path), with a trailing separator. */
const roots = new Set<string>();
let hooks: unknown;

/**
 * Makes the bare imports (`weir`, `weir/testing`, `lmdb`, ...) of modules stored under `artifactsDir`
 * resolve from Weir's own package, with the conditions of the process (so `weir-source` in
 * development). Module hooks belong to a thread: call it in the main thread of a JobManager and of a
 * TaskManager, and in each slot worker before it imports an artifact. Calling it again is harmless;
 * with another directory, it adds that directory. Creates the directory when it does not exist.
 *
 * @throws WeirError NOT_SUPPORTED on a Node.js without `module.registerHooks` (before 22.15).
 */
export function installArtifactResolution(artifactsDir: string): void {
  const registerHooks = (nodeModule as { registerHooks?: typeof nodeModule.registerHooks }).registerHooks;
  if (typeof registerHooks !== 'function') {
    throw new WeirError(
      'NOT_SUPPORTED',
      `Node.js ${process.version} cannot load job artifacts: module.registerHooks is missing (it exists from Node.js 22.15); use Node.js 22.22 or 24`,
    );
  }
  const dir = resolve(artifactsDir);
  // Created now, so that its real path is known: storeArtifact returns real paths (a temporary
  // directory may be behind a link, as /var is on macOS).
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  roots.add(dir + sep);
  roots.add(realpathSync(dir) + sep);
  if (hooks !== undefined) return;
  hooks = registerHooks({
    resolve(specifier, context, nextResolve) {
      if (context.parentURL !== undefined && isBare(specifier) && isInArtifacts(context.parentURL)) {
        return nextResolve(specifier, { ...context, parentURL: WEIR_PACKAGE_JSON });
      }
      return nextResolve(specifier, context);
    },
  });
}

/** `weir`, `@scope/pkg/sub`: neither a relative or absolute path, a URL, nor a builtin. */
function isBare(specifier: string): boolean {
  if (/^[./#]/.test(specifier) || nodeModule.isBuiltin(specifier)) return false;
  return !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(specifier);
}

function isInArtifacts(parentURL: string): boolean {
  if (!parentURL.startsWith('file:')) return false;
  let path: string;
  try {
    const url = new URL(parentURL);
    url.search = '';
    url.hash = '';
    path = fileURLToPath(url);
  } catch {
    return false;
  }
  for (const root of roots) if (path.startsWith(root)) return true;
  return false;
}
