import { type NexmarkConfig, resolveNexmarkConfig } from './config.ts';
import { totalEvents } from './event-blocks.ts';
import type { Auction, Bid, NexmarkEvent, Person } from './model.ts';
import { priceOf } from './price.ts';
import { mix32 } from './prng.ts';
import { SPACE, textPool } from './text-pool.ts';
import {
  CHANNELS_NUMBER,
  channelTable,
  FOUR_DIGITS,
  FULL_NAMES,
  HOT_CHANNELS,
  HOT_URLS,
  US_CITIES,
  US_STATES,
} from './vocabulary.ts';

/**
 * The Nexmark benchmark's event generator. An event is a pure function of its id and the config:
 * the kind comes from `id mod (person + auction + bid proportions)`, ids of persons and auctions from
 * how many of each the ids before it made, and every random choice from a mulberry32 stream seeded
 * by the id. So any subtask can make any event, and every parallelism makes the same events.
 *
 * Event number n (see `eventNumber`) is at `baseTime + floor(n * 1000 * numberOfGenerators / rate)`
 * ms, which is `floor(n * interEventDelayUs / 1000)` computed without a rounded 1e6 / rate. `extra`
 * pads an event to its average size as the reference generator (Beam, Flink) counts it: 8 bytes per
 * number, 1 per character, but for a bid the four numbers only, not channel and url. So a bid carries
 * about 68 characters of `extra` (about 172 bytes in all) as in Flink's published runs.
 *
 * The generator keeps the random state in one field rather than an object per event, picks names
 * and channels from precomputed tables, and slices random text out of a fixed pool (see
 * `text-pool.ts`): an event costs its own objects and little else.
 */

const FIRST_PERSON_ID = 1000;
const FIRST_AUCTION_ID = 1000;
const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
/** An auction's seller is hot with probability 1 - 1/4 (bids: see `bid`). */
const HOT_SELLER_RATIO = 4;
/** Hot auctions and persons are the first of each batch of 100 (bidders: the second). */
const HOT_BATCH = 100;
const NUM_ACTIVE_PEOPLE = 1000;
const NUM_IN_FLIGHT_AUCTIONS = 100;
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;
const MIN_STRING_LENGTH = 3;
const MAX_ITEM_NAME = 20;
const MAX_DESCRIPTION = 100;
/** Bytes counted for a number or timestamp when sizing `extra`. */
const LONG_BYTES = 8;
const TWO_POW_32 = 4294967296;
/**
 * A string costs one draw: its offset in the text pool from the low 17 bits (the pool's first half,
 * leaving the second half for the longest string), its length from the high 15 bits.
 */
const OFFSET_BITS = 17;
const OFFSET_MASK = (1 << OFFSET_BITS) - 1;
const LENGTH_RANGE = 2 ** (32 - OFFSET_BITS);

/** Makes Nexmark events by id; see the module comment. */
export class NexmarkGenerator {
  /** The resolved configuration. */
  readonly config: Readonly<NexmarkConfig>;

  private readonly firstEventId: number;
  private readonly baseTime: number;
  private readonly rate: number;
  /** `1000 * numberOfGenerators`: event number n is at `baseTime + floor(n * msFactor / rate)`. */
  private readonly msFactor: number;
  private readonly generators: number;
  private readonly timelineSize: number;
  private readonly persons: number;
  private readonly auctions: number;
  private readonly personsAndAuctions: number;
  private readonly proportions: number;
  /** Events until the auction `NUM_IN_FLIGHT_AUCTIONS` ahead: the auction expiry horizon. */
  private readonly horizonEvents: number;
  private readonly avgPerson: number;
  private readonly avgAuction: number;
  private readonly avgBid: number;
  private readonly pool: string;
  private readonly channelNames: readonly string[];
  private readonly channelUrls: readonly string[];
  /** Mulberry32 state, reseeded by each event's id. */
  private state = 0;
  /**
   * The id range (as `eventId - firstEventId`) of the block `eventNumber` found last, from and to
   * (exclusive): a reader asks for ids in order, so they stay in one block and need no division.
   */
  private blockFrom = 0;
  private blockTo = -1;
  /** See {@link lastTimestamp}. */
  private lastTime = 0;

  constructor(config: Partial<NexmarkConfig> = {}) {
    this.config = resolveNexmarkConfig(config);
    const c = this.config;
    this.firstEventId = c.firstEventId;
    this.baseTime = c.baseTime;
    this.rate = c.rate;
    this.msFactor = 1000 * c.numberOfGenerators;
    this.generators = c.numberOfGenerators;
    this.timelineSize = Math.floor(totalEvents(c) / c.numberOfGenerators);
    this.persons = c.personProportion;
    this.auctions = c.auctionProportion;
    this.personsAndAuctions = c.personProportion + c.auctionProportion;
    this.proportions = this.personsAndAuctions + c.bidProportion;
    this.horizonEvents = Math.floor((NUM_IN_FLIGHT_AUCTIONS * this.proportions) / c.auctionProportion);
    this.avgPerson = c.avgPersonByteSize;
    this.avgAuction = c.avgAuctionByteSize;
    this.avgBid = c.avgBidByteSize;
    this.pool = textPool();
    const channels = channelTable();
    this.channelNames = channels.names;
    this.channelUrls = channels.urls;
  }

