/** Test job: builds a different graph in worker threads than in the main thread (not allowed). */
import { isMainThread } from 'node:worker_threads';
import { StreamExecutionEnvironment } from 'weir';
import { CollectSink } from 'weir/testing';

export const sink = new CollectSink<number>();
const env = StreamExecutionEnvironment.getExecutionEnvironment();
const numbers = env.fromSequence(1, 100);
(isMainThread ? numbers : numbers.map((n) => n + 1)).sinkTo(sink);
await env.execute('mismatch');
