// The same kind of job in plain JavaScript.
import { StreamExecutionEnvironment } from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromElements(3, 1, 2)
  .map((n) => n * 10)
  .keyBy(() => 'all')
  .sum()
  .print();
await env.execute('package-job-mjs');
