/** Test job: an error thrown outside any record (in a timer callback of the function's own). */
import { StreamExecutionEnvironment } from 'weir';
import { CollectSink } from 'weir/testing';

export const sink = new CollectSink<number>();
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSequence(1, 100)
  .map({
    open() {
      setTimeout(() => {
        throw new Error('stray async failure');
      }, 1);
    },
    map: (n: number) => n,
  })
  .sinkTo(sink);
// Keep the job running long enough for the stray error to happen.
env
  .fromSequence(1, 3_000_000)
  .filter((n) => n < 0)
  .sinkTo(new CollectSink<number>());
await env.execute('uncaught');
