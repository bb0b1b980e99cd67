import { type NexmarkConfig, UNBOUNDED_EVENTS } from './config.ts';

/**
 * Contiguous blocks of event ids. The ids of a source, `events` of them from `firstEventId`, are cut
 * into `count` blocks of `floor(events / count)` ids, the last block taking the remainder, as
 * Flink's `GeneratorConfig.split`. The same cut serves the generator's event-time timelines (one
 * block per generator) and the source's splits (one block per subtask), so when the two counts are
 * equal, each subtask runs exactly one timeline.
 */

/** Ids `[start, end)` of one block. */
export interface EventBlock {
  readonly start: number;
  readonly end: number;
}

/** The number of ids a source cuts into blocks: `events`, or {@link UNBOUNDED_EVENTS} if infinite. */
export function totalEvents(config: Pick<NexmarkConfig, 'events'>): number {
  return config.events === Number.POSITIVE_INFINITY ? UNBOUNDED_EVENTS : config.events;
}

/** Block `index` of `count`, over the ids of `config`. */
export function eventBlock(
  config: Pick<NexmarkConfig, 'events' | 'firstEventId'>,
  count: number,
  index: number,
): EventBlock {
  const total = totalEvents(config);
  const size = Math.floor(total / count);
  const start = config.firstEventId + index * size;
  const end = index === count - 1 ? config.firstEventId + total : start + size;
  return { start, end };
}
