/** Test job: a map that throws on one record, after a rebalance. */
import { StreamExecutionEnvironment } from 'weir';
import { CollectSink } from 'weir/testing';

export const sink = new CollectSink<number>();
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSequence(1, 10_000)
  .rebalance()
  .map((n) => {
    if (n === 4_242) throw new Error(`cannot handle ${n}`);
    return n;
  })
  .name('picky-map')
  .sinkTo(sink);
await env.execute('failing');
