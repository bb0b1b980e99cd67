/**
 * Clicks from a topic with two partitions, for examples/idle-partitions.ts. Partition 0 is busy:
 * a click every 40 ms of processing time, 2 s apart in event time, alternately ann's and ben's,
 * then it stays open for 400 ms (two watermark intervals) and ends. Partition 1 is quiet: cid's three clicks at the
 * start, then nothing for 2.5 s, then it ends. A source reads them as two splits.
 */
import type { Click } from './clicks.ts';
import type { Delivery } from './replay-source.ts';

export const START = Date.UTC(2026, 0, 1, 12, 0, 0);
export const BUSY_CLICKS = 40;
/** Event time between two busy clicks. */
export const BUSY_STEP_MS = 2_000;
/** Processing time between two busy clicks. */
export const BUSY_PAUSE_MS = 40;
/** How long the busy partition stays open after its last click. */
export const BUSY_LINGER_MS = 400;
/** How long the quiet partition stays silent, open, after its first clicks. */
export const QUIET_SILENCE_MS = 2_500;

export const BUSY: readonly Click[] = Array.from({ length: BUSY_CLICKS }, (_, i) => ({
  userId: i % 2 === 0 ? 'ann' : 'ben',
  url: `/product/${(i * 7) % 13}`,
  timestamp: START + i * BUSY_STEP_MS,
}));

export const QUIET: readonly Click[] = [1_000, 3_000, 5_000].map((offset, i) => ({
  userId: 'cid',
  url: `/page/${i}`,
  timestamp: START + offset,
}));

export const PARTITIONS: ReadonlyArray<ReadonlyArray<Delivery<Click>>> = [
  [
    ...BUSY.map((click, i) => ({ after: i === 0 ? 0 : BUSY_PAUSE_MS, records: [click] })),
    { after: BUSY_LINGER_MS, records: [] },
  ],
  [
    { after: 0, records: QUIET },
    { after: QUIET_SILENCE_MS, records: [] },
  ],
];
