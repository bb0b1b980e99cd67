/** Test job: a function that ends its worker thread (process.exit in a worker ends that thread). */
import { isMainThread } from 'node:worker_threads';
import { StreamExecutionEnvironment } from 'weir';
import { CollectSink } from 'weir/testing';

export const sink = new CollectSink<number>();
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSequence(1, 1_000_000)
  .map((n) => {
    if (n === 500_123 && !isMainThread) process.exit(3);
    return n;
  })
  .name('crashing-map')
  .sinkTo(sink);
await env.execute('crashing');
