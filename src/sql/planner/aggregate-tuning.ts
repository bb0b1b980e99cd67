/**
 * Flink's streaming aggregation tuning ("Performance Tuning" in Flink's docs), for group
 * aggregates without a window:
 *
 * - **Mini-batch** (`table.exec.mini-batch.enabled`, `.allow-latency`, `.size`): the aggregate
 *   buffers its input and folds it per key and bundle, one state access and one emitted change per
 *   key and bundle.
 * - **Local-global** (`table.optimizer.agg-phase-strategy`: AUTO, TWO_PHASE or ONE_PHASE): with
 *   mini-batch on and every aggregate able to merge accumulators, a LocalGroupAggregate before the
 *   hash exchange folds each bundle per subtask, and a GlobalGroupAggregate after it merges the
 *   accumulators. AUTO and TWO_PHASE both plan two phases when they can, as Flink's streaming
 *   planner does; ONE_PHASE never.
 * - **Split distinct** (`table.optimizer.distinct-agg.split.enabled`, `.bucket-num`): a logical
 *   rewrite, split-distinct.ts.
 *
 * The planner reads the settings once per job ({@link readAggregateTuning}) and builds the
 * aggregate's operators here ({@link planGroupAggregate}).
 */
import { WeirError } from '../../core/errors.ts';
import type { SqlType } from '../../core/sql-type.ts';
import type { MiniBatchSpec } from '../../graph/sql-mini-batch-spec.ts';
import type { Transformation } from '../../graph/transformation.ts';
import type { AggCall, Rel } from '../plan/rel.ts';
import { splitDistinctAggregates } from './split-distinct.ts';

export type AggPhaseStrategy = 'AUTO' | 'TWO_PHASE' | 'ONE_PHASE';

/** The tuning settings of a job's group aggregates. */
export interface AggregateTuning {
  /** Null when `table.exec.mini-batch.enabled` is false (the default). */
  miniBatch: MiniBatchSpec | null;
  phaseStrategy: AggPhaseStrategy;
  splitDistinct: boolean;
  bucketNum: number;
}

/** Flink's defaults: everything off, AUTO, 1024 buckets. */
export const DEFAULT_AGGREGATE_TUNING: AggregateTuning = Object.freeze({
  miniBatch: null,
  phaseStrategy: 'AUTO',
  splitDistinct: false,
  bucketNum: 1024,
});

/**
 * The tuning from a session's settings, checked as Flink checks them: with mini-batch on, the
 * latency (a duration, `'5 s'`) and the size (rows) must both be positive.
 *
 * @example
 * readAggregateTuning((k) => settings.get(k), durationMs)
 * // SET 'table.exec.mini-batch.enabled' = 'true'; SET '...allow-latency' = '5 s'; SET '...size' = '5000'
 * //   → { miniBatch: { latency: 5000, size: 5000 }, phaseStrategy: 'AUTO', splitDistinct: false, bucketNum: 1024 }
 * @throws WeirError INVALID_CONFIG naming the setting.
 */
export function readAggregateTuning(
  get: (key: string) => string | undefined,
  duration: (key: string, text: string) => number,
): AggregateTuning {
  const bool = (key: string): boolean => {
    const v = (get(key) ?? 'false').trim().toLowerCase();
    if (v !== 'true' && v !== 'false') invalid(key, `must be true or false, got '${get(key)}'`);
    return v === 'true';
  };
  let miniBatch: MiniBatchSpec | null = null;
  if (bool('table.exec.mini-batch.enabled')) {
    const latency = duration(
      'table.exec.mini-batch.allow-latency',
      get('table.exec.mini-batch.allow-latency') ?? '0',
    );
    if (!(latency > 0))
      invalid('table.exec.mini-batch.allow-latency', 'must be greater than 0 when mini-batch is enabled');
    const sizeText = get('table.exec.mini-batch.size') ?? '-1';
    const size = Number(sizeText);
    if (!(Number.isInteger(size) && size > 0))
      invalid(
        'table.exec.mini-batch.size',
        `must be a positive number of rows when mini-batch is enabled, got '${sizeText}'`,
      );
    miniBatch = { latency, size };
  }
  const strategy = (get('table.optimizer.agg-phase-strategy') ?? 'AUTO').trim().toUpperCase();
  if (strategy !== 'AUTO' && strategy !== 'TWO_PHASE' && strategy !== 'ONE_PHASE')
    invalid('table.optimizer.agg-phase-strategy', `must be AUTO, TWO_PHASE or ONE_PHASE, got '${strategy}'`);
  const bucketText = get('table.optimizer.distinct-agg.split.bucket-num') ?? '1024';
  const bucketNum = Number(bucketText);
  if (!(Number.isInteger(bucketNum) && bucketNum > 0))
    invalid(
      'table.optimizer.distinct-agg.split.bucket-num',
      `must be a positive integer, got '${bucketText}'`,
    );
  return {
    miniBatch,
    phaseStrategy: strategy as AggPhaseStrategy,
    splitDistinct: bool('table.optimizer.distinct-agg.split.enabled'),
    bucketNum,
  };
}

