/**
 * The job of test/cluster/logs.test.ts: a bounded sequence through a map into a sink that logs
 * through its context's logger when it opens, carelessly including the cluster's secrets, which the
 * test hands it (LOG_JOB_SECRET, LOG_JOB_TOKEN): the log files must not show them.
 */
import { type SinkContext, StreamExecutionEnvironment } from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromSequence(1, 2_000)
  .map((n) => n * 2)
  .name('double')
  .sinkTo({
    open(context: SinkContext) {
      context.logger?.warn(`log sink opened with secret ${process.env.LOG_JOB_SECRET}`, {
        token: process.env.LOG_JOB_TOKEN,
        note: `token ${process.env.LOG_JOB_TOKEN}`,
      });
    },
    invoke() {},
  })
  .name('log sink');
await env.execute('log job');
