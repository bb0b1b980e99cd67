import {
  type Auction,
  type Bid,
  type Collector,
  type DataStream,
  EventTimeSessionWindows,
  KeyedCoProcessFunction,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type ListState,
  ListStateDescriptor,
  type NexmarkConfig,
  type NexmarkEvent,
  NexmarkSource,
  type OnTimerContext,
  type Person,
  type ProcessWindowContext,
  SlidingEventTimeWindows,
  type StreamExecutionEnvironment,
  TimeWindow,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { BlackholeSink } from './blackhole-sink.ts';

/**
 * Nexmark queries as DataStream jobs (the semantics of the Nexmark benchmark). Each builds its pipeline on
 * `env` over `events` generated events and ends in the blackhole sink.
 */
export type QueryBuilder = (env: StreamExecutionEnvironment, events: number) => void;

/** Generator settings every query of a run uses unless it gives its own (bench/run.ts `--rate`). */
const generatorDefaults: Partial<NexmarkConfig> = {};

/** Sets the generator settings of every query of this run (the event rate, for windows that turn over). */
export function setGeneratorDefaults(config: Partial<NexmarkConfig>): void {
  Object.assign(generatorDefaults, config);
}

/** The bids of `events` generated events; `config` overrides the generator's defaults (tests: the rate). */
export function bids(
  env: StreamExecutionEnvironment,
  events: number,
  strategy: WatermarkStrategy<NexmarkEvent> = WatermarkStrategy.noWatermarks(),
  config: Partial<NexmarkConfig> = {},
): DataStream<Bid> {
  const p = env.getParallelism();
  return env
    .fromSource(
      new NexmarkSource({ ...generatorDefaults, ...config, events, numberOfGenerators: p }),
      strategy,
      'Nexmark',
    )
    .flatMap((e: NexmarkEvent, out: Collector<Bid>) => {
      if (e.kind === 'bid') out.collect(e.bid);
    })
    .name('bids');
}

/** A keyed running count of bids per bidder. */
class CountBids extends KeyedProcessFunction<number, number, { bidder: number; count: number }> {
  private count!: ValueState<number, number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor('count', 0));
  }
  processElement(
    _bidder: number,
    ctx: KeyedProcessContext<number>,
    out: Collector<{ bidder: number; count: number }>,
  ): void {
    const c = this.count.value() + 1;
    this.count.update(c);
    out.collect({ bidder: ctx.getCurrentKey(), count: c });
  }
}

interface AuctionCount {
  auction: number;
  count: number;
  windowEnd: number;
}

/** Per window (keyed by its end): the auctions with the highest bid count, emitted when the window closes. */
class HottestAuctions extends KeyedProcessFunction<number, AuctionCount, AuctionCount> {
  private best!: ValueState<AuctionCount[]>;
  override open(): void {
    this.best = this.getRuntimeContext().getState(new ValueStateDescriptor<AuctionCount[]>('best'));
  }
  processElement(c: AuctionCount, ctx: KeyedProcessContext<number>, _out: Collector<AuctionCount>): void {
    const best = this.best.value();
    if (best === undefined || c.count > best[0].count) {
      this.best.update([c]);
      ctx.timerService().registerEventTimeTimer(c.windowEnd - 1);
    } else if (c.count === best[0].count) best.push(c);
  }
  override onTimer(_time: number, _ctx: OnTimerContext<number>, out: Collector<AuctionCount>): void {
    for (const c of this.best.value() ?? []) out.collect(c);
    this.best.clear();
  }
}

const countBids = {
  createAccumulator: () => 0,
  add: (_b: unknown, n: number) => n + 1,
  getResult: (n: number) => n,
  merge: (a: number, b: number) => a + b,
};

/** Nexmark's watermark: event time minus 4 seconds. */
export const nexmarkWatermarks = (): WatermarkStrategy<NexmarkEvent> =>
  WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(4_000);

/** A q7 result: a bid whose price is the highest of its 10 s tumbling window. */
export interface HighestBid {
  auction: number;
  price: number;
  bidder: number;
  dateTime: number;
  extra: string;
}

