/**
 * Where a task failed, as data: which vertex and subtask, and the record and its source position
 * when the failure happened on a record. The task attaches it to the error it reports; it travels
 * with the error between threads and processes (a plain object), and the REST API's exception
 * history shows it. The message of the error already says all of it in words; this is for tools.
 */
export interface TaskFailureContext {
  vertexId: string;
  /** The task's name: its vertex's chain of operators. */
  taskName: string;
  /** From 0. */
  subtask: number;
  /** The operator that failed, when one did. */
  operatorUid?: string;
  /** The record being processed, as text, at most {@link MAX_RECORD_TEXT} characters. */
  record?: string;
  /** Where the record came from (`topic "t" partition 3 offset 18422`, `file "in.csv" line 7`). */
  position?: string;
  /** The source whose position that is. */
  source?: string;
}

/** The longest record text kept with a failure: 1 KiB. */
export const MAX_RECORD_TEXT = 1024;

/** The property of an error that carries its context. */
const KEY = 'taskFailure';

/**
 * Attaches `context` to `error` (an Error), and returns the error. A source that rejects bad input
 * attaches the record and its position ({@link withFailedRecord}); the task completes the rest.
 */
export function withTaskFailure<E extends Error>(error: E, context: Partial<TaskFailureContext>): E {
  // What the error already carries (a source's record) stays, unless `context` says otherwise.
  const own = (error as unknown as Record<string, Partial<TaskFailureContext> | undefined>)[KEY];
  Object.defineProperty(error, KEY, {
    value: own === undefined ? context : { ...own, ...context },
    enumerable: false,
    configurable: true,
    writable: true,
  });
  return error;
}

/**
 * A source's error for a record it cannot read: `record` (its text or bytes, cut to 1 KiB) and
 * where it is travel with the error to the REST API's exception history.
 *
 * @example
 * throw withFailedRecord(
 *   new WeirError('DESERIALIZATION_FAILED', `cannot parse JSON at file "${path}" line ${n}: ${reason}`),
 *   line,
 *   `file "${path}" line ${n}`,
 * );
 */
export function withFailedRecord<E extends Error>(error: E, record: unknown, position: string): E {
  return withTaskFailure(error, { record: recordText(record), position });
}

/** The context attached to `error` or to one of its causes, if any. */
export function taskFailureOf(error: unknown): Partial<TaskFailureContext> | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 8; depth++) {
    const context = (current as unknown as Record<string, unknown>)[KEY];
    if (context !== undefined && context !== null && typeof context === 'object') {
      return context as Partial<TaskFailureContext>;
    }
    current = current.cause;
  }
  return undefined;
}

/** A record as text for a failure report, cut to {@link MAX_RECORD_TEXT} characters. */
export function recordText(value: unknown): string {
  let text: string;
  try {
    text =
      typeof value === 'string'
        ? value
        : value instanceof Uint8Array
          ? Buffer.from(
              value.buffer,
              value.byteOffset,
              Math.min(value.byteLength, MAX_RECORD_TEXT * 4),
            ).toString('utf8')
          : (JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ??
            String(value));
  } catch {
    text = String(value);
  }
  return text.length > MAX_RECORD_TEXT ? `${text.slice(0, MAX_RECORD_TEXT - 1)}…` : text;
}
