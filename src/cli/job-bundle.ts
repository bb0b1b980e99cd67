/**
 * Job artifacts. `weir submit` ships a job to a cluster as one ES module: the job module bundled by
 * esbuild with its local imports and its npm dependencies, so that the JobManager and every
 * TaskManager can evaluate it without the user's project. Two kinds of imports stay imports
 * (externals), resolved on the TaskManager to its own installed copies (see
 * runtime/cluster/artifact-loader.ts): Weir itself (`weir`, `weir/*`), because a job must share the
 * one runtime the TaskManager runs, and packages with a native addon (lmdb, msgpackr-extract, ...),
 * because a `.node` binary cannot be bundled into JavaScript and is built for the TaskManager's
 * platform. Node's builtins stay imports too. Everything else is bundled.
 *
 * The artifact carries an inline source map whose sources are the `file://` URLs of the user's
 * files, so that a failure in a user function is reported at the user's file and line (see
 * error-report.ts) where those files exist, as on the machine that submitted the job.
 */
import { createHash } from 'node:crypto';
import { type Dirent, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BuildFailure, build, type Message, type Plugin } from 'esbuild';
import { WeirError } from '../core/errors.ts';

/** A bundled job, ready to upload (`POST /jobs`). */
export interface JobArtifact {
  /** The file name of the artifact, from the job module's: `fraud-detection.mjs`. */
  name: string;
  /** The ES module. */
  code: string;
  /** The SHA-256 of `code` (UTF-8), hex. */
  sha256: string;
  /** The size of `code` in bytes (UTF-8). */
  bytes: number;
  /**
   * The packages the artifact imports and does not contain, sorted: `weir` (and `weir/testing`, ...)
   * and the packages with native addons. Node's builtins are not listed.
   */
  externals: string[];
  /** esbuild's warnings, as `file:line:column: text`. */
  warnings: string[];
}

/** Options of {@link bundleJob}. */
export interface BundleOptions {
  /**
   * What `import.meta.url` (and `import.meta.filename`, `import.meta.dirname`) means in the job's own
   * files. `'artifact'` (the default): the artifact's file on the process that evaluates it, as for
   * any bundle. `'source'`: the job's source file on the submitting machine, for jobs that read files
   * next to their module on a cluster whose hosts share those paths (a local cluster).
   */
  importMetaUrl?: 'artifact' | 'source';
  /** Include the sources in the source map (default false: the map names the files, smaller uploads). */
  sourcesContent?: boolean;
  /** Minify (default false: readable stack traces on the TaskManagers). */
  minify?: boolean;
}

/** The root of Weir's package: src/cli/ and dist/cli/ are two levels below it. */
const WEIR_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEIR_CODE_DIRS = ['src', 'dist'].map((d) => join(WEIR_ROOT, d) + sep);

/** Dependencies that mark a package as one with a native addon. */
const NATIVE_LOADERS = ['node-gyp-build', 'node-gyp-build-optional-packages', 'bindings', 'prebuild-install'];

/**
 * Bundles the job module `entry` (a path, relative to the working directory) into one artifact.
 *
 * @throws WeirError BUNDLE_FAILED with esbuild's messages, each at its `file:line:column`, when the job
 * or a module it imports does not parse, an import cannot be resolved, or a job file imports Weir's
 * own files by path instead of `weir`.
 *
 * @example
 * const artifact = await bundleJob('examples/fraud-detection.ts');
 * // { name: 'fraud-detection.mjs', bytes: 9123, externals: ['weir'], ... }
 */
