/**
 * What the CLI prints when a command fails. The user's code comes first: a failure that passed
 * through a user function starts with the `file:line:column` of the first stack frame in the job's
 * own files (not Weir's sources or build, not Node's internals, not node_modules), with that source
 * line and a caret under the column; a syntax error in the job module, or in a module it imports,
 * starts the same way. Then the error's code, message and causes, and with `--verbose` the stack.
 *
 * Frames are source-mapped: a frame in a compiled `.js` file that names a source map
 * (`//# sourceMappingURL=`, a file or a data: URL) is reported at its original line. The map is read
 * only when a failure is reported, so source maps cost nothing while a job runs, and frames of
 * errors raised on a slot thread (which arrive as text, see SerializedError) are mapped the same way.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, extname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWeirError } from '../core/errors.ts';

/** A position in a file. `line` and `column` count from 1. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** Directories whose frames are Weir's own: the package's src/, dist/ and bin/. */
const WEIR_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEIR_DIRS = ['src', 'dist', 'bin'].map((d) => `${WEIR_ROOT}${d}${sep}`);

/**
 * The CLI's report of `error`: the user's location first (when there is one), then `error: CODE:
 * message` and the causes, then the stack trace with `verbose` or a hint that it exists.
 *
 * @example
 * console.error(formatError(error, false));
 * // job.ts:6:24
 * //     if (n === 3) throw new Error('three is a crowd');
 * //                        ^
 * // error: USER_FUNCTION_FAILED: operator "crowd-control" (uid map-1) in subtask 1/2 failed ...
 */
export function formatError(error: unknown, verbose: boolean): string {
  if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return `error: CLI_USAGE: ${error.message} (see weir --help)`;
  }
  const lines: string[] = [];
  const location = syntaxErrorLocation(error) ?? userLocation(error);
  if (location) lines.push(...describeLocation(location));
  if (isWeirError(error)) lines.push(`error: ${error.describe()}`);
  else if (error instanceof Error) lines.push(`error: ${error.name}: ${error.message}`);
  else lines.push(`error: ${String(error)}`);
  if (verbose && error instanceof Error && error.stack) lines.push(...stacks(error));
  else lines.push('(run with --verbose for the stack trace)');
  return escapeControl(lines.join('\n'));
}

/**
 * Where a syntax error in a module is: Node puts `file:line`, the source line and a caret at the
 * top of the stack of a SyntaxError it raised while loading a module (a JavaScript parse error, or
 * ERR_INVALID_TYPESCRIPT_SYNTAX / ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX from type stripping); the column
 * is the caret's. Searches the chain of causes.
 */
export function syntaxErrorLocation(error: unknown): SourceLocation | undefined {
  for (const e of chain(error)) {
    if (!(e instanceof SyntaxError)) continue;
    const located = locatedSyntaxErrors.get(e);
    if (located) return located;
    if (typeof e.stack === 'string') {
      const location = parseSyntaxHeader(e.stack);
      if (location) return location;
    }
  }
  return undefined;
}

/** Syntax errors whose location {@link locateSyntaxError} found. */
const locatedSyntaxErrors = new WeakMap<Error, SourceLocation>();

/**
 * Finds where a SyntaxError raised while importing the job module at `jobFile` is, when its stack
 * does not say: Node gives an ES module's parse error no location. Each JavaScript file the job
 * reaches through relative imports (at most 64) is checked with `node --check`, whose message has
 * the location; {@link formatError} then shows it. Runs only on this failure path.
 */
export function locateSyntaxError(error: unknown, jobFile: string | URL): void {
  if (!(error instanceof SyntaxError) || syntaxErrorLocation(error)) return;
  const seen = new Set<string>();
  const queue = [resolve(typeof jobFile === 'string' ? jobFile : fileURLToPath(jobFile))];
  while (queue.length > 0 && seen.size < 64) {
    const file = queue.shift()!;
    if (seen.has(file) || !existsSync(file) || !isUserFile(file)) continue;
    seen.add(file);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (/^\.[cm]?js$/.test(extname(file))) {
      const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
      const location = check.status === 0 ? undefined : parseSyntaxHeader(check.stderr ?? '');
      if (location) {
        locatedSyntaxErrors.set(error, location);
        return;
      }
    }
    for (const m of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      queue.push(resolve(dirname(file), m[1]));
    }
  }
}

/** `file:line`, source lines, and a line with a caret: the head Node gives a SyntaxError's stack. */
function parseSyntaxHeader(text: string): SourceLocation | undefined {
  const [head, ...rest] = text.split('\n');
  const match = /^(.+):(\d+)$/.exec(head);
  if (!match) return undefined;
  const caretLine = rest.findIndex((l) => /^\s*\^+\s*$/.test(l));
  if (caretLine < 1) return undefined;
  const file = toPath(match[1]);
  if (file === undefined) return undefined;
  return { file, line: Number(match[2]), column: rest[caretLine].indexOf('^') + 1 };
}

