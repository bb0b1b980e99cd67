/**
 * For tests only: an in-memory stand-in for a Confluent schema registry on 127.0.0.1, serving the
 * two endpoints our client uses, with the registry's documented answers (ids from 1, one id per
 * distinct schema text across subjects, 404 with error code 40403 for an unknown id). A real
 * registry is a third-party JVM service we cannot run here; this fake checks our client and the
 * wire format, not the registry.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestSchemaRegistry {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request as `METHOD path`, in order. */
  readonly requests: string[];
  /** Subject → the ids registered under it, in version order. */
  readonly subjects: ReadonlyMap<string, readonly number[]>;
  /** Registers directly (as another producer would) and returns the id. */
  register(subject: string, schema: unknown): number;
  close(): Promise<void>;
}

export async function startTestSchemaRegistry(): Promise<TestSchemaRegistry> {
  const requests: string[] = [];
  const schemas: string[] = [];
  const subjects = new Map<string, number[]>();
  const register = (subject: string, schema: string): number => {
    let index = schemas.indexOf(schema);
    if (index < 0) index = schemas.push(schema) - 1;
    const id = index + 1;
    let versions = subjects.get(subject);
    if (versions === undefined) subjects.set(subject, (versions = []));
    if (!versions.includes(id)) versions.push(id);
    return id;
  };
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requests.push(`${req.method} ${req.url}`);
    let body = '';
    for await (const chunk of req) body += chunk;
    const byId = /^\/schemas\/ids\/(\d+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && byId !== null) {
      const schema = schemas[Number(byId[1]) - 1];
      if (schema === undefined) send(res, 404, { error_code: 40403, message: `Schema ${byId[1]} not found` });
      else send(res, 200, { schema });
      return;
    }
    const versions = /^\/subjects\/([^/]+)\/versions$/.exec(req.url ?? '');
    if (req.method === 'POST' && versions !== null) {
      const { schema } = JSON.parse(body) as { schema?: unknown };
      if (typeof schema !== 'string') {
        send(res, 422, { error_code: 42201, message: 'Invalid schema' });
        return;
      }
      send(res, 200, { id: register(decodeURIComponent(versions[1]), schema) });
      return;
    }
    send(res, 404, { error_code: 404, message: 'HTTP 404 Not Found' });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error_code: 500, message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    subjects,
    register: (subject, schema) =>
      register(subject, typeof schema === 'string' ? schema : JSON.stringify(schema)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
