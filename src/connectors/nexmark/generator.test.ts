import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWeirError } from '../../core/errors.ts';
import { MAX_AVG_BYTE_SIZE } from './config.ts';
import { NexmarkGenerator } from './generator.ts';
import { type Auction, type Bid, eventDateTime, type NexmarkEvent, type Person } from './model.ts';
import { TEXT_POOL_LENGTH } from './text-pool.ts';
import { reverseBits } from './vocabulary.ts';

const BASE_TIME = Date.UTC(2026, 0, 1);

function events(generator: NexmarkGenerator, from: number, count: number): NexmarkEvent[] {
  return Array.from({ length: count }, (_, i) => generator.generateEvent(from + i));
}

/** Walks ids from 1 in order, with the newest auction and person ids generated so far. */
function* walk(count: number, generator = new NexmarkGenerator()) {
  let newestAuction = 999;
  let newestPerson = 1000; // the spec's floor(n / 50) + 1000 before the first person (id 50)
  for (let id = 1; id <= count; id++) {
    const event = generator.generateEvent(id);
    if (event.kind === 'auction') newestAuction = event.auction.id;
    if (event.kind === 'person') newestPerson = event.person.id;
    yield { id, event, newestAuction, newestPerson };
  }
}

const bids = (list: NexmarkEvent[]): Bid[] => list.flatMap((e) => (e.kind === 'bid' ? [e.bid] : []));
const auctions = (list: NexmarkEvent[]): Auction[] =>
  list.flatMap((e) => (e.kind === 'auction' ? [e.auction] : []));
const persons = (list: NexmarkEvent[]): Person[] =>
  list.flatMap((e) => (e.kind === 'person' ? [e.person] : []));

