import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WeirError, type WeirErrorCode } from '../../src/core/errors.ts';
import { resolveConfinedPath } from '../../src/server/confined-path.ts';
import { httpStatusOf, restErrorOf } from '../../src/server/error-status.ts';
import { FINISHED_JOB_ID, JOB_ID } from './fake-dispatcher.ts';
import { send, startServer } from './support.ts';

describe('error statuses', () => {
  it('maps WeirError codes to HTTP statuses, and anything else to 500', () => {
    const table: Array<[WeirErrorCode | 'NOT_FOUND', number]> = [
      ['JOB_NOT_FOUND', 404],
      ['NOT_FOUND', 404],
      ['UNAUTHORIZED', 401],
      ['PATH_OUTSIDE_ROOT', 400],
      ['INVALID_ARGUMENT', 400],
      ['CLI_USAGE', 400],
      ['PAYLOAD_TOO_LARGE', 413],
      ['GRAPH_MISMATCH', 400],
      ['NOT_ENOUGH_SLOTS', 503],
      ['CLUSTER_UNAVAILABLE', 503],
      ['NOT_SUPPORTED', 400],
      ['BUNDLE_FAILED', 400],
      ['INVALID_GRAPH', 400],
      ['JOB_FAILED', 500],
      ['INTERNAL', 500],
      ['TASKMANAGER_LOST', 503],
    ];
    for (const [code, status] of table) assert.equal(httpStatusOf(code), status, code);
  });

  it('never passes on the message or stack of an error that is not a WeirError', () => {
    const { status, body } = restErrorOf(new Error('ENOENT: /home/secret/key.pem'), 1024);
    assert.equal(status, 500);
    assert.equal(body.code, 'INTERNAL');
    assert.ok(!body.message.includes('/home/secret'));
  });
});

describe('reads', () => {
  it('answers 404 JOB_NOT_FOUND as JSON for an unknown job on every job route', async () => {
    const { server, dispatcher, url } = await startServer({ roots: { savepoints: tmpdir() } });
    try {
      const unknown = 'deadbeefdeadbeefdeadbeefdeadbeef';
      for (const [method, path, body] of [
        ['GET', `/jobs/${unknown}`],
        ['GET', `/jobs/${unknown}/plan`],
        ['GET', `/jobs/${unknown}/exceptions`],
        ['GET', `/jobs/${unknown}/checkpoints`],
        ['GET', `/jobs/${unknown}/savepoints/trigger-done`],
        ['PATCH', `/jobs/${unknown}?mode=cancel`],
        ['POST', `/jobs/${unknown}/savepoints`, {}],
        ['POST', `/jobs/${unknown}/stop`, {}],
      ] as const) {
        const response = await send(url, method, path, { body });
        assert.equal(response.status, 404, `${method} ${path}`);
        assert.equal(response.json.code, 'JOB_NOT_FOUND');
        assert.match(response.json.message, new RegExp(unknown));
      }
      assert.deepEqual(dispatcher.cancelled, []);
      assert.deepEqual(dispatcher.savepoints, []);
    } finally {
      await server.close();
    }
  });

  it('answers 404 NOT_FOUND as JSON for unknown routes, methods and savepoint triggers', async () => {
    const { server, url } = await startServer();
    try {
      for (const [method, path] of [
        ['GET', '/nothing-here'],
        ['DELETE', `/jobs/${JOB_ID}`],
        ['GET', '/jars'],
        ['POST', '/jars/upload'],
        ['GET', `/jobs/${JOB_ID}/savepoints/trigger-unknown`],
      ]) {
        const response = await send(url, method, path);
        assert.equal(response.status, 404, `${method} ${path}`);
        assert.match(String(response.headers['content-type']), /^application\/json/);
        assert.equal(response.json.code, 'NOT_FOUND', `${method} ${path}`);
        assert.equal(typeof response.json.message, 'string');
      }
    } finally {
      await server.close();
    }
  });

  it('redacts secret-looking keys in /config, whatever the dispatcher returns', async () => {
    const { server, url } = await startServer();
    try {
      const response = await send(url, 'GET', '/config');
      assert.equal(response.status, 200);
      assert.equal(response.json['rest.port'], '8081');
      assert.equal(response.json['taskmanager.numberOfTaskSlots'], '2');
      for (const key of ['rest.auth.token', 'security.rpc.secret', 'security.ssl.rest.key', 'db.Password']) {
        assert.equal(response.json[key], '******', key);
      }
      assert.ok(!response.text.includes('leaked'));
    } finally {
      await server.close();
    }
  });
});

