import { WeirError } from '../../core/errors.ts';

/**
 * Parameters of the Nexmark generator (generator.ts). Two generators with equal configs make
 * equal events for equal ids, whatever the parallelism that reads them.
 */
export interface NexmarkConfig {
  /** How many events the source emits; `Infinity` for an unbounded source. Default `Infinity`. */
  events: number;
  /** Id of the first event; ids are consecutive from there. Default 1. */
  firstEventId: number;
  /** Event time of event number 0, epoch ms. Default 2026-01-01T00:00:00Z, so runs are reproducible. */
  baseTime: number;
  /** Events per second of event time, over all generators. Default 10,000,000. */
  rate: number;
  /**
   * Number of parallel event-time timelines, as Flink's `numEventGenerators`. The id range is cut
   * into this many contiguous blocks; each block's events are numbered from 1 and spaced
   * `numberOfGenerators` times further apart, so all blocks cover the same span of event time. With
   * the default 1 there is one timeline and event time grows with the id. Set it to the source's
   * parallelism to let every subtask advance through event time together, as Flink does; the events
   * depend on this setting, never on the parallelism itself.
   */
  numberOfGenerators: number;
  /** Weight of persons in each cycle of `person + auction + bid` ids. Default 1. */
  personProportion: number;
  /** Weight of auctions. Default 3. */
  auctionProportion: number;
  /** Weight of bids. Default 46. */
  bidProportion: number;
  /** Target average size of a person in bytes, reached by padding `extra`. Default 200. */
  avgPersonByteSize: number;
  /** Target average size of an auction in bytes. Default 500. */
  avgAuctionByteSize: number;
  /** Target average size of a bid in bytes. Default 100. */
  avgBidByteSize: number;
}

/** The defaults of {@link NexmarkConfig}, those of Flink's published Nexmark results. */
export const DEFAULT_NEXMARK_CONFIG: Readonly<NexmarkConfig> = Object.freeze({
  events: Number.POSITIVE_INFINITY,
  firstEventId: 1,
  baseTime: Date.UTC(2026, 0, 1),
  rate: 10_000_000,
  numberOfGenerators: 1,
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
});

/**
 * The number of ids an unbounded generator spreads over its blocks: large enough never to run out
 * (over three years of event time at 10 M events/s), small enough for every id to stay a safe integer.
 */
export const UNBOUNDED_EVENTS = 2 ** 50;

/** Largest average event size, so that every `extra` fits in one slice of the text pool. */
export const MAX_AVG_BYTE_SIZE = 65_536;

/** The defaults overridden by `options`, validated. Throws `INVALID_ARGUMENT` naming the bad field. */
export function resolveNexmarkConfig(options: Partial<NexmarkConfig> = {}): Readonly<NexmarkConfig> {
  const config: NexmarkConfig = { ...DEFAULT_NEXMARK_CONFIG };
  for (const key of Object.keys(DEFAULT_NEXMARK_CONFIG) as (keyof NexmarkConfig)[]) {
    const value = options[key];
    if (value !== undefined) config[key] = value;
  }
  if (config.events !== Number.POSITIVE_INFINITY) integer(config, 'events', 0, UNBOUNDED_EVENTS);
  integer(config, 'firstEventId', 0, 2 ** 52);
  integer(config, 'baseTime', -(2 ** 52), 2 ** 52);
  integer(config, 'numberOfGenerators', 1, 2 ** 20);
  integer(config, 'personProportion', 1, 1_000_000);
  integer(config, 'auctionProportion', 1, 1_000_000);
  integer(config, 'bidProportion', 1, 1_000_000);
  integer(config, 'avgPersonByteSize', 0, MAX_AVG_BYTE_SIZE);
  integer(config, 'avgAuctionByteSize', 0, MAX_AVG_BYTE_SIZE);
  integer(config, 'avgBidByteSize', 0, MAX_AVG_BYTE_SIZE);
  if (!(typeof config.rate === 'number' && Number.isFinite(config.rate) && config.rate > 0)) {
    throw invalid('rate', config.rate, 'a finite number of events per second above 0');
  }
  return Object.freeze(config);
}

function integer(config: NexmarkConfig, key: keyof NexmarkConfig, min: number, max: number): void {
  const value = config[key];
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw invalid(key, value, `an integer from ${min} to ${max}`);
  }
}

function invalid(key: string, value: unknown, expected: string): WeirError {
  return new WeirError(
    'INVALID_ARGUMENT',
    `invalid Nexmark config: "${key}" is ${String(value)}, expected ${expected}`,
  );
}
