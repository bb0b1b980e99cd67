import { type FastifyInstance, type FastifySchemaValidationError, fastify } from 'fastify';
import { WeirError } from '../core/errors.ts';
import { assertBindAllowed, requestGuard } from './auth.ts';
import type { ConfinedRoot } from './confined-path.ts';
import type { Dispatcher } from './dispatcher.ts';
import { RestNotFoundError, restErrorOf } from './error-status.ts';
import { buildOpenApiDocument, recordRoutes } from './openapi.ts';
import { registerClusterRoutes } from './routes/cluster.ts';
import { type EventStreamOptions, registerEventRoutes } from './routes/events.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { type LogSource, registerLogRoutes } from './routes/logs.ts';
import type { RouteContext } from './routes/route-context.ts';
import { registerSavepointRoutes } from './routes/savepoints.ts';
import { registerVertexRoutes } from './routes/vertices.ts';
import { errorResponses } from './schemas.ts';
import { defaultUiDirectory, readUiFiles, registerUiRoutes } from './static-ui.ts';

/**
 * The JobManager's REST server: fastify with Weir's rules around the routes.
 *
 * - Safe by default: it binds to 127.0.0.1; a non-loopback bind without a token is refused before
 *   anything listens; with a token, every request (the OpenAPI document and unknown routes included)
 *   must carry `Authorization: Bearer <token>`, checked before the body is read. Without a token,
 *   only requests with a loopback `Host` (and `Origin`, when a browser sends one) are answered.
 * - Every error is JSON `{ code, message }` with the status of its code (error-status.ts); stacks and
 *   internal messages go to the log only.
 * - Request bodies are validated against the route schemas, unknown properties refused; bodies are
 *   size-limited (413 `PAYLOAD_TOO_LARGE`); client paths are confined to the configured roots.
 * - Nothing runs commands: routes only call the {@link Dispatcher}. The only files served are the
 *   dashboard's, from an allow-list read at startup (static-ui.ts); no request names a file.
 * - Fastify's logger is off; with `log`, one line per request (method, URL, status, time), never a
 *   header.
 */

/** A log sink for the server: one line per request, and the details of 5xx errors. */
export type RestLog = (level: 'info' | 'warn' | 'error', message: string) => void;

export interface RestServerOptions {
  dispatcher: Dispatcher;
  /** Address to bind (rest.bind-address); default 127.0.0.1. A non-loopback address needs `token`. */
  host?: string;
  /** Port (rest.port); default 8081, 0 for any free port. */
  port?: number;
  /** The bearer token (rest.auth.token or WEIR_REST_TOKEN); when set, required on every request. */
  token?: string;
  /** PEM key and certificate contents: the server speaks HTTPS. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Largest request body accepted (rest.server.max-content-length); default 50 MiB. */
  uploadLimitBytes?: number;
  /** Directories client paths may name: savepoint targets and restore paths. */
  roots?: { savepoints?: string; checkpoints?: string };
  log?: RestLog;
  /** The log files GET /jobmanager/log and /taskmanagers/:tmid/log serve; none: they answer 404. */
  logs?: LogSource;
  /** Timing of the server-sent event streams (tests shorten it). */
  events?: EventStreamOptions;
  /** The dashboard's build (default: the package's dist/ui); false: no dashboard. */
  ui?: { directory: string } | false;
}

/** A listening REST server. */
export interface RestServer {
  /** `http(s)://host:port`, with the port actually bound. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Default upload limit: 50 MiB. */
export const DEFAULT_UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024;

/**
 * The fastify app with every route, not listening (tests use `app.inject`). Routes are registered
 * when the app loads (`ready()`, `listen()`), so hooks added right after this call see them.
 */
export function createRestApp(options: RestServerOptions): FastifyInstance {
  const uploadLimit = options.uploadLimitBytes ?? DEFAULT_UPLOAD_LIMIT_BYTES;
  const log = options.log;
  const common = {
    logger: false,
    bodyLimit: uploadLimit,
    exposeHeadRoutes: false,
    // Refuse unknown properties instead of silently dropping them; never coerce "4" into 4.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false },
    },
    schemaErrorFormatter: formatValidationErrors,
    frameworkErrors: (
      error: Error,
      _request: unknown,
      reply: { code(n: number): { send(payload?: any): unknown } },
    ) => {
      reply.code(400).send({ code: 'INVALID_ARGUMENT', message: `malformed request: ${error.message}` });
    },
  };
  // Both branches build the same app; only the raw server type differs, which no route depends on.
  const app = (options.tls === undefined
    ? fastify(common)
    : fastify({
        ...common,
        https: { key: options.tls.key, cert: options.tls.cert },
      })) as unknown as FastifyInstance;

  const routes = recordRoutes(app);

