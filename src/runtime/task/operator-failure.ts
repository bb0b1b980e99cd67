import type { StreamOperator } from '../operators/stream-operator.ts';

/** Carries which operator failed on which record up to the task, which turns it into a WeirError. */
export class OperatorFailure extends Error {
  readonly operator: StreamOperator;
  readonly record: unknown;
  readonly hasRecord: boolean;

  constructor(operator: StreamOperator, cause: unknown, record?: unknown, hasRecord = false) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.operator = operator;
    this.record = record;
    this.hasRecord = hasRecord;
  }
}
