/**
 * From logical plans to a job graph: each relational operator becomes a runtime operator kind of
 * the plan union (graph/operator-spec.ts) with its configuration as data, so the graph runs in any
 * slot without a job module. Table scans become connector sources (`table:<connector>`), the
 * WATERMARK a watermark assigner, filters and projections one Calc, INSERT targets connector sinks
 * and a SELECT's result a collect operator. Operators get stable uids from their statement and
 * their place in the plan, so a savepoint of a SQL job restores into the same plan.
 *
 * Pure: the same plans give the same graph. A connector's options are checked here, by building
 * its source once, so a wrong option fails at planning with the table's name.
 */
import { createSource } from '../../core/connector-registry.ts';
import { WeirError } from '../../core/errors.ts';
import type { Row } from '../../core/row.ts';
import { isRowtime, type SqlType } from '../../core/sql-type.ts';
import type { TableConnectorContext } from '../../core/table-connectors.ts';
import {
  isAsyncLookupConnector,
  lookupConnectors,
  tableConnectorIdentifier,
  tableConnectorOf,
  tableConnectors,
  tableSinkChangelogMode,
  tableSourceChangelogMode,
  validateTableSink,
} from '../../core/table-connectors.ts';
import type { UserFunctionLocation } from '../../core/user-function.ts';
import type { JobConfig, JobFunctions, JobGraph } from '../../graph/job-graph.ts';
import { buildJobGraph } from '../../graph/job-graph-builder.ts';
import { KeySelectors } from '../../graph/key-selector-spec.ts';
import type { SqlWindowOutputField } from '../../graph/operator-spec.ts';
import type { PhysicalTransformation, Transformation } from '../../graph/transformation.ts';
import type { WatermarkStrategySpec } from '../../time/watermark-strategy-spec.ts';
import type { WindowAssignerSpec } from '../../time/windows/window-assigner-spec.ts';
import type { CatalogTable } from '../catalog/catalog.ts';
import { conjunction, equiKeys } from '../plan/join-keys.ts';
import type { GroupWindow, Rel, TableWindow } from '../plan/rel.ts';
import { call, conjuncts, inputRef, inputsOf, literal, mapInputs, type Rex } from '../plan/rex.ts';
import {
  type AggregateTuning,
  DEFAULT_AGGREGATE_TUNING,
  planGroupAggregate,
  tuneLogicalPlan,
} from './aggregate-tuning.ts';
import { consumersOf, mergeCalc } from './calc-merge.ts';
import { changeKinds, checkTableSink, primaryKeyFields } from './changelog-mode.ts';
import { correlate } from './correlate-planner.ts';
import { type JoinPlanContext, planTimeBoundedJoin, planWindowSemiJoin } from './join-rules.ts';
import { pruneJoinInputs } from './prune-join-inputs.ts';
import { pushJoinConditions } from './push-join-conditions.ts';
import { inputParallelism, projectJoinKeys, semiJoin } from './semi-join-planner.ts';
import { temporalJoinOperator } from './temporal-join-planner.ts';
import { valuesScan } from './values-planner.ts';
import { planWindowRank } from './window-rank-planner.ts';

/** Where a planned query's rows go. */
export type PlannedSink = { kind: 'table'; table: CatalogTable } | { kind: 'collect' };

export interface PlanOptions {
  jobName: string;
  parallelism: number;
  maxParallelism: number;
  config: JobConfig;
  /** `table.exec.state.ttl` in ms: how long state of a key that is not written stays; 0 for ever. */
  stateTtl?: number;
  /** Mini-batch, two-phase and split distinct aggregation (aggregate-tuning.ts); all off when absent. */
  aggregation?: AggregateTuning;
}

export interface PlannedJob {
  graph: JobGraph;
  functions: JobFunctions;
  /** The uid of each `collect` sink, in the order of the queries given. */
  collectUids: string[];
}

const NO_WATERMARKS: WatermarkStrategySpec = {
  generator: { kind: 'no-watermarks' },
  timestampAssigner: { kind: 'record-timestamp' },
  idleTimeout: null,
};

/** Plans queries (each with its sink) into one job graph: a statement set is one job. */
export function planJob(
  queries: { rel: Rel; sink: PlannedSink }[],
  options: PlanOptions,
  userFunctions: ReadonlyMap<string, UserFunctionLocation> = new Map(),
): PlannedJob {
  const tuning = options.aggregation ?? DEFAULT_AGGREGATE_TUNING;
  const roots = queries.map((q) => tuneLogicalPlan(q.rel, tuning));
  const planner = new PhysicalPlanner(userFunctions, options.stateTtl ?? 0, undefined, tuning).plan(roots);
  const sinks: PhysicalTransformation[] = [];
  const collectUids: string[] = [];
  queries.forEach((q, i) => {
    if (q.sink.kind === 'table') checkTableSink(q.sink.table, q.rel);
    const input = planner.translate(roots[i]);
    const sink = planner.sink(input, q.sink, i);
    if (q.sink.kind === 'collect') collectUids.push(sink.uid!);
    sinks.push(sink);
  });
  const { graph, functions } = buildJobGraph(sinks, {
    jobName: options.jobName,
    defaultParallelism: options.parallelism,
    maxParallelism: options.maxParallelism,
    config: options.config,
  });
  return { graph, functions, collectUids };
}

/**
 * Where a planner puts its operators: the ids of its transformations, the uid prefix of its operators
 * (unique per query in one job), and the DataStream transformations behind `datastream` tables
 * (StreamTableEnvironment) with the function that makes their records into rows.
 */
export interface PlannerHost {
  nextId(): number;
  uidPrefix: string;
  stream?(id: string): { transformation: Transformation; toRow: (value: unknown) => Row } | undefined;
}

