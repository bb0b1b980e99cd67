/**
 * State time-to-live. A state with a TTL stores each value (each list element, each map entry)
 * wrapped with the time it was last written, or also read with `OnReadAndWrite`. A value is expired
 * when `timestamp + ttl <= now`, where now is the clock for processing-time TTL and the current
 * watermark for event-time TTL. Expired values are removed when accessed, or all at once by the
 * backend's `cleanupExpired()`. Before the first watermark event time is `-Infinity`: nothing
 * expires, and values written then count as written at the first watermark.
 */
import { WeirError } from '../core/errors.ts';
import { addPlainDataClass } from '../core/serializable.ts';
import type { StateTtlConfig } from './state-ttl-config.ts';

/** A stored value and the time it was last written (or read, with `OnReadAndWrite`). */
export class TtlValue<T> {
  value: T;
  timestamp: number;

  constructor(value: T, timestamp: number) {
    this.value = value;
    this.timestamp = timestamp;
  }
}
// Stored as `{ value, timestamp }` in LMDB and checkpoints.
addPlainDataClass(TtlValue);

/** Where TTL reads the current time. */
export interface TtlTimeProvider {
  processingTime(): number;
  /** The current watermark; `-Infinity` before the first one. */
  eventTime(): number;
}

/** A state's TTL configuration, resolved for fast checks on the record path. */
export class TtlPolicy {
  readonly ttl: number;
  readonly updateOnRead: boolean;
  readonly returnExpired: boolean;
  readonly eventTime: boolean;
  private readonly time: TtlTimeProvider;

  constructor(stateName: string, config: StateTtlConfig, time: TtlTimeProvider) {
    if (!(config.ttl > 0) || !Number.isFinite(config.ttl)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `state "${stateName}": the time to live must be a positive number of milliseconds, got ${config.ttl}`,
      );
    }
    this.ttl = config.ttl;
    this.updateOnRead = config.updateType === 'OnReadAndWrite';
    this.returnExpired = config.visibility === 'ReturnExpiredIfNotCleanedUp';
    this.eventTime = config.timeCharacteristic === 'EventTime';
    this.time = time;
  }

  /** The current time for this state's time characteristic. */
  now(): number {
    return this.eventTime ? this.time.eventTime() : this.time.processingTime();
  }

  /** Whether a value last stamped at `timestamp` has expired at `now` (never before the first watermark). */
  isExpired(timestamp: number, now: number): boolean {
    return timestamp + this.ttl <= now && now !== Number.NEGATIVE_INFINITY;
  }
}
