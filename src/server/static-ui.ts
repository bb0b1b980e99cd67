import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The dashboard's files (the Vite build in the package's `dist/ui/`), served by the REST server.
 *
 * The directory is read once, when the server starts: every regular file with a known type (no
 * link, no dot file, nothing beyond {@link MAX_UI_BYTES} in all) becomes one exact route with its
 * bytes in memory. A request never names a file: it matches one of those routes or none (404 as
 * for any unknown route), so no traversal, encoded or not, reaches the file system, and the REST
 * API's routes, registered the same way, keep their meaning (a file that would shadow one is
 * skipped). `/` is `index.html`. Files under `assets/` carry a content hash in their names (Vite's
 * build): they are cached for a year; the others are revalidated (ETag). Every answer has a
 * Content-Security-Policy that allows only the server's own scripts, styles and connections.
 *
 * Without a build, `/` answers a short page saying how to build the dashboard.
 */

/** The Content-Security-Policy of the dashboard: its own origin only, no inline script. */
export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; " +
  "frame-ancestors 'none'";

/** The most the dashboard's files may weigh in all (they are held in memory). */
export const MAX_UI_BYTES = 32 * 1024 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** One file of the dashboard, ready to send. */
export interface UiFile {
  /** The URL path it answers (`/index.html`, `/assets/index-3f2a.js`). */
  path: string;
  type: string;
  body: Buffer;
  etag: string;
  immutable: boolean;
}

/** The package's `dist/ui/`, wherever the package is installed (this module is in src/server or dist/server). */
export function defaultUiDirectory(): string {
  return fileURLToPath(new URL('../../dist/ui/', import.meta.url));
}

/**
 * The allow-list: the files of `directory` that may be served, by URL path. Empty when the
 * directory does not exist or has no `index.html`.
 */
export function readUiFiles(directory: string): Map<string, UiFile> {
  const files = new Map<string, UiFile>();
  let total = 0;
  const walk = (dir: string, urlPrefix: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.') || !/^[A-Za-z0-9._@+-]+$/.test(name)) continue;
      const full = join(dir, name);
      const stat = lstatSync(full, { throwIfNoEntry: false });
      if (stat === undefined || stat.isSymbolicLink()) continue;
      if (stat.isDirectory()) {
        if (depth < 4) walk(full, `${urlPrefix}${name}/`, depth + 1);
        continue;
      }
      const type = TYPES[extname(name).toLowerCase()];
      if (!stat.isFile() || type === undefined || total + stat.size > MAX_UI_BYTES) continue;
      const body = readFileSync(full);
      total += body.length;
      const path = `${urlPrefix}${name}`;
      files.set(path, {
        path,
        type,
        body,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        immutable: path.startsWith('/assets/'),
      });
    }
  };
  walk(directory, '/', 0);
  return files.has('/index.html') ? files : new Map();
}

/** The page `/` answers when the dashboard was not built. */
const NOT_BUILT = Buffer.from(
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Weir</title></head><body>' +
    '<h1>Weir</h1><p>The web dashboard is not built. Run <code>npm run build</code> in the Weir ' +
    'package, then restart this server.</p><p>The REST API answers meanwhile: ' +
    '<a href="/overview">/overview</a>, <a href="/jobs/overview">/jobs/overview</a>, ' +
    '<a href="/openapi.json">/openapi.json</a>.</p></body></html>',
  'utf8',
);

/**
 * Registers a route per file of the dashboard (`publicAsset`: a browser loading the page cannot send
 * a bearer token, and these files hold no data; the page then asks for the token and sends it with
 * every API call), and `/` for its index (or the page that says to
 * build it). `reserved` tells whether a GET path is an API route: such a file is not served.
 */
export function registerUiRoutes(
  app: FastifyInstance,
  files: ReadonlyMap<string, UiFile>,
  reserved: (path: string) => boolean,
): void {
  const index = files.get('/index.html');
  const route = (url: string, file: UiFile) =>
    app.get(url, { config: { documented: false, publicAsset: true } }, async (request, reply) =>
      send(request, reply, file),
    );
  if (index === undefined) {
    app.get('/', { config: { documented: false, publicAsset: true } }, async (_request, reply) => {
      headers(reply, 'no-cache');
      reply.type('text/html; charset=utf-8');
      return NOT_BUILT;
    });
    return;
  }
  route('/', index);
  for (const file of files.values()) {
    if (!reserved(file.path)) route(file.path, file);
  }
}

function send(request: FastifyRequest, reply: FastifyReply, file: UiFile): FastifyReply {
  headers(reply, file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  reply.header('etag', file.etag);
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.type(file.type).send(file.body);
}

function headers(reply: FastifyReply, cacheControl: string): void {
  reply.header('cache-control', cacheControl);
  reply.header('content-security-policy', UI_CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
}
