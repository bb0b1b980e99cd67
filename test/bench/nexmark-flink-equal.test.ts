/**
 * The DataStream Nexmark queries of the bench give Apache Flink's results of the published SQL
 * queries: q3, q4 and q8 run over the events of Flink's reference run (test/sql/nexmark/README.md:
 * 100,000 events of Weir's generator at 1,000 events/s) and their rows, in the canonical form, must
 * equal Flink's (test/sql/nexmark/expected/). q12 windows by processing time, which Flink's run
 * could not fix: it runs under a manual clock that the test moves between batches of bids, and its
 * counts must equal a brute-force count of the bids each window received.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Bid,
  type DataStream,
  type JobClient,
  type NexmarkEvent,
  NexmarkGenerator,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';
import { CollectSink, ManualClock } from 'weir/testing';
import {
  averagePricePerCategory,
  type BidderWindowCount,
  bidsPerProcessingTimeWindow,
  localItemSuggestions,
  newUsers,
  nexmarkEvents,
  nexmarkWatermarks,
} from '../../bench/nexmark-queries.ts';
import { ControlledSource, waitFor } from '../runtime/helpers.ts';
import {
  type ChangelogRow,
  canonicalRows,
  canonicalSha256,
  loadExpected,
  loadManifest,
} from '../sql/nexmark/expected.ts';

const manifest = loadManifest();
/** The reference run's generator settings; every other parameter is the default, as there. */
const reference = { events: manifest.events.count, rate: manifest.events.rate };

/**
 * Runs `query` over the reference events and collects its output. At parallelism 2 the generator
 * keeps one timeline, so the two source subtasks read the same events as Flink's run did.
 */
async function run<R extends object>(
  query: (events: DataStream<NexmarkEvent>) => DataStream<R>,
  parallelism: number,
): Promise<R[]> {
  const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
  const sink = new CollectSink<R>();
  const config = { rate: reference.rate, numberOfGenerators: 1 };
  query(nexmarkEvents(env, reference.events, nexmarkWatermarks(), config)).sinkTo(sink);
  await env.execute();
  return sink.values;
}

/** Asserts that `rows` (insert-only) are Flink's result of `query`, line by line and by hash. */
function assertFlinkResult(query: string, rows: readonly (readonly unknown[])[]): void {
  const expected = loadExpected(query);
  assert.equal(expected.entry.status, 'ok');
  assert.ok(expected.complete, `${query}: the whole reference result is stored`);
  const types = (expected.entry.columns ?? []).map((c) => c.type);
  const changelog: ChangelogRow[] = rows.map((values) => ({ kind: '+I', values }));
  const lines = canonicalRows(changelog, types);
  const first = expected.lines.findIndex((line, i) => lines[i] !== line);
  assert.equal(
    first,
    -1,
    `${query}: line ${first + 1} differs\n  weir:  ${lines[first]}\n  flink: ${expected.lines[first]}`,
  );
  assert.equal(
    lines.length,
    expected.entry.rows,
    `${query}: ${lines.length} rows, Flink has ${expected.entry.rows}`,
  );
  assert.equal(canonicalSha256(lines), expected.entry.sha256);
}

describe("DataStream Nexmark queries give Flink's SQL results", () => {
  for (const parallelism of [1, 2]) {
    it(`q3 (regular join of OR/ID/CA sellers and category-10 auctions) gives Flink's rows (parallelism ${parallelism})`, async () => {
      const rows = await run(localItemSuggestions, parallelism);
      assertFlinkResult(
        'q3',
        rows.map((r) => [r.name, r.city, r.state, r.id]),
      );
    });

    it(`q4 (running average winning price per category) ends with Flink's averages (parallelism ${parallelism})`, async () => {
      const updates = await run(averagePricePerCategory, parallelism);
      // An upsert stream keyed by category: Flink's final result is the last update of each.
      const last = new Map<number, number>();
      for (const u of updates) last.set(u.category, u.final);
      assert.ok(updates.length > last.size, 'the averages were updated as prices rose');
      assertFlinkResult(
        'q4',
        [...last].map(([category, final]) => [category, final]),
      );
    });

    it(`q8 (persons and sellers of the same 10 s window, window join) gives Flink's rows (parallelism ${parallelism})`, async () => {
      const rows = await run(newUsers, parallelism);
      assertFlinkResult(
        'q8',
        rows.map((r) => [r.id, r.name, r.starttime]),
      );
    });
  }
});

