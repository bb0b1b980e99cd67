/**
 * Nexmark queries checked against a brute-force computation over the same generated events. The
 * generator runs at a low event rate here, so that a few thousand events span many windows and
 * sessions (at the default 10 M events/s they would all fall into one window).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Bid, type NexmarkConfig, NexmarkGenerator, StreamExecutionEnvironment } from 'weir';
import { CollectSink } from 'weir/testing';
import {
  bids,
  type HighestBid,
  highestBids,
  nexmarkWatermarks,
  type UserSession,
  userSessions,
} from '../../bench/nexmark-queries.ts';

/** The bids of the events a job over `events` events at `parallelism` reads. */
function generatedBids(events: number, parallelism: number, config: Partial<NexmarkConfig>): Bid[] {
  const generator = new NexmarkGenerator({ ...config, events, numberOfGenerators: parallelism });
  const out: Bid[] = [];
  const first = generator.config.firstEventId;
  for (let id = first; id < first + events; id++) {
    const e = generator.generateEvent(id);
    if (e.kind === 'bid') out.push(e.bid);
  }
  return out;
}

const json = (rows: Iterable<unknown>): string[] => [...rows].map((r) => JSON.stringify(r)).sort();

describe('Nexmark queries', () => {
  for (const parallelism of [1, 2]) {
    it(`q7 emits the bids with the highest price of each 10 s tumbling window (parallelism ${parallelism})`, async () => {
      const events = 12_000;
      const config = { rate: 250 }; // 48 s of event time: 5 or 6 windows
      const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
      const sink = new CollectSink<HighestBid>();
      highestBids(bids(env, events, nexmarkWatermarks(), config)).sinkTo(sink);
      await env.execute();

      const max = new Map<number, number>();
      const all = generatedBids(events, parallelism, config);
      const windowOf = (b: Bid) => b.dateTime - (b.dateTime % 10_000);
      for (const b of all) max.set(windowOf(b), Math.max(max.get(windowOf(b)) ?? 0, b.price));
      const expected = all
        .filter((b) => b.price === max.get(windowOf(b)))
        .map((b) => ({
          auction: b.auction,
          price: b.price,
          bidder: b.bidder,
          dateTime: b.dateTime,
          extra: b.extra,
        }));
      assert.ok(max.size >= 5, `${max.size} windows`);
      assert.ok(expected.length >= max.size);
      assert.deepEqual(json(sink.values), json(expected));
    });

    it(`q11 counts the bids of each bidder's sessions with a 10 s gap (parallelism ${parallelism})`, async () => {
      const events = 12_000;
      const config = { rate: 100 }; // 120 s of event time: cold bidders come back after a gap
      const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
      const sink = new CollectSink<UserSession>();
      userSessions(bids(env, events, nexmarkWatermarks(), config)).sinkTo(sink);
      await env.execute();

      const byBidder = new Map<number, number[]>();
      for (const b of generatedBids(events, parallelism, config)) {
        const times = byBidder.get(b.bidder) ?? [];
        times.push(b.dateTime);
        byBidder.set(b.bidder, times);
      }
      const expected: UserSession[] = [];
      for (const [bidder, times] of byBidder) {
        times.sort((a, b) => a - b);
        let start = times[0];
        let count = 0;
        for (let i = 0; i < times.length; i++) {
          count++;
          // Session windows [t, t + gap) that touch merge, as Flink's do: a new session needs a larger gap.
          if (i === times.length - 1 || times[i + 1] - times[i] > 10_000) {
            expected.push({ bidder, count, start, end: times[i] + 10_000 });
            start = times[i + 1];
            count = 0;
          }
        }
      }
      assert.ok(expected.length > byBidder.size, 'some bidders have several sessions');
      assert.deepEqual(json(sink.values), json(expected));
    });
  }
});
