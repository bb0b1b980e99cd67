import {
  type Bid,
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type NexmarkEvent,
  NexmarkSource,
  type OnTimerContext,
  type ProcessWindowContext,
  SlidingEventTimeWindows,
  type StreamExecutionEnvironment,
  type TimeWindow,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from 'weir';
import { BlackholeSink } from './blackhole-sink.ts';

/**
 * Nexmark queries as DataStream jobs (semantics in shared/NEXMARK.md). Each builds its pipeline on
 * `env` over `events` generated events and ends in the blackhole sink.
 */
export type QueryBuilder = (env: StreamExecutionEnvironment, events: number) => void;

function bids(
  env: StreamExecutionEnvironment,
  events: number,
  strategy: WatermarkStrategy<NexmarkEvent> = WatermarkStrategy.noWatermarks(),
): DataStream<Bid> {
  const p = env.getParallelism();
  return env
    .fromSource(new NexmarkSource({ events, numberOfGenerators: p }), strategy, 'Nexmark')
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
