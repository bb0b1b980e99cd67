/**
 * Writes Nexmark events from Weir's generator as JSON lines in the schema of the published Flink
 * `nexmark` table (test/sql/nexmark/ddl_gen.sql): `event_type` (0 person, 1 auction, 2 bid) and the
 * `person`, `auction`, `bid` ROW columns, null for the kinds an event is not. Timestamps are
 * TIMESTAMP(3) strings in UTC, `yyyy-MM-dd HH:mm:ss.SSS`, which Flink's json format reads as is.
 * Flink and Weir then run the same queries over exactly these events.
 *
 * Usage: node dump-events.ts <out.jsonl> [--events N] [--rate R]
 * (run with NODE_OPTIONS=--conditions=weir-source from the repository root).
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.ts';
import { NexmarkGenerator } from '../../../src/connectors/nexmark/index.ts';

/** Events and event-time rate of the reference run: 100 s of event time. */
export const REFERENCE_EVENTS = 100_000;
export const REFERENCE_RATE = 1_000;

/** `yyyy-MM-dd HH:mm:ss.SSS` in UTC for epoch milliseconds. */
export function sqlTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-01-01T00:00:00.000Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** One event as a JSON line (without the newline) in the column order of the `nexmark` table. */
export function eventJson(event: NexmarkEvent): string {
  switch (event.kind) {
    case 'person': {
      const p = event.person;
      return JSON.stringify({
        event_type: 0,
        person: {
          id: p.id,
          name: p.name,
          emailAddress: p.emailAddress,
          creditCard: p.creditCard,
          city: p.city,
          state: p.state,
          dateTime: sqlTimestamp(p.dateTime),
          extra: p.extra,
        },
        auction: null,
        bid: null,
      });
    }
    case 'auction': {
      const a = event.auction;
      return JSON.stringify({
        event_type: 1,
        person: null,
        auction: {
          id: a.id,
          itemName: a.itemName,
          description: a.description,
          initialBid: a.initialBid,
          reserve: a.reserve,
          dateTime: sqlTimestamp(a.dateTime),
          expires: sqlTimestamp(a.expires),
          seller: a.seller,
          category: a.category,
          extra: a.extra,
        },
        bid: null,
      });
    }
    case 'bid': {
      const b = event.bid;
      return JSON.stringify({
        event_type: 2,
        person: null,
        auction: null,
        bid: {
          auction: b.auction,
          bidder: b.bidder,
          price: b.price,
          channel: b.channel,
          url: b.url,
          dateTime: sqlTimestamp(b.dateTime),
          extra: b.extra,
        },
      });
    }
  }
}

async function main(argv: string[]): Promise<void> {
  const out = argv[0];
  if (out === undefined) throw new Error('usage: dump-events.ts <out.jsonl> [--events N] [--rate R]');
  let events = REFERENCE_EVENTS;
  let rate = REFERENCE_RATE;
  for (let i = 1; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--events') events = value;
    else if (argv[i] === '--rate') rate = value;
    else throw new Error(`unknown option ${argv[i]}`);
  }
  const generator = new NexmarkGenerator({ events, rate });
  const first = generator.config.firstEventId;
  const stream = createWriteStream(out);
  const batch: string[] = [];
  for (let id = first; id < first + events; id++) {
    batch.push(eventJson(generator.generateEvent(id)));
    if (batch.length === 1000 || id === first + events - 1) {
      if (!stream.write(`${batch.join('\n')}\n`)) await once(stream, 'drain');
      batch.length = 0;
    }
  }
  stream.end();
  await once(stream, 'finish');
}

if (import.meta.main) await main(process.argv.slice(2));
