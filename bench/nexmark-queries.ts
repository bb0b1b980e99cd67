import {
  type Bid,
  type Collector,
  type DataStream,
  EventTimeSessionWindows,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type NexmarkConfig,
  type NexmarkEvent,
  NexmarkSource,
  type OnTimerContext,
  type ProcessWindowContext,
  SlidingEventTimeWindows,
  type StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
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

/** The bids of `events` generated events; `config` overrides the generator's defaults (tests: the rate). */
export function bids(
  env: StreamExecutionEnvironment,
  events: number,
  strategy: WatermarkStrategy<NexmarkEvent> = WatermarkStrategy.noWatermarks(),
  config: Partial<NexmarkConfig> = {},
): DataStream<Bid> {
  const p = env.getParallelism();
  return env
    .fromSource(new NexmarkSource({ ...config, events, numberOfGenerators: p }), strategy, 'Nexmark')
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
};
