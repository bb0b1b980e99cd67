import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { JsonSchema } from './schemas.ts';

/**
 * The OpenAPI 3.1 document is derived, never written by hand: an `onRoute` hook records every route
 * as fastify registers it (its method, URL and `schema` for params, querystring, body and
 * responses, plus the `config.openapi` summary), and `GET /openapi.json` renders what was recorded.
 * Fastify validates and serializes with the same schemas, so the document says what the handlers do.
 */

/** What a route adds to the document beyond its schema (fastify's route `config.openapi`). */
export interface RouteDoc {
  summary: string;
  description?: string;
  tags: string[];
  /** The success response's media type, when it is not JSON (`text/event-stream`, `text/html`). */
  contentType?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Summary and tags of the route in the OpenAPI document. */
    openapi?: RouteDoc;
    /** False: the route is left out of the OpenAPI document (the dashboard's static files). */
    documented?: boolean;
  }
}

/** A route as recorded for the document. */
export interface DocumentedRoute {
  method: string;
  url: string;
  schema: {
    params?: JsonSchema;
    querystring?: JsonSchema;
    body?: JsonSchema;
    response?: Record<string, JsonSchema>;
  };
  doc?: RouteDoc;
}

/**
 * Records the routes registered on `app` from now on (call it before registering them), and returns
 * the list it fills.
 */
export function recordRoutes(app: FastifyInstance): DocumentedRoute[] {
  const routes: DocumentedRoute[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.documented === false) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      routes.push({
        method: method.toLowerCase(),
        url: route.url,
        schema: (route.schema ?? {}) as DocumentedRoute['schema'],
        doc: route.config?.openapi,
      });
    }
  });
  return routes;
}

/** `/jobs/:jobid/savepoints/:triggerid` becomes `/jobs/{jobid}/savepoints/{triggerid}`. */
export function openApiPath(fastifyUrl: string): string {
  return fastifyUrl.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** The OpenAPI 3.1 document for `routes`; with `bearer`, every operation requires the bearer token. */
export function buildOpenApiDocument(
  routes: readonly DocumentedRoute[],
  info: { title: string; version: string; bearer: boolean },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.url);
    paths[path] ??= {};
    paths[path][route.method] = operation(route);
  }
  const document: Record<string, unknown> = {
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      description:
        "The JobManager's REST API. Resource shapes follow Flink's REST API where they fit. " +
        'Errors are JSON { code, message } with the WeirError code.',
    },
    paths: sortKeys(paths),
  };
  if (info.bearer) {
    document.components = { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } };
    document.security = [{ bearer: [] }];
  }
  return document;
}

function operation(route: DocumentedRoute): Record<string, unknown> {
  const { params, querystring, body, response } = route.schema;
  const op: Record<string, unknown> = {
    operationId: `${route.method}${route.url.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
  };
  if (route.doc !== undefined) {
    op.summary = route.doc.summary;
    if (route.doc.description !== undefined) op.description = route.doc.description;
    op.tags = route.doc.tags;
  }
  const parameters = [...parametersOf(params, 'path'), ...parametersOf(querystring, 'query')];
  if (parameters.length > 0) op.parameters = parameters;
  if (body !== undefined) {
    op.requestBody = { required: true, content: { 'application/json': { schema: copy(body) } } };
  }
  const responses: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(response ?? {})) {
    const key = status.toUpperCase(); // OpenAPI spells ranges 4XX
    const description =
      (schema.description as string | undefined) ??
      STATUS_CODES[Number(status)] ??
      (key === '4XX' ? 'Client error' : 'Server error');
    const type = /^2\d\d$/.test(status) ? (route.doc?.contentType ?? 'application/json') : 'application/json';
    responses[key] = { description, content: { [type]: { schema: copy(schema) } } };
  }
  op.responses = sortKeys(responses);
  return op;
}

function parametersOf(schema: JsonSchema | undefined, where: 'path' | 'query'): unknown[] {
  const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema?.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(s.description === undefined ? {} : { description: s.description }),
    schema: copy(s),
  }));
}

function copy(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema)) as JsonSchema;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
