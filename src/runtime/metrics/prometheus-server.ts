/**
 * The HTTP endpoint Prometheus scrapes (`GET /metrics`, text format), on a port of its own as
 * Flink's Prometheus reporter: `metrics.reporter.prom.port` (a port, or a range where several
 * processes share a host: the first free one is taken) on `metrics.reporter.prom.host`. A busy
 * port is not fatal, as in Flink: the process runs on without the endpoint and says so. Bound
 * beyond loopback, every request must carry the bearer token.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { WeirError } from '../../core/errors.ts';
import { isLoopback } from '../network/frame-socket.ts';
import type { PrometheusExporter } from './prometheus-exporter.ts';

export interface PrometheusServerOptions {
  exporter: PrometheusExporter;
  host: string;
  /** A port, a range `9250-9260`, or 0 (any free port). */
  port: number | string;
  /** The bearer token requests must carry; required for an address other than loopback. */
  token?: string;
  /** What sets the port and the host, for messages (`metrics.reporter.prom.port`, `--metrics-port`). */
  settings: { port: string; host: string };
  log: (line: string) => void;
}

/** A listening endpoint. */
export interface PrometheusServer {
  /** `http://127.0.0.1:9249/metrics`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens on the first free port of the range and prints `weir: metrics at <url>`; resolves with
 * undefined (and a line saying why) when every port of the range is busy.
 *
 * @throws WeirError TOKEN_REQUIRED for an address other than loopback without a token;
 * INVALID_CONFIG for a port that is not a port or a range.
 */
export async function startPrometheusServer(
  options: PrometheusServerOptions,
): Promise<PrometheusServer | undefined> {
  const { host, token, settings, log } = options;
  if (!isLoopback(host) && (token === undefined || token === '')) {
    throw new WeirError(
      'TOKEN_REQUIRED',
      `refusing to serve metrics on ${host}, which is not a loopback address, without a token: set rest.auth.token (or WEIR_REST_TOKEN; Prometheus sends it as a bearer token), or bind to 127.0.0.1 (${settings.host})`,
    );
  }
  const [from, to] = portRange(options.port, settings.port);
  const expected = token ? Buffer.from(`Bearer ${token}`) : undefined;
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    void serve(options.exporter, expected, request, response);
  };
  let lastError: Error | undefined;
  for (let port = from; port <= to; port++) {
    const server = createServer(handler);
    try {
      await listen(server, host, port);
    } catch (error) {
      lastError = error as Error;
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
      break;
    }
    const bound = (server.address() as { port: number }).port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`;
    log(`weir: metrics at ${url}`);
    return {
      url,
      port: bound,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  }
  log(
    `weir: metrics not exposed: cannot listen on ${host}:${from === to ? from : `${from}-${to}`} (${lastError?.message ?? 'no port'}); set ${settings.port} to a free port or a range such as 9250-9260`,
  );
  return undefined;
}

async function serve(
  exporter: PrometheusExporter,
  expected: Buffer | undefined,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
    return;
  }
  if (expected !== undefined) {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      response
        .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
        .end('unauthorized: send Authorization: Bearer <rest.auth.token>\n');
      return;
    }
  }
  try {
    const text = await exporter.metrics();
    response.writeHead(200, { 'content-type': exporter.contentType });
    response.end(request.method === 'HEAD' ? undefined : text);
  } catch (error) {
    response
      .writeHead(500, { 'content-type': 'text/plain' })
      .end(`cannot collect the metrics: ${(error as Error)?.message ?? String(error)}\n`);
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** `9249` -> [9249, 9249]; `9250-9260` -> [9250, 9260]. */
function portRange(port: number | string, setting: string): [number, number] {
  const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(String(port).trim());
  const from = Number(m?.[1]);
  const to = m?.[2] === undefined ? from : Number(m[2]);
  if (!m || to > 65_535 || to < from) {
    throw new WeirError(
      'INVALID_CONFIG',
      `${setting} = ${JSON.stringify(String(port))} is not valid: expected a port from 0 to 65535 or a range such as 9250-9260`,
    );
  }
  return [from, to];
}