/** Translates a query's plan into transformations of `host` (a StreamTableEnvironment's environment). */
export function translateQuery(
  rel: Rel,
  host: PlannerHost,
  userFunctions: ReadonlyMap<string, UserFunctionLocation>,
  stateTtl: number,
  tuning: AggregateTuning = DEFAULT_AGGREGATE_TUNING,
): Transformation {
  const tuned = tuneLogicalPlan(rel, tuning);
  return new PhysicalPlanner(userFunctions, stateTtl, host, tuning).plan([tuned]).translate(tuned);
}

/**
 * Async lookup joins as Flink's defaults: `table.exec.async-lookup.output-mode` ORDERED,
 * `.buffer-capacity` 100, `.timeout` 3 min.
 */
const ASYNC_LOOKUP = { mode: 'ordered', capacity: 100, timeout: 180_000 } as const;

class PhysicalPlanner {
  private nextId = 1;
  private readonly host: PlannerHost | undefined;
  private readonly functions: ReadonlyMap<string, UserFunctionLocation>;
  private readonly stateTtl: number;

  private readonly tuning: AggregateTuning;

  constructor(
    functions: ReadonlyMap<string, UserFunctionLocation>,
    stateTtl: number,
    host?: PlannerHost,
    tuning: AggregateTuning = DEFAULT_AGGREGATE_TUNING,
  ) {
    this.tuning = tuning;
    this.functions = functions;
    this.stateTtl = stateTtl;
    this.host = host;
  }

  /** The user functions `exprs` call, with their modules: every slot imports them. */
  private userFunctions(exprs: (Rex | null)[]): Record<string, UserFunctionLocation> {
    const out: Record<string, UserFunctionLocation> = {};
    const visit = (r: Rex): void => {
      if (r.kind === 'call') {
        if (r.udf !== undefined) {
          const location = this.functions.get(r.udf);
          if (!location) throw new WeirError('SQL_VALIDATION_ERROR', `unknown function ${r.udf}`);
          out[r.udf] = location;
        }
        r.args.forEach(visit);
      } else if (r.kind === 'field') visit(r.expr);
    };
    for (const e of exprs) if (e) visit(e);
    return out;
  }

  private id(): number {
    return this.host ? this.host.nextId() : this.nextId++;
  }

  /** A stable uid: the operator's kind and its number in the plan's translation order. */
  private uid(kind: string, id: number): string {
    return `${this.host?.uidPrefix ?? 'sql'}-${kind}-${id}`;
  }

  /** Translations by the plan's text: a sub-plan used twice runs once (Flink's sub-plan reuse). */
  private readonly translated = new Map<string, Transformation>();

  /**
   * The transformation of `rel`. Equal sub-plans share one: a query that reads a table twice (two
   * views of one Nexmark source, q5's two windowed counts) reads it once and feeds both uses.
   */
  translate(rel: Rel): Transformation {
    const key = JSON.stringify(rel);
    let t = this.translated.get(key);
    if (t === undefined) {
      const reordered = this.reordered.get(key);
      // A window aggregate already emitting its fields in another order: put them back in a Calc.
      t = reordered
        ? this.calcOver(
            reordered.t,
            rel.fields.map((f, i) => inputRef(reordered.order.indexOf(i), f.type)),
            null,
            rel.fields.map((f) => f.name),
          )
        : this.translateNode(rel);
      this.translated.set(key, t);
    }
    return t;
  }

  /** Window aggregates translated with their output fields in another order ({@link reorderedAggregate}). */
  private readonly reordered = new Map<string, { t: Transformation; order: number[] }>();

  /**
   * A Calc that only reorders the fields of a window aggregate is the aggregate's own output order:
   * the aggregate builds each result row in that order and no Calc makes a second row per result (in
   * q5, a million rows per ten million bids). The first such Calc fixes the order; other readers of
   * the aggregate read its fields where that order put them. Null when the aggregate is not a
   * window aggregate, `exprs` is not a permutation of all its fields, or it was translated already.
   */
  private reorderedAggregate(
    rel: Rel & { kind: 'aggregate' },
    exprs: Rex[],
    names: string[],
  ): Transformation | null {
    const key = JSON.stringify(rel);
    const done = this.reordered.get(key);
    if (done === undefined) {
      if (this.translated.has(key) || !this.isWindowAggregate(rel)) return null;
      const order = permutationOf(exprs, rel.fields.length);
      if (order === null) return null;
      const t = this.aggregate(rel, order);
      this.reordered.set(key, { t, order });
      return t;
    }
    const remapped = exprs.map((e) =>
      mapInputs(e, (ref) => inputRef(done.order.indexOf(ref.index), ref.type)),
    );
    if (permutationOf(remapped, rel.fields.length)?.every((index, i) => index === i)) return done.t;
    return this.calcOver(done.t, remapped, null, names);
  }

  /** Whether {@link aggregate} translates `rel` to a window aggregate (whose output order is free). */
  private isWindowAggregate(rel: Rel & { kind: 'aggregate' }): boolean {
    return rel.window !== null || this.windowTable(rel) !== null;
  }