/**
 * q7, highest bid: the maximum price of each 10 s tumbling window, joined back with the bids of
 * that window on the price (a window join keyed by price). The maxima come from one subtask
 * (windowAll), carrying their window's max timestamp, so they fall into the same join window.
 */
export function highestBids(bids: DataStream<Bid>): DataStream<HighestBid> {
  const maxPrices = bids
    .map((b) => b.price)
    .windowAll(TumblingEventTimeWindows.of(10_000))
    .reduce((a, b) => Math.max(a, b));
  return bids
    .join(maxPrices)
    .where((b) => b.price)
    .equalTo((max) => max)
    .window(TumblingEventTimeWindows.of(10_000))
    .apply((b) => ({
      auction: b.auction,
      price: b.price,
      bidder: b.bidder,
      dateTime: b.dateTime,
      extra: b.extra,
    }));
}

/** A q11 result: one session of a bidder. */
export interface UserSession {
  bidder: number;
  /** Bids in the session. */
  count: number;
  /** Timestamp of the session's first bid. */
  start: number;
  /** Timestamp of its last bid plus the gap. */
  end: number;
}

/** q11, user sessions: bids per bidder per session window with a 10 s gap. */
export function userSessions(bids: DataStream<Bid>): DataStream<UserSession> {
  return bids
    .map((b) => b.bidder)
    .keyBy((bidder) => bidder)
    .window(EventTimeSessionWindows.withGap(10_000))
    .aggregate(
      countBids,
      (
        bidder: number,
        ctx: ProcessWindowContext<TimeWindow>,
        counts: Iterable<number>,
        out: Collector<UserSession>,
      ) => {
        const w = ctx.window();
        for (const count of counts) out.collect({ bidder, count, start: w.getStart(), end: w.getEnd() });
      },
    );
}

/**
 * The events of `events` generated events with `strategy`'s watermarks (by default Nexmark's, as the
 * published SQL table declares them). One generator timeline per source subtask unless `config`
 * says otherwise; `config` overrides the generator's defaults (tests: the rate, and one timeline at
 * any parallelism to read the same events). Queries that read persons or auctions split this one
 * stream by kind, as the SQL views do.
 */
export function nexmarkEvents(
  env: StreamExecutionEnvironment,
  events: number,
  strategy: WatermarkStrategy<NexmarkEvent> = nexmarkWatermarks(),
  config: Partial<NexmarkConfig> = {},
): DataStream<NexmarkEvent> {
  const p = env.getParallelism();
  return env.fromSource(
    new NexmarkSource({ numberOfGenerators: p, ...generatorDefaults, ...config, events }),
    strategy,
    'Nexmark',
  );
}

/** A q3 result: a seller in Oregon, Idaho or California and one of their auctions in category 10. */
export interface LocalItem {
  name: string;
  city: string;
  state: string;
  /** The auction's id. */
  id: number;
}

/** The columns of a person that q3 outputs. */
interface LocalSeller {
  name: string;
  city: string;
  state: string;
}

/**
 * q3's join, a regular (unbounded) inner join as Flink SQL runs it: both sides are kept in keyed
 * state for ever, and each record that arrives is joined with every record of the other side seen
 * so far for its key, so the result is insert-only and independent of which side came first.
 */
class JoinSellerAuctions extends KeyedCoProcessFunction<number, Person, Auction, LocalItem> {
  private sellers!: ListState<LocalSeller>;
  private auctions!: ListState<number>;
  override open(): void {
    this.sellers = this.getRuntimeContext().getListState(new ListStateDescriptor<LocalSeller>('sellers'));
    this.auctions = this.getRuntimeContext().getListState(new ListStateDescriptor<number>('auctions'));
  }
  processElement1(p: Person, _ctx: KeyedProcessContext<number>, out: Collector<LocalItem>): void {
    this.sellers.add({ name: p.name, city: p.city, state: p.state });
    for (const id of this.auctions.get()) out.collect({ name: p.name, city: p.city, state: p.state, id });
  }
  processElement2(a: Auction, _ctx: KeyedProcessContext<number>, out: Collector<LocalItem>): void {
    this.auctions.add(a.id);
    for (const s of this.sellers.get()) out.collect({ name: s.name, city: s.city, state: s.state, id: a.id });
  }
}

