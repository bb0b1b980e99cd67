/** Test job: every subtask reports the value of WEIR_TEST_VALUE it sees. */
import { StreamExecutionEnvironment } from 'weir';
import { CollectSink } from 'weir/testing';

export const seen = new CollectSink<string>();

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromElements(1, 2, 3, 4)
  .rebalance()
  .map(() => process.env.WEIR_TEST_VALUE ?? 'unset')
  .sinkTo(seen);
await env.execute('env echo');
