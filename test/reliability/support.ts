/**
 * The reliability suite runs `weir` as a user would: the real CLI (`bin/weir.js`) in a child process,
 * on a job file in a fresh workspace, and asserts the exit code, the message, and that nothing was
 * lost or left behind. Each workspace has its own temporary directory (TMPDIR points into it), so
 * "nothing left behind" is a check of one directory, not of the machine's shared /tmp.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Children, type Run } from '../faults/support.ts';

export const repo = join(import.meta.dirname, '../..');
/** Node 24, which runs TypeScript directly: this one, or the project's. */
export const node = process.version.startsWith('v24')
  ? process.execPath
  : join(repo, 'node_modules/.bin/node');
/** Job files live outside the package, so they import the engine by file URL. */
export const weirUrl = pathToFileURL(join(repo, 'src/index.ts')).href;

/** A fresh directory for one case: job files, checkpoints, outputs, and its own TMPDIR. */
export class Workspace {
  readonly dir: string;
  /** TMPDIR of every process the case starts. */
  readonly tmp: string;
  readonly children = new Children();

  constructor(name: string) {
    this.dir = mkdtempSync(join(tmpdir(), `weir-reliability-${name}-`));
    this.tmp = join(this.dir, 'tmp');
    mkdirSync(this.tmp);
  }

  /** Writes a job module; `from 'weir'` in `source` is rewritten to import the engine by URL. */
  job(name: string, source: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, source.replaceAll(`from 'weir'`, `from ${JSON.stringify(weirUrl)}`));
    return path;
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** The environment of the CLI: the sources of the engine, this workspace's TMPDIR, no inherited NODE_OPTIONS. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const { NODE_OPTIONS: _ignored, ...rest } = process.env;
    return { ...rest, NODE_OPTIONS: '--conditions=weir-source', TMPDIR: this.tmp, ...extra };
  }

  /** Starts `weir <args>` in the workspace; `run.done` resolves with code, signal and output. */
  start(args: readonly string[], extraEnv: Record<string, string> = {}): Run {
    return this.children.spawn(node, [join(repo, 'bin/weir.js'), ...args], {
      cwd: this.dir,
      env: this.env(extraEnv),
    });
  }

  /** Runs `weir <args>` to its end. */
  run(args: readonly string[], extraEnv: Record<string, string> = {}) {
    return this.start(args, extraEnv).done;
  }

  /** Entries left in the workspace's TMPDIR (what a run must not leave behind). */
  leftovers(): string[] {
    return existsSync(this.tmp) ? readdirSync(this.tmp) : [];
  }

  assertNothingLeftInTmp(): void {
    assert.deepEqual(this.leftovers(), [], 'nothing is left in the temporary directory');
  }

  /** Kills what is still running and removes the workspace. For `t.after` or a `finally`. */
  async dispose(): Promise<void> {
    await this.children.killAll();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The first line of `text` matching `pattern`, for messages that must appear exactly once. */
export function lineMatching(text: string, pattern: RegExp): string | undefined {
  return text.split('\n').find((line) => pattern.test(line));
}
