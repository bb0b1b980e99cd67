/**
 * The user profiles of examples/click-pipeline.ts (the MariaDB table `user_profiles`) and its
 * sample clicks: 20 users in 5 categories, `user-20` without a profile (its clicks count under
 * `unknown`), and a few minutes of clicks with one out of order, one late but within the allowed
 * lateness, one too late and one malformed record. Late and too late as the clicks would arrive
 * live: the setup writes them all at once, and a job that reads them in one go has not emitted a
 * watermark yet (watermarks are periodic, every 200 ms by default), so there all of them count.
 */

/** A user's profile as the MariaDB table holds it. */
export interface UserProfile {
  userId: string;
  category: string;
}

export const CATEGORIES = ['books', 'games', 'music', 'sports', 'travel'] as const;

/** user-0 .. user-19, the category of user-i being CATEGORIES[i mod 5]. */
export const PROFILES: readonly UserProfile[] = Array.from({ length: 20 }, (_, i) => ({
  userId: `user-${i}`,
  category: CATEGORIES[i % CATEGORIES.length],
}));

/** A click as the web servers write it to the topic. */
export interface Click {
  clickId: string;
  userId: string;
  /** Event time, ms since the epoch. */
  eventTime: number;
  url: string;
}

/** 2026-01-01T12:00:00Z: the first minute of the sample clicks. */
export const START = Date.UTC(2026, 0, 1, 12, 0, 0);

/**
 * The sample input, in the order it is written to the topic (one partition, so also the order it
 * is read in): strings, since one of them is not a click.
 */
export function sampleRecords(): string[] {
  const records: string[] = [];
  let n = 0;
  const click = (second: number, user: number) =>
    JSON.stringify({
      clickId: `c-${n++}`,
      userId: `user-${user}`,
      eventTime: START + second * 1_000,
      url: `/page/${n % 7}`,
    } satisfies Click);
  // Three minutes of clicks, one every 2 s, by users 0..20 in turn.
  for (let second = 0; second < 180; second += 2) {
    records.push(click(second, (second / 2) % 21));
    // 3 s out of order: waited for by the watermark, counted normally.
    if (second === 30) records.push(click(27, 1));
    // Late: its window (12:00) fired at 12:01:05; it arrives at 12:01:10, within the 10 s allowed.
    if (second === 70) records.push(click(58, 2));
    // Too late: its window (12:01) was closed for good at 12:02:15.
    if (second === 150) records.push(click(100, 3));
    if (second === 90) records.push('{"clickId": "c-bad", "userId": 7, eventTime: oops');
  }
  // Moves the watermark past the last minute and its lateness, so that it is written too.
  records.push(click(240, 0));
  return records;
}
