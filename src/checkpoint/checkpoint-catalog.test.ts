import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { readCatalog } from './checkpoint-catalog.ts';
import { OWNER_FILE } from './checkpoint-storage.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'weir-catalog-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function owned(job: string, owner: object): void {
  mkdirSync(join(root, job));
  writeFileSync(join(root, job, OWNER_FILE), JSON.stringify(owner));
}

describe('checkpoint catalog: which job directories belong to a running job', () => {
  it('a live process that started before the job is its owner; a gone one, or a pid reused since, is not', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    owned('running', { pid: process.pid, host: hostname(), startedAt: Date.now() });
    owned('dead', { pid: gone, host: hostname(), startedAt: Date.now() });
    owned('reused', { pid: process.pid, host: hostname(), startedAt: Date.now() - 10 * 86_400_000 });
    owned('elsewhere', { pid: gone, host: `not-${hostname()}`, startedAt: Date.now() });
    const entry = await readCatalog(root);
    assert.equal(entry.kind, 'root');
    const live = Object.fromEntries(entry.jobs.map((j) => [j.jobId, j.owner !== undefined]));
    const reuseDetectable = process.platform === 'linux';
    assert.deepEqual(live, { running: true, dead: false, reused: !reuseDetectable, elsewhere: true });
  });
});
