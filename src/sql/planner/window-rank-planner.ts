/**
 * Window Top-N and Window Deduplication, as Flink plans them: a Top-N (`ROW_NUMBER`, `RANK` or
 * `DENSE_RANK` bounded by `<= N`) whose PARTITION BY holds both the window_start and the window_end
 * of a window table function (TUMBLE, HOP, CUMULATE on event time), directly or through a window
 * aggregate, ranks each window once, when the watermark passes the window's end, and forgets it.
 * A ROW_NUMBER Top-1 ordered by the row time is Flink's window deduplication (same operator).
 *
 * Anything else (processing time, SESSION windows, a partition without both window columns) stays
 * the regular, updating Top-N.
 */
import type { SqlWindowRankOperatorConfig } from '../../graph/operator-spec.ts';
import type { Transformation } from '../../graph/transformation.ts';
import type { Rel, TableWindow } from '../plan/rel.ts';
import { type JoinPlanContext, type WindowProperties, windowProperties } from './join-rules.ts';
import { overWindowTable } from './window-table-input.ts';

type RankRel = Rel & { kind: 'rank' };

/** The window properties of a Top-N (or its ranking Over) that is a window Top-N, or null for a regular one. */
export function windowRankShape(rank: { input: Rel; partitionKeys: number[] }): WindowProperties | null {
  const props = windowProperties(rank.input);
  if (props === null || !props.rowtime || props.window.kind === 'session') return null;
  if (!rank.partitionKeys.includes(props.start) || !rank.partitionKeys.includes(props.end)) return null;
  return props;
}

/** True for a Top-N (or its ranking Over) planned as a window Top-N: it only inserts, once per window. */
export function isWindowRank(rel: Rel): boolean {
  return (rel.kind === 'rank' || rel.kind === 'over') && windowRankShape(rel) !== null;
}

/**
 * The `sql-window-rank` operator of a window Top-N or deduplication, or null for a regular Top-N.
 * Keyed by the partition keys other than the window's; right over a window table function the
 * operator assigns the windows itself and runs the projections and filters in between.
 */
export function planWindowRank(rank: RankRel, ctx: JoinPlanContext): Transformation | null {
  const props = windowRankShape(rank);
  if (props === null) return null;
  const keys = rank.partitionKeys.filter((k) => k !== props.start && k !== props.end);
  let input: Transformation;
  let assign: SqlWindowRankOperatorConfig['assign'] = null;
  if (props.fromTable) {
    const side = overWindowTable(rank.input, keys, {
      operator: 'a window Top-N',
      keysMessage: 'partitions by columns of the table',
    });
    input = ctx.keyed(ctx.translate(side.table.input), side.keys);
    assign = {
      window: side.table.window,
      time: side.table.time,
      exprs: side.exprs,
      condition: side.condition,
    };
  } else input = ctx.keyed(ctx.translate(rank.input), keys);
  const id = ctx.id();
  const fields = rank.input.fields;
  const names = (ks: number[]): string => ks.map((k) => fields[k].name).join(', ');
  const orderBy = rank.orderBy
    .map((o) => `${fields[o.field].name} ${o.descending ? 'DESC' : 'ASC'}`)
    .join(', ');
  const window = `${describeWindow(props.window)}, win_start=[${fields[props.start].name}], win_end=[${fields[props.end].name}]`;
  const name =
    rank.dedup !== null
      ? `WindowDeduplicate(window=[${window}], keep=[${rank.dedup === 'last' ? 'LastRow' : 'FirstRow'}], partitionKeys=[${names(keys)}], orderKey=[${fields[rank.orderBy[0].field].name}])`
      : `WindowRank(window=[${window}], rankType=[${rank.rankFn}], rankRange=[rankStart=1, rankEnd=${rank.limit}], partitionBy=[${names(keys)}], orderBy=[${orderBy}])`;
  const config: SqlWindowRankOperatorConfig = {
    rankFn: rank.rankFn,
    orderBy: rank.orderBy,
    limit: rank.limit,
    dedup: rank.dedup,
    end: props.end,
    assign,
  };
  return {
    kind: 'physical',
    id,
    operator: 'sql-window-rank',
    name,
    uid: ctx.uid('window-rank', id),
    inputs: [[input]],
    config,
    parallelism: keys.length === 0 ? 1 : undefined,
    chainable: true,
    source: false,
  };
}

function describeWindow(w: TableWindow): string {
  switch (w.kind) {
    case 'tumble':
      return `TUMBLE(size=[${w.size} ms])`;
    case 'hop':
      return `HOP(slide=[${w.slide} ms], size=[${w.size} ms])`;
    case 'cumulate':
      return `CUMULATE(max_size=[${w.size} ms], step=[${w.step} ms])`;
    default:
      return w.kind.toUpperCase();
  }
}
