/**
 * Clicks per user and minute, in event time, with late data handled as the article describes:
 * events up to 5 s out of order are simply waited for (the watermark lags 5 s behind), events up to
 * 10 s after the end of their window still count (the window fires again with the updated count),
 * and anything later goes to a side output instead of being dropped silently.
 * Run it with `npx weir run examples/click-windows.ts`: it prints `clicks> ...` for each firing
 * and `late> ...` for each click too late for its window (see examples/data/clicks.ts for the data).
 */
import {
  type Collector,
  Duration,
  OutputTag,
  type ProcessWindowContext,
  ProcessWindowFunction,
  StreamExecutionEnvironment,
  Time,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from 'weir';
import { CLICK_DELIVERIES, type Click, DELIVERY_PAUSE_MS } from './data/clicks.ts';
import { ReplaySource } from './data/replay-source.ts';

export interface ClickCount {
  userId: string;
  windowEnd: string;
  clicks: number;
}

/** Counts clicks incrementally: the window keeps one number, not the clicks. */
const countClicks = {
  createAccumulator: () => 0,
  add: (_click: Click, count: number) => count + 1,
  getResult: (count: number) => count,
  merge: (a: number, b: number) => a + b,
};

/** Adds the user and the window's end to the count. */
class WithUserAndWindow extends ProcessWindowFunction<number, ClickCount, string, TimeWindow> {
  process(
    userId: string,
    context: ProcessWindowContext<TimeWindow>,
    counts: Iterable<number>,
    out: Collector<ClickCount>,
  ): void {
    const windowEnd = new Date(context.window().getEnd()).toISOString();
    for (const clicks of counts) out.collect({ userId, windowEnd, clicks });
  }
}

export const lateClicks = new OutputTag<Click>('late-clicks');

const env = StreamExecutionEnvironment.getExecutionEnvironment();

const counts = env
  .fromSource(
    // The clicks as they arrived: in deliveries half a second apart, some out of order.
    new ReplaySource([
      CLICK_DELIVERIES.map((records, i) => ({ after: i === 0 ? 0 : DELIVERY_PAUSE_MS, records })),
    ]),
    WatermarkStrategy.forBoundedOutOfOrderness<Click>(Duration.ofSeconds(5)).withTimestampAssigner(
      (click) => click.timestamp,
    ),
    'clicks',
  )
  .keyBy((click) => click.userId)
  .window(TumblingEventTimeWindows.of(Time.minutes(1)))
  .allowedLateness(Time.seconds(10))
  .sideOutputLateData(lateClicks)
  .aggregate(countClicks, new WithUserAndWindow())
  .name('clicks-per-minute');

counts.print('clicks');
counts
  .getSideOutput(lateClicks)
  .map((click) => ({ userId: click.userId, url: click.url, time: new Date(click.timestamp).toISOString() }))
  .print('late');

await env.execute('click-windows');
