/** Helpers for fault tests: child processes of `weir run`, and the checkpoints they leave. */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Polls `condition` every 20 ms; rejects after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Complete checkpoints (`<job>/chk-<n>` with a `_metadata`) under a storage root. */
export function completedCheckpoints(root: string): string[] {
  if (!existsSync(root)) return [];
  const found: string[] = [];
  for (const job of readdirSync(root)) {
    const dir = join(root, job);
    for (const chk of existsSync(dir) ? readdirSync(dir) : []) {
      if (existsSync(join(dir, chk, '_metadata'))) found.push(join(job, chk));
    }
  }
  return found;
}

/**
 * The id of the newest complete checkpoint under a storage root (0 when there is none). Progress is
 * measured by id, not by count: only the latest N are kept, so the count stops growing.
 */
export function latestCheckpoint(root: string): number {
  let latest = 0;
  for (const path of completedCheckpoints(root)) {
    latest = Math.max(latest, Number(/chk-(\d+)$/.exec(path)?.[1] ?? 0));
  }
  return latest;
}