  private translateNode(rel: Rel): Transformation {
    switch (rel.kind) {
      case 'scan':
        return this.scan(rel);
      case 'watermark':
        return this.watermark(rel, null, null, null);
      case 'project': {
        // A projection over a filter is one Calc: the condition first, on the filter's input.
        if (rel.input.kind === 'filter') {
          // A Top-N first: the filter bounds a rank; a filter over an inner join joins by it.
          const rank = rankRule(rel.input);
          if (rank) return this.translate({ ...rel, input: rank });
          const join = filterIntoJoin(rel.input);
          if (join) return this.translate({ ...rel, input: join });
          const pruned = pruneJoinInputs(rel);
          if (pruned) return this.translate(pruned);
          return this.calc(
            rel.input.input,
            rel.exprs,
            rel.input.condition,
            rel.fields.map((f) => f.name),
          );
        }
        if (rel.input.kind === 'project' && rel.separate !== true) {
          // Two projections in a row are one: substitute the inner expressions.
          const inner = rel.input;
          const exprs = rel.exprs.map((e) => mapInputs(e, (ref) => inner.exprs[ref.index]));
          return this.translate({ ...rel, input: inner.input, exprs });
        }
        const pruned = pruneJoinInputs(rel);
        if (pruned) return this.translate(pruned);
        return this.calc(
          rel.input,
          rel.exprs,
          null,
          rel.fields.map((f) => f.name),
        );
      }
      case 'filter': {
        const rank = rankRule(rel);
        if (rank) return this.translate(rank);
        const join = filterIntoJoin(rel);
        if (join) return this.translate(join);
        const identity = rel.fields.map((f, i) => inputRef(i, f.type));
        return this.calc(
          rel.input,
          identity,
          rel.condition,
          rel.fields.map((f) => f.name),
        );
      }
      case 'union': {
        const inputs = rel.inputs.map((r) => this.translate(r));
        return { kind: 'union', id: this.id(), inputs };
      }
      case 'aggregate':
        return this.aggregate(rel);
      case 'join':
        return this.join(rel);
      case 'lookup-join':
        return this.lookupJoin(rel);
      case 'temporal-join':
        return temporalJoinOperator(
          rel,
          { keyed: (r, keys) => this.keyed(this.translate(r), keys) },
          { id: () => this.id(), uid: (id) => this.uid('temporal-join', id) },
          this.stateTtl,
        );
      case 'over-aggregate': {
        const input = this.keyed(this.translate(rel.input), rel.partitionKeys);
        const id = this.id();
        const width = rel.input.fields.length;
        return {
          kind: 'physical',
          id,
          operator: 'sql-over-aggregate',
          name: `OverAggregate(orderBy=[${rel.input.fields[rel.time].name}], ${rel.unit} ${rel.preceding ?? 'UNBOUNDED'} PRECEDING)`,
          uid: this.uid('over-aggregate', id),
          inputs: [[input]],
          config: {
            time: rel.time,
            rowtime: rel.rowtime,
            unit: rel.unit,
            preceding: rel.preceding,
            aggs: rel.aggs,
            inputTypes: rel.input.fields.map((f) => f.type),
            resultTypes: rel.fields.slice(width).map((f) => f.type),
            stateTtl: this.stateTtl,
          },
          parallelism: rel.partitionKeys.length === 0 ? 1 : undefined,
          chainable: true,
          source: false,
        };
      }
      case 'values':
        return this.translate(valuesScan(rel));
      case 'semi-join': {
        // A window semi/anti join has an operator of its own (join-rules.ts).
        const windowed = planWindowSemiJoin(rel, this.joinPlanContext());
        if (windowed) return windowed;
        const keyed = projectJoinKeys(rel);
        if (keyed) return this.translate(keyed);
        const { leftKeys, rightKeys, rest } = equiKeys(rel.condition, rel.left.fields.length);
        const left = this.keyed(this.translate(rel.left), leftKeys);
        const right = this.keyed(this.translate(rel.right), rightKeys);
        const id = this.id();
        const keys = { leftKeys, rightKeys, residual: conjunction(rest) };
        return semiJoin(rel, left, right, keys, id, this.uid('semi-join', id), this.stateTtl);
      }
      case 'correlate': {
        const input = this.translate(rel.input);
        const id = this.id();
        return correlate(rel, input, id, this.uid('correlate', id), this.userFunctions(rel.args));
      }
      case 'rank': {
        // A Top-N per window of a window table function or window aggregate (window-rank-planner.ts).
        const windowed = planWindowRank(rel, this.joinPlanContext());
        if (windowed) return windowed;
        const input = this.keyed(this.translate(rel.input), rel.partitionKeys);
        const id = this.id();
        return {
          kind: 'physical',
          id,
          operator: 'sql-rank',
          name: `Rank(rankType=[${rel.rankFn}], rankRange=[rankStart=1, rankEnd=${rel.limit}]${rel.dedup ? `, deduplicate=[keep ${rel.dedup} row]` : ''})`,
          uid: this.uid('rank', id),
          inputs: [[input]],
          config: {
            rankFn: rel.rankFn,
            orderBy: rel.orderBy,
            limit: rel.limit,
            dedup: rel.dedup,
            stateTtl: this.stateTtl,
          },
          parallelism: rel.partitionKeys.length === 0 ? 1 : undefined,
          chainable: true,
          source: false,
        };
      }
      default:
        throw new WeirError(
          'SQL_UNSUPPORTED',
          `${describeKind(rel)} is not supported yet: Weir has no runtime operator for it`,
        );
    }
  }

