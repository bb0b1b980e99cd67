import { type Row, type RowKind, sameValues } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import { HeapKeyedStateBackend } from '../../../state/heap-keyed-state-backend.ts';
import type { ValueState } from '../../../state/state.ts';
import { AbstractCoStreamOperator } from '../co-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { compilePredicate } from './expression-compiler.ts';
import { SqlRowColumns } from './sql-row-columns.ts';
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
 * A key's state: its {@link JoinState}; or, in an inner join, while the key has left rows only,
 * either the key's one left row alone (the values array itself, no object around it) or the index
 * of the chain of its left rows in the operator's {@link SqlRowColumns} (a small integer: no object
 * at all). A regular join keeps every row of a stream joined with a rarer one (Nexmark q7 keeps
 * every bid until its window's maximum comes), so most keys hold rows of the larger side only,
 * conventionally the left.
 *
 * Chains live in operator memory, so they are used only on the heap backend without a state TTL,
 * and never reach a snapshot: {@link SqlJoinOperator.snapshotState} turns them into rows first.
 */
type StoredJoin = JoinState | unknown[] | number;

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
  /** The left rows of inner-join keys without right rows, column-wise (null: not used). */
  private readonly columns: SqlRowColumns | null;
  /** A joined row to test the residual condition on before allocating the row. */
  private readonly scratch: unknown[] = [];

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
    this.columns =
      this.inner &&
      config.leftTypes !== undefined &&
      !(config.stateTtl !== undefined && config.stateTtl > 0) &&
      ctx.keyedStateBackend instanceof HeapKeyedStateBackend
        ? new SqlRowColumns(config.leftTypes)
        : null;
  }

  /** Turns every chain of left rows into rows in the keyed state, which the snapshot then holds. */
  snapshotState(): void {
    const columns = this.columns;
    if (columns === null || columns.count === 0) return;
    const backend = this.ctx.keyedStateBackend!;
    // The keys first: their values change while they are visited.
    const keys = Array.from(backend.keys('sql-join'));
    for (const key of keys) {
      backend.setCurrentKey(key);
      const stored = this.state.value();
      if (typeof stored !== 'number') continue;
      const rows = columns.readChain(stored);
      this.state.update(
        rows.length === 1 ? rows[0] : { left: rows, right: null, leftMatches: null, rightMatches: null },
      );
    }
    columns.clear();
  }

  /** A new chain of `rows` and then `last`; returns its index. */
  private chain(rows: unknown[][], last: unknown[]): number {
    const columns = this.columns!;
    const head = columns.start(rows[0]);
    for (let i = 1; i < rows.length; i++) columns.append(head, rows[i]);
    columns.append(head, last);
    return head;
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
        this.state.update(this.columns === null ? row.values : this.columns.start(row.values));
        return;
      }
      state = { left: null, right: null, leftMatches: null, rightMatches: null };
    } else if (typeof stored === 'number') {
      if (left && !retract) {
        // Still nothing to join with: one more row in the key's chain (the state is unchanged).
        this.columns!.append(stored, row.values);
        return;
      }
      state = { left: this.columns!.readChain(stored), right: null, leftMatches: null, rightMatches: null };
    } else if (Array.isArray(stored)) {
      if (left && !retract && this.columns !== null) {
        // Back into a chain (the key's rows became rows for a snapshot).
        this.state.update(this.chain([stored], row.values));
        return;
      }
      state = { left: [stored], right: null, leftMatches: null, rightMatches: null };
    } else {
      state = stored;
      if (left && !retract && this.columns !== null && state.right === null && state.left !== null) {
        this.state.update(this.chain(state.left, row.values));
        return;
      }
    }
    const other = (left ? state.right : state.left) ?? NO_ROWS;
    const otherMatches = left ? state.rightMatches : state.leftMatches;
    const otherNulls = left ? this.rightNulls : this.leftNulls;
    const ownNulls = left ? this.leftNulls : this.rightNulls;
    const residual = this.residual;
    let matches = 0;
    // The residual condition is tested on one scratch row; a joined row is made only for a match.
    const own = row.values;
    const ownAt = left ? 0 : other.length > 0 ? other[0].length : 0;
    const otherAt = left ? own.length : 0;
    const scratch = this.scratch;
    if (residual !== null && other.length > 0) {
      scratch.length = own.length + other[0].length;
      for (let c = 0; c < own.length; c++) scratch[ownAt + c] = own[c];
    }
    for (let i = 0; i < other.length; i++) {
      const candidate = other[i];
      if (residual !== null) {
        for (let c = 0; c < candidate.length; c++) scratch[otherAt + c] = candidate[c];
        if (!residual(scratch)) continue;
      }
      const joined = this.joined(left, own, candidate);
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
    const ownRows = left ? state.left : state.right;
    if (retract) {
      const at = ownRows === null ? -1 : ownRows.findIndex((v) => sameValues(v, row.values));
      if (at >= 0) {
        ownRows!.splice(at, 1);
        (left ? state.leftMatches : state.rightMatches)?.splice(at, 1);
        if (ownRows!.length === 0) {
          if (left) state.left = state.leftMatches = null;
          else state.right = state.rightMatches = null;
        }
      }
    } else if (ownRows === null) {
      if (left) {
        state.left = [row.values];
        if (ownOuter) state.leftMatches = [matches];
      } else {
        state.right = [row.values];
        if (ownOuter) state.rightMatches = [matches];
      }
    } else {
      ownRows.push(row.values);
      (left ? state.leftMatches : state.rightMatches)?.push(matches);
    }
    if (state.left === null && state.right === null) this.state.clear();
    else this.state.update(state);
  }
}
