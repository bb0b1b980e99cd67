import { WeirError } from '../../../core/errors.ts';
import type { Row } from '../../../core/row.ts';
import { operatorConfig } from '../../../graph/operator-spec.ts';
import type { SortKey } from '../../../sql/plan/rel.ts';
import type { ValueState } from '../../../state/state.ts';
import { AbstractStreamOperator } from '../abstract-stream-operator.ts';
import type { OperatorContext } from '../operator-context.ts';
import { sqlStateDescriptor } from './sql-state.ts';

/**
 * SQL's Top-N and deduplication over an insert-only input (`ROW_NUMBER() OVER (PARTITION BY p
 * ORDER BY o) <= N`), as Flink's append-only rank: keyed by the partition, it keeps the partition's
 * first N rows in order, and when a row enters them it emits the ranks that change: `-U` of the row
 * that held a rank before and `+U` (or `+I` for a rank held for the first time) of the row that holds
 * it now, each with its rank number as the last field. A row equal in order to rows kept goes after
 * them (the earlier row ranks first); deduplication keeping the last row puts it before them, so the
 * newer row wins, as Flink's deduplication does.
 */
export class SqlRankOperator extends AbstractStreamOperator {
  private readonly state: ValueState<unknown[][]>;
  private readonly compare: (a: unknown[], b: unknown[]) => number;
  private readonly limit: number;
  private readonly newerFirst: boolean;
  private readonly rankFn: 'ROW_NUMBER' | 'RANK' | 'DENSE_RANK';

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = operatorConfig(ctx.spec, 'sql-rank');
    this.compare = comparator(config.orderBy ?? []);
    this.limit = config.limit ?? 1;
    this.newerFirst = config.dedup === 'last';
    this.rankFn = config.rankFn ?? 'ROW_NUMBER';
    this.state = ctx.keyedStateBackend!.getState(
      sqlStateDescriptor<unknown[][]>('sql-rank', config.stateTtl),
    );
  }

  processElement(value: unknown, timestamp: number): void {
    const row = value as Row;
    if (row.kind !== '+I') {
      throw new WeirError(
        'SQL_UNSUPPORTED',
        `Top-N "${this.name}" got a ${row.kind} row: Top-N over an updating input is not supported yet`,
      );
    }
    const rows = this.state.value() ?? [];
    if (this.rankFn !== 'ROW_NUMBER') {
      this.processRanked(rows, row.values, timestamp);
      return;
    }
    const compare = this.compare;
    // The first kept row this one goes before: strictly after it in order, or equal when newer wins.
    let at = rows.length;
    for (let i = 0; i < rows.length; i++) {
      const c = compare(row.values, rows[i]);
      if (c < 0 || (c === 0 && this.newerFirst)) {
        at = i;
        break;
      }
    }
    if (at >= this.limit) return;
    const before = rows.slice();
    rows.splice(at, 0, row.values);
    if (rows.length > this.limit) rows.length = this.limit;
    this.state.update(rows);
    for (let r = at; r < rows.length; r++) {
      const old = before[r];
      if (old !== undefined) this.output.collect({ kind: '-U', values: withRank(old, r + 1) }, timestamp);
      this.output.collect(
        { kind: old === undefined ? '+I' : '+U', values: withRank(rows[r], r + 1) },
        timestamp,
      );
    }
  }

  /**
   * RANK and DENSE_RANK: rows of equal order share a rank, and every row whose rank is at most the
   * limit is kept (ties can make more rows than the limit). A new row moves the ranks after it:
   * each row whose rank changes is retracted with its old rank and emitted with its new one, a row
   * pushed past the limit is deleted.
   */
  private processRanked(rows: unknown[][], values: unknown[], timestamp: number): void {
    const dense = this.rankFn === 'DENSE_RANK';
    const before = new Map<unknown[], number>();
    const oldRanks = ranks(rows, this.compare, dense);
    rows.forEach((r, i) => before.set(r, oldRanks[i]));
    let at = rows.length;
    for (let i = 0; i < rows.length; i++) {
      if (this.compare(values, rows[i]) < 0) {
        at = i;
        break;
      }
    }
    const next = rows.slice();
    next.splice(at, 0, values);
    const newRanks = ranks(next, this.compare, dense);
    const kept: unknown[][] = [];
    for (let i = 0; i < next.length; i++) {
      const r = next[i];
      const rank = newRanks[i];
      const old = before.get(r);
      if (rank > this.limit) {
        if (old !== undefined) this.output.collect({ kind: '-D', values: withRank(r, old) }, timestamp);
        continue;
      }
      kept.push(r);
      if (old === undefined) this.output.collect({ kind: '+I', values: withRank(r, rank) }, timestamp);
      else if (old !== rank) {
        this.output.collect({ kind: '-U', values: withRank(r, old) }, timestamp);
        this.output.collect({ kind: '+U', values: withRank(r, rank) }, timestamp);
      }
    }
    this.state.update(kept);
  }
}

/** The ranks of sorted rows: RANK counts the rows before, DENSE_RANK the distinct orders before. */
export function ranks(
  rows: unknown[][],
  compare: (a: unknown[], b: unknown[]) => number,
  dense: boolean,
): number[] {
  const out: number[] = [];
  let rank = 0;
  for (let i = 0; i < rows.length; i++) {
    if (i === 0 || compare(rows[i - 1], rows[i]) !== 0) rank = dense ? rank + 1 : i + 1;
    out.push(rank);
  }
  return out;
}

function withRank(values: unknown[], rank: number): unknown[] {
  const out = values.slice();
  out.push(rank);
  return out;
}

/** Compares two rows by the sort keys: SQL's order, NULLs first or last as each key says. */
export function comparator(keys: SortKey[]): (a: unknown[], b: unknown[]) => number {
  return (a, b) => {
    for (const k of keys) {
      const x = a[k.field];
      const y = b[k.field];
      if (x === y) continue;
      if (x === null || x === undefined) return k.nullsFirst ? -1 : 1;
      if (y === null || y === undefined) return k.nullsFirst ? 1 : -1;
      const c = (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
      if (c !== 0) return k.descending ? -c : c;
    }
    return 0;
  };
}