  /**
   * A GROUP BY: a window aggregate when it groups by a legacy group window or by the window_start
   * and window_end of a window table function, else a group aggregate. Either is keyed by its
   * (other) group keys through a hash exchange; without keys, one subtask takes every row.
   */
  private aggregate(rel: Rel & { kind: 'aggregate' }, order?: number[]): Transformation {
    const tvf = this.windowTable(rel);
    const resultTypes = rel.fields
      .slice(rel.groupKeys.length, rel.groupKeys.length + rel.aggs.length)
      .map((f) => f.type);
    if (tvf) {
      // The calc before the window computes keys and arguments from the table function's input;
      // the window fields, known only once windows are assigned, are placeholders there.
      const { pre, table, windowKeys } = tvf;
      const width = table.input.fields.length;
      const exprs = pre.map((e) => (e.kind === 'input' && e.index >= width ? literal(null, e.type) : e));
      const input = this.calc(
        table.input,
        exprs,
        null,
        exprs.map((_, i) => `$f${i}`),
      );
      const keys = rel.groupKeys.filter((k) => !windowKeys.has(k));
      const fieldsOut: SqlWindowOutputField[] = rel.fields.map((_, i) => {
        if (i >= rel.groupKeys.length) return { kind: 'agg', index: i - rel.groupKeys.length };
        const prop = windowKeys.get(rel.groupKeys[i]);
        return prop ? { kind: 'window', prop } : { kind: 'key', index: keys.indexOf(rel.groupKeys[i]) };
      });
      const rowtime = isRowtime(table.input.fields[table.time].type);
      const output = order ? order.map((i) => fieldsOut[i]) : fieldsOut;
      if (table.window.kind === 'cumulate') {
        const keyed = this.keyed(input, keys);
        const id = this.id();
        return {
          kind: 'physical',
          id,
          operator: 'sql-cumulate-window-aggregate',
          name: `WindowAggregate(window=[CUMULATE], select=[${fieldNames(rel, order)}])`,
          uid: this.uid('cumulate-window-aggregate', id),
          inputs: [[keyed]],
          config: {
            keyCount: keys.length,
            aggs: rel.aggs,
            inputTypes: pre.map((e) => e.type),
            resultTypes,
            step: table.window.step,
            size: table.window.size,
            offset: table.window.offset,
            output,
            rowtime,
          },
          parallelism: keys.length === 0 ? 1 : undefined,
          chainable: true,
          source: false,
        };
      }
      return this.windowAggregate(
        input,
        keys,
        rel,
        resultTypes,
        tableWindowAssigner(table.window, rowtime),
        output,
        pre.map((e) => e.type),
        order,
      );
    }
    const window = rel.window;
    if (window) {
      const timeType = rel.input.fields[window.time].type;
      const fieldsOut: SqlWindowOutputField[] = rel.fields.map((_, i) => {
        if (i < rel.groupKeys.length) return { kind: 'key', index: i };
        if (i < rel.groupKeys.length + rel.aggs.length)
          return { kind: 'agg', index: i - rel.groupKeys.length };
        const prop = rel.windowProperties[i - rel.groupKeys.length - rel.aggs.length];
        if (prop === 'proctime')
          throw new WeirError(
            'SQL_UNSUPPORTED',
            `${window.kind.toUpperCase()}_PROCTIME is not supported yet`,
          );
        return { kind: 'window', prop };
      });
      const output = order ? order.map((i) => fieldsOut[i]) : fieldsOut;
      const input = this.translate(rel.input);
      return this.windowAggregate(
        input,
        rel.groupKeys,
        rel,
        resultTypes,
        groupWindowAssigner(window, isRowtime(timeType)),
        output,
        rel.input.fields.map((f) => f.type),
        order,
      );
    }
    const tuned = planGroupAggregate(rel, resultTypes, this.stateTtl, this.tuning, {
      translate: (r) => this.translate(r),
      id: () => this.id(),
      uid: (kind, n) => this.uid(kind, n),
      keyed: (t, keys) => this.keyed(t, keys),
    });
    if (tuned) return tuned;
    const input = this.keyed(this.translate(rel.input), rel.groupKeys);
    const id = this.id();
    return {
      kind: 'physical',
      id,
      operator: 'sql-group-aggregate',
      name: `GroupAggregate(groupBy=[${rel.fields
        .slice(0, rel.groupKeys.length)
        .map((f) => f.name)
        .join(', ')}])`,
      uid: this.uid('group-aggregate', id),
      inputs: [[this.keyed(input, rel.groupKeys)]],
      config: {
        groupKeys: rel.groupKeys,
        aggs: rel.aggs,
        inputTypes: rel.input.fields.map((f) => f.type),
        resultTypes,
        stateTtl: this.stateTtl,
        insertOnly: isInsertOnly(rel.input),
      },
      parallelism: rel.groupKeys.length === 0 ? 1 : undefined,
      chainable: true,
      source: false,
    };
  }

  private windowAggregate(
    input: Transformation,
    keys: number[],
    rel: Rel & { kind: 'aggregate' },
    resultTypes: SqlType[],
    assigner: WindowAssignerSpec,
    output: SqlWindowOutputField[],
    inputTypes: SqlType[],
    order: number[] | undefined,
  ): Transformation {
    const keyed = this.keyed(input, keys);
    const id = this.id();
    return {
      kind: 'physical',
      id,
      // Tumbling and sliding windows aggregate by slices: a row updates one slice, not every window
      // it is in, and a key keeps one timer rather than one per window; on event time, without the
      // timer service (sql-slicing-window-aggregate-operator.ts).
      operator:
        (assigner.kind === 'sliding-event-time' && assigner.slide <= assigner.size) ||
        assigner.kind === 'tumbling-event-time'
          ? 'sql-slicing-window-aggregate'
          : assigner.kind === 'sliding-event-time' ||
              assigner.kind === 'sliding-processing-time' ||
              assigner.kind === 'tumbling-processing-time'
            ? 'sql-sliced-window-aggregate'
            : 'sql-window-aggregate',
      name: `WindowAggregate(window=[${assigner.kind}], select=[${fieldNames(rel, order)}])`,
      uid: this.uid('window-aggregate', id),
      inputs: [[keyed]],
      config: {
        keyCount: keys.length,
        aggs: rel.aggs,
        inputTypes,
        resultTypes,
        assigner,
        output,
        insertOnly: isInsertOnly(rel.input),
      },
      parallelism: keys.length === 0 ? 1 : undefined,
      chainable: true,
      source: false,
    };
  }

