/**
 * The Nexmark benchmark as a job module, so that at parallelism above 1 its task slots run on
 * worker threads (each evaluates this module). The query and event count come from the
 * environment: WEIR_BENCH_QUERY and WEIR_BENCH_EVENTS, the state backend from
 * WEIR_BENCH_BACKEND, and checkpointing from
 * WEIR_BENCH_CHECKPOINT_INTERVAL and WEIR_BENCH_CHECKPOINT_DIR, the generator's event rate from
 * WEIR_BENCH_RATE (set by bench/run.ts).
 */
import { StreamExecutionEnvironment } from 'weir';
import { queries, setGeneratorDefaults } from './nexmark-queries.ts';

const query = process.env.WEIR_BENCH_QUERY ?? 'q0';
const events = Number(process.env.WEIR_BENCH_EVENTS ?? 1_000_000);

const env = StreamExecutionEnvironment.getExecutionEnvironment();
if (process.env.WEIR_BENCH_BACKEND === 'lmdb') env.setStateBackend('lmdb');
// Set by bench/run.ts --checkpoint-interval: EXACTLY_ONCE checkpoints into a filesystem storage.
const checkpointInterval = Number(process.env.WEIR_BENCH_CHECKPOINT_INTERVAL ?? 0);
if (checkpointInterval > 0) {
  env.enableCheckpointing(checkpointInterval);
  env.getCheckpointConfig().setCheckpointStorage(process.env.WEIR_BENCH_CHECKPOINT_DIR!);
  // Set by bench/run.ts --incremental.
  if (process.env.WEIR_BENCH_INCREMENTAL) env.getCheckpointConfig().enableIncrementalCheckpointing();
}
// Set by bench/run.ts --rate: events per second of event time (the generator's default is 10 M).
const rate = Number(process.env.WEIR_BENCH_RATE ?? 0);
if (rate > 0) setGeneratorDefaults({ rate });
queries[query](env, events);
await env.execute(`nexmark ${query}`);
