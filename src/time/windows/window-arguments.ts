/**
 * Argument checks shared by the window assigners, triggers and evictors. Window sizes, slides, offsets,
 * gaps and intervals are whole numbers of milliseconds, as timestamps are; anything else fails fast
 * with an INVALID_ARGUMENT error that names the factory and the bad value. Internal: not re-exported.
 */
import { previewRecord, WeirError } from '../../core/errors.ts';
import { NO_TIMESTAMP } from '../../core/stream-element.ts';

/** Returns `value` if it is a whole number of milliseconds > 0, else throws naming `what`. */
export function requirePositiveMillis(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `${what} must be a whole number of milliseconds > 0, got ${String(value)}`,
    );
  }
  return value;
}

/** Returns `value` if it is a whole number of milliseconds >= 0, else throws naming `what`. */
export function requireNonNegativeMillis(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `${what} must be a whole number of milliseconds >= 0, got ${String(value)}`,
    );
  }
  return value;
}

/** Returns `offset` if it is a whole number of milliseconds with |offset| < `period`, else throws. */
export function requireOffset(offset: number, period: number, what: string, periodName: string): number {
  if (!Number.isSafeInteger(offset) || Math.abs(offset) >= period) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `${what} must be a whole number of milliseconds with |offset| < ${periodName} (${period}), got ${String(offset)}`,
    );
  }
  return offset;
}

/**
 * Returns the element's timestamp for an event-time assigner, or throws when the element has none
 * ({@link NO_TIMESTAMP}) or it is not a finite number.
 */
export function requireEventTimestamp(timestamp: number, element: unknown, assigner: string): number {
  if (Number.isFinite(timestamp)) return timestamp;
  if (timestamp === NO_TIMESTAMP) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `${assigner} got record ${previewRecord(element)} without a timestamp: event-time windows need ` +
        'timestamps. Call assignTimestampsAndWatermarks(...) on the stream or give the source a ' +
        'WatermarkStrategy with a timestamp assigner, or use a processing-time window assigner.',
    );
  }
  throw new WeirError(
    'INVALID_ARGUMENT',
    `${assigner} got record ${previewRecord(element)} with invalid timestamp ${String(timestamp)}: ` +
      'event-time windows need finite timestamps in milliseconds',
  );
}

/** Returns the gap a dynamic session extractor gave for `element` if valid, else throws. */
export function requireDynamicGap(gap: number, element: unknown, assigner: string): number {
  if (Number.isSafeInteger(gap) && gap > 0) return gap;
  throw new WeirError(
    'INVALID_ARGUMENT',
    `${assigner}: the session gap extractor returned ${String(gap)} for record ${previewRecord(element)}; ` +
      'a session gap must be a whole number of milliseconds > 0',
  );
}

/** Returns `value` if it is a whole number > 0, else throws naming `what`. */
export function requirePositiveCount(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new WeirError('INVALID_ARGUMENT', `${what} must be a whole number > 0, got ${String(value)}`);
  }
  return value;
}

/** Returns `value` if it is a whole number >= 0, else throws naming `what`. */
export function requireNonNegativeCount(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new WeirError('INVALID_ARGUMENT', `${what} must be a whole number >= 0, got ${String(value)}`);
  }
  return value;
}