describe('q12 under a manual processing-time clock', () => {
  it('counts the bids each bidder made in each 10 s tumbling window of processing time', async () => {
    const generator = new NexmarkGenerator({ ...reference, numberOfGenerators: 1 });
    const bids: Bid[] = [];
    for (
      let id = generator.config.firstEventId;
      id < generator.config.firstEventId + reference.events;
      id++
    ) {
      const e = generator.generateEvent(id);
      if (e.kind === 'bid') bids.push(e.bid);
    }
    // 100 batches, one per second of processing time: 10 windows of 10 batches each.
    const batches = 100;
    const perBatch = Math.ceil(bids.length / batches);
    const start = Date.UTC(2026, 0, 1); // a multiple of 10 s, so batch j falls into window floor(j / 10)
    const windowOf = (batch: number) => start + Math.floor(batch / 10) * 10_000;

    const expected = new Map<number, Map<number, number>>(); // window start -> bidder -> bids
    for (let i = 0; i < bids.length; i++) {
      const w = windowOf(Math.floor(i / perBatch));
      const counts = expected.get(w) ?? new Map<number, number>();
      counts.set(bids[i].bidder, (counts.get(bids[i].bidder) ?? 0) + 1);
      expected.set(w, counts);
    }
    const rowsUpTo = (windowStart: number) => {
      let n = 0;
      for (const [w, counts] of expected) if (w <= windowStart) n += counts.size;
      return n;
    };

    const clock = new ManualClock(start);
    const env = StreamExecutionEnvironment.createLocalEnvironment(1);
    env.getConfig().setClock(clock);
    const source = new ControlledSource<Bid>(1);
    const sink = new CollectSink<BidderWindowCount>();
    bidsPerProcessingTimeWindow(env.fromSource(source, WatermarkStrategy.noWatermarks(), 'bids')).sinkTo(
      sink,
    );
    const client: JobClient = await env.executeAsync();
    try {
      /** Records the window operator has taken in (the task after the keyBy). */
      const windowRecordsIn = () =>
        client
          .getMetrics()
          .filter((t) => t.vertex.includes('Window'))
          .reduce((n, t) => n + t.recordsIn, 0);
      for (let j = 0; j < batches; j++) {
        clock.advanceTo(start + j * 1_000);
        if (j > 0 && j % 10 === 0) {
          const fired = rowsUpTo(windowOf(j - 1));
          await waitFor(() => sink.values.length >= fired, `the window before batch ${j} to fire`);
        }
        const batch = bids.slice(j * perBatch, (j + 1) * perBatch);
        for (const b of batch) source.push(0, b);
        const total = Math.min(bids.length, (j + 1) * perBatch);
        // The next clock step must come after the window operator took every bid of this batch.
        await waitFor(() => windowRecordsIn() === total, `batch ${j} at the window operator`);
      }
      clock.advanceTo(start + batches * 1_000);
      await waitFor(() => sink.values.length >= rowsUpTo(windowOf(batches - 1)), 'the last window to fire');
      source.end();
      await client.getJobExecutionResult();
    } finally {
      await client.cancel();
    }

    const want: BidderWindowCount[] = [];
    for (const [w, counts] of expected) {
      for (const [bidder, count] of counts) want.push({ bidder, count, starttime: w, endtime: w + 10_000 });
    }
    const key = (r: BidderWindowCount) => `${r.starttime} ${r.bidder} ${r.count} ${r.endtime}`;
    assert.equal(expected.size, 10);
    assert.deepEqual(sink.values.map(key).sort(), want.map(key).sort());
    // Every bid was counted once.
    assert.equal(
      sink.values.reduce((n, r) => n + r.count, 0),
      bids.length,
    );
  });
});
