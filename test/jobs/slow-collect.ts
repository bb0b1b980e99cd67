/**
 * Test job: reads its own output with executeAndCollect more slowly than the job produces it, so
 * the collect back-pressure pauses the job (on worker threads at parallelism above 1).
 */
import { StreamExecutionEnvironment } from 'weir';

export const RECORDS = 100_000;
export const received: number[] = [];

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const doubled = env.fromSequence(0, RECORDS - 1).map((n) => n * 2);
let read = 0;
for await (const value of doubled.executeAndCollect({ iterator: true, jobName: 'slow collect' })) {
  received.push(value);
  if (++read % 2_000 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
}
