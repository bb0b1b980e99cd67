/**
 * The REST token. A server with a token (rest.auth.token) answers only requests that carry it as a
 * bearer token; the user types it once per tab. It lives in sessionStorage: gone with the tab, never
 * written to disk by the page, never put in a URL.
 */
const KEY = 'weir.rest-token';

export function readToken(): string | undefined {
  const value = sessionStorage.getItem(KEY);
  return value === null || value === '' ? undefined : value;
}

export function writeToken(token: string | undefined): void {
  if (token === undefined || token === '') sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, token);
}

/** Headers for a request to the REST API: the bearer token when one is set. */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const token = readToken();
  return token === undefined ? extra : { ...extra, Authorization: `Bearer ${token}` };
}
