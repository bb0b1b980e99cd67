import type { Row } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { ValueState } from '../../../state/state.ts';
import { AbstractCoStreamOperator } from '../co-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { compilePredicate } from './expression-compiler.ts';
import { sqlStateDescriptor } from './sql-state.ts';

/** The rows of one join key, per side, as stored: each side's rows in arrival order. */
interface JoinState {
  left: unknown[][];
  right: unknown[][];
}

/**
 * SQL's regular (unbounded) inner join, as Flink's streaming join: both inputs are keyed by the
 * equality columns of the ON condition, each side's rows are kept in keyed state, and a row from one
 * side joins every kept row of the other side whose joined row passes the rest of the condition.
 * The joined row (left fields, then right fields) has the input row's kind, so a retraction on
 * either side retracts what it had joined. A row with a NULL key joins nothing (NULL is equal to
 * nothing in SQL). State grows with the inputs: the rows of every key are kept for good.
 */
export class SqlJoinOperator extends AbstractCoStreamOperator {
  private readonly state: ValueState<JoinState>;
  private readonly residual: ((values: unknown[]) => boolean) | null;
  private readonly leftKeys: number[];
  private readonly rightKeys: number[];

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-join');
    this.leftKeys = config.leftKeys ?? [];
    this.rightKeys = config.rightKeys ?? [];
    this.residual = config.residual
      ? compilePredicate(config.residual, { now: () => ctx.clock.now() })
      : null;
    this.state = ctx.keyedStateBackend!.getState(sqlStateDescriptor<JoinState>('sql-join', config.stateTtl));
  }

  processElement(value: unknown, timestamp: number): void {
    this.process(value as Row, timestamp, true);
  }

  processElement2(value: unknown, timestamp: number): void {
    this.process(value as Row, timestamp, false);
  }

  private process(row: Row, timestamp: number, left: boolean): void {
    const keys = left ? this.leftKeys : this.rightKeys;
    for (let i = 0; i < keys.length; i++) if (row.values[keys[i]] == null) return;
    let state = this.state.value();
    const retract = row.kind === '-U' || row.kind === '-D';
    if (state === undefined) {
      if (retract) return;
      state = { left: [], right: [] };
    }
    const own = left ? state.left : state.right;
    const other = left ? state.right : state.left;
    if (retract) {
      const at = own.findIndex((v) => sameValues(v, row.values));
      if (at < 0) return;
      own.splice(at, 1);
    } else {
      own.push(row.values);
    }
    if (state.left.length === 0 && state.right.length === 0) this.state.clear();
    else this.state.update(state);
    const residual = this.residual;
    for (let i = 0; i < other.length; i++) {
      const joined = left ? row.values.concat(other[i]) : other[i].concat(row.values);
      if (residual !== null && !residual(joined)) continue;
      this.output.collect({ kind: row.kind, values: joined }, timestamp);
    }
  }
}

function sameValues(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