  /** What the join rules (join-rules.ts) need of the planner to build their operators. */
  private joinPlanContext(): JoinPlanContext {
    return {
      translate: (r) => this.translate(r),
      keyed: (t, keys) => this.keyed(t, keys),
      id: () => this.id(),
      uid: (kind, id) => this.uid(kind, id),
    };
  }

  /**
   * A regular join (inner or outer), keyed on both sides by the ON condition's equalities between a left and
   * a right column; the rest of the condition filters the joined rows. Without such an equality
   * every row meets every other in one subtask.
   */
  private join(rel: Rel & { kind: 'join' }): Transformation {
    const pushed = pushJoinConditions(rel);
    if (pushed) return this.translate(pushed);
    // Interval and window joins have operators of their own (join-rules.ts).
    const timeBounded = planTimeBoundedJoin(rel, this.joinPlanContext());
    if (timeBounded) return timeBounded;
    const { leftKeys, rightKeys, rest } = equiKeys(rel.condition, rel.left.fields.length);
    const residual = conjunction(rest);
    const left = this.keyed(this.translate(rel.left), leftKeys);
    const right = this.keyed(this.translate(rel.right), rightKeys);
    const id = this.id();
    const names = (keys: number[], fields: Rel['fields']) => keys.map((k) => fields[k].name).join(', ');
    return {
      kind: 'physical',
      id,
      operator: 'sql-join',
      name: `Join(joinType=[${JOIN_NAMES[rel.joinType]}], leftKeys=[${names(leftKeys, rel.left.fields)}], rightKeys=[${names(rightKeys, rel.right.fields)}])`,
      uid: this.uid('join', id),
      inputs: [[left], [right]],
      config: {
        joinType: rel.joinType,
        leftWidth: rel.left.fields.length,
        rightWidth: rel.right.fields.length,
        leftKeys,
        rightKeys,
        residual,
        stateTtl: this.stateTtl,
        leftTypes: rel.left.fields.map((f) => f.type),
      },
      parallelism: leftKeys.length === 0 ? 1 : undefined,
      chainable: true,
      source: false,
    };
  }

  /**
   * A lookup join: the ON condition's equalities between an expression of the input row and a column
   * of the table are the lookup keys; the rest filters the joined rows. Runs chained to its input.
   */
  private lookupJoin(rel: Rel & { kind: 'lookup-join' }): Transformation {
    const width = rel.input.fields.length;
    const keys: Rex[] = [];
    const tableKeys: number[] = [];
    const rest: Rex[] = [];
    const leftOnly = (r: Rex): boolean => [...inputsOf(r)].every((f) => f < width);
    for (const c of conjuncts(rel.condition)) {
      if (c.kind === 'call' && c.op === '=') {
        const [a, b] = c.args;
        if (b.kind === 'input' && b.index >= width && leftOnly(a)) {
          keys.push(a);
          tableKeys.push(b.index - width);
          continue;
        }
        if (a.kind === 'input' && a.index >= width && leftOnly(b)) {
          keys.push(b);
          tableKeys.push(a.index - width);
          continue;
        }
      }
      rest.push(c);
    }
    if (keys.length === 0) {
      throw new WeirError(
        'SQL_VALIDATION_ERROR',
        `the lookup join on "${rel.table.table}" needs an equality between a column of the table and the input (ON ... = ${rel.table.table}.column)`,
      );
    }
    const connector = tableConnectorOf(rel.table.options);
    if (connector === undefined || !lookupConnectors().includes(connector)) {
      // Flink's error: a table without a lookup source cannot be joined on processing time.
      throw new WeirError(
        'SQL_UNSUPPORTED',
        `Processing-time temporal join is not supported yet: table "${rel.table.table}": connector '${connector ?? '(none)'}' cannot be looked up (lookup connectors: ${lookupConnectors().join(', ')})`,
      );
    }
    const residual = conjunction(rest);
    const table: TableConnectorContext = {
      table: rel.table.table,
      columns: rel.table.columns.map((c, i) => ({
        name: c.name,
        type: rel.table.fields[i].type,
        metadata: c.metadata,
      })),
      options: rel.table.options,
      primaryKey: rel.table.primaryKey,
    };
    const input = this.translate(rel.input);
    const id = this.id();
    const config = { joinType: rel.joinType, connector, table, keys, tableKeys, residual };
    const common = {
      kind: 'physical' as const,
      id,
      name: `LookupJoin(table=[${rel.table.table}], joinType=[${rel.joinType}])`,
      uid: this.uid('lookup-join', id),
      inputs: [[input]],
      chainable: true,
      source: false,
    };
    // A connector that looks up through I/O (jdbc) runs in an Async I/O operator, ordered.
    if (isAsyncLookupConnector(connector)) {
      return { ...common, operator: 'sql-async-lookup-join', config: { ...config, ...ASYNC_LOOKUP } };
    }
    return { ...common, operator: 'sql-lookup-join', config };
  }

  /** A hash exchange on the row fields `keys` (a constant key when there are none). */
  private keyed(input: Transformation, keys: number[]): Transformation {
    const keySelector = keys.length === 0 ? KeySelectors.constant(0) : KeySelectors.rowFields(...keys);
    return { kind: 'partition', id: this.id(), input, partitioner: { kind: 'hash' }, keySelector };
  }