describe('submit', () => {
  let base: string;
  before(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'weir-rest-submit-')));
    mkdirSync(join(base, 'savepoints', 'savepoint-1'), { recursive: true });
    mkdirSync(join(base, 'checkpoints', 'job-1', 'chk-7'), { recursive: true });
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('hands the dispatcher the artifact, arguments, environment and defaults, and answers 202 { jobid }', async () => {
    const { server, dispatcher, url } = await startServer();
    try {
      const minimal = await send(url, 'POST', '/jobs', {
        body: { artifact: { name: 'job.mjs', code: 'export {}' } },
      });
      assert.equal(minimal.status, 202);
      assert.deepEqual(minimal.json, { jobid: 'f00dfeedf00dfeedf00dfeedf00dfeed' });
      assert.deepEqual(dispatcher.submitted[0], {
        artifact: { name: 'job.mjs', code: 'export {}' },
        args: [],
        env: {},
        allowNonRestoredState: false,
      });
      const full = await send(url, 'POST', '/jobs', {
        body: {
          artifact: { name: 'job.mjs', code: 'export {}' },
          parallelism: 4,
          args: ['--input', 'a b'],
          env: { KAFKA_BROKERS: 'localhost:9092' },
          allowNonRestoredState: true,
        },
      });
      assert.equal(full.status, 202);
      assert.deepEqual(dispatcher.submitted[1], {
        artifact: { name: 'job.mjs', code: 'export {}' },
        parallelism: 4,
        args: ['--input', 'a b'],
        env: { KAFKA_BROKERS: 'localhost:9092' },
        allowNonRestoredState: true,
      });
    } finally {
      await server.close();
    }
  });

  it('refuses bodies that do not fit the schema with 400 INVALID_ARGUMENT naming the field', async () => {
    const { server, dispatcher, url } = await startServer();
    try {
      const artifact = { name: 'job.mjs', code: 'export {}' };
      const cases: Array<[unknown, RegExp]> = [
        [{}, /artifact/],
        [{ artifact: { name: 'job.mjs' } }, /code/],
        [{ artifact, parallelism: 0 }, /parallelism/],
        [{ artifact, parallelism: '4' }, /parallelism/],
        [{ artifact, args: 'a b' }, /args/],
        [{ artifact, env: { 'BAD NAME': 'x' } }, /BAD NAME/],
        [{ artifact, env: { A: 1 } }, /env/],
        [{ artifact, entryClass: 'Main' }, /entryClass/],
      ];
      for (const [body, message] of cases) {
        const response = await send(url, 'POST', '/jobs', { body });
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.equal(response.json.code, 'INVALID_ARGUMENT');
        assert.match(response.json.message, message);
      }
      const malformed = await send(url, 'POST', '/jobs', { rawBody: '{"artifact": ' });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.json.code, 'INVALID_ARGUMENT');
      assert.deepEqual(dispatcher.submitted, []);
    } finally {
      await server.close();
    }
  });

  it('passes WeirErrors of the dispatcher on with their code and status', async () => {
    const { server, dispatcher, url } = await startServer();
    try {
      const body = { artifact: { name: 'job.mjs', code: 'export {}' } };
      for (const [code, status] of [
        ['GRAPH_MISMATCH', 400],
        ['NOT_ENOUGH_SLOTS', 503],
        ['INVALID_ARGUMENT', 400],
        ['JOB_FAILED', 500],
      ] as const) {
        dispatcher.submitError = new WeirError(code, `failed with ${code}`);
        const response = await send(url, 'POST', '/jobs', { body });
        assert.equal(response.status, status, code);
        assert.deepEqual(response.json, { code, message: `failed with ${code}` });
      }
    } finally {
      await server.close();
    }
  });

  it('resolves savepointPath inside the savepoint root (relative too) or the checkpoint root', async () => {
    const savepoints = join(base, 'savepoints');
    const checkpoints = join(base, 'checkpoints');
    const { server, dispatcher, url } = await startServer({ roots: { savepoints, checkpoints } });
    try {
      const artifact = { name: 'job.mjs', code: 'export {}' };
      for (const [savepointPath, expected] of [
        ['savepoint-1', join(savepoints, 'savepoint-1')],
        [join(savepoints, 'savepoint-1'), join(savepoints, 'savepoint-1')],
        [join(checkpoints, 'job-1', 'chk-7'), join(checkpoints, 'job-1', 'chk-7')],
        [`file://${checkpoints}/job-1/chk-7`, join(checkpoints, 'job-1', 'chk-7')],
      ]) {
        const response = await send(url, 'POST', '/jobs', { body: { artifact, savepointPath } });
        assert.equal(response.status, 202, `${savepointPath}: ${response.text}`);
        assert.equal(dispatcher.submitted.at(-1)?.savepointPath, expected);
      }
    } finally {
      await server.close();
    }
  });

  it('refuses a restore path when no root is configured', async () => {
    const { server, dispatcher, url } = await startServer();
    try {
      const response = await send(url, 'POST', '/jobs', {
        body: {
          artifact: { name: 'job.mjs', code: 'export {}' },
          savepointPath: join(base, 'savepoints', 'savepoint-1'),
        },
      });
      assert.equal(response.status, 400);
      assert.equal(response.json.code, 'PATH_OUTSIDE_ROOT');
      assert.match(response.json.message, /state\.savepoints\.dir/);
      assert.deepEqual(dispatcher.submitted, []);
    } finally {
      await server.close();
    }
  });
});

