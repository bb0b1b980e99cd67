/**
 * Requests to the REST API, relative to the page (the server that serves the dashboard serves the
 * API). Errors carry the server's `code` and message (Weir's error body: `{ code, message }`).
 */
import { authHeaders } from './token.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(status: number, message: string, code: string | undefined) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A URL of the REST API, relative to the dashboard's base. */
export function apiUrl(path: string): string {
  return new URL(path.replace(/^\//, ''), document.baseURI).toString();
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: authHeaders({ Accept: 'application/json' }) };
  if (body !== undefined) {
    init.headers = authHeaders({ Accept: 'application/json', 'Content-Type': 'application/json' });
    init.body = JSON.stringify(body);
  }
  const response = await fetch(apiUrl(path), init);
  const text = await response.text();
  const json = text === '' ? undefined : safeJson(text);
  if (!response.ok) {
    const error = (typeof json === 'object' ? json : undefined) as
      | { code?: string; message?: string }
      | undefined;
    const message = error?.message ?? (text || response.statusText);
    throw new ApiError(response.status, `${error?.code ?? response.status}: ${message}`, error?.code);
  }
  return json as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const getJson = <T>(path: string) => request<T>('GET', path);
export const postJson = <T>(path: string, body: unknown) => request<T>('POST', path, body);
export const patch = <T>(path: string) => request<T>('PATCH', path);

/** A plain-text resource (logs). */
export async function getText(path: string): Promise<string> {
  const response = await fetch(apiUrl(path), { headers: authHeaders({ Accept: 'text/plain' }) });
  const text = await response.text();
  if (!response.ok)
    throw new ApiError(response.status, `${response.status}: ${text.slice(0, 300)}`, undefined);
  return text;
}
