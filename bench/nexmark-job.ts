/**
 * The Nexmark benchmark as a job module, so that at parallelism above 1 its task slots run on
 * worker threads (each evaluates this module). The query and event count come from the
 * environment: WEIR_BENCH_QUERY and WEIR_BENCH_EVENTS (set by bench/run.ts).
 */
import { StreamExecutionEnvironment } from 'weir';
import { queries } from './nexmark-queries.ts';

const query = process.env.WEIR_BENCH_QUERY ?? 'q0';
const events = Number(process.env.WEIR_BENCH_EVENTS ?? 1_000_000);

const env = StreamExecutionEnvironment.getExecutionEnvironment();
queries[query](env, events);
await env.execute(`nexmark ${query}`);
