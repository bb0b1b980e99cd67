import type { KeyedProcessFunctionLike, ProcessFunctionLike } from '../api/functions.ts';
import type { Key } from '../core/key.ts';
import { OperatorHarness } from './operator-harness.ts';

/**
 * Harnesses for user functions, named as in Flink: the function runs inside its real operator, in
 * virtual time.
 *
 * @example
 * const h = await ProcessFunctionTestHarnesses.forKeyedProcessFunction(new Alerting(), (tx: Tx) => tx.user);
 * h.processElement({ user: 'u1', amount: 700 }, 1_000);
 * h.processWatermark(61_000);       // fires the event-time timer registered for 61_000
 * h.extractOutputValues();          // what the function emitted
 */
export const ProcessFunctionTestHarnesses = {
  async forProcessFunction<T, R>(fn: ProcessFunctionLike<T, R>): Promise<OperatorHarness<R>> {
    const h = new OperatorHarness<R>({ kind: 'process', fn });
    await h.open();
    return h;
  },

  async forKeyedProcessFunction<K extends Key, T, R>(
    fn: KeyedProcessFunctionLike<K, T, R>,
    keySelector: (value: T) => K,
  ): Promise<OperatorHarness<R>> {
    const h = new OperatorHarness<R>({ kind: 'keyed-process', fn, keySelector });
    await h.open();
    return h;
  },
};
