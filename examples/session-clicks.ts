/**
 * Sessions of a clickstream, two ways, both from the article:
 *
 * - `session>`: clicks per user session, a session ending after 10 minutes without a click
 *   (event-time session windows, with the session's start and end as in SQL's SESSION_START and
 *   SESSION_END);
 * - `duration>`: the article's "session durations": per user and 5-minute tumbling window, the time
 *   between the first and the last click (`SessionSummary(userId, windowEnd, duration)`, in ms).
 *
 * Run it with `npx weir run examples/session-clicks.ts` (data: examples/data/user-clicks.ts).
 */
import {
  type Collector,
  DataGeneratorSource,
  Duration,
  EventTimeSessionWindows,
  type ProcessWindowContext,
  ProcessWindowFunction,
  StreamExecutionEnvironment,
  Time,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from 'weir';
import { USER_CLICKS, type UserClick } from './data/user-clicks.ts';

export interface SessionCount {
  userId: string;
  sessionStart: string;
  sessionEnd: string;
  clicks: number;
}

export interface SessionSummary {
  userId: string;
  windowEnd: number;
  duration: number;
}

const countClicks = {
  createAccumulator: () => 0,
  add: (_click: UserClick, count: number) => count + 1,
  getResult: (count: number) => count,
  merge: (a: number, b: number) => a + b,
};

/** A session's start and end: the first click, and the last click + the gap. */
function withSession(
  userId: string,
  context: ProcessWindowContext<TimeWindow>,
  counts: Iterable<number>,
  out: Collector<SessionCount>,
): void {
  const session = context.window();
  for (const clicks of counts) {
    out.collect({
      userId,
      sessionStart: new Date(session.getStart()).toISOString(),
      sessionEnd: new Date(session.getEnd()).toISOString(),
      clicks,
    });
  }
}

/** The article's ProcessWindowFunction: time between the first and the last click of the window. */
class SessionDuration extends ProcessWindowFunction<UserClick, SessionSummary, string, TimeWindow> {
  process(
    key: string,
    context: ProcessWindowContext<TimeWindow>,
    elements: Iterable<UserClick>,
    out: Collector<SessionSummary>,
  ): void {
    const timestamps = [...elements].map((click) => click.timestamp);
    const duration = Math.max(...timestamps) - Math.min(...timestamps);
    out.collect({ userId: key, windowEnd: context.window().getEnd(), duration });
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();

const clickstream = env
  .addSource(new DataGeneratorSource((i) => USER_CLICKS[i], USER_CLICKS.length), 'clicks')
  .assignTimestampsAndWatermarks(
    WatermarkStrategy.forBoundedOutOfOrderness<UserClick>(Duration.ofSeconds(2)).withTimestampAssigner(
      (click) => click.timestamp,
    ),
  );

clickstream
  .keyBy((click) => click.userId)
  .window(EventTimeSessionWindows.withGap(Time.minutes(10)))
  .aggregate(countClicks, withSession)
  .name('clicks-per-session')
  .print('session');

clickstream
  .keyBy((click) => click.userId)
  .window(TumblingEventTimeWindows.of(Time.minutes(5)))
  .process(new SessionDuration())
  .name('session-durations')
  .print('duration');

await env.execute('session-clicks');
