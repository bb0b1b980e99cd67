/**
 * An idle partition must not stall event time. Clicks come from two partitions, read by two source
 * subtasks (one split each, as Kafka partitions are); the busy one keeps producing while the quiet
 * one falls silent after its first clicks, for longer than the busy one runs. A window operator's
 * watermark is the minimum over its inputs, so the quiet partition would hold every window back
 * until the end of input. With `withIdleness(500 ms)`, a partition silent for 500 ms is marked idle
 * and left out of the minimum: the busy partition's windows fire while the job runs.
 *
 * Run it with `npx weir run examples/idle-partitions.ts`: each count says whether its window fired
 * `while running` or at the `end of input` (the final watermark). With `IDLENESS=off` in the
 * environment the job runs without `withIdleness`, and every window waits for the end of input.
 * (Weir tracks watermarks per source subtask, so each partition gets its own subtask here.)
 */
import {
  type Collector,
  Duration,
  type ProcessWindowContext,
  StreamExecutionEnvironment,
  Time,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from 'weir';
import type { Click } from './data/clicks.ts';
import { PARTITIONS } from './data/partition-clicks.ts';
import { ReplaySource } from './data/replay-source.ts';

export interface WindowCount {
  userId: string;
  windowEnd: string;
  clicks: number;
  firedAt: 'while running' | 'end of input';
}

export const IDLE_TIMEOUT = Duration.ofMillis(500);
const idleness = process.env.IDLENESS !== 'off';

const countClicks = {
  createAccumulator: () => 0,
  add: (_click: Click, count: number) => count + 1,
  getResult: (count: number) => count,
  merge: (a: number, b: number) => a + b,
};

function withFiring(
  userId: string,
  context: ProcessWindowContext<TimeWindow>,
  counts: Iterable<number>,
  out: Collector<WindowCount>,
): void {
  // The final watermark of the end of input is +Infinity; before it, the watermark is a time.
  const firedAt = Number.isFinite(context.currentWatermark()) ? 'while running' : 'end of input';
  const windowEnd = new Date(context.window().getEnd()).toISOString();
  for (const clicks of counts) out.collect({ userId, windowEnd, clicks, firedAt });
}

const bounded = WatermarkStrategy.forBoundedOutOfOrderness<Click>(
  Duration.ofSeconds(1),
).withTimestampAssigner((click) => click.timestamp);

const env = StreamExecutionEnvironment.getExecutionEnvironment();

env
  .fromSource(new ReplaySource(PARTITIONS), idleness ? bounded.withIdleness(IDLE_TIMEOUT) : bounded, 'clicks')
  .setParallelism(PARTITIONS.length)
  .keyBy((click) => click.userId)
  .window(TumblingEventTimeWindows.of(Time.seconds(10)))
  .aggregate(countClicks, withFiring)
  .name('clicks-per-10s')
  .print();

await env.execute('idle-partitions');
