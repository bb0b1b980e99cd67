import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { JobClient } from '../api/executor.ts';
import { WeirError } from '../core/errors.ts';

/**
 * Savepoints of a job run by `weir run` in another terminal: `weir savepoint <pid> [dir]` and
 * `weir stop <pid> [dir]` write a request file for that process and send it SIGUSR2; the running
 * process takes the savepoint (and, for stop, cancels the job afterwards) and writes the outcome
 * to a result file that the requesting command waits for. SIGUSR2 alone (`kill -USR2 <pid>`) takes
 * a savepoint into the run's `--savepoint-dir`.
 */
export interface SavepointRequest {
  action: 'savepoint' | 'stop';
  directory: string | null;
}

export type SavepointResult = { ok: true; paths: string[] } | { ok: false; error: string };

const requestFile = (pid: number) => join(tmpdir(), `weir-${pid}.savepoint-request.json`);
const resultFile = (pid: number) => join(tmpdir(), `weir-${pid}.savepoint-result.json`);

/** In `weir run`: answers savepoint requests for the jobs of this process until the returned function is called. */
export function serveSavepointRequests(clients: readonly JobClient[], defaultDirectory: string): () => void {
  const pid = process.pid;
  const onSignal = () => {
    let request: SavepointRequest = { action: 'savepoint', directory: null };
    try {
      if (existsSync(requestFile(pid))) {
        request = JSON.parse(readFileSync(requestFile(pid), 'utf8')) as SavepointRequest;
        rmSync(requestFile(pid), { force: true });
      }
    } catch {
      // A malformed request is treated as a plain savepoint.
    }
    const directory = resolve(request.directory ?? defaultDirectory);
    const running = clients.filter((c) => c.getJobStatus() === 'running');
    const take = async (c: JobClient) => {
      if (request.action === 'stop') {
        if (!c.stopWithSavepoint) throw new WeirError('NOT_SUPPORTED', 'this job cannot take savepoints');
        return c.stopWithSavepoint(directory);
      }
      if (!c.triggerSavepoint) throw new WeirError('NOT_SUPPORTED', 'this job cannot take savepoints');
      return c.triggerSavepoint(directory);
    };
    Promise.all(running.map(take)).then(
      (paths) => {
        for (const p of paths) console.error(`weir: savepoint written to ${p}`);
        writeResult(
          pid,
          running.length === 0 ? { ok: false, error: 'no job is running' } : { ok: true, paths },
        );
      },
      (error) => {
        console.error(`weir: savepoint failed: ${error instanceof Error ? error.message : String(error)}`);
        writeResult(pid, { ok: false, error: error instanceof Error ? error.message : String(error) });
      },
    );
  };
  process.on('SIGUSR2', onSignal);
  return () => process.off('SIGUSR2', onSignal);
}

/** Written whole, then renamed into place: the requester, polling for the file, never reads half of it. */
function writeResult(pid: number, result: SavepointResult): void {
  writeFileSync(`${resultFile(pid)}.tmp`, JSON.stringify(result));
  renameSync(`${resultFile(pid)}.tmp`, resultFile(pid));
}

/** `weir savepoint|stop <pid> [dir]`: asks a running `weir run` process for a savepoint and waits for it. */
export async function requestSavepoint(
  pid: number,
  request: SavepointRequest,
  timeoutMs = 120_000,
): Promise<string[]> {
  try {
    process.kill(pid, 0);
  } catch {
    throw new WeirError('JOB_NOT_FOUND', `no process ${pid}: is "weir run" still running?`);
  }
  rmSync(resultFile(pid), { force: true });
  writeFileSync(requestFile(pid), JSON.stringify(request));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(resultFile(pid))) {
      const result = JSON.parse(readFileSync(resultFile(pid), 'utf8')) as SavepointResult;
      rmSync(resultFile(pid), { force: true });
      if (!result.ok) throw new WeirError('CHECKPOINT_FAILED', `savepoint failed: ${result.error}`);
      return result.paths;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new WeirError('CHECKPOINT_FAILED', `no answer from process ${pid} within ${timeoutMs} ms`);
}
