import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { openApiPath } from '../../src/server/openapi.ts';
import { createRestApp } from '../../src/server/rest-server.ts';
import { FakeDispatcher, FINISHED_JOB_ID, JOB_ID } from './fake-dispatcher.ts';
import { type Response, send, startServer } from './support.ts';

/** Loads the app with an `onRoute` hook of the test's own, listens, and fetches the document. */
async function registeredRoutesAndDocument(token?: string) {
  const dispatcher = new FakeDispatcher();
  const app = createRestApp({ dispatcher, ...(token === undefined ? {} : { token }) });
  const registered: Array<{ method: string; url: string }> = [];
  app.addHook('onRoute', (route) => {
    if (route.config?.documented === false) return; // the dashboard's files
    for (const method of [route.method].flat())
      registered.push({ method: method.toLowerCase(), url: route.url });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const address = app.server.address();
    assert.ok(typeof address === 'object' && address !== null);
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const response = await send(`http://127.0.0.1:${address.port}`, 'GET', '/openapi.json', { headers });
    assert.equal(response.status, 200);
    return { registered, document: response.json };
  } finally {
    await app.close();
  }
}

function operations(document: any): Array<{ path: string; method: string; op: any }> {
  return Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
    ([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
}

const ajv = new Ajv2020({ strict: false, allErrors: true });

function assertValid(schema: unknown, value: unknown, what: string): void {
  const validate = ajv.compile(schema as object);
  assert.ok(validate(value), `${what}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`);
}

describe('OpenAPI document', () => {
  it('documents every registered route with its method, and documents no route that does not exist', async () => {
    const { registered, document } = await registeredRoutesAndDocument();
    assert.equal(document.openapi, '3.1.0');
    assert.ok(registered.length >= 15, `only ${registered.length} routes registered`);
    for (const { method, url } of registered) {
      assert.ok(
        document.paths[openApiPath(url)]?.[method],
        `${method.toUpperCase()} ${url} missing from the document`,
      );
    }
    const registeredKeys = new Set(registered.map((r) => `${r.method} ${openApiPath(r.url)}`));
    for (const { path, method } of operations(document)) {
      assert.ok(
        registeredKeys.has(`${method} ${path}`),
        `${method.toUpperCase()} ${path} documented but not routed`,
      );
    }
    // The routes the issue names are all there.
    for (const key of [
      'get /overview',
      'get /jobs',
      'get /jobs/{jobid}',
      'get /jobs/{jobid}/plan',
      'get /jobs/{jobid}/exceptions',
      'get /jobs/{jobid}/checkpoints',
      'get /taskmanagers',
      'get /config',
      'post /jobs',
      'patch /jobs/{jobid}',
      'post /jobs/{jobid}/savepoints',
      'post /jobs/{jobid}/stop',
      'get /jobs/{jobid}/savepoints/{triggerid}',
    ]) {
      assert.ok(registeredKeys.has(key), `${key} is not routed`);
    }
  });

  it('declares every path parameter, JSON responses with schemas that compile as JSON Schema 2020-12, and errors', async () => {
    const { document } = await registeredRoutesAndDocument();
    for (const { path, method, op } of operations(document)) {
      const where = `${method.toUpperCase()} ${path}`;
      const placeholders = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? [])
        .filter((p: any) => p.in === 'path')
        .map((p: any) => p.name)
        .sort();
      assert.deepEqual(declared, placeholders, `${where}: path parameters`);
      assert.ok(op.summary, `${where}: summary`);
      const success = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s));
      assert.equal(success.length, 1, `${where}: one success response`);
      assert.ok(op.responses['4XX'] && op.responses['5XX'], `${where}: error responses`);
      for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
        assert.ok(response.description, `${where} ${status}: description`);
        const [type, ...others] = Object.keys(response.content);
        assert.equal(others.length, 0, `${where} ${status}: one media type`);
        // Only successes may be other than JSON: server-sent events, log text.
        if (type !== 'application/json')
          assert.match(`${status} ${type}`, /^200 text\/(event-stream|plain)$/, where);
        ajv.compile(response.content[type].schema);
      }
      if (op.requestBody !== undefined) ajv.compile(op.requestBody.content['application/json'].schema);
    }
    const submit = document.paths['/jobs'].post;
    assert.deepEqual(submit.requestBody.content['application/json'].schema.required, ['artifact']);
    assert.equal(document.security, undefined, 'no token: no security requirement');
  });

  it('requires the bearer token in the document when the server has one', async () => {
    const { document } = await registeredRoutesAndDocument('doc-token');
    assert.deepEqual(document.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' });
    assert.deepEqual(document.security, [{ bearer: [] }]);
  });

  it('answers every read endpoint with JSON that matches its documented schema and the dispatcher data', async () => {
    const { server, dispatcher, url } = await startServer();
    try {
      const document = (await send(url, 'GET', '/openapi.json')).json;
      const reads = operations(document).filter(
        (o) =>
          o.method === 'get' &&
          o.path !== '/openapi.json' &&
          o.op.responses['200'].content['application/json'] !== undefined,
      );
      const expected = (path: string, jobid: string, triggerid: string): unknown => {
        switch (path) {
          case '/overview':
            return dispatcher.overview();
          case '/jobs':
            return { jobs: dispatcher.jobs().map((j) => ({ id: j.jid, status: j.state })) };
          case '/jobs/overview':
            return { jobs: dispatcher.jobs() };
          case '/jobs/{jobid}':
            return dispatcher.job(jobid);
          case '/jobs/{jobid}/plan':
            return dispatcher.plan(jobid);
          case '/jobs/{jobid}/exceptions':
            return dispatcher.exceptions(jobid);
          case '/jobs/{jobid}/checkpoints':
            return dispatcher.checkpoints(jobid);
          case '/jobs/{jobid}/savepoints/{triggerid}':
            return dispatcher.savepointStatus(jobid, triggerid);
          case '/taskmanagers':
            return { taskmanagers: dispatcher.taskManagers() };
          case '/jobmanager/logs':
            return { logs: [] }; // the fake server writes no log
          case '/taskmanagers/{tmid}':
            return dispatcher.taskManager('tm-2');
          case '/jobs/{jobid}/vertices/{vertexid}':
            return dispatcher.vertex(jobid, 'v-detect');
          case '/jobs/{jobid}/vertices/{vertexid}/watermarks':
            return dispatcher.watermarks(jobid, 'v-detect');
          default:
            throw new Error(`no expectation for GET ${path}: add one`);
        }
      };
      let checked = 0;
      for (const { path, op } of reads) {
        // Both jobs: the running one has every nullable field set, the finished one has them null.
        for (const jobid of path.includes('{jobid}') ? [JOB_ID, FINISHED_JOB_ID] : ['-']) {
          for (const triggerid of path.includes('{triggerid}')
            ? ['trigger-running', 'trigger-done', 'trigger-failed']
            : ['-']) {
            const concrete = path
              .replace('{jobid}', jobid)
              .replace('{triggerid}', triggerid)
              .replace('{vertexid}', 'v-detect')
              .replace('{tmid}', 'tm-2');
            const response: Response = await send(url, 'GET', concrete);
            assert.equal(response.status, 200, `GET ${concrete}: ${response.text}`);
            assert.match(String(response.headers['content-type']), /^application\/json/);
            assertValid(
              op.responses['200'].content['application/json'].schema,
              response.json,
              `GET ${concrete}`,
            );
            if (path !== '/config')
              assert.deepEqual(response.json, expected(path, jobid, triggerid), `GET ${concrete}`);
            checked++;
          }
        }
      }
      assert.ok(checked >= 16, `only ${checked} reads checked`);
      assert.ok(reads.some((r) => r.path === '/config'));

      // Error responses match the documented error schema too.
      const missing = await send(url, 'GET', '/jobs/no-such-job');
      assert.equal(missing.status, 404);
      assertValid(
        document.paths['/jobs/{jobid}'].get.responses['4XX'].content['application/json'].schema,
        missing.json,
        '404',
      );
    } finally {
      await server.close();
    }
  });
});
