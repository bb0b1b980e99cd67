/** Helpers for fault tests: child processes of `weir run`, and the checkpoints they leave. */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Waits for an event: polls `condition` (which may be asynchronous) every 20 ms until it holds, and
 * rejects after `timeoutMs`, a deadline generous enough for a loaded machine. Never a pause.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what = 'a condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The checkpoint ids that `restored from checkpoint <id>` lines (printed by the test jobs) name. */
export function restoredCheckpointIds(output: string): number[] {
  return [...output.matchAll(/restored from checkpoint (\d+)/g)].map((m) => Number(m[1]));
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
