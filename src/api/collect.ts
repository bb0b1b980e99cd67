import { WeirError } from '../core/errors.ts';
import type { DataStream } from './data-stream.ts';
import type { JobClient } from './executor.ts';

/**
 * Where the `collect` operator delivers records. The runtime calls `receive` in the process that
 * submitted the job, whichever thread ran the subtask, so the object the job module holds is the one
 * that sees the records.
 */
export interface CollectTarget {
  receive(values: unknown[], subtaskIndex: number): void;
}

/** Adds a collect sink to `stream`, runs the job, and yields the records as they arrive. */
export function collectStream<T>(stream: DataStream<T>, jobName?: string): AsyncIterableIterator<T> {
  const queue: T[] = [];
  let head = 0;
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const target: CollectTarget = {
    receive(values) {
      for (const v of values) queue.push(v as T);
      notify();
    },
  };
  const env = stream.environment;
  const t = env.addPhysical({
    operator: 'collect',
    name: 'Collect',
    inputs: [[stream.transformation]],
    fn: target,
    config: {},
  });
  env.addSink(t);
  let client: JobClient | undefined;
  const started = env.executeAsync(jobName ?? 'collect').then(
    (c) => {
      client = c;
      c.getJobExecutionResult().then(
        () => {
          done = true;
          notify();
        },
        (error) => {
          failure = error;
          done = true;
          notify();
        },
      );
    },
    (error) => {
      failure = error;
      done = true;
      notify();
    },
  );

  const iterator: AsyncIterableIterator<T> = {
    async next(): Promise<IteratorResult<T>> {
      await started;
      for (;;) {
        if (head < queue.length) {
          const value = queue[head++];
          if (head > 4096 && head * 2 > queue.length) {
            queue.splice(0, head);
            head = 0;
          }
          return { value, done: false };
        }
        if (done) {
          if (failure !== undefined) {
            const error = failure;
            failure = undefined;
            throw error instanceof Error ? error : new WeirError('JOB_FAILED', String(error));
          }
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async return(): Promise<IteratorResult<T>> {
      await started;
      if (!done && client) {
        done = true;
        await client.cancel();
      }
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
