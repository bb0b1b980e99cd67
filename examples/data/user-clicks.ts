/**
 * A morning of clickstream for the session examples (examples/session-clicks.ts): clicks of four
 * users in arrival order, at most 2 s out of order. Sessions end after 10 minutes without a click:
 *
 * - ann has three sessions; her 09:47:59 click comes 9:59 after the previous one (same session),
 *   her 09:58:00 click 10:01 after (a new one);
 * - ben's 09:19:40 click comes exactly 10 minutes after the previous one: the two windows touch,
 *   and touching session windows merge;
 * - cy's 09:35:01 click opens a second session (10:01 after his 09:25:00), then his 09:34:59.5
 *   click arrives, 1.5 s late: it bridges both sessions into one.
 */
export interface UserClick {
  userId: string;
  /** Event time, ms since the epoch. */
  timestamp: number;
  url: string;
}

const click = (userId: string, time: string, url: string): UserClick => ({
  userId,
  timestamp: Date.parse(`2026-01-01T${time}Z`),
  url,
});

/** In arrival order. */
export const USER_CLICKS: readonly UserClick[] = [
  click('ann', '09:00:00', '/home'),
  click('ann', '09:00:45', '/search?q=lamp'),
  click('ann', '09:02:10', '/product/1'),
  click('ben', '09:03:00', '/home'),
  click('ann', '09:04:55', '/cart'),
  click('ben', '09:06:20', '/product/8'),
  click('ben', '09:09:40', '/cart'),
  click('ben', '09:19:40', '/checkout'), // exactly the gap after 09:09:40: same session
  click('cy', '09:20:00', '/home'),
  click('cy', '09:25:00', '/product/3'),
  click('ben', '09:29:41', '/home'), // 10:01 after 09:19:40: a new session
  click('ann', '09:30:00', '/home'),
  click('ann', '09:31:30', '/product/2'),
  click('cy', '09:35:01', '/search?q=desk'), // 10:01 after 09:25:00: a second session...
  click('cy', '09:34:59.500', '/product/4'), // ...until this late click bridges the two
  click('ann', '09:38:00', '/product/3'),
  click('cy', '09:41:10', '/cart'),
  click('dee', '09:44:30', '/home'),
  click('ann', '09:47:59', '/cart'), // 9:59 after 09:38:00: same session
  click('dee', '09:49:58', '/product/5'),
  click('dee', '09:50:01', '/product/6'),
  click('ann', '09:58:00', '/checkout'), // 10:01 after 09:47:59: a new session
];