function invalid(key: string, what: string): never {
  throw new WeirError('INVALID_CONFIG', `'${key}' ${what}`);
}

/**
 * Whether every call can run in two phases (a local accumulator per bundle, merged into the global
 * one), as Flink asks of each aggregate function (a `merge`): COUNT, SUM, SUM0, AVG, MIN and MAX,
 * with or without DISTINCT and FILTER. FIRST_VALUE and LAST_VALUE have no merge in Flink, nor have
 * user aggregates, so a query with one of them stays one phase.
 */
export function mergeable(aggs: readonly AggCall[]): boolean {
  return aggs.every((a) => a.udf === undefined && a.location === undefined && MERGEABLE.has(a.fn));
}

const MERGEABLE: ReadonlySet<string> = new Set(['COUNT', 'SUM', 'SUM0', 'AVG', 'MIN', 'MAX']);

/** What {@link planGroupAggregate} needs of the physical planner. */
export interface GroupAggregatePlanner {
  translate(rel: Rel): Transformation;
  id(): number;
  uid(kind: string, id: number): string;
  /** A hash exchange on row fields (a constant key when there are none). */
  keyed(input: Transformation, keys: number[]): Transformation;
}

/**
 * The operators of a group aggregate (no window) under mini-batch: a MiniBatchGroupAggregate (one
 * phase), or a LocalGroupAggregate, a hash exchange and a GlobalGroupAggregate (two phases); the
 * final aggregate of a split distinct over its partial one, both in two phases, fuses the partial's
 * global phase and its own local phase into an IncrementalGroupAggregate, as Flink does. Null when
 * mini-batch is off: the planner's one-phase, record-at-a-time aggregate.
 */
export function planGroupAggregate(
  rel: Rel & { kind: 'aggregate' },
  resultTypes: SqlType[],
  stateTtl: number,
  tuning: AggregateTuning,
  planner: GroupAggregatePlanner,
): Transformation | null {
  const miniBatch = tuning.miniBatch;
  if (miniBatch === null) return null;
  const twoPhase = tuning.phaseStrategy !== 'ONE_PHASE' && mergeable(rel.aggs);
  const partial = rel.input;
  if (twoPhase && partial.kind === 'aggregate' && isSplitPartial(partial, rel) && mergeable(partial.aggs)) {
    return planIncremental(rel, partial, resultTypes, stateTtl, miniBatch, planner);
  }
  const input = planner.translate(rel.input);
  const k = rel.groupKeys.length;
  const groupBy = rel.fields
    .slice(0, k)
    .map((f) => f.name)
    .join(', ');
  const select = rel.fields.map((f) => f.name).join(', ');
  const inputTypes = rel.input.fields.map((f) => f.type);
  if (!twoPhase) {
    const keyed = planner.keyed(input, rel.groupKeys);
    const id = planner.id();
    return {
      kind: 'physical',
      id,
      operator: 'sql-mini-batch-group-aggregate',
      name: `GroupAggregate(groupBy=[${groupBy}], select=[${select}], miniBatch=[${miniBatch.latency}ms, ${miniBatch.size} rows])`,
      // The one-phase operator's uid and state: a savepoint taken without mini-batch restores into it.
      uid: planner.uid('group-aggregate', id),
      inputs: [[keyed]],
      config: { groupKeys: rel.groupKeys, aggs: rel.aggs, inputTypes, resultTypes, stateTtl, miniBatch },
      parallelism: k === 0 ? 1 : undefined,
      chainable: true,
      source: false,
    };
  }
  const localId = planner.id();
  const local: Transformation = {
    kind: 'physical',
    id: localId,
    operator: 'sql-local-group-aggregate',
    name: `LocalGroupAggregate(groupBy=[${groupBy}], select=[${select}])`,
    uid: planner.uid('local-group-aggregate', localId),
    inputs: [[input]],
    config: { groupKeys: rel.groupKeys, aggs: rel.aggs, inputTypes, resultTypes, miniBatch },
    chainable: true,
    source: false,
  };
  const keys = rel.groupKeys.map((_, i) => i);
  const keyed = planner.keyed(local, keys);
  const id = planner.id();
  return {
    kind: 'physical',
    id,
    operator: 'sql-global-group-aggregate',
    name: `GlobalGroupAggregate(groupBy=[${groupBy}], select=[${select}])`,
    uid: planner.uid('global-group-aggregate', id),
    inputs: [[keyed]],
    config: { keyCount: k, aggs: rel.aggs, inputTypes, resultTypes, stateTtl, miniBatch },
    parallelism: k === 0 ? 1 : undefined,
    chainable: true,
    source: false,
  };
}

