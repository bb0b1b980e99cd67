/**
 * Errors are data: every failure Weir reports is a {@link WeirError} with a stable `code`, a message
 * that says what failed, where and why, and the original error as `cause`.
 */
export type WeirErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_GRAPH'
  | 'GRAPH_MISMATCH'
  | 'USER_FUNCTION_FAILED'
  | 'SOURCE_FAILED'
  | 'SINK_FAILED'
  | 'DESERIALIZATION_FAILED'
  | 'UNSERIALIZABLE_RECORD'
  | 'STATE_ERROR'
  | 'TIMER_ERROR'
  | 'RUNTIME_CONTEXT_UNAVAILABLE'
  | 'JOB_FAILED'
  | 'JOB_CANCELLED'
  | 'JOB_SUSPENDED'
  | 'JOB_NOT_FOUND'
  | 'NO_JOB_EXECUTED'
  | 'TASK_FAILED'
  | 'OUT_OF_MEMORY'
  | 'NOT_SUPPORTED'
  | 'IO_ERROR'
  | 'CHECKPOINT_FAILED'
  | 'CHECKPOINT_CORRUPT'
  | 'CHECKPOINT_NOT_FOUND'
  | 'STATE_NOT_RESTORABLE'
  | 'CLI_USAGE'
  | 'KAFKA_UNAVAILABLE'
  | 'KAFKA_TRANSACTION_LOST'
  | 'KAFKA_TOPIC_NOT_FOUND'
  /** A cluster process (JobManager, TaskManager) cannot be reached, or refused the connection. */
  | 'CLUSTER_UNAVAILABLE'
  /** A request to the REST API or an RPC handshake without the right token or secret. */
  | 'UNAUTHORIZED'
  /** A server asked to bind to a non-loopback address without a token or secret. */
  | 'TOKEN_REQUIRED'
  /** A path that leaves its configured root directory (`../`, an absolute path elsewhere). */
  | 'PATH_OUTSIDE_ROOT'
  /** An upload larger than its configured limit. */
  | 'PAYLOAD_TOO_LARGE'
  /** A bad configuration file or `-D` setting. */
  | 'INVALID_CONFIG'
  /** The job module could not be bundled into an artifact. */
  | 'BUNDLE_FAILED'
  /** Not enough task slots for the job, within the slot request timeout. */
  | 'NOT_ENOUGH_SLOTS'
  /** A TaskManager was lost: its heartbeat timed out or its connection dropped. */
  | 'TASKMANAGER_LOST'
  /** The process writes no log file (GET /jobmanager/log, /taskmanagers/:id/log). */
  | 'LOG_NOT_FOUND'
  /** Another process did not answer within its deadline (a TaskManager asked for its log). */
  | 'TIMEOUT'
  /** A SQL text that does not parse: the message gives the line, the column and a caret. */
  | 'SQL_PARSE_ERROR'
  /** A SQL statement that parses but is wrong: an unknown table, column or function, a type mismatch. */
  | 'SQL_VALIDATION_ERROR'
  /** A SQL construct that Weir does not run (yet); the message names it and its position. */
  | 'SQL_UNSUPPORTED'
  | 'INTERNAL';

export class WeirError extends Error {
  readonly code: WeirErrorCode;

  constructor(code: WeirErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WeirError';
    this.code = code;
  }

  /** `CODE: message`, followed by the chain of causes, without stack traces. */
  describe(): string {
    const lines = [`${this.code}: ${this.message}`];
    let cause: unknown = this.cause;
    let depth = 0;
    while (cause !== undefined && depth < 8) {
      if (cause instanceof WeirError) lines.push(`  caused by ${cause.code}: ${cause.message}`);
      else if (cause instanceof Error) lines.push(`  caused by ${cause.name}: ${cause.message}`);
      else lines.push(`  caused by ${String(cause)}`);
      cause = cause instanceof Error ? cause.cause : undefined;
      depth++;
    }
    return lines.join('\n');
  }
}

/**
 * Codes of failures that a restart cannot fix (Flink's non-recoverable errors, which suppress
 * restarts): the job fails at once, whatever its restart strategy.
 */
export const NON_RECOVERABLE_CODES: ReadonlySet<WeirErrorCode> = new Set<WeirErrorCode>([
  'KAFKA_TOPIC_NOT_FOUND',
  // The same records and state come back after a restart, and fail the same way.
  'UNSERIALIZABLE_RECORD',
]);

/**
 * False when `error`, or any error in its chain of causes, has a {@link NON_RECOVERABLE_CODES} code:
 * the restart strategy must not restart the job for it.
 *
 * @example
 * ```ts
 * const missing = new WeirError('KAFKA_TOPIC_NOT_FOUND', 'Kafka topic "out" does not exist');
 * isRecoverable(new WeirError('SINK_FAILED', 'write failed', { cause: missing })); // false
 * ```
 */
export function isRecoverable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 16; depth++) {
    if (current instanceof WeirError && NON_RECOVERABLE_CODES.has(current.code)) return false;
    current = current instanceof Error ? current.cause : undefined;
  }
  return true;
}

export function isWeirError(error: unknown, code?: WeirErrorCode): error is WeirError {
  return error instanceof WeirError && (code === undefined || error.code === code);
}

/** A short, single-line rendering of a record for error messages (never more than `max` characters). */
export function previewRecord(value: unknown, max = 200): string {
  let text: string;
  try {
    text =
      typeof value === 'string'
        ? JSON.stringify(value)
        : (JSON.stringify(value, bigintReplacer) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function bigintReplacer(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}
