import { STATUS_CODES } from 'node:http';
import { WeirError, type WeirErrorCode } from '../core/errors.ts';

/**
 * Errors over REST. Every error response is JSON `{ code, message }`: `code` is the `WeirError` code
 * (or `NOT_FOUND` for a route or savepoint operation that does not exist, which is no Weir failure),
 * the HTTP status follows from the code. A failure that is not a `WeirError` is a bug: the client
 * gets 500 `INTERNAL` with a generic message, never a stack or an internal message.
 */

/** The codes an error response can carry. */
export type RestErrorCode = WeirErrorCode | 'NOT_FOUND';

/** The body of every error response. */
export interface RestErrorBody {
  code: RestErrorCode;
  message: string;
}

const STATUS: Partial<Record<RestErrorCode, number>> = {
  NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  CHECKPOINT_NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  PATH_OUTSIDE_ROOT: 400,
  INVALID_ARGUMENT: 400,
  CLI_USAGE: 400,
  GRAPH_MISMATCH: 400,
  NOT_SUPPORTED: 400,
  BUNDLE_FAILED: 400,
  INVALID_GRAPH: 400,
  SQL_PARSE_ERROR: 400,
  SQL_VALIDATION_ERROR: 400,
  SQL_UNSUPPORTED: 400,
  PAYLOAD_TOO_LARGE: 413,
  NOT_ENOUGH_SLOTS: 503,
  CLUSTER_UNAVAILABLE: 503,
  LOG_NOT_FOUND: 404,
  TASKMANAGER_LOST: 503,
  TIMEOUT: 504,
};

/** The HTTP status for an error code; 500 for codes that name a failure inside the JobManager. */
export function httpStatusOf(code: RestErrorCode): number {
  return STATUS[code] ?? 500;
}

/** A resource that does not exist and is no job (a route, a savepoint operation): 404 `NOT_FOUND`. */
export class RestNotFoundError extends Error {
  override readonly name = 'RestNotFoundError';
}

/** What fastify attaches to the errors it raises itself (validation, body parsing, size limits). */
interface FrameworkError extends Error {
  code?: string;
  statusCode?: number;
  validation?: unknown;
}

/**
 * The status and body to send for an error thrown by a route, a hook or fastify itself.
 * `uploadLimitBytes` names the limit in the message for a body that is too large.
 */
export function restErrorOf(
  error: unknown,
  uploadLimitBytes: number,
): { status: number; body: RestErrorBody } {
  if (error instanceof WeirError) {
    return { status: httpStatusOf(error.code), body: { code: error.code, message: error.message } };
  }
  if (error instanceof RestNotFoundError) {
    return { status: 404, body: { code: 'NOT_FOUND', message: error.message } };
  }
  const e = error as FrameworkError;
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return {
      status: 413,
      body: {
        code: 'PAYLOAD_TOO_LARGE',
        message: `request body larger than the upload limit of ${uploadLimitBytes} bytes (rest.server.max-content-length)`,
      },
    };
  }
  // Fastify's own client errors: schema validation, malformed JSON, unsupported media type.
  if (
    e?.validation !== undefined ||
    (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500)
  ) {
    const status =
      typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 400;
    return {
      status,
      body: { code: 'INVALID_ARGUMENT', message: e.message || STATUS_CODES[status] || 'bad request' },
    };
  }
  return {
    status: 500,
    body: { code: 'INTERNAL', message: 'internal error in the JobManager; its log has the details' },
  };
}
