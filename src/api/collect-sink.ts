import type { CollectTarget } from './collect.ts';

/**
 * A sink that gathers a stream's records in memory, for tests: `stream.sinkTo(sink)`, run the job,
 * read `sink.values`. Records come back to this object whichever subtask or thread produced them.
 *
 * @example
 * const sink = new CollectSink<number>();
 * env.fromElements(1, 2, 3).map((n) => n * 10).sinkTo(sink);
 * await env.execute();
 * sink.values; // [10, 20, 30]
 */
export class CollectSink<T> implements CollectTarget {
  readonly values: T[] = [];
  /** Records by producing subtask. */
  readonly bySubtask = new Map<number, T[]>();

  receive(values: unknown[], subtaskIndex: number): void {
    let list = this.bySubtask.get(subtaskIndex);
    if (!list) this.bySubtask.set(subtaskIndex, (list = []));
    for (const v of values) {
      this.values.push(v as T);
      list.push(v as T);
    }
  }

  clear(): void {
    this.values.length = 0;
    this.bySubtask.clear();
  }
}

export function isCollectSink(sink: unknown): sink is CollectSink<unknown> {
  return sink instanceof CollectSink;
}
