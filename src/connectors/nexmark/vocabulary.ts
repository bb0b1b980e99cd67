import { mulberry32 } from './prng.ts';
import { randomWord } from './text-pool.ts';

/**
 * The fixed lists Nexmark draws names, places and channels from (those of the reference generator),
 * and tables derived from them once so that an event only picks an entry.
 */

export const FIRST_NAMES: readonly string[] = [
  'Peter',
  'Paul',
  'Luke',
  'John',
  'Saul',
  'Vicky',
  'Kate',
  'Julie',
  'Sarah',
  'Deiter',
  'Walter',
];

export const LAST_NAMES: readonly string[] = [
  'Shultz',
  'Abrams',
  'Spencer',
  'White',
  'Bartels',
  'Walton',
  'Smith',
  'Jones',
  'Noris',
];

export const US_CITIES: readonly string[] = [
  'Phoenix',
  'Los Angeles',
  'San Francisco',
  'Boise',
  'Portland',
  'Bend',
  'Redmond',
  'Seattle',
  'Kent',
  'Cheyenne',
];

export const US_STATES: readonly string[] = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];

/** Every `first last` name, indexed `first * LAST_NAMES.length + last`. */
export const FULL_NAMES: readonly string[] = FIRST_NAMES.flatMap((first) =>
  LAST_NAMES.map((last) => `${first} ${last}`),
);

/** `0000` to `9999`: the groups of a credit card number. */
export const FOUR_DIGITS: readonly string[] = Array.from({ length: 10_000 }, (_, i) =>
  String(i).padStart(4, '0'),
);

/** The channels half of the bids come through, each with one fixed url. */
export const HOT_CHANNELS: readonly string[] = ['Google', 'Facebook', 'Baidu', 'Apple'];

/** Number of other channels, `channel-0` to `channel-9999`. */
export const CHANNELS_NUMBER = 10_000;

/** The url of each hot channel, generated once from fixed seeds. */
export const HOT_URLS: readonly string[] = HOT_CHANNELS.map((_, i) => baseUrl(mulberry32(-1 - i)));

/** Names and urls of the other channels, indexed by channel number. */
export interface ChannelTable {
  readonly names: readonly string[];
  readonly urls: readonly string[];
}

let channels: ChannelTable | undefined;

/**
 * `channel-<n>` and its url, for every n, built once per thread on first use. As in the reference
 * generator, 9 urls in 10 carry a `channel_id` parameter: the channel number with its 32 bits
 * reversed (query 21 extracts it).
 */
export function channelTable(): ChannelTable {
  if (channels !== undefined) return channels;
  const names: string[] = [];
  const urls: string[] = [];
  for (let n = 0; n < CHANNELS_NUMBER; n++) {
    const next = mulberry32(n);
    const url = baseUrl(next);
    names.push(`channel-${n}`);
    urls.push(next() % 10 > 0 ? `${url}&channel_id=${Math.abs(reverseBits(n))}` : url);
  }
  channels = { names, urls };
  return channels;
}

function baseUrl(next: () => number): string {
  const segment = () => randomWord(next, 5, '_');
  return `https://www.nexmark.com/${segment()}/${segment()}/${segment()}/item.htm?query=1`;
}

/** Java's `Integer.reverse`: the 32 bits of `n` in reverse order, as a signed int. */
export function reverseBits(n: number): number {
  let x = n | 0;
  let r = 0;
  for (let i = 0; i < 32; i++) {
    r = (r << 1) | (x & 1);
    x >>>= 1;
  }
  return r | 0;
}
