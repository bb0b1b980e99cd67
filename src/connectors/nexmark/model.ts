/**
 * The Nexmark event model: one stream of persons, auctions and bids.
 *
 * Longs are JavaScript numbers (every id, price and timestamp the generator makes is a safe integer);
 * timestamps are epoch milliseconds. An event is a small wrapper tagged by `kind` that holds the
 * payload in a field named after the kind: `{ kind: 'bid', bid }`. The wrapper costs one small
 * allocation per event; in exchange, the payloads are exactly the three row types the queries read
 * as views (`person`, `auction`, `bid`), with no extra field, so `event.bid` can be forwarded, stored
 * or serialized as is. Every object of a kind is created by one literal with its fields in the order
 * below, so each kind has one stable shape (V8 hidden class).
 */

/** A person registering to the auction site. */
export interface Person {
  /** Person id, from 1000 upwards. */
  id: number;
  /** First and last name from fixed lists, e.g. `"Peter Jones"`. */
  name: string;
  emailAddress: string;
  /** Four groups of four digits separated by spaces. */
  creditCard: string;
  city: string;
  /** A US state code, e.g. `"OR"`. */
  state: string;
  /** Event time, epoch milliseconds. */
  dateTime: number;
  /** Padding. */
  extra: string;
}

/** An item put up for auction. */
export interface Auction {
  /** Auction id, from 1000 upwards. */
  id: number;
  itemName: string;
  description: string;
  /** Cents. */
  initialBid: number;
  /** Cents; at least `initialBid`. */
  reserve: number;
  /** Event time, epoch milliseconds. */
  dateTime: number;
  /** When the auction closes, epoch milliseconds; after `dateTime`. */
  expires: number;
  /** A person id. */
  seller: number;
  /** 10 to 14. */
  category: number;
  /** Padding. */
  extra: string;
}

/** A bid on an auction. */
export interface Bid {
  /** An auction id. */
  auction: number;
  /** A person id. */
  bidder: number;
  /** Cents. */
  price: number;
  /** `Google`, `Facebook`, `Baidu`, `Apple` or `channel-<n>`. */
  channel: string;
  url: string;
  /** Event time, epoch milliseconds. */
  dateTime: number;
  /** Padding. */
  extra: string;
}

/** A person event (`event_type` 0). */
export interface PersonEvent {
  kind: 'person';
  person: Person;
}

/** An auction event (`event_type` 1). */
export interface AuctionEvent {
  kind: 'auction';
  auction: Auction;
}

/** A bid event (`event_type` 2). */
export interface BidEvent {
  kind: 'bid';
  bid: Bid;
}

/** One event of the Nexmark stream, tagged by `kind`, with its payload in the field of that name. */
export type NexmarkEvent = PersonEvent | AuctionEvent | BidEvent;

/** The three kinds of Nexmark events. */
export type NexmarkEventKind = NexmarkEvent['kind'];

/** The event time of any Nexmark event, epoch milliseconds. */
export function eventDateTime(event: NexmarkEvent): number {
  switch (event.kind) {
    case 'person':
      return event.person.dateTime;
    case 'auction':
      return event.auction.dateTime;
    case 'bid':
      return event.bid.dateTime;
  }
}
