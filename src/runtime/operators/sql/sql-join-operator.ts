import { type Row, type RowKind, sameValues } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { ValueState } from '../../../state/state.ts';
import { AbstractCoStreamOperator } from '../co-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { compilePredicate } from './expression-compiler.ts';
import { sqlStateDescriptor } from './sql-state.ts';

/**
 * The rows of one join key, per side, in arrival order (null: none yet). On an outer side each row
 * also counts the rows of the other side it is joined with (`leftMatches`, `rightMatches`): at 0
 * the row shows as padded with NULLs. A side's arrays are created with their first row, at its
 * size: a key often has rows on one side only, and an empty array that is pushed to reserves room
 * for 17 (a regular join keeps every row, so this is most of its memory per row).
 */
interface JoinState {
  left: unknown[][] | null;
  right: unknown[][] | null;
  leftMatches: number[] | null;
  rightMatches: number[] | null;
}

const NO_ROWS: unknown[][] = [];

/**
 * A key's state: its {@link JoinState}, or, in an inner join, the key's one left row alone while it
 * has no other row (the values array itself, no object around it). A regular join keeps every row
 * of a stream joined with a rarer one (Nexmark q7 keeps every bid until its window's maximum comes),
 * so most keys hold one row of the larger side, conventionally the left; this halves the objects
 * kept per such key.
 */
type StoredJoin = JoinState | unknown[];

/**
 * SQL's regular (unbounded) join, as Flink's streaming join: both inputs are keyed by the equality
 * columns of the ON condition, each side's rows are kept in keyed state, and a row from one side
 * joins every kept row of the other side for which the rest of the ON condition holds. The joined
 * row is the left fields, then the right ones.
 *
 * Inner join: a joined row has the kind of the input row that made it, so a retraction on either
 * side retracts what it had joined. Outer joins (LEFT, RIGHT, FULL): a row of an outer side without
 * a match is emitted padded with NULLs (`+I`); when its first match arrives the padded row is
 * retracted (`-D`) before the joined row is inserted, and when its last match goes the padded row
 * comes back. A row with a NULL key joins nothing (an outer row then stays padded). State grows
 * with the inputs unless `table.exec.state.ttl` bounds it.
 */
export class SqlJoinOperator extends AbstractCoStreamOperator {
  private readonly state: ValueState<StoredJoin>;
  private readonly inner: boolean;
  private readonly residual: ((values: unknown[]) => boolean) | null;
  private readonly leftKeys: number[];
  private readonly rightKeys: number[];
  private readonly leftOuter: boolean;
  private readonly rightOuter: boolean;
  private readonly leftNulls: unknown[];
  private readonly rightNulls: unknown[];

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-join');
    this.leftKeys = config.leftKeys ?? [];
    this.rightKeys = config.rightKeys ?? [];
    const type = config.joinType ?? 'INNER';
    this.leftOuter = type === 'LEFT' || type === 'FULL';
    this.rightOuter = type === 'RIGHT' || type === 'FULL';
    this.inner = type === 'INNER';
    this.leftNulls = new Array(config.leftWidth ?? 0).fill(null);
    this.rightNulls = new Array(config.rightWidth ?? 0).fill(null);
    this.residual = config.residual
      ? compilePredicate(config.residual, { now: () => ctx.clock.now() })
      : null;
    this.state = ctx.keyedStateBackend!.getState(sqlStateDescriptor<StoredJoin>('sql-join', config.stateTtl));
  }

  processElement(value: unknown, timestamp: number): void {
    this.process(value as Row, timestamp, true);
  }

  processElement2(value: unknown, timestamp: number): void {
    this.process(value as Row, timestamp, false);
  }

  private joined(left: boolean, own: unknown[], other: unknown[]): unknown[] {
    return left ? own.concat(other) : other.concat(own);
  }

  private emit(kind: RowKind, values: unknown[], timestamp: number): void {
    this.output.collect({ kind, values }, timestamp);
  }

  private process(row: Row, timestamp: number, left: boolean): void {
    const keys = left ? this.leftKeys : this.rightKeys;
    const ownOuter = left ? this.leftOuter : this.rightOuter;
    const otherOuter = left ? this.rightOuter : this.leftOuter;
    const retract = row.kind === '-U' || row.kind === '-D';
    for (let i = 0; i < keys.length; i++) {
      if (row.values[keys[i]] == null) {
        // NULL equals nothing: the row joins nothing, and an outer row shows padded.
        if (ownOuter)
          this.emit(
            retract ? '-D' : '+I',
            this.joined(left, row.values, left ? this.rightNulls : this.leftNulls),
            timestamp,
          );
        return;
      }
    }
    const stored = this.state.value();
    let state: JoinState;
    if (stored === undefined) {
      if (retract) return;
      if (left && this.inner) {
        // Nothing to join with yet: the row is the key's whole state.
        this.state.update(row.values);
        return;
      }
      state = { left: null, right: null, leftMatches: null, rightMatches: null };
    } else if (Array.isArray(stored)) {
      state = { left: [stored], right: null, leftMatches: null, rightMatches: null };
    } else {
      state = stored;
    }
    const other = (left ? state.right : state.left) ?? NO_ROWS;
    const otherMatches = left ? state.rightMatches : state.leftMatches;
    const otherNulls = left ? this.rightNulls : this.leftNulls;
    const ownNulls = left ? this.leftNulls : this.rightNulls;
    const residual = this.residual;
    let matches = 0;
    for (let i = 0; i < other.length; i++) {
      const joined = this.joined(left, row.values, other[i]);
      if (residual !== null && !residual(joined)) continue;
      matches++;
      if (!otherOuter) {
        this.emit(this.leftOuter || this.rightOuter ? (retract ? '-D' : '+I') : row.kind, joined, timestamp);
        continue;
      }
      // The other row is on an outer side: its padded form comes and goes with its first and last match.
      const before = otherMatches![i];
      if (retract) {
        this.emit('-D', joined, timestamp);
        otherMatches![i] = before - 1;
        if (before === 1) this.emit('+I', this.joined(!left, other[i], ownNulls), timestamp);
      } else {
        if (before === 0) this.emit('-D', this.joined(!left, other[i], ownNulls), timestamp);
        otherMatches![i] = before + 1;
        this.emit('+I', joined, timestamp);
      }
    }
    if (ownOuter && matches === 0)
      this.emit(retract ? '-D' : '+I', this.joined(left, row.values, otherNulls), timestamp);
    const own = left ? state.left : state.right;
    if (retract) {
      const at = own === null ? -1 : own.findIndex((v) => sameValues(v, row.values));
      if (at >= 0) {
        own!.splice(at, 1);
        (left ? state.leftMatches : state.rightMatches)?.splice(at, 1);
        if (own!.length === 0) {
          if (left) state.left = state.leftMatches = null;
          else state.right = state.rightMatches = null;
        }
      }
    } else if (own === null) {
      if (left) {
        state.left = [row.values];
        if (ownOuter) state.leftMatches = [matches];
      } else {
        state.right = [row.values];
        if (ownOuter) state.rightMatches = [matches];
      }
    } else {
      own.push(row.values);
      (left ? state.leftMatches : state.rightMatches)?.push(matches);
    }
    if (state.left === null && state.right === null) this.state.clear();
    else this.state.update(state);
  }
}
