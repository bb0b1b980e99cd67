import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRestApp } from '../../src/server/rest-server.ts';
import { defaultUiDirectory, readUiFiles, UI_CSP } from '../../src/server/static-ui.ts';
import { FakeDispatcher } from './fake-dispatcher.ts';
import { send, startServer } from './support.ts';

/** A dashboard build as Vite leaves it, plus files that must never be served. */
function fakeBuild(root: string): string {
  const ui = join(root, 'ui');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(
    join(ui, 'index.html'),
    '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>',
  );
  writeFileSync(join(ui, 'assets', 'index-abc123.js'), 'console.log("weir");');
  writeFileSync(join(ui, 'assets', 'index-def456.css'), 'body{margin:0}');
  writeFileSync(join(ui, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(ui, '.env'), 'SECRET=1');
  writeFileSync(join(ui, 'notes.sh'), 'rm -rf /');
  writeFileSync(join(root, 'outside.js'), 'OUTSIDE-CONTENT');
  symlinkSync(join(root, 'outside.js'), join(ui, 'assets', 'linked.js'));
  // A file that would shadow an API route.
  mkdirSync(join(ui, 'overview'));
  writeFileSync(join(ui, 'overview', 'x.js'), 'SHADOW-CONTENT');
  return ui;
}

describe('the dashboard', () => {
  let root = '';
  let ui = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'weir-static-ui-'));
    ui = fakeBuild(root);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('serves index.html at / and the assets with their types, caching and CSP', async () => {
    const { server, url } = await startServer({ ui: { directory: ui } });
    try {
      const index = await send(url, 'GET', '/');
      assert.equal(index.status, 200);
      assert.match(index.text, /index-abc123\.js/);
      assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(index.headers['cache-control'], 'no-cache');
      assert.equal(index.headers['content-security-policy'], UI_CSP);
      assert.match(UI_CSP, /default-src 'self'/);
      assert.equal(index.headers['x-content-type-options'], 'nosniff');
      assert.equal((await send(url, 'GET', '/index.html')).text, index.text);

      const js = await send(url, 'GET', '/assets/index-abc123.js');
      assert.equal(js.status, 200);
      assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
      assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(js.text, 'console.log("weir");');
      assert.equal(
        (await send(url, 'GET', '/assets/index-def456.css')).headers['content-type'],
        'text/css; charset=utf-8',
      );
      const svg = await send(url, 'GET', '/favicon.svg');
      assert.deepEqual(
        [svg.headers['content-type'], svg.headers['cache-control']],
        ['image/svg+xml', 'no-cache'],
      );

      // Revalidation: the same ETag gets 304 without a body.
      const again = await send(url, 'GET', '/', { headers: { 'if-none-match': String(index.headers.etag) } });
      assert.deepEqual([again.status, again.text], [304, '']);
    } finally {
      await server.close();
    }
  });

  it('serves only the allow-list: no dot file, link, unknown type, API shadow or traversal', async () => {
    const files = readUiFiles(ui);
    assert.deepEqual([...files.keys()].sort(), [
      '/assets/index-abc123.js',
      '/assets/index-def456.css',
      '/favicon.svg',
      '/index.html',
      '/overview/x.js',
    ]);
    const { server, url } = await startServer({ ui: { directory: ui } });
    try {
      for (const path of [
        '/.env',
        '/notes.sh',
        '/assets/linked.js',
        '/assets/',
        '/..%2foutside.js',
        '/assets/..%2f..%2foutside.js',
        '/%2e%2e/outside.js',
        '/assets/%2e%2e%2f%2e%2e%2foutside.js',
        '/assets/index-abc123.js%00.html',
        '/assets//index-abc123.js/..',
        '/ui/index.html',
        '/overview/x.js',
      ]) {
        const response = await send(url, 'GET', path);
        assert.equal(response.status, 404, `GET ${path}: ${response.status} ${response.text.slice(0, 100)}`);
        assert.equal(response.json?.code, 'NOT_FOUND', `GET ${path} is a JSON 404`);
        assert.doesNotMatch(response.text, /OUTSIDE-CONTENT|SECRET=1|SHADOW-CONTENT|rm -rf/);
      }
      // The API keeps its routes, and the document leaves the dashboard's files out.
      assert.equal((await send(url, 'GET', '/overview')).json.taskmanagers, 2);
      const document = (await send(url, 'GET', '/openapi.json')).json;
      assert.equal(document.paths['/'], undefined);
      assert.equal(document.paths['/assets/index-abc123.js'], undefined);
    } finally {
      await server.close();
    }
  });

  it('says how to build the dashboard when there is none', async () => {
    for (const directory of [join(root, 'missing'), join(root, 'ui', 'assets')]) {
      const app = createRestApp({ dispatcher: new FakeDispatcher(), ui: { directory } });
      try {
        const response = await app.inject({ method: 'GET', url: '/', headers: { host: '127.0.0.1' } });
        assert.equal(response.statusCode, 200);
        assert.match(response.body, /npm run build/);
        assert.equal(response.headers['content-security-policy'], UI_CSP);
        const asset = await app.inject({
          method: 'GET',
          url: '/assets/index-abc123.js',
          headers: { host: '127.0.0.1' },
        });
        assert.equal(asset.statusCode, 404, 'without an index.html nothing of the directory is served');
      } finally {
        await app.close();
      }
    }
  });

  it("is looked for in the package's dist/ui, wherever the module is", () => {
    assert.equal(defaultUiDirectory(), join(import.meta.dirname, '../../dist/ui/'));
  });

  it('serves its files without the token, which the API and its streams still require', async () => {
    const app = createRestApp({ dispatcher: new FakeDispatcher(), ui: { directory: ui }, token: 'ui-token' });
    try {
      // A browser loading the page cannot send a bearer token: the page asks for it, then sends it.
      const page = await app.inject({ method: 'GET', url: '/', headers: { host: '127.0.0.1' } });
      assert.equal(page.statusCode, 200);
      for (const url of ['/overview', '/jobs/overview', '/events', '/jobmanager/log']) {
        const refused = await app.inject({ method: 'GET', url, headers: { host: '127.0.0.1' } });
        assert.equal(refused.statusCode, 401, url);
      }
      const unknown = await app.inject({
        method: 'GET',
        url: '/no-such-file.js',
        headers: { host: '127.0.0.1' },
      });
      assert.equal(unknown.statusCode, 401, 'only the listed files are public');
      const api = await app.inject({
        method: 'GET',
        url: '/overview',
        headers: { authorization: 'Bearer ui-token' },
      });
      assert.equal(api.statusCode, 200);
    } finally {
      await app.close();
    }
    const open = createRestApp({ dispatcher: new FakeDispatcher(), ui: { directory: ui } });
    try {
      const foreign = await open.inject({ method: 'GET', url: '/', headers: { host: 'evil.example' } });
      assert.equal(foreign.statusCode, 401);
    } finally {
      await open.close();
    }
  });
});