/**
 * q3, local item suggestion: the persons in OR, ID or CA joined with the auctions of category 10
 * they sell (`seller = person.id`), both inputs filtered before the shuffle.
 */
export function localItemSuggestions(events: DataStream<NexmarkEvent>): DataStream<LocalItem> {
  const sellers = events
    .flatMap((e: NexmarkEvent, out: Collector<Person>) => {
      if (e.kind !== 'person') return;
      const s = e.person.state;
      if (s === 'OR' || s === 'ID' || s === 'CA') out.collect(e.person);
    })
    .name('persons in OR, ID, CA');
  const auctions = events
    .flatMap((e: NexmarkEvent, out: Collector<Auction>) => {
      if (e.kind === 'auction' && e.auction.category === 10) out.collect(e.auction);
    })
    .name('auctions of category 10');
  return sellers
    .connect(auctions)
    .keyBy(
      (p) => p.id,
      (a) => a.seller,
    )
    .process(new JoinSellerAuctions());
}

/**
 * A change of an auction's winning price (q4's inner GROUP BY): its new maximum and the maximum it
 * replaces (`null` the first time), so that the average downstream can retract the old one.
 */
interface WinningPrice {
  category: number;
  price: number;
  previous: number | null;
}

/** What q4 keeps of an auction: what its join condition and grouping read, and its highest price. */
interface OpenAuction {
  dateTime: number;
  expires: number;
  category: number;
  /** The highest price of its matching bids so far; null before the first. */
  max: number | null;
}

/**
 * q4's join of auctions and bids on `A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND
 * A.expires`, with `MAX(B.price) GROUP BY A.id, A.category` folded in: per auction, the highest
 * price among the bids that match, emitted as an update each time it rises. A regular join: a bid
 * that arrives before its auction (the two inputs interleave as the runtime reads them) waits in
 * state until the auction comes.
 */
class WinningPrices extends KeyedCoProcessFunction<number, Auction, Bid, WinningPrice> {
  private auction!: ValueState<OpenAuction>;
  private early!: ListState<Bid>;
  override open(): void {
    const ctx = this.getRuntimeContext();
    this.auction = ctx.getState(new ValueStateDescriptor<OpenAuction>('auction'));
    this.early = ctx.getListState(new ListStateDescriptor<Bid>('early bids'));
  }
  processElement1(a: Auction, _ctx: KeyedProcessContext<number>, out: Collector<WinningPrice>): void {
    const open: OpenAuction = { dateTime: a.dateTime, expires: a.expires, category: a.category, max: null };
    for (const b of this.early.get()) this.offer(open, b, out);
    this.early.clear();
    this.auction.update(open);
  }
  processElement2(b: Bid, _ctx: KeyedProcessContext<number>, out: Collector<WinningPrice>): void {
    const open = this.auction.value();
    if (open === undefined) this.early.add(b);
    else if (this.offer(open, b, out)) this.auction.update(open);
  }
  /** Raises the auction's maximum to the bid's price if the bid matches and beats it (then true). */
  private offer(open: OpenAuction, b: Bid, out: Collector<WinningPrice>): boolean {
    if (b.dateTime < open.dateTime || b.dateTime > open.expires) return false;
    const previous = open.max;
    if (previous !== null && b.price <= previous) return false;
    open.max = b.price;
    out.collect({ category: open.category, price: b.price, previous });
    return true;
  }
}

/** A q4 result: a category and the average winning price of its auctions so far (an update). */
export interface CategoryAverage {
  category: number;
  /** `AVG(final)` of BIGINT: the sum of the winning prices divided by their number, truncated. */
  final: number;
}

/** The running sum and count of the winning prices of a category's auctions. */
interface PriceSum {
  sum: number;
  count: number;
}

