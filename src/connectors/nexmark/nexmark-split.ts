import type { SourceSplit } from '../../core/source.ts';

/**
 * A split of the Nexmark source: a contiguous block of event ids and how far it has been read.
 * Plain data with finite numbers, so that a checkpoint can store it as JSON.
 */
export interface NexmarkSplit extends SourceSplit {
  /** `nexmark-<index>`, the block's index among the source's splits. */
  readonly splitId: string;
  /** Id of the next event to emit. */
  readonly nextEventId: number;
  /** One past the id of the split's last event. */
  readonly endEventId: number;
}
