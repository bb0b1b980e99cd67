import type { Duration } from '../core/duration.ts';

/**
 * Time-to-live of keyed state. Processing-time TTL expires by the job's clock, as in Flink;
 * event-time TTL (which Flink lacks) expires by the operator's current watermark, so that replays
 * of old data expire state the same way the live run did.
 */
export type TtlUpdateType = 'OnCreateAndWrite' | 'OnReadAndWrite';
export type TtlStateVisibility = 'NeverReturnExpired' | 'ReturnExpiredIfNotCleanedUp';
export type TtlTimeCharacteristic = 'ProcessingTime' | 'EventTime';

export interface StateTtlConfig {
  readonly ttl: Duration;
  readonly updateType: TtlUpdateType;
  readonly visibility: TtlStateVisibility;
  readonly timeCharacteristic: TtlTimeCharacteristic;
}

export class StateTtlConfigBuilder {
  private config: { -readonly [K in keyof StateTtlConfig]: StateTtlConfig[K] };

  constructor(ttl: Duration) {
    this.config = {
      ttl,
      updateType: 'OnCreateAndWrite',
      visibility: 'NeverReturnExpired',
      timeCharacteristic: 'ProcessingTime',
    };
  }

  setUpdateType(type: TtlUpdateType): this {
    this.config.updateType = type;
    return this;
  }
  updateTtlOnReadAndWrite(): this {
    return this.setUpdateType('OnReadAndWrite');
  }
  updateTtlOnCreateAndWrite(): this {
    return this.setUpdateType('OnCreateAndWrite');
  }
  setStateVisibility(visibility: TtlStateVisibility): this {
    this.config.visibility = visibility;
    return this;
  }
  neverReturnExpired(): this {
    return this.setStateVisibility('NeverReturnExpired');
  }
  returnExpiredIfNotCleanedUp(): this {
    return this.setStateVisibility('ReturnExpiredIfNotCleanedUp');
  }
  /** Expire by processing time (the job's Clock). The default. */
  useProcessingTime(): this {
    this.config.timeCharacteristic = 'ProcessingTime';
    return this;
  }
  /** Expire by event time: a value written at watermark w expires once the watermark reaches w + ttl. */
  useEventTime(): this {
    this.config.timeCharacteristic = 'EventTime';
    return this;
  }
  build(): StateTtlConfig {
    return Object.freeze({ ...this.config });
  }
}

export const StateTtlConfig = {
  newBuilder(ttl: Duration): StateTtlConfigBuilder {
    return new StateTtlConfigBuilder(ttl);
  },
};
