/**
 * The fault job of the standalone-cluster test: a keyed running count over a rate-limited generator
 * (record i is i, key i % keys), written through the exactly-once file sink, with checkpoints every
 * 200 ms in WEIR_CLUSTER_CHECKPOINTS, a directory every process of the cluster shares. Its restart
 * strategy allows many restarts, since the test takes TaskManagers away again and again.
 *
 * Configured by its environment (on a cluster, what `weir submit --env` passes):
 * WEIR_CLUSTER_EVENTS records over WEIR_CLUSTER_KEYS keys at WEIR_CLUSTER_RATE records per second in
 * all, committed to files in WEIR_CLUSTER_OUTPUT. The source cannot end before the file
 * WEIR_CLUSTER_RELEASE exists (it waits after its last record), so the job cannot finish before the
 * test's faults are over; WEIR_CLUSTER_OWNER, the test's pid, ends it should the test die first.
 * Each counting subtask restored from a checkpoint appends the checkpoint's id to
 * WEIR_CLUSTER_DIR/restores (synchronously: what a `kill -9` cannot lose).
 */
import {
  DataGeneratorSource,
  ExactlyOnceFileSink,
  RestartStrategies,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';
import { EndOnReleaseSource, RunningCount } from '../../faults/support.ts';

const events = Number(process.env.WEIR_CLUSTER_EVENTS ?? 40_000);
const keys = Number(process.env.WEIR_CLUSTER_KEYS ?? 7);
const rate = Number(process.env.WEIR_CLUSTER_RATE ?? 2_000);
const release = process.env.WEIR_CLUSTER_RELEASE;
const owner = process.env.WEIR_CLUSTER_OWNER ? Number(process.env.WEIR_CLUSTER_OWNER) : undefined;
const dir = process.env.WEIR_CLUSTER_DIR;

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(200);
env.setRestartStrategy(RestartStrategies.fixedDelayRestart(100, 500));
env
  .getCheckpointConfig()
  // A stuck checkpoint fails fast (and visibly) instead of after the default 10 minutes.
  .setCheckpointTimeout(20_000)
  .setCheckpointStorage(process.env.WEIR_CLUSTER_CHECKPOINTS ?? 'checkpoints')
  .setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
const numbers = new DataGeneratorSource((i) => i, events, { rateLimit: rate });
env
  .fromSource(
    release ? new EndOnReleaseSource(numbers, release, owner) : numbers,
    WatermarkStrategy.noWatermarks(),
    'numbers',
  )
  .uid('numbers')
  .keyBy((i) => i % keys)
  .process(new RunningCount({ restoresDir: dir }))
  .uid('count')
  .sinkTo(new ExactlyOnceFileSink<[number, number]>(process.env.WEIR_CLUSTER_OUTPUT ?? 'out'))
  .uid('files');
await env.execute('cluster keyed count');