  /**
   * The window table function under an aggregate that groups by its window_start and window_end:
   * the aggregate's input expressions over it, and which group keys are window properties.
   */
  private windowTable(rel: Rel & { kind: 'aggregate' }): {
    pre: Rex[];
    table: Rel & { kind: 'window-table' };
    windowKeys: Map<number, 'start' | 'end' | 'rowtime'>;
  } | null {
    if (rel.window) return null;
    let pre: Rex[];
    let table: Rel;
    if (rel.input.kind === 'project') {
      pre = rel.input.exprs;
      table = rel.input.input;
    } else {
      table = rel.input;
      pre = table.fields.map((f, i) => inputRef(i, f.type));
    }
    if (table.kind !== 'window-table') return null;
    const width = table.input.fields.length;
    const windowKeys = new Map<number, 'start' | 'end' | 'rowtime'>();
    rel.groupKeys.forEach((k) => {
      const e = pre[k];
      if (e.kind === 'input' && e.index >= width)
        windowKeys.set(k, (['start', 'end', 'rowtime'] as const)[e.index - width]);
    });
    const props = [...windowKeys.values()];
    if (!props.includes('start') || !props.includes('end')) {
      throw new WeirError(
        'SQL_UNSUPPORTED',
        'an aggregate over a window table function must group by window_start and window_end',
      );
    }
    pre.forEach((e, i) => {
      if (windowKeys.has(i)) return;
      if ([...inputsOf(e)].some((f) => f >= width)) {
        throw new WeirError(
          'SQL_UNSUPPORTED',
          'window_start, window_end and window_time are supported only as group keys of a window aggregate',
        );
      }
    });
    return { pre, table, windowKeys };
  }

  private calc(input: Rel, exprs: Rex[], condition: Rex | null, names: string[]): Transformation {
    if (condition === null && input.kind === 'aggregate') {
      const reordered = this.reorderedAggregate(input, exprs, names);
      if (reordered) return reordered;
    }
    if (this.soleUse(input)) {
      // A Calc right over the table's watermark runs inside the watermark assigner: one operator and
      // one row less per record, the watermark still computed from every row of the table.
      if (input.kind === 'watermark') return this.watermark(input, exprs, condition, names);
      const merged = mergeCalc(input, exprs, condition);
      if (merged) return this.calc(merged.input, merged.exprs, merged.condition, names);
    }
    return this.calcOver(this.translate(input), exprs, condition, names);
  }

  /** Which nodes read each sub-plan (calc-merge.ts): set by {@link plan} before translating. */
  private consumers = new Map<string, Set<string>>();

  /** Counts the consumers of every sub-plan of `roots`, the plans about to be translated. */
  plan(roots: readonly Rel[]): this {
    this.consumers = consumersOf(roots);
    return this;
  }

  /** Whether one operator alone reads `rel` (so a Calc over it can merge into it). */
  private soleUse(rel: Rel): boolean {
    return this.consumers.get(JSON.stringify(rel))?.size === 1;
  }

  /**
   * The table's watermark assigner, with its computed columns (the Calc below it, `pre`) and the
   * Calc above it (`post`: the query's first projection and filter) fused in.
   */
  private watermark(
    rel: Rel & { kind: 'watermark' },
    exprs: Rex[] | null,
    condition: Rex | null,
    names: string[] | null,
  ): Transformation {
    let source = rel.input;
    let pre: Rex[] | null = null;
    if (source.kind === 'project') {
      pre = source.exprs;
      source = source.input;
    }
    // Inputs first: the graph builder orders operators by id.
    const input = this.translate(source);
    const id = this.id();
    const post = exprs === null ? null : { exprs, condition };
    return {
      kind: 'physical',
      id,
      operator: 'sql-watermark-assigner',
      name: `WatermarkAssigner(rowtime=[${rel.fields[rel.rowtime].name}])${names ? ` -> Calc(select=[${names.join(', ')}]${condition ? ', where=[...]' : ''})` : ''}`,
      uid: this.uid('watermark-assigner', id),
      inputs: [[input]],
      config: {
        rowtime: rel.rowtime,
        watermark: rel.watermark,
        idleTimeout: 0,
        pre,
        post,
        functions: this.userFunctions([...(pre ?? []), ...(exprs ?? []), condition]),
      },
      chainable: true,
      source: false,
    };
  }

  private calcOver(
    translated: Transformation,
    exprs: Rex[],
    condition: Rex | null,
    names: string[],
  ): Transformation {
    const id = this.id();
    return {
      kind: 'physical',
      id,
      operator: 'sql-calc',
      name: `Calc(select=[${names.join(', ')}]${condition ? ', where=[...]' : ''})`,
      uid: this.uid('calc', id),
      inputs: [[translated]],
      config: { exprs, condition, functions: this.userFunctions([...exprs, condition]) },
      parallelism: inputParallelism(translated),
      chainable: true,
      source: false,
    };
  }

