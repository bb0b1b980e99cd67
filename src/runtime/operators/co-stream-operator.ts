import type { Key } from '../../core/key.ts';
import { AbstractStreamOperator } from './abstract-stream-operator.ts';
import type { OperatorContext } from './operator-context.ts';

/**
 * Base of the operators of connected streams (co-map, co-flat-map, co-process). As in Flink, they
 * are keyed only when both inputs are: with one hash-partitioned input the records still arrive
 * partitioned, but the operator gets no keyed state, so that no state is ever read or written
 * under a key left over from the other input.
 */
export abstract class AbstractCoStreamOperator extends AbstractStreamOperator {
  constructor(ctx: OperatorContext) {
    const bothKeyed = ctx.functions.keySelector !== undefined && ctx.functions.keySelector2 !== undefined;
    super(bothKeyed || ctx.keyedStateBackend === undefined ? ctx : { ...ctx, keyedStateBackend: undefined });
  }

  /** The record's key of the first input, when both inputs are keyed. */
  override setKeyContext(value: unknown): void {
    if (this.keyed !== undefined) this.keyed.setCurrentKey(this.keySelector!(value) as Key);
  }

  /** The record's key of the second input, when both inputs are keyed. */
  override setKeyContext2(value: unknown): void {
    if (this.keyed !== undefined) this.keyed.setCurrentKey(this.keySelector2!(value) as Key);
  }

  abstract processElement2(value: unknown, timestamp: number): void;
}
