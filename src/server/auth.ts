import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { WeirError } from '../core/errors.ts';

/**
 * Who may talk to the REST API. A server bound to a loopback address is reachable only from its own
 * host; any other bind (a host's address, `0.0.0.0`, `::`) needs a bearer token, or the server
 * refuses to start. A token, once configured, is required on every request, loopback or not, and is
 * compared in constant time.
 *
 * Without a token, loopback alone does not keep out a web browser on the same host: a page from any
 * site can send it requests (cross-site POSTs), or read its answers once the site's DNS name
 * resolves to 127.0.0.1 (DNS rebinding), and a submitted job runs code. So a tokenless server answers
 * only requests addressed to a loopback name (`Host`) and, when a browser says where the request
 * comes from (`Origin`), only from a loopback origin.
 */

/** How an operator configures the token, for messages. */
export const TOKEN_HINT =
  'set rest.auth.token in the configuration (or -D rest.auth.token=...) or WEIR_REST_TOKEN';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** True for `localhost`, `127.0.0.0/8`, `::1` and `::ffff:127.x.y.z`: addresses only this host reaches. */
export function isLoopbackHost(host: string): boolean {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h === 'localhost') return true;
  if (isIPv4(h)) return LOOPBACK.check(h, 'ipv4');
  // BlockList matches IPv4-mapped IPv6 addresses against the IPv4 rule.
  if (isIPv6(h)) return LOOPBACK.check(h, 'ipv6');
  return false;
}

/**
 * Why a request to a tokenless server is refused, or undefined when it is addressed to a loopback
 * host and comes from no origin or a loopback one.
 */
export function foreignRequestReason(
  host: string | undefined,
  origin: string | undefined,
): string | undefined {
  const hostName = hostnameOf(host === undefined ? undefined : `http://${host}`);
  if (hostName === undefined || !isLoopbackHost(hostName)) {
    return `a request addressed to host ${JSON.stringify(host ?? '').slice(0, 100)}`;
  }
  if (origin !== undefined) {
    const originName = hostnameOf(origin);
    if (originName === undefined || !isLoopbackHost(originName)) {
      return `a request from origin ${JSON.stringify(origin).slice(0, 100)}`;
    }
  }
  return undefined;
}

function hostnameOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/**
 * Throws before anything binds: `TOKEN_REQUIRED` for a non-loopback `host` without a token, and
 * `INVALID_CONFIG` for an empty token (which would protect nothing).
 */
export function assertBindAllowed(host: string, token: string | undefined): void {
  if (token !== undefined && token.length === 0) {
    throw new WeirError('INVALID_CONFIG', `the REST token is empty: ${TOKEN_HINT} to a non-empty secret`);
  }
  if (token === undefined && !isLoopbackHost(host)) {
    throw new WeirError(
      'TOKEN_REQUIRED',
      `refusing to bind the REST API to ${host}, which is not a loopback address, without a token: ` +
        `${TOKEN_HINT}, or bind to 127.0.0.1 (rest.bind-address)`,
    );
  }
}

/**
 * True when an `Authorization` header carries `Bearer <token>`. Both sides are hashed first, so the
 * comparison takes the same time whatever the length or content of the candidate.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = header === undefined ? null : /^Bearer +(\S(?:.*\S)?)\s*$/i.exec(header);
  const candidate = match === null ? '' : match[1];
  const equal = timingSafeEqual(digest(candidate), digest(token));
  return match !== null && equal;
}

/**
 * The `onRequest` check of every request: with a token, the bearer token; without one, a loopback
 * `Host` and `Origin`. Throws `UNAUTHORIZED` (401); runs before the body is read.
 */
export function requestGuard(
  token: string | undefined,
): (request: { headers: { authorization?: string; host?: string; origin?: string } }) => Promise<void> {
  if (token !== undefined) {
    return async (request) => {
      if (!bearerMatches(request.headers.authorization, token)) {
        throw new WeirError(
          'UNAUTHORIZED',
          'missing or wrong bearer token: send "Authorization: Bearer <token>" with the token the JobManager ' +
            `was given (${TOKEN_HINT})`,
        );
      }
    };
  }
  return async (request) => {
    const reason = foreignRequestReason(request.headers.host, request.headers.origin);
    if (reason !== undefined) {
      throw new WeirError(
        'UNAUTHORIZED',
        `${reason} is refused: without a token the REST API answers only requests to and from this host's ` +
          `loopback address (a defence against web pages reaching it); use http://127.0.0.1, or ${TOKEN_HINT}`,
      );
    }
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