  private scan(rel: Rel & { kind: 'scan' }): Transformation {
    const connector = tableConnectorOf(rel.options);
    if (connector === 'datastream') {
      // A DataStream made a table (StreamTableEnvironment): its records become rows in a map.
      const stream = this.host?.stream?.(rel.options['datastream.id']);
      if (stream === undefined) {
        throw new WeirError(
          'SQL_UNSUPPORTED',
          `table "${rel.table}" is a DataStream's: query it through a StreamTableEnvironment and run it with the DataStream job`,
        );
      }
      const id = this.id();
      return {
        kind: 'physical',
        id,
        operator: 'map',
        name: `FromDataStream(table=[${rel.table}])`,
        uid: this.uid('from-datastream', id),
        inputs: [[stream.transformation]],
        config: {},
        fn: stream.toRow,
        chainable: true,
        source: false,
      };
    }
    const known = tableConnectors();
    if (connector === undefined) {
      throw new WeirError(
        'SQL_VALIDATION_ERROR',
        `table "${rel.table}" has no 'connector' option (connectors: ${known.sources.join(', ')})`,
      );
    }
    if (!known.sources.includes(connector)) {
      throw new WeirError(
        'SQL_VALIDATION_ERROR',
        `table "${rel.table}": connector '${connector}' cannot be read (readable connectors: ${known.sources.join(', ')})`,
      );
    }
    const context: TableConnectorContext = {
      table: rel.table,
      columns: rel.columns.map((c, i) => ({ name: c.name, type: rel.fields[i].type, metadata: c.metadata })),
      options: rel.options,
      primaryKey: rel.primaryKey,
    };
    const identifier = tableConnectorIdentifier(connector);
    // Built once here to check its options and learn its boundedness; every slot builds its own.
    const source = createSource(identifier, context as never);
    const id = this.id();
    const scan: PhysicalTransformation = {
      kind: 'physical',
      id,
      operator: 'source',
      name: `TableSourceScan(table=[${rel.table}])`,
      uid: this.uid('source', id),
      inputs: [],
      config: {
        boundedness: source.boundedness,
        source: { kind: 'connector', identifier, options: context as never },
        watermarkStrategy: NO_WATERMARKS,
      },
      parallelismLimit: source.maxParallelism,
      chainable: true,
      source: true,
    };
    if (tableSourceChangelogMode(connector) !== 'upsert') return scan;
    // An upsert source (upsert-kafka): Flink's ChangelogNormalize, keyed by the primary key.
    const key = primaryKeyFields(rel.table, rel.primaryKey, rel.columns);
    const normalize = this.id();
    return {
      kind: 'physical',
      id: normalize,
      operator: 'sql-changelog-normalize',
      name: `ChangelogNormalize(key=[${rel.primaryKey?.join(', ')}])`,
      uid: this.uid('changelog-normalize', normalize),
      inputs: [[this.keyed(scan, key)]],
      config: { stateTtl: this.stateTtl },
      chainable: true,
      source: false,
    };
  }

  sink(input: Transformation, sink: PlannedSink, index: number): PhysicalTransformation {
    const id = this.id();
    if (sink.kind === 'collect') {
      return {
        kind: 'physical',
        id,
        operator: 'collect',
        name: 'Collect',
        uid: `sql-collect-${index}`,
        inputs: [[input]],
        config: {},
        parallelism: inputParallelism(input),
        chainable: true,
        source: false,
      };
    }
    const table = sink.table;
    const connector = table.options.connector;
    const known = tableConnectors();
    if (connector === undefined || !known.sinks.includes(connector)) {
      throw new WeirError(
        'SQL_VALIDATION_ERROR',
        `table "${table.name}": connector '${connector ?? '(none)'}' cannot be written (writable connectors: ${known.sinks.join(', ')})`,
      );
    }
    const columns = table.columns.filter(
      (c) => c.kind === 'physical' || (c.kind === 'metadata' && !c.virtual),
    );
    const context: TableConnectorContext = {
      table: table.name,
      columns: columns.map((c) => ({
        name: c.name,
        type: c.type,
        metadata: c.kind === 'metadata' ? c.key : null,
      })),
      options: table.options,
      primaryKey: table.primaryKey,
      ...(table.partitionedBy.length > 0 ? { partitionKeys: table.partitionedBy } : {}),
    };
    validateTableSink(connector, context);
    // An upsert sink gets each key's changes from one subtask, in order (Flink's keyed shuffle).
    // `sink.parallelism` (jdbc): the sink's own parallelism (an upsert sink's input is keyed anyway).
    const parallelism = sinkParallelismOf(table.name, table.options['sink.parallelism']);
    const upsertKey =
      tableSinkChangelogMode(connector, table.primaryKey) === 'upsert'
        ? primaryKeyFields(table.name, table.primaryKey, context.columns)
        : null;
    return {
      kind: 'physical',
      id,
      operator: 'sink',
      name: `Sink(table=[${table.name}])`,
      uid: `sql-sink-${index}`,
      ...(parallelism !== undefined ? { parallelism } : {}),
      inputs: [[upsertKey ? this.keyed(input, upsertKey) : input]],
      config: {
        maxInFlight: 1,
        sink: {
          kind: 'connector',
          identifier: tableConnectorIdentifier(connector),
          options: context as never,
        },
      },
      chainable: true,
      source: false,
    };
  }
}

/** A table's `sink.parallelism` option: undefined when not set. */
function sinkParallelismOf(table: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < 1) {
    throw new WeirError(
      'SQL_VALIDATION_ERROR',
      `table "${table}": 'sink.parallelism' must be a positive integer, got '${text}'`,
    );
  }
  return n;
}

/**
 * Filter push-down into an inner join: `FROM a, b WHERE a.id = b.aid` joins by the WHERE's
 * equalities instead of crossing every row with every other. The filter's fields are the join's.
 */
function filterIntoJoin(filter: Rel & { kind: 'filter' }): Rel | null {
  const join = filter.input;
  if (join.kind !== 'join' || join.joinType !== 'INNER') return null;
  const parts = [...conjuncts(join.condition), ...conjuncts(filter.condition)].filter(
    (c) => !(c.kind === 'literal' && c.value === true),
  );
  const condition = parts.reduce((a, b) =>
    call('AND', [a, b], { kind: 'BOOLEAN', nullable: a.type.nullable || b.type.nullable }),
  );
  return { ...join, condition };
}

/**
 * Top-N: a filter that bounds the rank of an Over node below it (through projections of columns)
 * becomes a Rank node. `rn <= N`, `rn < N + 1` and `rn = 1` bound it; the filter's other conditions
 * stay above. A Top-1 ordered by a time attribute is a deduplication, as Flink plans it.
 */
