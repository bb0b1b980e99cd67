import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WeirError } from '../../src/core/errors.ts';
import { bearerMatches, isLoopbackHost } from '../../src/server/auth.ts';
import { createRestServer } from '../../src/server/rest-server.ts';
import { type SelfSigned, selfSignedCertificate } from '../support/self-signed.ts';
import { FakeDispatcher, JOB_ID } from './fake-dispatcher.ts';
import { send, startServer } from './support.ts';

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(typeof address === 'object' && address !== null);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

/** Whether anything accepts a TCP connection on 127.0.0.1:port (bounded by the refusal or a timeout). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 2000 });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('bind rule: a non-loopback address needs a token', () => {
  it('knows the loopback addresses', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      'LOCALHOST',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
    ]) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '192.168.1.5',
      '::ffff:10.0.0.1',
      'jobmanager.example',
      '128.0.0.1',
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });

  for (const host of ['0.0.0.0', '::']) {
    it(`refuses to start on ${host} without a token, before binding, saying how to configure one`, async () => {
      const port = await freePort();
      await assert.rejects(
        createRestServer({ dispatcher: new FakeDispatcher(), host, port }),
        (error: unknown) => {
          assert.ok(error instanceof WeirError);
          assert.equal(error.code, 'TOKEN_REQUIRED');
          assert.match(error.message, /rest\.auth\.token/);
          assert.match(error.message, /WEIR_REST_TOKEN/);
          return true;
        },
      );
      assert.equal(await accepts(port), false, 'nothing listens on the port');
    });
  }

  it('starts on 0.0.0.0 with a token, and then requires it', async () => {
    const server = await createRestServer({
      dispatcher: new FakeDispatcher(),
      host: '0.0.0.0',
      port: 0,
      token: 't0ken',
    });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      assert.equal((await send(url, 'GET', '/overview')).status, 401);
      assert.equal(
        (await send(url, 'GET', '/overview', { headers: { authorization: 'Bearer t0ken' } })).status,
        200,
      );
    } finally {
      await server.close();
    }
  });

  it('refuses an empty token', async () => {
    await assert.rejects(
      createRestServer({ dispatcher: new FakeDispatcher(), host: '0.0.0.0', port: 0, token: '' }),
      (error: unknown) => error instanceof WeirError && error.code === 'INVALID_CONFIG',
    );
  });
});

describe('bearer token', () => {
  it('compares the whole header value', () => {
    assert.equal(bearerMatches('Bearer secret', 'secret'), true);
    assert.equal(bearerMatches('bearer secret', 'secret'), true);
    assert.equal(bearerMatches('Bearer two words', 'two words'), true);
    assert.equal(bearerMatches('Bearer two', 'two words'), false);
    for (const header of [
      undefined,
      '',
      'secret',
      'Bearer',
      'Bearer ',
      'Bearer secre',
      'Bearer secret2',
      'Basic secret',
      'Bearer secret extra',
    ]) {
      assert.equal(bearerMatches(header, 'secret'), false, String(header));
    }
  });

  it('gets 401 UNAUTHORIZED with WWW-Authenticate on every route without the right token, loopback included', async () => {
    const { server, dispatcher, url } = await startServer({ token: 'right-token' });
    try {
      const routes: Array<[string, string, unknown?]> = [
        ['GET', '/overview'],
        ['GET', '/jobs'],
        ['GET', '/jobs/overview'],
        ['GET', `/jobs/${JOB_ID}`],
        ['GET', `/jobs/${JOB_ID}/plan`],
        ['GET', `/jobs/${JOB_ID}/exceptions`],
        ['GET', `/jobs/${JOB_ID}/checkpoints`],
        ['GET', '/taskmanagers'],
        ['GET', '/config'],
        ['GET', '/openapi.json'],
        ['POST', '/jobs', { artifact: { name: 'job.mjs', code: 'export {}' } }],
        ['PATCH', `/jobs/${JOB_ID}?mode=cancel`],
        ['POST', `/jobs/${JOB_ID}/savepoints`, {}],
        ['POST', `/jobs/${JOB_ID}/stop`, {}],
        ['GET', `/jobs/${JOB_ID}/savepoints/trigger-done`],
        ['GET', '/no-such-route'],
      ];
      for (const [method, path, body] of routes) {
        for (const headers of [
          {} as Record<string, string>,
          { authorization: 'Bearer wrong-token' },
          { authorization: 'right-token' },
        ]) {
          const response = await send(url, method, path, { body, headers });
          assert.equal(response.status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
          assert.equal(response.json.code, 'UNAUTHORIZED');
          assert.match(String(response.headers['www-authenticate']), /^Bearer/);
        }
      }
      assert.deepEqual(dispatcher.submitted, []);
      assert.deepEqual(dispatcher.cancelled, []);
      assert.deepEqual(dispatcher.savepoints, []);
      const ok = await send(url, 'GET', '/jobs', { headers: { authorization: 'Bearer right-token' } });
      assert.equal(ok.status, 200);
    } finally {
      await server.close();
    }
  });
});

describe('a tokenless server answers only requests to and from loopback (cross-site requests, DNS rebinding)', () => {
  it('refuses a foreign Host or Origin before the dispatcher sees the request, and answers loopback ones', async () => {
    const { server, dispatcher, url } = await startServer();
    try {
      const port = server.port;
      const refused: Array<Record<string, string>> = [
        { host: `rebind.attacker.example:${port}` },
        { host: `10.0.0.7:${port}` },
        { host: `127.0.0.1:${port}`, origin: 'https://attacker.example' },
        { host: `127.0.0.1:${port}`, origin: 'null' },
      ];
      for (const headers of refused) {
        const stop = await send(url, 'POST', `/jobs/${JOB_ID}/stop`, { headers });
        assert.equal(stop.status, 401, JSON.stringify(headers));
        assert.equal(stop.json.code, 'UNAUTHORIZED');
        assert.match(stop.json.message, /rest\.auth\.token/);
        const read = await send(url, 'GET', '/jobs', { headers });
        assert.equal(read.status, 401, JSON.stringify(headers));
      }
      assert.deepEqual(dispatcher.savepoints, []);
      for (const headers of [
        { host: `127.0.0.1:${port}` } as Record<string, string>,
        { host: `localhost:${port}`, origin: 'http://localhost:5173' },
        { host: `[::1]:${port}`, origin: `http://127.0.0.1:${port}` },
      ]) {
        assert.equal((await send(url, 'GET', '/jobs', { headers })).status, 200, JSON.stringify(headers));
      }
    } finally {
      await server.close();
    }
  });

  it('leaves Host and Origin to the token when there is one', async () => {
    const { server, url } = await startServer({ token: 'tok' });
    try {
      const headers = {
        host: 'jobmanager.example:8081',
        origin: 'https://ops.example',
        authorization: 'Bearer tok',
      };
      assert.equal((await send(url, 'GET', '/jobs', { headers })).status, 200);
    } finally {
      await server.close();
    }
  });
});

describe('TLS', () => {
  let certificate: SelfSigned;
  before(() => {
    certificate = selfSignedCertificate();
  });
  after(() => certificate.remove());

  it('serves HTTPS with the given key and certificate, and a client that does not trust it fails', async () => {
    const { cert } = certificate;
    const { server, url } = await startServer({
      tls: { key: certificate.key, cert },
      token: 'tls-token',
    });
    try {
      assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const response = await send(url, 'GET', '/overview', {
        ca: cert,
        headers: { authorization: 'Bearer tls-token' },
      });
      assert.equal(response.status, 200);
      assert.equal(response.json.taskmanagers, 2);
      await assert.rejects(send(url, 'GET', '/overview'), /self[- ]signed|certificate/i);
    } finally {
      await server.close();
    }
  });
});

describe('uploads are size-limited', () => {
  it('answers 413 PAYLOAD_TOO_LARGE as JSON beyond the limit, and accepts a body within it', async () => {
    const { server, dispatcher, url } = await startServer({ uploadLimitBytes: 4096 });
    try {
      const big = await send(url, 'POST', '/jobs', {
        body: { artifact: { name: 'job.mjs', code: 'x'.repeat(5000) } },
      });
      assert.equal(big.status, 413);
      assert.equal(big.json.code, 'PAYLOAD_TOO_LARGE');
      assert.match(big.json.message, /4096 bytes/);
      assert.deepEqual(dispatcher.submitted, []);
      const small = await send(url, 'POST', '/jobs', {
        body: { artifact: { name: 'job.mjs', code: 'x'.repeat(3000) } },
      });
      assert.equal(small.status, 202);
      assert.equal(dispatcher.submitted.length, 1);
    } finally {
      await server.close();
    }
  });

  it('checks the token before reading a large body', async () => {
    const { server, url } = await startServer({ uploadLimitBytes: 4096, token: 'tok' });
    try {
      const response = await send(url, 'POST', '/jobs', {
        body: { artifact: { name: 'a.mjs', code: 'x'.repeat(100_000) } },
      });
      assert.equal(response.status, 401);
    } finally {
      await server.close();
    }
  });
});

describe('path traversal (CVE-2020-17518, CVE-2020-17519)', () => {
  let base: string;
  let root: string;
  let checkpoints: string;
  const marker = `weir-secret-${process.pid}-${Date.now()}`;
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'weir-rest-paths-'));
    root = join(base, 'savepoints');
    checkpoints = join(base, 'checkpoints');
    mkdirSync(join(root, 'existing'), { recursive: true });
    mkdirSync(checkpoints);
    mkdirSync(join(base, 'outside'));
    writeFileSync(join(base, 'outside', 'secret.txt'), marker);
    symlinkSync(join(base, 'outside'), join(root, 'escape'));
    symlinkSync(join(base, 'outside', 'not-there'), join(root, 'dangling'));
    symlinkSync(join(root, 'existing'), join(root, 'inner-link'));
    mkdirSync(`${root}-evil`);
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('refuses artifact names that are not plain file names, before the dispatcher sees them', async () => {
    const { server, dispatcher, url } = await startServer({ roots: { savepoints: root } });
    try {
      const names = [
        '../job.mjs',
        '..%2fjob.mjs',
        '..%252fjob.mjs',
        '/etc/passwd',
        `${base}/outside/x.mjs`,
        '..',
        '.',
        'a/b.mjs',
        'a\\b.mjs',
        'job\u0000.mjs',
        '',
        'x'.repeat(129),
        '~/.bashrc',
        'job .mjs',
      ];
      for (const name of names) {
        const response = await send(url, 'POST', '/jobs', {
          body: { artifact: { name, code: 'export {}' } },
        });
        assert.equal(response.status, 400, JSON.stringify(name));
        assert.equal(response.json.code, 'PATH_OUTSIDE_ROOT', JSON.stringify(name));
      }
      assert.deepEqual(dispatcher.submitted, []);
      const ok = await send(url, 'POST', '/jobs', {
        body: { artifact: { name: 'fraud-detection_1.mjs', code: 'export {}' } },
      });
      assert.equal(ok.status, 202);
    } finally {
      await server.close();
    }
  });

  it('refuses savepoint targets outside the savepoint root, naming the root', async () => {
    const { server, dispatcher, url } = await startServer({ roots: { savepoints: root, checkpoints } });
    try {
      const targets = [
        '../../etc',
        '/etc',
        '%2e%2e/',
        '%2e%2e%2f%2e%2e%2fetc',
        'existing/../../outside',
        'escape',
        'escape/new-savepoint',
        'dangling/x',
        `${root}-evil`,
        `${root}/../outside`,
        'a\u0000b',
        checkpoints,
        `file://${base}/outside`,
        join(base, 'outside', 'secret.txt'),
      ];
      for (const target of targets) {
        for (const [path, body] of [
          [`/jobs/${JOB_ID}/savepoints`, { 'target-directory': target }],
          [`/jobs/${JOB_ID}/stop`, { targetDirectory: target }],
        ] as const) {
          const response = await send(url, 'POST', path, { body });
          assert.equal(response.status, 400, `${path} ${JSON.stringify(target)}: ${response.text}`);
          assert.equal(response.json.code, 'PATH_OUTSIDE_ROOT', JSON.stringify(target));
          assert.ok(!response.text.includes(marker));
        }
      }
      assert.deepEqual(dispatcher.savepoints, []);
      const outside = await send(url, 'POST', `/jobs/${JOB_ID}/savepoints`, {
        body: { 'target-directory': '/etc' },
      });
      assert.ok(outside.json.message.includes(root), outside.json.message);
      assert.match(outside.json.message, /state\.savepoints\.dir/);
    } finally {
      await server.close();
    }
  });

  it('refuses restore paths outside the savepoint and checkpoint roots', async () => {
    const { server, dispatcher, url } = await startServer({ roots: { savepoints: root, checkpoints } });
    try {
      for (const savepointPath of [
        '../outside',
        '/etc/passwd',
        'escape',
        '%2e%2e/outside',
        `${checkpoints}/../outside`,
      ]) {
        const response = await send(url, 'POST', '/jobs', {
          body: { artifact: { name: 'job.mjs', code: 'export {}' }, savepointPath },
        });
        assert.equal(response.status, 400, savepointPath);
        assert.equal(response.json.code, 'PATH_OUTSIDE_ROOT', savepointPath);
      }
      assert.deepEqual(dispatcher.submitted, []);
    } finally {
      await server.close();
    }
  });

  it('never reads a file for a traversal in a route parameter, encoded once or twice', async () => {
    const { server, dispatcher, url } = await startServer({ roots: { savepoints: root } });
    try {
      const secret = join(base, 'outside', 'secret.txt');
      const enc = (s: string) => s.replaceAll('/', '%2f');
      const paths = [
        '/jobs/..%252f..%252fetc%252fpasswd',
        `/jobs/..%252f..%252f..%252f..%252f..%252f..%252f${secret.slice(1).replaceAll('/', '%252f')}`,
        `/jobs/${enc(`../../../../../..${secret}`)}`,
        '/jobs/%2e%2e/%2e%2e/etc/passwd',
        '/jobs/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
        `/jobs/${JOB_ID}/savepoints/..%252f..%252fetc%252fpasswd`,
        `/jobs/${JOB_ID}/plan/../../../../etc/passwd`,
        `/../../../..${secret}`,
        `/%2e%2e/%2e%2e/%2e%2e/%2e%2e${secret}`,
        `//${secret}`,
        `/openapi.json/..%2f..%2f..%2f..${secret}`,
        '/jobs/%00',
      ];
      for (const path of paths) {
        const response = await send(url, 'GET', path);
        assert.ok(response.status === 400 || response.status === 404, `${path}: ${response.status}`);
        assert.ok(
          ['INVALID_ARGUMENT', 'NOT_FOUND', 'JOB_NOT_FOUND'].includes(response.json?.code),
          `${path}: ${response.text}`,
        );
        assert.ok(!response.text.includes(marker), path);
        assert.ok(!response.text.includes('root:'), path);
      }
      assert.deepEqual(dispatcher.savepoints, []);
    } finally {
      await server.close();
    }
  });

  it('accepts targets inside the root and hands the dispatcher their real absolute path', async () => {
    const { server, dispatcher, url } = await startServer({ roots: { savepoints: root } });
    try {
      const cases: Array<[string | undefined, string]> = [
        [undefined, root],
        ['sp-1', join(root, 'sp-1')],
        ['existing/new/deeper', join(root, 'existing', 'new', 'deeper')],
        [join(root, 'abs'), join(root, 'abs')],
        ['inner-link/sp', join(root, 'existing', 'sp')],
        ['a/../b', join(root, 'b')],
        [`file://${root}/from-url`, join(root, 'from-url')],
      ];
      for (const [target, expected] of cases) {
        const body = target === undefined ? {} : { 'target-directory': target };
        const response = await send(url, 'POST', `/jobs/${JOB_ID}/savepoints`, { body });
        assert.equal(response.status, 202, `${target}: ${response.text}`);
        assert.equal(dispatcher.savepoints.at(-1)?.targetDirectory, expected, String(target));
      }
    } finally {
      await server.close();
    }
  });
});

describe('logging', () => {
  it('logs one line per request, never the Authorization header, and a 500 detail only to the log', async () => {
    const lines: string[] = [];
    const dispatcher = new FakeDispatcher();
    dispatcher.submitError = new TypeError(
      'cannot read properties of undefined (reading /srv/internal/path)',
    );
    const { server, url } = await startServer({
      dispatcher,
      token: 'never-log-this-token',
      log: (level, message) => lines.push(`${level} ${message}`),
    });
    try {
      const headers = { authorization: 'Bearer never-log-this-token' };
      await send(url, 'GET', '/jobs', { headers });
      const failed = await send(url, 'POST', '/jobs', {
        headers,
        body: { artifact: { name: 'a.mjs', code: '1' } },
      });
      assert.equal(failed.status, 500);
      assert.equal(failed.json.code, 'INTERNAL');
      assert.ok(!failed.text.includes('/srv/internal/path'), failed.text);
      assert.ok(!/\bat\s/.test(failed.text), 'no stack in the response');
      await send(url, 'GET', '/jobs', { headers: { authorization: 'Bearer wrong' } });
      assert.ok(
        lines.some((l) => /^info GET \/jobs 200 /.test(l)),
        lines.join('\n'),
      );
      assert.ok(
        lines.some((l) => /^info GET \/jobs 401 /.test(l)),
        lines.join('\n'),
      );
      assert.ok(
        lines.some(
          (l) => l.startsWith('error POST /jobs failed: TypeError') && l.includes('/srv/internal/path'),
        ),
      );
      assert.ok(
        lines.every((l) => !l.includes('never-log-this-token') && !/authorization/i.test(l)),
        lines.join('\n'),
      );
    } finally {
      await server.close();
    }
  });
});
