import type { SourceSplit } from '../../core/source.ts';

/**
 * A Kafka source split: one topic partition and the reader's position in it. Plain data, so a
 * checkpoint stores it as it is and a restored reader resumes at `nextOffset` exactly.
 */
export interface KafkaPartitionSplit extends SourceSplit {
  /** `<topic>-<partition>`. */
  readonly splitId: string;
  readonly topic: string;
  readonly partition: number;
  /** Offset of the next record to emit. */
  readonly nextOffset: number;
  /** The split ends before this offset (bounded mode); null: it never ends. */
  readonly stopOffset: number | null;
}

/** The split id of `topic`'s partition `partition`. */
export function kafkaSplitId(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