  /** The event with id `eventId` (an integer, normally from `firstEventId` on). */
  generateEvent(eventId: number): NexmarkEvent {
    const eventNumber = this.eventNumber(eventId);
    const dateTime = this.timestampOf(eventNumber);
    this.lastTime = dateTime;
    this.state = mix32((eventId | 0) ^ Math.imul((eventId / TWO_POW_32) | 0, 0x9e3779b9));
    const slot = eventId % this.proportions;
    if (slot < this.persons) return { kind: 'person', person: this.person(eventId, dateTime) };
    if (slot < this.personsAndAuctions) {
      return { kind: 'auction', auction: this.auction(eventId, eventNumber, dateTime) };
    }
    return { kind: 'bid', bid: this.bid(eventId, dateTime) };
  }

  /**
   * Writes the `count` events from id `firstEventId` on into `target[0..count)`, sets its length to
   * `count` and returns it: a batch without a new array.
   */
  fill(target: NexmarkEvent[], firstEventId: number, count: number): NexmarkEvent[] {
    for (let i = 0; i < count; i++) target[i] = this.generateEvent(firstEventId + i);
    target.length = count;
    return target;
  }

  /**
   * The event time of the event made last by {@link generateEvent}: `eventTimestamp` of its id,
   * without computing it again.
   *
   * @example
   * const event = generator.generateEvent(id);
   * const time = generator.lastTimestamp; // generator.eventTimestamp(id)
   */
  get lastTimestamp(): number {
    return this.lastTime;
  }

  /** The event time of event `eventId`, epoch ms (its `dateTime`). */
  eventTimestamp(eventId: number): number {
    return this.timestampOf(this.eventNumber(eventId));
  }

  /**
   * The position of `eventId` on its generator's timeline, from 1: the id's rank in its block of
   * `events / numberOfGenerators` ids (see `event-blocks.ts`), the rank in the whole id range with one
   * generator.
   */
  eventNumber(eventId: number): number {
    const index = eventId - this.firstEventId;
    if (this.generators === 1) return index + 1;
    if (index >= this.blockFrom && index < this.blockTo) return index - this.blockFrom + 1;
    const size = this.timelineSize;
    const last = this.generators - 1;
    const block = size === 0 ? last : Math.min(Math.floor(index / size), last);
    const from = Math.max(block, 0) * size;
    if (index >= 0) {
      this.blockFrom = from;
      this.blockTo = block === last ? Number.POSITIVE_INFINITY : from + size;
    }
    return index - from + 1;
  }

  private timestampOf(eventNumber: number): number {
    return this.baseTime + Math.floor((eventNumber * this.msFactor) / this.rate);
  }

  private person(eventId: number, dateTime: number): Person {
    const id = this.lastPersonId(eventId) + FIRST_PERSON_ID;
    const name = FULL_NAMES[this.below(FULL_NAMES.length)];
    const emailAddress = this.string(7) + '@' + this.string(5) + '.com';
    const creditCard =
      FOUR_DIGITS[this.below(10_000)] +
      ' ' +
      FOUR_DIGITS[this.below(10_000)] +
      ' ' +
      FOUR_DIGITS[this.below(10_000)] +
      ' ' +
      FOUR_DIGITS[this.below(10_000)];
    const city = US_CITIES[this.below(US_CITIES.length)];
    const state = US_STATES[this.below(US_STATES.length)];
    const size =
      LONG_BYTES + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    const extra = this.extra(size, this.avgPerson);
    return { id, name, emailAddress, creditCard, city, state, dateTime, extra };
  }

  private auction(eventId: number, eventNumber: number, dateTime: number): Auction {
    const id = this.lastAuctionId(eventId) + FIRST_AUCTION_ID;
    const lastPerson = this.lastPersonId(eventId);
    const seller =
      (this.below(HOT_SELLER_RATIO) > 0
        ? Math.floor(lastPerson / HOT_BATCH) * HOT_BATCH
        : this.nextPersonId(lastPerson)) + FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + this.below(NUM_CATEGORIES);
    const initialBid = this.price();
    const horizon = this.timestampOf(eventNumber + this.horizonEvents) - dateTime;
    const expires = dateTime + 1 + this.below(Math.max(horizon * 2, 1));
    const itemName = this.string(MAX_ITEM_NAME);
    const description = this.string(MAX_DESCRIPTION);
    const reserve = initialBid + this.price();
    const size = LONG_BYTES + itemName.length + description.length + 5 * LONG_BYTES;
    const extra = this.extra(size, this.avgAuction);
    return { id, itemName, description, initialBid, reserve, dateTime, expires, seller, category, extra };
  }

