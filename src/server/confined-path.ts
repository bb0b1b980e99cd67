import { lstat, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeirError } from '../core/errors.ts';

/**
 * Paths that come from a client stay inside configured roots (CVE-2020-17518 and CVE-2020-17519 are
 * Flink's lessons: an upload written outside its directory, a GET that read any file). A path is
 * confined in three steps:
 *
 * 1. Refuse what no honest client sends: NUL bytes and percent-encoded characters (`%2e%2e/` is
 *    either an attack or a client that encoded twice; a JSON body carries paths decoded).
 * 2. A `file:` URL becomes its path; then `path.resolve` against the base root, so `../` and absolute paths are normalized.
 * 3. Resolve symbolic links: the real path of the deepest ancestor that exists, followed by the part
 *    that does not exist yet. A link inside a root that points elsewhere leaves the root, and a
 *    dangling link is refused (creating the directory would follow it).
 *
 * The result must be a root or lie below one, compared on real paths. What remains is the window
 * between this check and the use of the path, open only to someone who can already write in the root.
 */

/** A directory client paths may name, with the configuration key that sets it (for messages). */
export interface ConfinedRoot {
  dir: string;
  key: string;
}

/** Longest path accepted; a longer one is refused before touching the file system. */
const MAX_PATH_LENGTH = 4096;

/**
 * The real, absolute path of `input` when it lies in one of `roots`; otherwise a `PATH_OUTSIDE_ROOT`
 * error naming the roots. A relative `input` resolves against `base`, which must be one of the roots.
 *
 * @example
 * ```ts
 * const roots = [{ dir: '/var/weir/savepoints', key: 'state.savepoints.dir' }];
 * await resolveConfinedPath('sp-1', roots, roots[0]);        // '/var/weir/savepoints/sp-1'
 * await resolveConfinedPath('../../etc', roots, roots[0]);   // throws PATH_OUTSIDE_ROOT
 * ```
 */
export async function resolveConfinedPath(
  input: string,
  roots: readonly ConfinedRoot[],
  base: ConfinedRoot,
): Promise<string> {
  const shown = quote(input);
  if (input.includes('\0')) throw outside(`path ${shown} contains a NUL byte`);
  if (/%[0-9a-fA-F]{2}/.test(input)) {
    throw outside(`path ${shown} contains percent-encoded characters; send the path decoded`);
  }
  if (input.length > MAX_PATH_LENGTH)
    throw outside(`path ${shown} is longer than ${MAX_PATH_LENGTH} characters`);

  const path = localPath(input, shown);
  const candidate = isAbsolute(path) ? resolve(path) : resolve(localPath(base.dir, quote(base.dir)), path);
  const real = await realpathAllowingMissing(candidate, shown);
  for (const root of roots) {
    const realRoot = await realpathAllowingMissing(
      resolve(localPath(root.dir, quote(root.dir))),
      quote(root.dir),
    );
    if (isInside(real, realRoot)) return real;
  }
  const named = roots.map((r) => `${resolve(r.dir)} (${r.key})`).join(' or ');
  throw outside(`path ${shown} is outside ${roots.length === 1 ? 'the root' : 'the roots'} ${named}`);
}

/** A `file:` URL (checkpoint storage is named so) as a path; anything else as it is. */
function localPath(input: string, shown: string): string {
  if (!input.startsWith('file:')) return input;
  try {
    return fileURLToPath(input);
  } catch (error) {
    throw outside(`path ${shown} is not a local file: URL`, error);
  }
}

/** True when `path` is `root` or lies below it; both absolute and normalized. */
export function isInside(path: string, root: string): boolean {
  if (path === root) return true;
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The real path of the deepest existing ancestor of `path`, joined with the missing rest. */
async function realpathAllowingMissing(path: string, shown: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = await realpath(current);
      return missing.length === 0 ? real : join(real, ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw outside(`path ${shown} cannot be resolved (${code ?? 'error'})`, error);
      }
      // realpath failed, yet the entry exists: it is a link to nothing, which mkdir would follow.
      if (code === 'ENOENT' && (await exists(current))) {
        throw outside(`path ${shown} goes through ${current}, a symbolic link whose target does not exist`);
      }
      const parent = dirname(current);
      if (parent === current) throw outside(`path ${shown} cannot be resolved`, error);
      missing.push(basename(current));
      current = parent;
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

function outside(message: string, cause?: unknown): WeirError {
  return new WeirError('PATH_OUTSIDE_ROOT', message, cause === undefined ? undefined : { cause });
}

/** A client string for a message: JSON-quoted (so NUL and control characters show escaped), shortened. */
function quote(text: string): string {
  const json = JSON.stringify(text);
  return json.length > 200 ? `${json.slice(0, 199)}…"` : json;
}
