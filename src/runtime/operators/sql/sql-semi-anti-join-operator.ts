import { type Row, sameValues } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { ValueState } from '../../../state/state.ts';
import { AbstractCoStreamOperator } from '../co-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { compilePredicate } from './expression-compiler.ts';
import { sqlStateDescriptor } from './sql-state.ts';

/**
 * The rows of one key: the left rows, each with the number of right rows it matches, and the
 * right rows, in arrival order.
 */
interface SemiAntiState {
  left: unknown[][];
  matches: number[];
  right: unknown[][];
}

/**
 * SQL's semi and anti joins, as Flink's streaming semi/anti join: both inputs keyed by the join's
 * equality columns and kept in keyed state; a left row goes out (with its own kind) when it has a
 * matching right row (semi) or has none (anti). Either side may retract. A right row that gives a
 * left row its first match inserts that left row (semi, `+I`) or deletes it (anti, `-D`); the
 * retraction of its last match does the reverse. A left row with a NULL key matches nothing.
 */
export class SqlSemiAntiJoinOperator extends AbstractCoStreamOperator {
  private readonly state: ValueState<SemiAntiState>;
  private readonly residual: ((values: unknown[]) => boolean) | null;
  private readonly leftKeys: number[];
  private readonly rightKeys: number[];
  private readonly anti: boolean;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-semi-anti-join');
    this.anti = config.anti ?? false;
    this.leftKeys = config.leftKeys ?? [];
    this.rightKeys = config.rightKeys ?? [];
    this.residual = config.residual
      ? compilePredicate(config.residual, { now: () => ctx.clock.now() })
      : null;
    this.state = ctx.keyedStateBackend!.getState(
      sqlStateDescriptor<SemiAntiState>('sql-semi-anti-join', config.stateTtl),
    );
  }

  private matches(left: unknown[], right: unknown[]): boolean {
    return this.residual === null || this.residual(left.concat(right));
  }

  private static hasNullKey(values: unknown[], keys: number[]): boolean {
    for (let i = 0; i < keys.length; i++) if (values[keys[i]] == null) return true;
    return false;
  }

  processElement(value: unknown, timestamp: number): void {
    const row = value as Row;
    const retract = row.kind === '-U' || row.kind === '-D';
    if (SqlSemiAntiJoinOperator.hasNullKey(row.values, this.leftKeys)) {
      // NULL equals nothing: the row never matches, and no state is needed for it.
      if (this.anti) this.output.collect(row, timestamp);
      return;
    }
    let state = this.state.value();
    if (state === undefined) {
      if (retract) return;
      state = { left: [], matches: [], right: [] };
    }
    let count: number;
    if (retract) {
      const at = state.left.findIndex((v) => sameValues(v, row.values));
      if (at < 0) return;
      count = state.matches[at];
      state.left.splice(at, 1);
      state.matches.splice(at, 1);
    } else {
      count = 0;
      for (const r of state.right) if (this.matches(row.values, r)) count++;
      state.left.push(row.values);
      state.matches.push(count);
    }
    if (this.anti ? count === 0 : count > 0) this.output.collect(row, timestamp);
    this.save(state);
  }

  processElement2(value: unknown, timestamp: number): void {
    const row = value as Row;
    if (SqlSemiAntiJoinOperator.hasNullKey(row.values, this.rightKeys)) return;
    const retract = row.kind === '-U' || row.kind === '-D';
    let state = this.state.value();
    if (state === undefined) {
      if (retract) return;
      state = { left: [], matches: [], right: [] };
    }
    if (retract) {
      const at = state.right.findIndex((v) => sameValues(v, row.values));
      if (at < 0) return;
      state.right.splice(at, 1);
    } else state.right.push(row.values);
    const { left, matches } = state;
    for (let i = 0; i < left.length; i++) {
      if (!this.matches(left[i], row.values)) continue;
      if (retract) {
        matches[i]--;
        if (matches[i] === 0)
          this.output.collect({ kind: this.anti ? '+I' : '-D', values: left[i] }, timestamp);
      } else {
        matches[i]++;
        if (matches[i] === 1)
          this.output.collect({ kind: this.anti ? '-D' : '+I', values: left[i] }, timestamp);
      }
    }
    this.save(state);
  }

  private save(state: SemiAntiState): void {
    if (state.left.length === 0 && state.right.length === 0) this.state.clear();
    else this.state.update(state);
  }
}