  private bid(eventId: number, dateTime: number): Bid {
    // One draw for the bid's small choices: bit 0 a hot auction (1/2), bits 1-2 a hot bidder unless
    // both are 0 (3/4), bit 3 a hot channel (1/2), bits 4-5 which hot channel, bits 6-31 which other.
    const choices = this.next();
    const lastAuction = this.lastAuctionId(eventId);
    const auction =
      ((choices & 1) !== 0
        ? Math.floor(lastAuction / HOT_BATCH) * HOT_BATCH
        : this.nextAuctionId(lastAuction)) + FIRST_AUCTION_ID;
    const lastPerson = this.lastPersonId(eventId);
    const bidder =
      ((choices & 6) !== 0
        ? Math.floor(lastPerson / HOT_BATCH) * HOT_BATCH + 1
        : this.nextPersonId(lastPerson)) + FIRST_PERSON_ID;
    const price = priceOf(this.next());
    let channel: string;
    let url: string;
    if ((choices & 8) !== 0) {
      const i = (choices >>> 4) & 3;
      channel = HOT_CHANNELS[i];
      url = HOT_URLS[i];
    } else {
      const n = Math.floor(((choices >>> 6) * CHANNELS_NUMBER) / 2 ** 26);
      channel = this.channelNames[n];
      url = this.channelUrls[n];
    }
    // As the reference generator, count the four numbers only (not channel and url) when sizing extra.
    const extra = this.extra(4 * LONG_BYTES, this.avgBid);
    return { auction, bidder, price, channel, url, dateTime, extra };
  }

  /** Base-0 id of the newest person at or before `eventId`. */
  private lastPersonId(eventId: number): number {
    const epoch = Math.floor(eventId / this.proportions);
    const offset = eventId - epoch * this.proportions;
    return epoch * this.persons + (offset >= this.persons ? this.persons - 1 : offset);
  }

  /** Base-0 id of the newest auction at or before `eventId`. */
  private lastAuctionId(eventId: number): number {
    let epoch = Math.floor(eventId / this.proportions);
    let offset = eventId - epoch * this.proportions;
    if (offset < this.persons) {
      epoch--;
      offset = this.auctions - 1;
    } else if (offset >= this.personsAndAuctions) {
      offset = this.auctions - 1;
    } else {
      offset -= this.persons;
    }
    return epoch * this.auctions + offset;
  }

  /** A base-0 person id: uniform over the last 1000 persons and the 10 to come. */
  private nextPersonId(lastPerson: number): number {
    const people = lastPerson + 1;
    const active = Math.min(people, NUM_ACTIVE_PEOPLE);
    return people - active + this.below(active + PERSON_ID_LEAD);
  }

  /** A base-0 auction id: uniform over the last 100 auctions and the 10 to come. */
  private nextAuctionId(lastAuction: number): number {
    const min = Math.max(lastAuction - NUM_IN_FLIGHT_AUCTIONS, 0);
    return min + this.below(lastAuction - min + 1 + AUCTION_ID_LEAD);
  }

  /** `round(10^(6U) * 100)` cents: from $1 to $1,000,000, log-uniform. */
  private price(): number {
    return priceOf(this.next());
  }

  /** Random text of 3 to `maxLength - 1` characters, trimmed of spaces. */
  private string(maxLength: number): string {
    const pool = this.pool;
    const bits = this.next();
    let start = bits & OFFSET_MASK;
    let length =
      MIN_STRING_LENGTH +
      Math.floor(((bits >>> OFFSET_BITS) * (maxLength - MIN_STRING_LENGTH)) / LENGTH_RANGE);
    while (length > 0 && pool.charCodeAt(start) === SPACE) {
      start++;
      length--;
    }
    while (length > 0 && pool.charCodeAt(start + length - 1) === SPACE) length--;
    return pool.substring(start, start + length);
  }

  /** Padding of `avg - size` characters give or take 20%, so that the event averages `avg` bytes. */
  private extra(size: number, avg: number): string {
    if (size > avg) return '';
    const desired = avg - size;
    const delta = Math.round(desired * 0.2);
    const bits = this.next();
    const start = bits & OFFSET_MASK;
    const length = desired - delta + Math.floor(((bits >>> OFFSET_BITS) * 2 * delta) / LENGTH_RANGE);
    return this.pool.substring(start, start + length);
  }

  /** Uniform integer in `[0, n)`. */
  private below(n: number): number {
    return Math.floor((this.next() * n) / TWO_POW_32);
  }

  /** Next uint32 of the mulberry32 stream. */
  private next(): number {
    const a = (this.state = (this.state + 0x6d2b79f5) | 0);
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
}
