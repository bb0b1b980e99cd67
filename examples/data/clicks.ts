/**
 * Clicks of three users on one morning, as they arrive: in deliveries half a second apart, some out
 * of order. Designed for 1-minute windows with 5 s of out-of-orderness and 10 s of allowed lateness
 * (examples/click-windows.ts), so that each case happens once:
 *
 * - alice's 10:00:59 click arrives after bob's 10:01:03: out of order, but within the 5 s bound, so
 *   it still counts on time in [10:00, 10:01);
 * - bob's 10:00:50 click arrives once [10:00, 10:01) has fired (the watermark is at 10:01:02.999),
 *   but within the 10 s of allowed lateness: the window fires again with bob's new count;
 * - carol's 10:00:55 click arrives when the watermark is at 10:01:14.999, past the window's end +
 *   lateness: it goes to the late-data side output.
 */
export interface Click {
  userId: string;
  url: string;
  /** Event time, ms since the epoch. */
  timestamp: number;
}

/** Processing time between two deliveries: more than twice the 200 ms watermark interval. */
export const DELIVERY_PAUSE_MS = 500;

const at = (hhmmss: string) => Date.parse(`2026-01-01T${hhmmss}Z`);
const click = (userId: string, time: string, url: string): Click => ({ userId, url, timestamp: at(time) });

export const CLICK_DELIVERIES: readonly (readonly Click[])[] = [
  [
    click('alice', '10:00:05', '/home'),
    click('bob', '10:00:12', '/search?q=boots'),
    click('alice', '10:00:30', '/product/42'),
    click('carol', '10:00:41', '/home'),
    click('alice', '10:00:58', '/cart'),
    click('bob', '10:01:03', '/product/7'),
  ],
  [
    click('alice', '10:00:59', '/checkout'), // 4 s behind bob's 10:01:03: within the bound
    click('carol', '10:01:08', '/search?q=hats'), // the watermark passes 10:00:59.999: [10:00, 10:01) fires
  ],
  [
    click('bob', '10:00:50', '/product/9'), // late, within the allowed lateness: fires [10:00, 10:01) again
    click('alice', '10:01:20', '/home'), // the watermark passes 10:01:09.999: [10:00, 10:01) is gone
  ],
  [
    click('carol', '10:00:55', '/cart'), // too late: side output
    click('bob', '10:01:30', '/cart'),
    click('carol', '10:01:45', '/home'),
    click('alice', '10:02:10', '/product/42'),
  ],
];