/** Whether `partial` is the partial aggregate of a split distinct (split-distinct.ts) under `final`. */
function isSplitPartial(partial: Rel & { kind: 'aggregate' }, final: Rel & { kind: 'aggregate' }): boolean {
  const k = final.groupKeys.length;
  return (
    partial.window === null &&
    partial.fields[k]?.name === '$bucket' &&
    final.groupKeys.every((g, i) => g === i) &&
    partial.groupKeys.length > k
  );
}

/**
 * LocalGroupAggregate (partial) -> hash by group keys and bucket -> IncrementalGroupAggregate ->
 * hash by group keys -> GlobalGroupAggregate (final).
 */
function planIncremental(
  final: Rel & { kind: 'aggregate' },
  partial: Rel & { kind: 'aggregate' },
  resultTypes: SqlType[],
  stateTtl: number,
  miniBatch: MiniBatchSpec,
  planner: GroupAggregatePlanner,
): Transformation {
  const k = final.groupKeys.length;
  const pk = partial.groupKeys.length;
  const names = (fields: Rel['fields'], n: number): string =>
    fields
      .slice(0, n)
      .map((f) => f.name)
      .join(', ');
  const partialInputTypes = partial.input.fields.map((f) => f.type);
  const partialResultTypes = partial.fields.slice(pk).map((f) => f.type);
  const input = planner.translate(partial.input);
  const localId = planner.id();
  const local: Transformation = {
    kind: 'physical',
    id: localId,
    operator: 'sql-local-group-aggregate',
    name: `LocalGroupAggregate(groupBy=[${names(partial.fields, pk)}], select=[${names(partial.fields, partial.fields.length)}])`,
    uid: planner.uid('local-group-aggregate', localId),
    inputs: [[input]],
    config: {
      groupKeys: partial.groupKeys,
      aggs: partial.aggs,
      inputTypes: partialInputTypes,
      resultTypes: partialResultTypes,
      miniBatch,
    },
    chainable: true,
    source: false,
  };
  const byPartialKey = planner.keyed(
    local,
    partial.groupKeys.map((_, i) => i),
  );
  const incrementalId = planner.id();
  const incremental: Transformation = {
    kind: 'physical',
    id: incrementalId,
    operator: 'sql-incremental-group-aggregate',
    name: `IncrementalGroupAggregate(partialAggGrouping=[${names(partial.fields, pk)}], finalAggGrouping=[${names(final.fields, k)}])`,
    uid: planner.uid('incremental-group-aggregate', incrementalId),
    inputs: [[byPartialKey]],
    config: {
      partialKeyCount: pk,
      partialAggs: partial.aggs,
      partialInputTypes,
      partialResultTypes,
      finalKeyCount: k,
      finalAggs: final.aggs,
      finalInputTypes: partial.fields.map((f) => f.type),
      finalResultTypes: resultTypes,
      stateTtl,
      miniBatch,
    },
    chainable: true,
    source: false,
  };
  const byKey = planner.keyed(
    incremental,
    final.groupKeys.map((_, i) => i),
  );
  const id = planner.id();
  return {
    kind: 'physical',
    id,
    operator: 'sql-global-group-aggregate',
    name: `GlobalGroupAggregate(groupBy=[${names(final.fields, k)}], select=[${names(final.fields, final.fields.length)}])`,
    uid: planner.uid('global-group-aggregate', id),
    inputs: [[byKey]],
    config: {
      keyCount: k,
      aggs: final.aggs,
      inputTypes: partial.fields.map((f) => f.type),
      resultTypes,
      stateTtl,
      miniBatch,
    },
    parallelism: k === 0 ? 1 : undefined,
    chainable: true,
    source: false,
  };
}

/**
 * The line EXPLAIN prints when a plan has mini-batch operators (`kinds`: the plan's operator kinds),
 * for Flink's MiniBatchAssigner. Weir has no operator of that name: each bundle operator keeps the
 * interval with its own processing-time timer.
 */
export function describeMiniBatch(
  tuning: AggregateTuning | undefined,
  kinds: readonly string[],
): string | null {
  const mb = tuning?.miniBatch;
  if (!mb || !kinds.some((k) => MINI_BATCH_KINDS.has(k))) return null;
  return `MiniBatchAssigner(interval=[${mb.latency}ms], mode=[ProcTime]), size=[${mb.size} rows]: bundles of the group aggregates end every ${mb.latency} ms of processing time from their first row, at ${mb.size} rows, on a watermark, before a checkpoint and at end of input; Weir keeps the interval in each bundle operator, not in an operator of its own`;
}

const MINI_BATCH_KINDS: ReadonlySet<string> = new Set([
  'sql-mini-batch-group-aggregate',
  'sql-local-group-aggregate',
  'sql-global-group-aggregate',
  'sql-incremental-group-aggregate',
]);

/** The logical rewrites the tuning asks for (split distinct), before physical planning. */
export function tuneLogicalPlan(rel: Rel, tuning: AggregateTuning): Rel {
  return tuning.splitDistinct ? splitDistinctAggregates(rel, tuning.bucketNum) : rel;
}