describe('cancel', () => {
  it('answers 202 {} for mode=cancel and without a mode, 400 for mode=stop and unknown modes', async () => {
    const { server, dispatcher, url } = await startServer();
    try {
      const cancel = await send(url, 'PATCH', `/jobs/${JOB_ID}?mode=cancel`);
      assert.equal(cancel.status, 202);
      assert.deepEqual(cancel.json, {});
      const plain = await send(url, 'PATCH', `/jobs/${FINISHED_JOB_ID}`);
      assert.equal(plain.status, 202);
      assert.deepEqual(dispatcher.cancelled, [JOB_ID, FINISHED_JOB_ID]);
      const stop = await send(url, 'PATCH', `/jobs/${JOB_ID}?mode=stop`);
      assert.equal(stop.status, 400);
      assert.equal(stop.json.code, 'NOT_SUPPORTED');
      assert.match(stop.json.message, /POST \/jobs\/\{jobid\}\/stop/);
      const bogus = await send(url, 'PATCH', `/jobs/${JOB_ID}?mode=kill`);
      assert.equal(bogus.status, 400);
      assert.equal(bogus.json.code, 'INVALID_ARGUMENT');
      assert.equal(dispatcher.cancelled.length, 2);
    } finally {
      await server.close();
    }
  });
});

