/**
 * Where a Kafka source starts (or, in bounded mode, stops) reading each partition, as plain data.
 * The source resolves it to one number per partition when it plans its splits, once, so every
 * subtask reads the same plan.
 */
export type OffsetsInitializer =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'timestamp'; readonly timestamp: number }
  | {
      readonly kind: 'offsets';
      readonly offsets: readonly KafkaPartitionOffset[];
      /** For partitions `offsets` does not list. */
      readonly fallback: 'earliest' | 'latest';
    }
  | { readonly kind: 'committed'; readonly fallback: 'earliest' | 'latest' | 'none' };

export interface KafkaPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** Flink's `OffsetsInitializer` factories. */
export const OffsetsInitializer = {
  /** The first offset still in each partition. */
  earliest(): OffsetsInitializer {
    return { kind: 'earliest' };
  },
  /** The offset after the last record when the job's splits are planned. */
  latest(): OffsetsInitializer {
    return { kind: 'latest' };
  },
  /** The first record with a timestamp at or after `timestamp` (epoch ms); latest if none. */
  timestamp(timestamp: number): OffsetsInitializer {
    return { kind: 'timestamp', timestamp };
  },
  /**
   * These offsets (clamped to what the partition holds); partitions not listed start at `fallback`.
   *
   * @example OffsetsInitializer.offsets([{ topic: 'payments', partition: 0, offset: 42 }])
   */
  offsets(
    offsets: readonly KafkaPartitionOffset[],
    fallback: 'earliest' | 'latest' = 'earliest',
  ): OffsetsInitializer {
    return { kind: 'offsets', offsets: offsets.map((o) => ({ ...o })), fallback };
  },
  /**
   * The offsets the source's group id committed; partitions without one start at `fallback`, or
   * fail the job with 'none' (the default).
   */
  committedOffsets(fallback: 'earliest' | 'latest' | 'none' = 'none'): OffsetsInitializer {
    return { kind: 'committed', fallback };
  },
} as const;
