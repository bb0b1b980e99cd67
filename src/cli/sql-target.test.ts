import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { parseDefines, sqlClusterExecutor } from './sql-target.ts';

/** A port nothing listens on (free when asked). */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('where weir sql runs its jobs', () => {
  it('reads -D key=value as session settings', () => {
    assert.deepEqual(parseDefines(['execution.target=remote', 'rest.port = 8082', 'a=b=c']), {
      'execution.target': 'remote',
      'rest.port': '8082',
      a: 'b=c',
    });
    assert.throws(() => parseDefines(['novalue']), { code: 'CLI_USAGE', message: /-D needs key=value/ });
  });

  it('is the local cluster without -m or execution.target=remote', async () => {
    assert.equal(await sqlClusterExecutor({ settings: {} }), undefined);
    assert.equal(await sqlClusterExecutor({ settings: { 'execution.target': 'local' } }), undefined);
  });

  it('refuses a bad -m and an unknown execution.target as usage errors', async () => {
    for (const bad of ['ftp://h:1', 'h:notaport', 'http://']) {
      await assert.rejects(sqlClusterExecutor({ jobmanager: bad, settings: {} }), { code: 'CLI_USAGE' }, bad);
    }
    await assert.rejects(sqlClusterExecutor({ settings: { 'execution.target': 'yarn' } }), {
      code: 'CLI_USAGE',
      message: /execution.target must be local or remote/,
    });
  });

  it('is the JobManager at rest.address and rest.port with execution.target=remote, checked at once', async () => {
    const port = await unusedPort();
    await assert.rejects(
      sqlClusterExecutor({
        settings: { 'execution.target': 'remote', 'rest.address': '127.0.0.1', 'rest.port': String(port) },
      }),
      { code: 'CLUSTER_UNAVAILABLE', message: new RegExp(`no JobManager at http://127\\.0\\.0\\.1:${port}`) },
    );
  });
});