/**
 * q4's outer `AVG(final) GROUP BY category` over an updating input: a new auction adds its price
 * and one to the count, a raised price replaces the auction's previous one in the sum. Each input
 * gives the category's new average, so the output is an upsert stream keyed by category (Flink's
 * SQL result is the same changelog with its -U/+U pairs).
 */
class AveragePrice extends KeyedProcessFunction<number, WinningPrice, CategoryAverage> {
  private total!: ValueState<PriceSum>;
  override open(): void {
    this.total = this.getRuntimeContext().getState(new ValueStateDescriptor<PriceSum>('total'));
  }
  processElement(w: WinningPrice, ctx: KeyedProcessContext<number>, out: Collector<CategoryAverage>): void {
    const total = this.total.value() ?? { sum: 0, count: 0 };
    if (w.previous === null) {
      total.sum += w.price;
      total.count++;
    } else {
      total.sum += w.price - w.previous;
    }
    // Mutated in place: update() stores it (a serializing backend keeps no reference).
    this.total.update(total);
    // AVG of BIGINT is BIGINT in Flink: Java's long division, which truncates.
    out.collect({ category: ctx.getCurrentKey(), final: Math.trunc(total.sum / total.count) });
  }
}

/**
 * q4, average price for a category: per auction the highest price of the bids made between its
 * start and its expiry, then per category the running average of those winning prices.
 */
export function averagePricePerCategory(events: DataStream<NexmarkEvent>): DataStream<CategoryAverage> {
  const auctions = events
    .flatMap((e: NexmarkEvent, out: Collector<Auction>) => {
      if (e.kind === 'auction') out.collect(e.auction);
    })
    .name('auctions');
  const bids = events
    .flatMap((e: NexmarkEvent, out: Collector<Bid>) => {
      if (e.kind === 'bid') out.collect(e.bid);
    })
    .name('bids');
  return auctions
    .connect(bids)
    .keyBy(
      (a) => a.id,
      (b) => b.auction,
    )
    .process(new WinningPrices())
    .keyBy((w) => w.category)
    .process(new AveragePrice());
}

/** A q8 result: a person who registered and opened an auction in the same 10 s tumbling window. */
export interface NewUser {
  id: number;
  name: string;
  /** Start of the window. */
  starttime: number;
}

/**
 * q8, monitor new users: the persons joined, per 10 s tumbling event-time window, with the sellers
 * of that window's auctions (`seller = person.id`). As in the SQL query, the auction side is first
 * grouped by seller and window, so a seller of several auctions in a window counts once; its
 * results carry their window's last timestamp and so fall into the same join window. (The person
 * side's GROUP BY id, name, window changes nothing: the generator makes one event per person id.)
 */
export function newUsers(events: DataStream<NexmarkEvent>): DataStream<NewUser> {
  const persons = events
    .flatMap((e: NexmarkEvent, out: Collector<Person>) => {
      if (e.kind === 'person') out.collect(e.person);
    })
    .name('persons');
  const sellers = events
    .flatMap((e: NexmarkEvent, out: Collector<number>) => {
      if (e.kind === 'auction') out.collect(e.auction.seller);
    })
    .name('sellers')
    .keyBy((seller) => seller)
    .window(TumblingEventTimeWindows.of(10_000))
    .reduce((seller) => seller);
  return persons
    .join(sellers)
    .where((p) => p.id)
    .equalTo((seller) => seller)
    .window(TumblingEventTimeWindows.of(10_000))
    .apply((p) => ({
      id: p.id,
      name: p.name,
      starttime: TimeWindow.getWindowStartWithOffset(p.dateTime, 0, 10_000),
    }));
}

/** A q12 result: the bids of one bidder in one 10 s processing-time window. */
export interface BidderWindowCount {
  bidder: number;
  count: number;
  /** Window start and end, epoch ms of processing time. */
  starttime: number;
  endtime: number;
}

