/**
 * The schema registry client against an in-test HTTP server speaking the registry's protocol (a
 * Confluent registry is a third-party JVM service we cannot run here; see test-schema-registry.ts).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SchemaRegistryClient, SchemaRegistryError } from './schema-registry-client.ts';
import { startTestSchemaRegistry, type TestSchemaRegistry } from './test-schema-registry.ts';

describe('SchemaRegistryClient', () => {
  let registry: TestSchemaRegistry;
  before(async () => {
    registry = await startTestSchemaRegistry();
  });
  after(() => registry.close());

  it('registers a schema under a subject and fetches it by id, each once', async () => {
    const client = new SchemaRegistryClient(`${registry.url}/`);
    const schema = JSON.stringify({ type: 'record', name: 'A', fields: [{ name: 'x', type: 'int' }] });
    const [id, again] = await Promise.all([
      client.register('a-value', schema),
      client.register('a-value', schema),
    ]);
    assert.equal(id, again);
    assert.deepEqual(registry.subjects.get('a-value'), [id]);
    assert.deepEqual(await client.schemaById(id), { schemaType: 'AVRO', schema });
    assert.deepEqual(await client.schemaById(id), { schemaType: 'AVRO', schema });
    assert.equal(await client.register('a-value', schema), id);
    const mine = registry.requests.filter((r) => r.includes('a-value') || r.endsWith(`/ids/${id}`));
    assert.deepEqual(mine, ['POST /subjects/a-value/versions', `GET /schemas/ids/${id}`]);
  });

  it('escapes the subject in the path', async () => {
    const client = new SchemaRegistryClient(registry.url);
    await client.register('odd/subject name', '"string"');
    assert.ok(registry.requests.includes('POST /subjects/odd%2Fsubject%20name/versions'));
    assert.ok(registry.subjects.has('odd/subject name'));
  });

  it("reports an unknown id with the registry's status, code and message, and asks again next time", async () => {
    const client = new SchemaRegistryClient(registry.url);
    const error = await client.schemaById(999).catch((e: unknown) => e);
    assert.ok(error instanceof SchemaRegistryError);
    assert.equal(error.status, 404);
    assert.equal(error.errorCode, 40403);
    assert.equal(
      error.message,
      `the schema registry at ${registry.url} answered 404 to GET /schemas/ids/999: Schema 999 not found (error code 40403)`,
    );
    await client.schemaById(999).catch(() => {});
    assert.equal(registry.requests.filter((r) => r === 'GET /schemas/ids/999').length, 2);
  });

  it('reports a registry that cannot be reached', async () => {
    // A port that was just free: nothing listens there.
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const client = new SchemaRegistryClient(`http://127.0.0.1:${port}`);
    await assert.rejects(client.schemaById(1), {
      name: 'SchemaRegistryError',
      message: new RegExp(
        `^the schema registry at http://127.0.0.1:${port} is unreachable \\(GET /schemas/ids/1: ECONNREFUSED`,
      ),
    });
  });

  it('gives up after the timeout', async () => {
    const server = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const client = new SchemaRegistryClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 100 });
      await assert.rejects(client.register('s', '"string"'), {
        message: `the schema registry at http://127.0.0.1:${port} is unreachable (POST /subjects/s/versions: no answer within 100 ms)`,
      });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sends credentials in the URL as basic auth, and keeps them out of messages', async () => {
    let authorization: string | undefined;
    const server = createServer((req, res) => {
      authorization = req.headers.authorization;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"schema":"\\"int\\""}');
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const client = new SchemaRegistryClient(`http://me:s%40cret@127.0.0.1:${port}`);
      assert.equal(client.url, `http://127.0.0.1:${port}`);
      assert.deepEqual(await client.schemaById(3), { schemaType: 'AVRO', schema: '"int"' });
      assert.equal(authorization, `Basic ${Buffer.from('me:s@cret').toString('base64')}`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('rejects an invalid URL', () => {
    assert.throws(() => new SchemaRegistryClient('not a url'), {
      message: 'invalid schema registry URL: "not a url"',
    });
  });
});
