import type { StreamOperator } from '../operators/stream-operator.ts';

/**
 * Carries which operator failed, on which record or in which phase, up to the task, which turns it
 * into a WeirError.
 */
export class OperatorFailure extends Error {
  readonly operator: StreamOperator;
  readonly record: unknown;
  readonly hasRecord: boolean;
  /** Set when the operator failed outside of a record: in `open()`, for instance. */
  phase: 'open' | undefined;

  constructor(operator: StreamOperator, cause: unknown, record?: unknown, hasRecord = false) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.operator = operator;
    this.record = record;
    this.hasRecord = hasRecord;
  }

  /** A failure of `operator`'s `open()` (which opens its user function). */
  static inOpen(operator: StreamOperator, cause: unknown): OperatorFailure {
    const failure = new OperatorFailure(operator, cause);
    failure.phase = 'open';
    return failure;
  }
}
