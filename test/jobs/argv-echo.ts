/**
 * Test job for a cluster, where no collect sink reaches the test: every record's subtask appends the
 * job's arguments after the first, and WEIR_TEST_VALUE and PATH as it sees them, as a JSON line to
 * the file its first argument names.
 */
import { appendFileSync } from 'node:fs';
import { StreamExecutionEnvironment } from 'weir';

const [out, ...args] = process.argv.slice(2);
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromElements(1, 2, 3, 4)
  .rebalance()
  .map((n) => {
    const seen = { args, value: process.env.WEIR_TEST_VALUE ?? null, path: process.env.PATH ?? null };
    appendFileSync(out, `${JSON.stringify(seen)}\n`);
    return n;
  })
  .filter(() => false)
  .print();
await env.execute('argv echo');