export async function bundleJob(entry: string, options: BundleOptions = {}): Promise<JobArtifact> {
  const entryPath = resolve(entry);
  if (!existsSync(entryPath) || !statSync(entryPath).isFile()) {
    throw new WeirError('BUNDLE_FAILED', `cannot bundle job ${entry}: no such file`);
  }
  const workingDir = dirname(entryPath);
  const name = `${basename(entryPath, extname(entryPath))}.mjs`;
  const externals = new Set<string>();
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({
      entryPoints: [entryPath],
      absWorkingDir: workingDir,
      outfile: join(workingDir, name),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      write: false,
      sourcemap: 'external',
      sourcesContent: options.sourcesContent ?? false,
      minify: options.minify ?? false,
      logLevel: 'silent',
      // A bundled CommonJS package that calls require() for a builtin needs a require in ESM output.
      banner: {
        js: "import { createRequire as __weirCreateRequire } from 'node:module';\nconst require = __weirCreateRequire(import.meta.url);",
      },
      plugins: [externalsPlugin(externals), userFilesPlugin(options.importMetaUrl ?? 'artifact')],
    });
  } catch (error) {
    throw bundleFailure(entry, workingDir, error);
  }
  const js = result.outputFiles?.find((f) => f.path.endsWith('.mjs'));
  const mapFile = result.outputFiles?.find((f) => f.path.endsWith('.map'));
  if (js === undefined)
    throw new WeirError('BUNDLE_FAILED', `cannot bundle job ${entry}: esbuild wrote no module`);
  let code = js.text.replace(/\/\/# sourceMappingURL=\S+\s*$/, '');
  if (mapFile !== undefined) {
    const map = JSON.parse(mapFile.text) as { sources: string[]; sourceRoot?: string };
    // Absolute file URLs: the map then means the same wherever the artifact is stored.
    map.sources = map.sources.map((s) => pathToFileURL(resolve(workingDir, s)).href);
    delete map.sourceRoot;
    code += `//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
  }
  const buffer = Buffer.from(code, 'utf8');
  return {
    name,
    code,
    sha256: createHash('sha256').update(buffer).digest('hex'),
    bytes: buffer.length,
    externals: [...externals].sort(),
    warnings: result.warnings.map((w) => formatMessage(w, workingDir)),
  };
}

/**
 * Marks Weir, builtins and packages with native addons as external, and notes the packages. Every
 * other bare import is left to esbuild, which bundles it.
 */
function externalsPlugin(externals: Set<string>): Plugin {
  const nativeByDir = new Map<string, boolean>();
  return {
    name: 'weir-externals',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const specifier = args.path;
        if (specifier.startsWith('#') || /^[A-Za-z]:[\\/]/.test(specifier)) return undefined;
        if (isBuiltin(specifier)) return { path: specifier, external: true };
        const pkg = packageName(specifier);
        if (pkg === 'weir') {
          externals.add(specifier);
          return { path: specifier, external: true };
        }
        const dir = findPackageDir(pkg, args.resolveDir);
        if (dir === undefined) return undefined; // esbuild reports it as unresolved
        let native = nativeByDir.get(dir);
        if (native === undefined) {
          native = hasNativeAddon(dir);
          nativeByDir.set(dir, native);
        }
        if (!native) return undefined;
        externals.add(pkg);
        return { path: specifier, external: true };
      });
    },
  };
}

/**
 * Refuses Weir's own files imported by path (a second copy of the runtime would not see the
 * TaskManager's execution context), and with `importMetaUrl: 'source'` replaces `import.meta.url` in
 * the user's files by their source URL.
 */
function userFilesPlugin(importMetaUrl: 'artifact' | 'source'): Plugin {
  return {
    name: 'weir-user-files',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
        if (WEIR_CODE_DIRS.some((d) => args.path.startsWith(d))) {
          return {
            errors: [
              {
                text: `the job imports Weir's own file ${relative(WEIR_ROOT, args.path)} by its path: import from 'weir' (or 'weir/testing') instead, which every TaskManager provides`,
              },
            ],
          };
        }
        if (importMetaUrl === 'artifact' || args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta')) return undefined;
        const url = pathToFileURL(args.path).href;
        const contents = source
          .replaceAll('import.meta.url', JSON.stringify(url))
          .replaceAll('import.meta.filename', JSON.stringify(args.path))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)));
        const ext = extname(args.path).replace(/^\.[cm]?/, '');
        return { contents, loader: ext as 'js' | 'ts' | 'jsx' | 'tsx', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** `lodash/fp` -> `lodash`, `@scope/pkg/sub` -> `@scope/pkg`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The directory of package `name` as Node finds it from `fromDir`: the nearest node_modules/name up the tree. */
function findPackageDir(name: string, fromDir: string): string | undefined {
  let dir = resolve(fromDir);
  for (;;) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Whether the package in `dir` has a native addon: a `binding.gyp`, `"gypfile": true`, a dependency
 * on a loader of prebuilt binaries, or a `.node` file (searched a few levels deep, outside nested
 * node_modules).
 */
export function hasNativeAddon(dir: string): boolean {
  if (existsSync(join(dir, 'binding.gyp'))) return true;
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      gypfile?: boolean;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    if (manifest.gypfile === true) return true;
    const deps = { ...manifest.dependencies, ...manifest.optionalDependencies };
    if (NATIVE_LOADERS.some((d) => d in deps)) return true;
  } catch {
    // An unreadable manifest: look for binaries.
  }
  return containsNodeFile(dir, 4, { left: 5_000 });
}

function containsNodeFile(dir: string, depth: number, budget: { left: number }): boolean {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const entry of entries) {
    if (--budget.left < 0) return false;
    if (entry.isFile() && entry.name.endsWith('.node')) return true;
  }
  if (depth === 0) return false;
  for (const entry of entries) {
    if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) {
      if (containsNodeFile(join(dir, entry.name), depth - 1, budget)) return true;
    }
  }
  return false;
}

/** esbuild's failure as BUNDLE_FAILED, each message at its place; the first located one as a SyntaxError cause. */
function bundleFailure(entry: string, workingDir: string, error: unknown): WeirError {
  const messages = (error as Partial<BuildFailure>)?.errors;
  if (!Array.isArray(messages) || messages.length === 0) {
    return new WeirError(
      'BUNDLE_FAILED',
      `cannot bundle job ${entry}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const shown = messages.slice(0, 5).map((m) => formatMessage(m, workingDir));
  const more = messages.length > 5 ? `\n  (and ${messages.length - 5} more)` : '';
  const located = messages.find((m) => m.location);
  return new WeirError('BUNDLE_FAILED', `cannot bundle job ${entry}:\n  ${shown.join('\n  ')}${more}`, {
    cause: located ? locatedCause(located, workingDir) : error,
  });
}

/**
 * A SyntaxError whose stack starts as Node's do for a module that does not parse (`file:line`, the
 * line, a caret), so that the CLI's error report shows the place (error-report.ts).
 */
function locatedCause(message: Message, workingDir: string): Error {
  const location = message.location!;
  const file = resolve(workingDir, location.file);
  const cause = new SyntaxError(message.text);
  cause.stack = `${file}:${location.line}\n${location.lineText}\n${' '.repeat(location.column)}^\n\nSyntaxError: ${message.text}`;
  return cause;
}

/**
 * `file:line:column: text`, the file relative to the working directory when it is below it, else
 * absolute (esbuild's locations are relative to `workingDir`), the column counted from 1 (esbuild
 * counts from 0).
 */
function formatMessage(message: Message, workingDir: string): string {
  const location = message.location;
  const text = message.notes.length > 0 ? `${message.text} (${message.notes[0].text})` : message.text;
  if (!location) return text;
  const absolute = resolve(workingDir, location.file);
  const shown = relative(process.cwd(), absolute);
  const file = shown === '' || shown.startsWith('..') ? absolute : shown;
  return `${file}:${location.line}:${location.column + 1}: ${text}`;
}