/**
 * The first frame in the user's own files of the innermost error in `error`'s chain of causes that
 * has one: where the user's code threw, or called what threw. WeirErrors are skipped: they are
 * Weir's reports (their frames would only say where the job was started), and the user's error,
 * when there is one, is their cause.
 */
export function userLocation(error: unknown): SourceLocation | undefined {
  const errors = chain(error).reverse();
  for (const e of errors) {
    if (!(e instanceof Error) || isWeirError(e) || typeof e.stack !== 'string') continue;
    for (const line of e.stack.split('\n')) {
      const frame = parseFrame(line);
      if (frame !== undefined && isUserFile(frame.file)) return mapFrame(frame);
    }
  }
  return undefined;
}

/** `file:line:column`, then the source line with a caret under the column (when the file reads). */
function describeLocation(location: SourceLocation): string[] {
  const shown = relative(process.cwd(), location.file);
  const name = shown.startsWith('..') || shown === '' ? location.file : shown;
  const lines = [`${name}:${location.line}:${location.column}`];
  let source: string | undefined;
  try {
    source = readFileSync(location.file, 'utf8').split(/\r?\n/)[location.line - 1];
  } catch {
    source = undefined;
  }
  if (source !== undefined && source.trim() !== '' && location.column <= source.length + 1) {
    const indent = source.length - source.trimStart().length;
    lines.push(`    ${source.slice(indent)}`);
    const caretAt = Math.max(0, location.column - 1 - indent);
    const pad = source.slice(indent, indent + caretAt).replace(/[^\t]/g, ' ');
    lines.push(`    ${pad}^`);
  }
  return lines;
}

/** `error` and its causes, outermost first (at most 16). */
function chain(error: unknown): unknown[] {
  const errors: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && errors.length < 16) {
    errors.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return errors;
}

/** `    at name (file:///x.ts:6:24)` or `    at file:///x.ts:6:24` or `    at /x.js:6:24`. */
function parseFrame(line: string): SourceLocation | undefined {
  const match = /^\s+at (?:.*? \()?((?:file:\/\/|\/)[^()]*?):(\d+):(\d+)\)?$/.exec(line);
  if (!match) return undefined;
  const file = toPath(match[1]);
  return file === undefined ? undefined : { file, line: Number(match[2]), column: Number(match[3]) };
}

/** A file URL (its query dropped: slot threads evaluate a module under its URL plus a query) or path. */
function toPath(text: string): string | undefined {
  if (text.startsWith('file://')) {
    try {
      const url = new URL(text);
      url.search = '';
      url.hash = '';
      return fileURLToPath(url);
    } catch {
      return undefined;
    }
  }
  return text.startsWith('/') ? text : undefined;
}

/** The frame at its original position, when its file names a source map that covers it. */
function mapFrame(frame: SourceLocation): SourceLocation {
  if (!/\.[cm]?js$/.test(frame.file)) return frame;
  try {
    const found = readSourceMap(frame.file);
    if (found === undefined) return frame;
    const entry = found.map.findEntry(frame.line - 1, frame.column - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (entry?.originalSource === undefined || entry.originalLine === undefined) return frame;
    const root = found.map.payload.sourceRoot ?? '';
    const file = toPath(entry.originalSource) ?? resolve(found.directory, root, entry.originalSource);
    return { file, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
  } catch {
    return frame;
  }
}

/** The source map `file` names in its last `sourceMappingURL` comment, and the map's directory. */
function readSourceMap(file: string): { map: SourceMap; directory: string } | undefined {
  const source = readFileSync(file, 'utf8');
  const urls = [...source.matchAll(/\/\/[#@] sourceMappingURL=(\S+)\s*$/gm)];
  const url = urls.at(-1)?.[1];
  if (url === undefined) return undefined;
  const data = /^data:application\/json(?:;charset=[^;,]+)?;base64,(.*)$/.exec(url);
  if (data) {
    const payload = JSON.parse(Buffer.from(data[1], 'base64').toString('utf8'));
    return { map: new SourceMap(payload), directory: dirname(file) };
  }
  const mapFile = toPath(url) ?? resolve(dirname(file), decodeURIComponent(url));
  return { map: new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))), directory: dirname(mapFile) };
}

function isUserFile(file: string): boolean {
  if (file.includes(`${sep}node_modules${sep}`)) return false;
  return !WEIR_DIRS.some((dir) => file.startsWith(dir));
}

/** The stack of the error and of each cause that has one, as `--verbose` prints them. */
function stacks(error: Error): string[] {
  const lines: string[] = [];
  for (const [i, e] of chain(error).entries()) {
    if (!(e instanceof Error) || !e.stack) continue;
    lines.push(i === 0 ? e.stack : `caused by: ${e.stack}`);
  }
  return lines;
}

/** Control characters escaped, so that input quoted in a message cannot garble the terminal. */
function escapeControl(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    const control = (code < 0x20 && ch !== '\n' && ch !== '\t') || (code >= 0x7f && code < 0xa0);
    out += control ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}
