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
  /**
   * A promise while the target holds too many records its reader has not taken yet: the collect
   * operators then stop taking input (back-pressure reaches the sources) until it resolves.
   */
  blocked?(): Promise<void> | undefined;
}

/** Records an executeAndCollect iterator holds before it back-pressures the job, and where it lets go. */
export const COLLECT_BACKLOG_HIGH = 16_384;
const COLLECT_BACKLOG_LOW = 4_096;

/** Adds a collect sink to `stream`, runs the job, and yields the records as they arrive. */
export function collectStream<T>(stream: DataStream<T>, jobName?: string): AsyncIterableIterator<T> {
  return collectIterator<T>((target) => {
    const env = stream.environment;
    const t = env.addPhysical({
      operator: 'collect',
      name: 'Collect',
      inputs: [[stream.transformation]],
      fn: target,
      config: {},
    });
    env.addSink(t);
    return env.executeAsync(jobName ?? 'collect');
  });
}

/**
 * Starts a job whose collect operator delivers to the target given to `start`, and yields the
 * records as they arrive; ends when the job finishes, throws its failure, and cancels the job when
 * the reader stops early (`return`). Above COLLECT_BACKLOG_HIGH unread records the job waits until
 * the reader has taken them down to the low mark, so a slow reader of an unbounded job bounds memory.
 */
export function collectIterator<T>(
  start: (target: CollectTarget) => Promise<JobClient>,
): AsyncIterableIterator<T> {
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
  let drained: { promise: Promise<void>; resolve: () => void } | undefined;
  const release = () => {
    const d = drained;
    drained = undefined;
    d?.resolve();
  };
  const target: CollectTarget = {
    receive(values) {
      for (const v of values) queue.push(v as T);
      notify();
    },
    blocked() {
      if (drained !== undefined) return drained.promise;
      if (queue.length - head < COLLECT_BACKLOG_HIGH || done) return undefined;
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      drained = { promise, resolve };
      return promise;
    },
  };
  let client: JobClient | undefined;
  const started = start(target).then(
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
          if (drained !== undefined && queue.length - head <= COLLECT_BACKLOG_LOW) release();
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
        release();
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
