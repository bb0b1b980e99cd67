import type { RichFunction } from './functions.ts';
import { AbstractRichFunction } from './functions.ts';

/** How an async function hands its results (or failure) back for one input. Completing twice is ignored. */
export interface ResultFuture<OUT> {
  complete(results: Iterable<OUT>): void;
  completeExceptionally(error: unknown): void;
}

export interface AsyncFunctionObject<IN, OUT> extends RichFunction {
  /** Starts the request for `input`: complete `resultFuture`, or return a promise of the results. */
  asyncInvoke(input: IN, resultFuture: ResultFuture<OUT>): void | Promise<Iterable<OUT>>;
  /** Called when `input` timed out; default: the job fails with a clear error naming the record. */
  timeout?(input: IN, resultFuture: ResultFuture<OUT>): void;
}
export type AsyncFunction<IN, OUT> =
  | ((input: IN, resultFuture: ResultFuture<OUT>) => void | Promise<Iterable<OUT>>)
  | AsyncFunctionObject<IN, OUT>;

export abstract class RichAsyncFunction<IN, OUT>
  extends AbstractRichFunction
  implements AsyncFunctionObject<IN, OUT>
{
  abstract asyncInvoke(input: IN, resultFuture: ResultFuture<OUT>): void | Promise<Iterable<OUT>>;
}
