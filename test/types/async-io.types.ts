/**
 * Type tests of Async I/O: checked by `npm run typecheck` (tsc), never run. The output type of
 * AsyncDataStream comes from the function: a promise of results, a ResultFuture's type, or a class.
 */
import {
  AsyncDataStream,
  AsyncRetryPredicates,
  AsyncRetryStrategies,
  type DataStream,
  type ResultFuture,
  RichAsyncFunction,
  StreamExecutionEnvironment,
} from 'weir';

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok: T): void {}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const clicks = env.fromElements({ user: 'u1', page: '/' });

// An async lambda: the output type is the element type of what it resolves to.
const enriched = AsyncDataStream.unorderedWait(clicks, async (click) => [{ ...click, age: 42 }], 1_000);
expectType<Equal<typeof enriched, DataStream<{ age: number; user: string; page: string }>>>(true);

// The ResultFuture form: the future's type names the output.
const viaFuture = AsyncDataStream.orderedWait(
  clicks,
  (click, future: ResultFuture<string>) => future.complete([click.user]),
  1_000,
  10,
);
expectType<Equal<typeof viaFuture, DataStream<string>>>(true);

// A RichAsyncFunction: the class's type arguments.
class Profile extends RichAsyncFunction<{ user: string; page: string }, { user: string; score: number }> {
  async asyncInvoke(click: { user: string }): Promise<Array<{ user: string; score: number }>> {
    return [{ user: click.user, score: 1 }];
  }
}
const scored = AsyncDataStream.orderedWait(clicks, new Profile(), 1_000);
expectType<Equal<typeof scored, DataStream<{ user: string; score: number }>>>(true);

// With retries: the strategy's type follows the output.
const retried = AsyncDataStream.unorderedWaitWithRetry(
  clicks,
  async (click) => [click.page.length],
  1_000,
  100,
  AsyncRetryStrategies.fixedDelay<number>(3, 100)
    .ifResult(AsyncRetryPredicates.EMPTY_RESULT_PREDICATE)
    .ifException(AsyncRetryPredicates.HAS_EXCEPTION_PREDICATE)
    .build(),
);
expectType<Equal<typeof retried, DataStream<number>>>(true);
const backoff = new AsyncRetryStrategies.ExponentialBackoffDelayRetryStrategyBuilder<number>(5, 10, 1_000, 2)
  .ifResult((results) => results.length === 0)
  .build();
AsyncDataStream.orderedWaitWithRetry(clicks, async (click) => [click.page.length], 1_000, 100, backoff);

// @ts-expect-error: the retry strategy's type must match the output type.
AsyncDataStream.orderedWaitWithRetry(clicks, async (click) => [click.page], 1_000, 100, backoff);
