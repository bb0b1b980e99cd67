/**
 * Fault-injection job for `kill -9`: a keyed running count over a rate-limited generator, written
 * through the exactly-once file sink, with checkpoints retained in WEIR_FAULTS_CHECKPOINTS.
 * WEIR_FAULTS_RETENTION=default leaves the default retention (delete on cancel) instead;
 * WEIR_FAULTS_RETAINED=<n> keeps the latest n completed checkpoints (default 1).
 * With WEIR_FAULTS_RELEASE set, the job cannot end before that file exists (the source waits for
 * it after its last record), so a test kills or stops it when it chooses, never after it finished;
 * WEIR_FAULTS_OWNER, the test's pid, ends it should the test die without killing it.
 * Each counting subtask restored from a checkpoint or savepoint prints `restored from checkpoint
 * <id>` on stderr and, with WEIR_FAULTS_DIR set, appends the id to WEIR_FAULTS_DIR/restores
 * synchronously (what a `kill -9` cannot lose).
 */
import {
  DataGeneratorSource,
  ExactlyOnceFileSink,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';
import { EndOnReleaseSource, RunningCount } from '../support.ts';

const events = Number(process.env.WEIR_FAULTS_EVENTS ?? 40_000);
const keys = Number(process.env.WEIR_FAULTS_KEYS ?? 7);
const rate = Number(process.env.WEIR_FAULTS_RATE ?? 20_000);
const release = process.env.WEIR_FAULTS_RELEASE;
const owner = process.env.WEIR_FAULTS_OWNER ? Number(process.env.WEIR_FAULTS_OWNER) : undefined;
const dir = process.env.WEIR_FAULTS_DIR;

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.enableCheckpointing(100);
// A stuck checkpoint fails fast (and visibly) instead of after the default 10 minutes.
env.getCheckpointConfig().setCheckpointTimeout(20_000);
env.getCheckpointConfig().setCheckpointStorage(process.env.WEIR_FAULTS_CHECKPOINTS ?? 'checkpoints');
if (process.env.WEIR_FAULTS_RETAINED) {
  env.getCheckpointConfig().setNumRetainedCheckpoints(Number(process.env.WEIR_FAULTS_RETAINED));
}
// WEIR_FAULTS_RETENTION=default keeps the default retention (checkpoints deleted on cancel), to
// show that a suspend (SIGTERM) is not a cancel.
if (process.env.WEIR_FAULTS_RETENTION !== 'default') {
  env.getCheckpointConfig().setExternalizedCheckpointRetention('RETAIN_ON_CANCELLATION');
}
const numbers = new DataGeneratorSource((i) => i, events, { rateLimit: rate });
env
  .fromSource(
    release ? new EndOnReleaseSource(numbers, release, owner) : numbers,
    WatermarkStrategy.noWatermarks(),
    'numbers',
  )
  .uid('numbers')
  .keyBy((i) => i % keys)
  .process(new RunningCount({ restoresDir: dir, announce: true }))
  .uid('count')
  .sinkTo(new ExactlyOnceFileSink<[number, number]>(process.env.WEIR_FAULTS_OUTPUT ?? 'out'))
  .uid('files');
await env.execute('exactly-once file sink under kill -9');