/** q12, processing-time windows: bids per bidder per 10 s tumbling window of the wall clock. */
export function bidsPerProcessingTimeWindow(bids: DataStream<Bid>): DataStream<BidderWindowCount> {
  return bids
    .map((b) => b.bidder)
    .keyBy((bidder) => bidder)
    .window(TumblingProcessingTimeWindows.of(10_000))
    .aggregate(
      countBids,
      (
        bidder: number,
        ctx: ProcessWindowContext<TimeWindow>,
        counts: Iterable<number>,
        out: Collector<BidderWindowCount>,
      ) => {
        const w = ctx.window();
        for (const count of counts)
          out.collect({ bidder, count, starttime: w.getStart(), endtime: w.getEnd() });
      },
    );
}

export const queries: Record<string, QueryBuilder> = {
  /** Pass through: every bid. */
  q0(env, events) {
    bids(env, events)
      .map((b) => ({
        auction: b.auction,
        bidder: b.bidder,
        price: b.price,
        dateTime: b.dateTime,
        extra: b.extra,
      }))
      .sinkTo(new BlackholeSink());
  },
  /** Currency conversion: price * 0.908. */
  q1(env, events) {
    bids(env, events)
      .map((b) => ({
        auction: b.auction,
        bidder: b.bidder,
        price: Math.round(b.price * 0.908),
        dateTime: b.dateTime,
        extra: b.extra,
      }))
      .sinkTo(new BlackholeSink());
  },
  /** Selection: bids on every 123rd auction. */
  q2(env, events) {
    bids(env, events)
      .filter((b) => b.auction % 123 === 0)
      .map((b) => ({ auction: b.auction, price: b.price }))
      .sinkTo(new BlackholeSink());
  },
  /** Hot items: per 10 s window sliding by 2 s, the auctions with the most bids. */
  q5(env, events) {
    bids(env, events, WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(4_000))
      .map((b) => b.auction)
      .keyBy((auction) => auction)
      .window(SlidingEventTimeWindows.of(10_000, 2_000))
      .aggregate(
        countBids,
        (
          auction: number,
          ctx: ProcessWindowContext<TimeWindow>,
          counts: Iterable<number>,
          out: Collector<AuctionCount>,
        ) => {
          for (const count of counts) out.collect({ auction, count, windowEnd: ctx.window().getEnd() });
        },
      )
      .keyBy((c) => c.windowEnd)
      .process(new HottestAuctions())
      .sinkTo(new BlackholeSink());
  },
  /** Highest bid: the bids with the top price of each 10 s tumbling window (window max + window join). */
  q7(env, events) {
    highestBids(bids(env, events, nexmarkWatermarks())).sinkTo(new BlackholeSink());
  },
  /** User sessions: bids per bidder per 10 s-gap session window. */
  q11(env, events) {
    userSessions(bids(env, events, nexmarkWatermarks())).sinkTo(new BlackholeSink());
  },
  /** Keyed running count per bidder: a hash exchange (of bidder ids) and keyed state. */
  'bidder-count'(env, events) {
    bids(env, events)
      // Only the bidder crosses the exchange: project before the shuffle, as a planner would.
      .map((b) => b.bidder)
      .keyBy((bidder) => bidder)
      .process(new CountBids())
      .sinkTo(new BlackholeSink());
  },
  /** Local item suggestion: persons in OR, ID, CA joined with their category-10 auctions (regular join). */
  q3(env, events) {
    localItemSuggestions(nexmarkEvents(env, events)).sinkTo(new BlackholeSink());
  },
  /** Average price for a category: per auction its winning bid, per category their running average. */
  q4(env, events) {
    averagePricePerCategory(nexmarkEvents(env, events)).sinkTo(new BlackholeSink());
  },
  /** New users: persons who opened an auction in the 10 s tumbling window they registered in (window join). */
  q8(env, events) {
    newUsers(nexmarkEvents(env, events)).sinkTo(new BlackholeSink());
  },
  /** Processing-time windows: bids per bidder per 10 s tumbling window of the wall clock. */
  q12(env, events) {
    bidsPerProcessingTimeWindow(bids(env, events, nexmarkWatermarks())).sinkTo(new BlackholeSink());
  },
};