describe('savepoints and stop', () => {
  let root: string;
  before(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'weir-rest-sp-')));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('triggers a savepoint (cancel-job passes as stop) and answers 202 { request-id }', async () => {
    const { server, dispatcher, url } = await startServer({ roots: { savepoints: root } });
    try {
      const plain = await send(url, 'POST', `/jobs/${JOB_ID}/savepoints`, {
        body: { 'target-directory': 'nightly' },
      });
      assert.equal(plain.status, 202);
      assert.deepEqual(plain.json, { 'request-id': 'trigger-1' });
      const cancelling = await send(url, 'POST', `/jobs/${JOB_ID}/savepoints`, {
        body: { 'cancel-job': true },
      });
      assert.equal(cancelling.status, 202);
      const empty = await send(url, 'POST', `/jobs/${JOB_ID}/savepoints`);
      assert.equal(empty.status, 202, empty.text);
      assert.deepEqual(dispatcher.savepoints, [
        { jobId: JOB_ID, targetDirectory: join(root, 'nightly'), stop: false },
        { jobId: JOB_ID, targetDirectory: root, stop: true },
        { jobId: JOB_ID, targetDirectory: root, stop: false },
      ]);
    } finally {
      await server.close();
    }
  });

  it('stops with a savepoint, refuses drain with NOT_SUPPORTED, and reports the operation', async () => {
    const { server, dispatcher, url } = await startServer({ roots: { savepoints: root } });
    try {
      const stop = await send(url, 'POST', `/jobs/${JOB_ID}/stop`, { body: { targetDirectory: 'final' } });
      assert.equal(stop.status, 202);
      assert.deepEqual(stop.json, { 'request-id': 'trigger-1' });
      assert.deepEqual(dispatcher.savepoints, [
        { jobId: JOB_ID, targetDirectory: join(root, 'final'), stop: true },
      ]);
      const drain = await send(url, 'POST', `/jobs/${JOB_ID}/stop`, { body: { drain: true } });
      assert.equal(drain.status, 400);
      assert.equal(drain.json.code, 'NOT_SUPPORTED');
      assert.equal(dispatcher.savepoints.length, 1);
      const done = await send(url, 'GET', `/jobs/${JOB_ID}/savepoints/trigger-done`);
      assert.deepEqual(done.json, {
        status: { id: 'COMPLETED' },
        operation: { location: `/var/weir/savepoints/savepoint-${JOB_ID}` },
      });
    } finally {
      await server.close();
    }
  });

  it('without a savepoint root: no target is 400 INVALID_ARGUMENT, any target 400 PATH_OUTSIDE_ROOT', async () => {
    const { server, dispatcher, url } = await startServer();
    try {
      const none = await send(url, 'POST', `/jobs/${JOB_ID}/savepoints`, { body: {} });
      assert.equal(none.status, 400);
      assert.equal(none.json.code, 'INVALID_ARGUMENT');
      assert.match(none.json.message, /state\.savepoints\.dir/);
      const some = await send(url, 'POST', `/jobs/${JOB_ID}/stop`, {
        body: { targetDirectory: join(root, 'x') },
      });
      assert.equal(some.status, 400);
      assert.equal(some.json.code, 'PATH_OUTSIDE_ROOT');
      assert.deepEqual(dispatcher.savepoints, []);
    } finally {
      await server.close();
    }
  });
});

describe('confined paths', () => {
  let base: string;
  before(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'weir-confined-')));
    mkdirSync(join(base, 'real-root'));
    symlinkSync(join(base, 'real-root'), join(base, 'linked-root'));
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('compares real paths: a root reached through a link accepts its own paths, by either name', async () => {
    const root = { dir: join(base, 'linked-root'), key: 'state.savepoints.dir' };
    assert.equal(await resolveConfinedPath('sp', [root], root), join(base, 'real-root', 'sp'));
    assert.equal(
      await resolveConfinedPath(join(base, 'real-root', 'sp'), [root], root),
      join(base, 'real-root', 'sp'),
    );
    await assert.rejects(
      resolveConfinedPath(join(base, 'real-root-2'), [root], root),
      /PATH_OUTSIDE_ROOT|outside/,
    );
  });

  it('accepts a root that does not exist yet, and keeps paths below it', async () => {
    const root = { dir: join(base, 'later', 'savepoints'), key: 'state.savepoints.dir' };
    assert.equal(await resolveConfinedPath('a/b', [root], root), join(base, 'later', 'savepoints', 'a', 'b'));
    await assert.rejects(
      resolveConfinedPath('../x', [root], root),
      (e: unknown) => e instanceof WeirError && e.code === 'PATH_OUTSIDE_ROOT',
    );
  });
});
