import type { Collector } from '../core/collector.ts';
import { WeirError } from '../core/errors.ts';
import type { Key } from '../core/key.ts';
import type { Window } from '../time/windows/window.ts';
import type { RichFunction } from './functions.ts';
import {
  type CoGroupFunction,
  type CoGroupFunctionObject,
  type FlatJoinFunctionObject,
  type JoinFunctionLike,
  type JoinFunctionObject,
  RichFlatJoinFunction,
  RichJoinFunction,
  type TaggedUnion,
} from './join-functions.ts';
import type { RuntimeContext } from './runtime-context.ts';
import { openWrapped, WindowFunctionFactory } from './window-function-factory.ts';
import type { ProcessWindowContext, ProcessWindowFunctionObject } from './window-functions.ts';

/** How the elements of one key and window are handed to the user function. */
export type CoGroupMode = 'co-group' | 'join' | 'flat-join';

type UserFunction = (CoGroupFunctionObject<any, any, any> | JoinFunctionObject<any, any, any>) &
  RichFunction & { setRuntimeContext?: (c: RuntimeContext) => void };

/**
 * The window function of a window join or coGroup (Flink's CoGroupWindowFunction): splits the
 * window's tagged elements into the left and the right side, then calls the coGroup function once,
 * or the join function once per pair of the cross product (inner join: nothing when a side is empty).
 *
 * @internal
 */
export class CoGroupWindowFunction<A, B, R, K extends Key, W extends Window>
  implements ProcessWindowFunctionObject<TaggedUnion<A, B>, R, K, W>
{
  readonly inner: UserFunction;
  readonly mode: CoGroupMode;
  /** Scratch sides of the join modes, reused across windows (a coGroup function may keep its arrays). */
  readonly lefts: A[] = [];
  readonly rights: B[] = [];

  constructor(mode: CoGroupMode, inner: UserFunction) {
    this.mode = mode;
    this.inner = inner;
  }

  /** The window function of `a.coGroup(b)...apply(fn)`, made per subtask around its own `fn`. */
  static coGroup<A, B, R, K extends Key, W extends Window>(
    fn: CoGroupFunction<A, B, R>,
  ): CoGroupWindowFunctionFactory<A, B, R, K, W> {
    const inner = methodObject(fn, 'coGroup', 'coGroup().apply');
    return new WindowFunctionFactory(
      inner,
      (own) => new CoGroupWindowFunction<A, B, R, K, W>('co-group', own),
    );
  }

  /** The window function of `a.join(b)...apply(fn)`: a FlatJoinFunction if it takes three parameters. */
  static join<A, B, R, K extends Key, W extends Window>(
    fn: JoinFunctionLike<A, B, R>,
  ): CoGroupWindowFunctionFactory<A, B, R, K, W> {
    const inner = methodObject(fn, 'join', 'join().apply');
    const mode = isFlatJoin(fn) ? 'flat-join' : 'join';
    return new WindowFunctionFactory(inner, (own) => new CoGroupWindowFunction<A, B, R, K, W>(mode, own));
  }

  open(context: RuntimeContext): Promise<void> {
    return openWrapped(this.inner, context);
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }

  process(
    _key: K,
    _ctx: ProcessWindowContext<W>,
    elements: Iterable<TaggedUnion<A, B>>,
    out: Collector<R>,
  ): void {
    if (this.mode === 'co-group') {
      const lefts: A[] = [];
      const rights: B[] = [];
      for (const e of elements) {
        if (e.input === 1) lefts.push(e.value);
        else rights.push(e.value);
      }
      (this.inner as CoGroupFunctionObject<A, B, R>).coGroup(lefts, rights, out);
      return;
    }
    const lefts = this.lefts;
    const rights = this.rights;
    for (const e of elements) {
      if (e.input === 1) lefts.push(e.value);
      else rights.push(e.value);
    }
    try {
      this.processSides(lefts, rights, out);
    } finally {
      // Drops the references, so the scratch arrays keep no window's elements alive.
      lefts.length = 0;
      rights.length = 0;
    }
  }

  /**
   * One key's window, its sides already apart (the two-input window operator keeps them so): the
   * coGroup function once, or the join function once per pair. A coGroup function may keep the
   * arrays it gets.
   */
  processSides(lefts: readonly A[], rights: readonly B[], out: Collector<R>): void {
    if (this.mode === 'co-group') {
      (this.inner as CoGroupFunctionObject<A, B, R>).coGroup(lefts as A[], rights as B[], out);
      return;
    }
    if (lefts.length === 0 || rights.length === 0) return;
    if (this.mode === 'join') {
      const fn = this.inner as JoinFunctionObject<A, B, R>;
      for (const l of lefts) for (const r of rights) out.collect(fn.join(l, r));
    } else {
      const fn = this.inner as FlatJoinFunctionObject<A, B, R>;
      for (const l of lefts) for (const r of rights) fn.join(l, r, out);
    }
  }
}

/** @internal */
export type CoGroupWindowFunctionFactory<A, B, R, K extends Key, W extends Window> = WindowFunctionFactory<
  TaggedUnion<A, B>,
  R,
  K,
  W,
  UserFunction
>;

/** Rich classes say what they are; otherwise a function declaring three parameters is a flat join. */
function isFlatJoin(fn: unknown): boolean {
  if (fn instanceof RichFlatJoinFunction) return true;
  if (fn instanceof RichJoinFunction) return false;
  const method = typeof fn === 'function' ? fn : (fn as { join: (...args: unknown[]) => unknown }).join;
  return method.length >= 3;
}

function methodObject(fn: unknown, method: string, where: string): UserFunction {
  if (typeof fn === 'function') return { [method]: fn } as unknown as UserFunction;
  if (
    fn !== null &&
    typeof fn === 'object' &&
    typeof (fn as Record<string, unknown>)[method] === 'function'
  ) {
    return fn as UserFunction;
  }
  throw new WeirError(
    'INVALID_ARGUMENT',
    `${where} expects a function or an object with a ${method}() method`,
  );
}
