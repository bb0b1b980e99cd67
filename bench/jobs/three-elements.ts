// The smallest useful job, for the start-up benchmark: three elements through a map to stdout.
import { StreamExecutionEnvironment } from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromElements(1, 2, 3)
  .map((n) => n * 2)
  .print();
await env.execute('three-elements');
