import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createRestServer, type RestServer, type RestServerOptions } from '../../src/server/rest-server.ts';
import { FakeDispatcher } from './fake-dispatcher.ts';

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: any;
}

/**
 * One HTTP request with the path sent exactly as given (no URL normalization, unlike fetch, so
 * `..` and percent-encodings reach the server as an attacker would send them). Bounded by `timeoutMs`.
 */
export function send(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
    ca?: string;
    timeoutMs?: number;
  } = {},
): Promise<Response> {
  const url = new URL(baseUrl);
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (payload !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  const requestFn = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = requestFn(
      {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        method,
        path,
        headers,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request ${method} ${path} timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** A listening server on 127.0.0.1 with a fake dispatcher, for one test. */
export async function startServer(
  options: Partial<RestServerOptions> = {},
): Promise<{ server: RestServer; dispatcher: FakeDispatcher; url: string }> {
  const dispatcher = (options.dispatcher as FakeDispatcher | undefined) ?? new FakeDispatcher();
  const server = await createRestServer({ host: '127.0.0.1', port: 0, ...options, dispatcher });
  return { server, dispatcher, url: server.url };
}
