import { WeirError } from '../../core/errors.ts';
import type { Boundedness, Source, SourceReaderContext } from '../../core/source.ts';
import { type NexmarkConfig, resolveNexmarkConfig } from './config.ts';
import { eventBlock } from './event-blocks.ts';
import type { NexmarkEvent } from './model.ts';
import { NexmarkSourceReader } from './nexmark-source-reader.ts';
import type { NexmarkSplit } from './nexmark-split.ts';

/**
 * The Nexmark source: `events` events (or an unbounded stream) from the deterministic generator,
 * cut into one contiguous block of ids per subtask. Every event is a function of its id and the
 * config, so the union of the splits' events is the same at any parallelism. Each event is emitted
 * with its `dateTime` as timestamp; the Nexmark watermark is that minus 4 seconds.
 *
 * @example
 * env.fromSource(
 *   new NexmarkSource({ events: 100_000_000 }),
 *   WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(Duration.ofSeconds(4)),
 *   'nexmark',
 * );
 */
export class NexmarkSource implements Source<NexmarkEvent, NexmarkSplit> {
  readonly boundedness: Boundedness;
  /** The resolved generator configuration, shared by every reader. */
  readonly config: Readonly<NexmarkConfig>;

  /** A source over `options.events` events (default unbounded); see {@link NexmarkConfig}. */
  constructor(options: Partial<NexmarkConfig> = {}) {
    this.config = resolveNexmarkConfig(options);
    this.boundedness = this.config.events === Number.POSITIVE_INFINITY ? 'unbounded' : 'bounded';
  }

  /** One split per subtask: block `i` of `parallelism` contiguous blocks of ids (see `event-blocks.ts`). */
  createSplits(parallelism: number): NexmarkSplit[] {
    if (!(Number.isInteger(parallelism) && parallelism >= 1)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `cannot split the Nexmark source for parallelism ${parallelism}: expected an integer of at least 1`,
      );
    }
    const splits: NexmarkSplit[] = [];
    for (let i = 0; i < parallelism; i++) {
      const block = eventBlock(this.config, parallelism, i);
      splits.push({ splitId: `nexmark-${i}`, nextEventId: block.start, endEventId: block.end });
    }
    return splits;
  }

  createReader(_context: SourceReaderContext): NexmarkSourceReader {
    return new NexmarkSourceReader(this.config);
  }
}