function rankRule(filter: Rel & { kind: 'filter' }): Rel | null {
  // The filter's input fields as fields of the Over node, through projections of plain columns.
  let node = filter.input;
  let mapping = node.fields.map((_, i) => i);
  while (node.kind === 'project' && node.exprs.every((e) => e.kind === 'input')) {
    const exprs = node.exprs;
    mapping = mapping.map((i) => (exprs[i] as Rex & { kind: 'input' }).index);
    node = node.input;
  }
  if (node.kind !== 'over') return null;
  const over = node;
  const width = over.input.fields.length;
  if (over.calls.length !== 1)
    throw new WeirError('SQL_UNSUPPORTED', 'several ranking functions in one query are not supported yet');
  let limit: number | null = null;
  const rest: Rex[] = [];
  for (const c of conjuncts(filter.condition)) {
    const bound = rankBound(c, (i) => mapping[i] === width);
    if (bound !== null && limit === null) limit = bound;
    else rest.push(c);
  }
  if (limit === null) return null;
  const rankFn = over.calls[0];
  const order = over.orderBy;
  const timeOrdered = order.length === 1 && isTimeAttribute(over.input.fields[order[0].field].type);
  const rank: Rel = {
    kind: 'rank',
    input: over.input,
    partitionKeys: over.partitionKeys,
    orderBy: order,
    rankFn,
    limit,
    // Deduplication is Flink's reading of a ROW_NUMBER Top-1 by a time attribute.
    dedup:
      rankFn === 'ROW_NUMBER' && limit === 1 && timeOrdered ? (order[0].descending ? 'last' : 'first') : null,
    fields: over.fields,
  };
  const projected: Rel = {
    kind: 'project',
    input: rank,
    exprs: mapping.map((m, i) => inputRef(m, filter.input.fields[i].type)),
    fields: filter.input.fields,
  };
  if (rest.length === 0) return projected;
  const condition = rest.reduce((a, b) =>
    call('AND', [a, b], { kind: 'BOOLEAN', nullable: a.type.nullable || b.type.nullable }),
  );
  return { kind: 'filter', input: projected, condition, fields: filter.fields };
}

/** The N of `rank <= N` (also `rank < N + 1`, `rank = 1`, and the same reversed), or null. */
function rankBound(c: Rex, isRank: (field: number) => boolean): number | null {
  if (c.kind !== 'call' || c.args.length !== 2) return null;
  let [a, b] = c.args;
  let op = c.op;
  if (b.kind === 'input' && a.kind === 'literal') {
    [a, b] = [b, a];
    op = ({ '<=': '>=', '<': '>', '>=': '<=', '>': '<', '=': '=' } as Record<string, string>)[op] ?? op;
  }
  if (a.kind !== 'input' || !isRank(a.index) || b.kind !== 'literal' || typeof b.value !== 'number')
    return null;
  const n = b.value;
  if (op === '<=' && n >= 1) return Math.floor(n);
  if (op === '<' && n > 1) return Math.ceil(n) - 1;
  if (op === '=' && n === 1) return 1;
  return null;
}

function isTimeAttribute(t: SqlType): boolean {
  return (t.kind === 'TIMESTAMP' || t.kind === 'TIMESTAMP_LTZ') && t.timeAttribute !== undefined;
}

/** The window assigner of a window table function (event time on a rowtime, else processing time). */
function tableWindowAssigner(w: TableWindow, rowtime: boolean): WindowAssignerSpec {
  switch (w.kind) {
    case 'tumble':
      return {
        kind: rowtime ? 'tumbling-event-time' : 'tumbling-processing-time',
        size: w.size,
        offset: w.offset,
      };
    case 'hop':
      return {
        kind: rowtime ? 'sliding-event-time' : 'sliding-processing-time',
        size: w.size,
        slide: w.slide,
        offset: w.offset,
      };
    case 'session':
      if (w.partitionKeys.length > 0)
        throw new WeirError('SQL_UNSUPPORTED', 'SESSION windows with PARTITION BY are not supported yet');
      return { kind: rowtime ? 'event-time-session' : 'processing-time-session', gap: w.gap };
    case 'cumulate':
      throw new WeirError('SQL_UNSUPPORTED', 'CUMULATE windows are not supported yet');
  }
}

/** The window assigner of a legacy group window: that of the same window as a table function. */
function groupWindowAssigner(w: GroupWindow, rowtime: boolean): WindowAssignerSpec {
  return tableWindowAssigner(
    w.kind === 'session' ? { kind: 'session', gap: w.gap, partitionKeys: [] } : w,
    rowtime,
  );
}

const JOIN_NAMES = {
  INNER: 'InnerJoin',
  LEFT: 'LeftOuterJoin',
  RIGHT: 'RightOuterJoin',
  FULL: 'FullOuterJoin',
};

function describeKind(rel: Rel): string {
  switch (rel.kind) {
    case 'aggregate':
      return rel.window ? `group window aggregate (${rel.window.kind})` : 'group aggregate';
    case 'window-table':
      return `window table function (${rel.window.kind})`;
    case 'join':
      return `${rel.joinType.toLowerCase()} join`;
    case 'sort':
      return 'ORDER BY / LIMIT';
    case 'values':
      return 'VALUES';
    default:
      return rel.kind;
  }
}

/** Whether `rel`'s result only inserts (its aggregates then need not take retractions). */
function isInsertOnly(rel: Rel): boolean {
  const kinds = changeKinds(rel);
  return !kinds.update && !kinds.delete;
}

/** The names of `rel`'s fields, in `order` when given. */
function fieldNames(rel: Rel, order?: number[]): string {
  return (order ?? rel.fields.map((_, i) => i)).map((i) => rel.fields[i].name).join(', ');
}

/** The field indexes `exprs` read, when they are plain references to each of `width` fields once. */
function permutationOf(exprs: Rex[], width: number): number[] | null {
  if (exprs.length !== width) return null;
  const seen = new Set<number>();
  for (const e of exprs) {
    if (e.kind !== 'input' || seen.has(e.index)) return null;
    seen.add(e.index);
  }
  return exprs.map((e) => (e as Rex & { kind: 'input' }).index);
}