describe('NexmarkGenerator', () => {
  it('makes the same event for the same id, in any order, from any instance', () => {
    const forward = events(new NexmarkGenerator(), 1, 3000);
    const other = new NexmarkGenerator();
    const backward = Array.from({ length: 3000 }, (_, i) => other.generateEvent(3000 - i)).reverse();
    assert.deepEqual(backward, forward);
    assert.notDeepEqual(forward[10], forward[11]);
  });

  it('numbers events by block the same in any order of ids, and gives the time of the last one', () => {
    // Three generators over 1000 events: blocks of 333 ids, the last one open-ended.
    const config = { events: 1000, numberOfGenerators: 3, firstEventId: 5 };
    const expected = (id: number) => new NexmarkGenerator(config).eventNumber(id);
    const ids = [0, 4, 5, 6, 337, 338, 339, 671, 672, 2000, 671, 5, 338, 337, 4, 1004, 3];
    const generator = new NexmarkGenerator(config);
    for (const id of ids) assert.equal(generator.eventNumber(id), expected(id), `event ${id}`);
    for (let id = 0; id < 1100; id++) {
      assert.equal(generator.eventNumber(id), expected(id), `event ${id} in order`);
      generator.generateEvent(id);
      assert.equal(generator.lastTimestamp, generator.eventTimestamp(id), `time of event ${id}`);
    }
    assert.deepEqual(
      [5, 337, 338, 670, 671, 1004].map((id) => generator.eventNumber(id)),
      [1, 333, 1, 333, 1, 334],
    );
  });

  it('fills a batch in place with the events of consecutive ids', () => {
    const generator = new NexmarkGenerator();
    const batch: NexmarkEvent[] = events(generator, 1, 10);
    const same = generator.fill(batch, 500, 4);
    assert.equal(same, batch);
    assert.equal(batch.length, 4);
    assert.deepEqual(batch, events(generator, 500, 4));
  });

  it('gives every event of a kind the same fields in the same order', () => {
    const keys = {
      person: 'id,name,emailAddress,creditCard,city,state,dateTime,extra',
      auction: 'id,itemName,description,initialBid,reserve,dateTime,expires,seller,category,extra',
      bid: 'auction,bidder,price,channel,url,dateTime,extra',
    };
    for (const event of events(new NexmarkGenerator(), 1, 2000)) {
      assert.deepEqual(Object.keys(event), ['kind', event.kind]);
      const payload =
        event.kind === 'bid' ? event.bid : event.kind === 'auction' ? event.auction : event.person;
      assert.equal(Object.keys(payload).join(), keys[event.kind]);
    }
  });

  it('chooses the kind by id mod 50: a person at 0, auctions at 1 to 3, bids otherwise (1:3:46)', () => {
    const counts = { person: 0, auction: 0, bid: 0 };
    for (const { id, event } of walk(5000)) {
      const r = id % 50;
      assert.equal(event.kind, r < 1 ? 'person' : r < 4 ? 'auction' : 'bid', `event ${id}`);
      counts[event.kind]++;
    }
    assert.deepEqual(counts, { person: 100, auction: 300, bid: 4600 });
  });

  it('follows other proportions', () => {
    const generator = new NexmarkGenerator({ personProportion: 2, auctionProportion: 2, bidProportion: 6 });
    const list = events(generator, 1, 1000);
    assert.equal(persons(list).length, 200);
    assert.equal(auctions(list).length, 200);
    assert.deepEqual(
      persons(list).map((p) => p.id),
      Array.from({ length: 200 }, (_, i) => 1000 + i + 1),
    );
  });

  it('numbers persons floor(n/50) + 1000 and auctions 3 floor(n/50) + r - 1 + 1000, consecutively', () => {
    const personIds: number[] = [];
    const auctionIds: number[] = [];
    for (const { id, event } of walk(5000)) {
      if (event.kind === 'person') {
        assert.equal(event.person.id, Math.floor(id / 50) + 1000);
        personIds.push(event.person.id);
      }
      if (event.kind === 'auction') {
        assert.equal(event.auction.id, 3 * Math.floor(id / 50) + (id % 50) - 1 + 1000);
        auctionIds.push(event.auction.id);
      }
    }
    assert.deepEqual(
      personIds,
      personIds.map((_, i) => 1001 + i),
    );
    assert.deepEqual(
      auctionIds,
      auctionIds.map((_, i) => 1000 + i),
    );
  });

  it('makes half the bids for the hot auction, the others for the last 100 auctions or the 10 ahead', () => {
    let hot = 0;
    let count = 0;
    for (const { event, newestAuction } of walk(50_000)) {
      if (event.kind !== 'bid') continue;
      count++;
      const { auction } = event.bid;
      if (auction === Math.floor((newestAuction - 1000) / 100) * 100 + 1000) hot++;
      else {
        assert.ok(auction >= Math.max(1000, newestAuction - 100), `auction ${auction} vs ${newestAuction}`);
        assert.ok(auction <= newestAuction + 10, `auction ${auction} vs ${newestAuction}`);
      }
    }
    assert.ok(Math.abs(hot / count - 0.5) < 0.02, `hot auction share ${hot / count}`);
  });

  it('makes 3/4 of the bids by the hot bidder, the others by the last 1000 persons or the 10 ahead', () => {
    let hot = 0;
    let count = 0;
    for (const { event, newestPerson } of walk(200_000)) {
      if (event.kind !== 'bid') continue;
      count++;
      const { bidder } = event.bid;
      if (bidder === Math.floor((newestPerson - 1000) / 100) * 100 + 1001) hot++;
      else {
        assert.ok(bidder >= Math.max(1000, newestPerson - 999), `bidder ${bidder} vs ${newestPerson}`);
        assert.ok(bidder <= newestPerson + 10, `bidder ${bidder} vs ${newestPerson}`);
      }
    }
    assert.ok(Math.abs(hot / count - 0.75) < 0.02, `hot bidder share ${hot / count}`);
  });

  it('gives 3/4 of the auctions the hot seller, the others a recent person', () => {
    let hot = 0;
    let count = 0;
    for (const { event, newestPerson } of walk(200_000)) {
      if (event.kind !== 'auction') continue;
      count++;
      const { seller, category } = event.auction;
      assert.ok(category >= 10 && category <= 14 && Number.isInteger(category));
      if (seller === Math.floor((newestPerson - 1000) / 100) * 100 + 1000) hot++;
      else assert.ok(seller >= Math.max(1000, newestPerson - 999) && seller <= newestPerson + 10);
    }
    assert.ok(Math.abs(hot / count - 0.75) < 0.03, `hot seller share ${hot / count}`);
  });

  it('times event number n at baseTime + floor(n * interEventDelayUs / 1000), 10 M events/s by default', () => {
    const generator = new NexmarkGenerator();
    for (const id of [1, 9_999, 10_000, 10_001, 123_456_789]) {
      assert.equal(generator.eventTimestamp(id), BASE_TIME + Math.floor(id / 10_000));
      assert.equal(eventDateTime(generator.generateEvent(id)), generator.eventTimestamp(id));
    }
    const slow = new NexmarkGenerator({ rate: 100_000, baseTime: 0, firstEventId: 101 });
    assert.equal(slow.eventTimestamp(101), 0); // event number 1: 10 µs
    assert.equal(slow.eventTimestamp(200), 1); // event number 100: 1 ms
    assert.equal(slow.eventTimestamp(100_100), 1000);
  });

  it('runs numberOfGenerators timelines, one per block of ids, each spaced numberOfGenerators times wider', () => {
    const generator = new NexmarkGenerator({ events: 4000, numberOfGenerators: 4, rate: 1000, baseTime: 0 });
    // Blocks of 1000 ids; in each, event number k (from 1) is at k * 4 ms.
    assert.deepEqual(
      [1, 2, 1000, 1001, 1002, 3001, 4000].map((id) => generator.eventTimestamp(id)),
      [4, 8, 4000, 4, 8, 4, 4000],
    );
    const single = new NexmarkGenerator({ events: 4000, rate: 1000, baseTime: 0 });
    assert.equal(single.eventTimestamp(1001), 1001);
  });

  it('prices bids and auctions from $1 to $1,000,000, log-uniformly, and reserves above the initial bid', () => {
    const list = events(new NexmarkGenerator(), 1, 20_000);
    const prices = [...bids(list).map((b) => b.price), ...auctions(list).map((a) => a.initialBid)].sort(
      (a, b) => a - b,
    );
    for (const p of prices) assert.ok(Number.isInteger(p) && p >= 100 && p <= 100_000_000, `price ${p}`);
    const median = prices[prices.length >> 1];
    assert.ok(median > 50_000 && median < 200_000, `median ${median}, expected about 10^3 * 100`);
    assert.ok(prices[0] < 200 && prices[prices.length - 1] > 50_000_000);
    for (const a of auctions(list)) assert.ok(a.reserve >= a.initialBid + 100);
  });

  it('expires an auction 1 + uniform(0 .. 2 * horizon) ms after it starts, horizon = time of 1666 events', () => {
    const list = events(new NexmarkGenerator({ rate: 1000 }), 1, 50_000);
    const lengths = auctions(list).map((a) => a.expires - a.dateTime);
    for (const length of lengths) assert.ok(length >= 1 && length <= 2 * 1666, `length ${length}`);
    const mean = lengths.reduce((s, l) => s + l, 0) / lengths.length;
    assert.ok(Math.abs(mean - 1667) < 100, `mean ${mean}`);
    // At 10 M events/s the horizon is under a millisecond.
    for (const a of auctions(events(new NexmarkGenerator(), 1, 1000))) assert.ok(a.expires - a.dateTime <= 2);
  });

  it('draws strings of lowercase letters and spaces, names and places from fixed lists', () => {
    const list = events(new NexmarkGenerator(), 1, 50_000);
    const text = /^[a-z](?:[a-z ]*[a-z])?$/;
    for (const a of auctions(list)) {
      assert.match(a.itemName, text);
      assert.ok(a.itemName.length < 20 && a.description.length < 100);
      assert.match(a.description, text);
      assert.match(a.extra, /^[a-z ]+$/);
    }
    for (const p of persons(list)) {
      assert.match(p.name, /^(Peter|Paul|Luke|John|Saul|Vicky|Kate|Julie|Sarah|Deiter|Walter) [A-Z][a-z]+$/);
      assert.match(p.emailAddress, /^[a-z][a-z ]*@[a-z][a-z ]*\.com$/);
      assert.match(p.creditCard, /^\d{4} \d{4} \d{4} \d{4}$/);
      assert.match(p.state, /^(AZ|CA|ID|OR|WA|WY)$/);
      assert.ok(p.city.length > 0);
    }
    assert.ok(new Set(persons(list).map((p) => p.city)).size >= 8);
  });

  it('sends half the bids through 4 hot channels with a fixed url each, the others through channel-<n>', () => {
    const list = bids(events(new NexmarkGenerator(), 1, 50_000));
    const hot = new Map<string, string>();
    const others = new Map<string, string>();
    for (const { channel, url } of list) {
      assert.match(url, /^https:\/\/www\.nexmark\.com\/[a-z_]+\/[a-z_]+\/[a-z_]+\/item\.htm\?query=1/);
      const seen = /^channel-\d+$/.test(channel) ? others : hot;
      assert.equal(seen.get(channel) ?? url, url, `one url per channel (${channel})`);
      seen.set(channel, url);
    }
    assert.deepEqual([...hot.keys()].sort(), ['Apple', 'Baidu', 'Facebook', 'Google']);
    const hotShare = list.filter((b) => hot.has(b.channel)).length / list.length;
    assert.ok(Math.abs(hotShare - 0.5) < 0.02, `hot channel share ${hotShare}`);
    assert.ok(others.size > 5000);
    let withId = 0;
    for (const [channel, url] of others) {
      const id = /&channel_id=(\d+)$/.exec(url);
      if (id === null) continue;
      withId++;
      assert.equal(Number(id[1]), Math.abs(reverseBits(Number(channel.slice(8)))));
    }
    assert.ok(Math.abs(withId / others.size - 0.9) < 0.03, `channel_id share ${withId / others.size}`);
  });

  it('pads extra so that events average 200 B (person), 500 B (auction), 100 B (bid) as Nexmark counts', () => {
    // Nexmark sizes an event as 8 bytes per number and 1 per character; like the reference generator,
    // the count for bids leaves out channel and url (so a bid's extra is about 68 characters).
    const size = (payload: object, leaveOut: string[] = []) =>
      Object.entries(payload).reduce(
        (sum, [key, value]) =>
          sum + (leaveOut.includes(key) ? 0 : typeof value === 'string' ? value.length : 8),
        0,
      );
    const average = (sizes: number[]) => sizes.reduce((s, x) => s + x, 0) / sizes.length;
    const list = events(new NexmarkGenerator(), 1, 100_000);
    const near = (actual: number, expected: number) =>
      assert.ok(Math.abs(actual / expected - 1) < 0.05, `average ${actual}, expected about ${expected}`);
    near(average(persons(list).map((p) => size(p))), 200);
    near(average(auctions(list).map((a) => size(a))), 500);
    near(average(bids(list).map((b) => size(b, ['channel', 'url']))), 100);
    const extras = bids(list).map((b) => b.extra.length);
    assert.ok(Math.min(...extras) >= 54 && Math.max(...extras) <= 81);
  });

  it('pads up to the largest average size and leaves extra empty when the fields alone exceed it', () => {
    assert.ok(TEXT_POOL_LENGTH >= 2 ** 17 + Math.ceil(MAX_AVG_BYTE_SIZE * 1.2));
    const list = events(
      new NexmarkGenerator({ avgAuctionByteSize: MAX_AVG_BYTE_SIZE, avgBidByteSize: 10 }),
      1,
      5000,
    );
    for (const a of auctions(list)) {
      const desired = MAX_AVG_BYTE_SIZE - (8 + a.itemName.length + a.description.length + 40);
      assert.ok(a.extra.length >= 0.8 * desired - 1 && a.extra.length <= 1.2 * desired + 1);
      assert.match(a.extra, /^[a-z ]+$/);
    }
    for (const b of bids(list)) assert.equal(b.extra, '');
  });

  it('rejects an invalid config, naming the field', () => {
    const cases: [object, string][] = [
      [{ rate: 0 }, '"rate" is 0'],
      [{ events: -1 }, '"events" is -1'],
      [{ numberOfGenerators: 1.5 }, '"numberOfGenerators" is 1.5'],
      [{ bidProportion: 0 }, '"bidProportion" is 0'],
    ];
    for (const [config, message] of cases) {
      assert.throws(
        () => new NexmarkGenerator(config),
        (e) => isWeirError(e, 'INVALID_ARGUMENT') && e.message.includes(message),
      );
    }
  });
});