  const token = options.token;
  const guard = requestGuard(token);
  app.addHook('onRequest', async (request) => {
    // The dashboard's own files are served without the token (the API and its streams still need it);
    // a tokenless server keeps its loopback Host/Origin rule for them too.
    if (
      token !== undefined &&
      (request.routeOptions.config as { publicAsset?: boolean } | undefined)?.publicAsset
    )
      return;
    await guard(request);
  });
  if (log !== undefined) {
    app.addHook('onResponse', async (request, reply) => {
      log(
        'info',
        `${request.method} ${request.url.slice(0, 300)} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms`,
      );
    });
  }

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = restErrorOf(error, uploadLimit);
    if (status >= 500) {
      const detail =
        error instanceof WeirError
          ? error.describe()
          : error instanceof Error
            ? (error.stack ?? error.message)
            : String(error);
      log?.('error', `${request.method} ${request.url.slice(0, 300)} failed: ${detail}`);
    }
    if (body.code === 'UNAUTHORIZED') reply.header('WWW-Authenticate', 'Bearer realm="weir"');
    reply.code(status).send(body);
  });
  app.setNotFoundHandler((request) => {
    const path = request.url.split('?')[0].slice(0, 200);
    throw new RestNotFoundError(`no route ${request.method} ${path} (GET /openapi.json lists the routes)`);
  });

  const context: RouteContext = { dispatcher: options.dispatcher, roots: confinedRoots(options.roots) };
  app.register(async (scope) => {
    registerClusterRoutes(scope, context);
    registerJobRoutes(scope, context);
    registerSavepointRoutes(scope, context);
    registerLogRoutes(scope, options.logs);
    registerVertexRoutes(scope, context);
    registerEventRoutes(scope, context, options.events);
    let document: Record<string, unknown> | undefined;
    scope.get(
      '/openapi.json',
      {
        schema: {
          response: {
            200: { type: 'object', additionalProperties: true, description: 'OpenAPI 3.1' },
            ...errorResponses,
          },
        },
        config: { openapi: { summary: 'This document', tags: ['meta'] } },
      },
      async () => {
        document ??= buildOpenApiDocument(routes, {
          title: 'Weir JobManager REST API',
          version: options.dispatcher.overview()['weir-version'],
          bearer: token !== undefined,
        });
        return document;
      },
    );
  });
  if (options.ui !== false) {
    // After every API route (plugins load in order): a UI file never shadows one.
    const files = readUiFiles(options.ui?.directory ?? defaultUiDirectory());
    app.register(async (scope) => {
      const apiRoots = new Set(routes.map((r) => r.url.split('/')[1]));
      registerUiRoutes(scope, files, (path) => apiRoots.has(path.split('/')[1]));
    });
  }
  return app;
}

/**
 * Checks the bind (`TOKEN_REQUIRED` for a non-loopback host without a token), then listens.
 *
 * @example
 * ```ts
 * const server = await createRestServer({ dispatcher, port: 0, roots: { savepoints: '/var/weir/savepoints' } });
 * console.log(server.url); // http://127.0.0.1:40123
 * await server.close();
 * ```
 */
export async function createRestServer(options: RestServerOptions): Promise<RestServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8081;
  assertBindAllowed(host, options.token);
  const app = createRestApp(options);
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close();
    throw new WeirError(
      'INVALID_CONFIG',
      `the REST API cannot listen on ${host}:${port}: ${(error as Error).message} (rest.bind-address, rest.port)`,
      { cause: error },
    );
  }
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `${options.tls === undefined ? 'http' : 'https'}://${shownHost}:${boundPort}`,
    port: boundPort,
    close: () => app.close(),
  };
}

function confinedRoots(roots: RestServerOptions['roots']): RouteContext['roots'] {
  const result: RouteContext['roots'] = {};
  if (roots?.savepoints !== undefined)
    result.savepoints = { dir: roots.savepoints, key: 'state.savepoints.dir' };
  if (roots?.checkpoints !== undefined)
    result.checkpoints = { dir: roots.checkpoints, key: 'state.checkpoints.dir' };
  return result satisfies Record<string, ConfinedRoot>;
}

/** Validation errors as one readable message, naming an unknown property. */
function formatValidationErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  // Ajv reports a bad property name twice (the pattern, then propertyNames): name the property.
  const e = errors.find((x) => x.keyword === 'propertyNames') ?? errors[0];
  const where = `${dataVar}${e?.instancePath ?? ''}`;
  if (e?.keyword === 'additionalProperties') {
    return new Error(`${where} has an unknown property ${JSON.stringify(e.params.additionalProperty)}`);
  }
  if (e?.keyword === 'propertyNames') {
    return new Error(`${where} has a property with an invalid name ${JSON.stringify(e.params.propertyName)}`);
  }
  return new Error(`${where} ${e?.message ?? 'is invalid'}`);
}
