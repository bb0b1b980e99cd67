/**
 * Flink's split distinct aggregation (`table.optimizer.distinct-agg.split.enabled`), a logical
 * rewrite: a group aggregate with DISTINCT aggregates becomes two. The partial aggregate groups by
 * the group keys and a bucket of the distinct value, `MOD(HASH_CODE(x), bucket-num)`, so a hot group
 * spreads over up to bucket-num keys; the final one groups by the group keys alone and combines the
 * buckets' results. Each distinct value falls into one bucket only, so the result is the same:
 *
 * ```sql
 * SELECT day, COUNT(DISTINCT user_id) FROM T GROUP BY day
 * -- becomes
 * SELECT day, SUM(cnt) FROM (
 *   SELECT day, COUNT(DISTINCT user_id) AS cnt FROM T GROUP BY day, MOD(HASH_CODE(user_id), 1024)
 * ) GROUP BY day
 * ```
 *
 * The other aggregates go along: COUNT is summed (SUM0: 0 for no rows), SUM and SUM0 summed, MIN
 * and MAX taken again, AVG split into a sum and a count divided at the end. DISTINCT calls over
 * several columns (`COUNT(DISTINCT a), SUM(DISTINCT b)`) get one copy of the rows per column, each
 * bucketed by its column (Flink's Expand: here a union of projections of the one input), and each
 * call counts only its copy. Aggregates the rewrite does not know (FIRST_VALUE, LISTAGG, user
 * aggregates...) and DISTINCT over several arguments leave the aggregate as it is.
 */
import { withNullable } from '../../core/sql-type.ts';
import type { AggCall, Rel } from '../plan/rel.ts';
import { call, inputRef, literal, type Rex } from '../plan/rex.ts';
import { T } from '../types.ts';

const SPLITTABLE: ReadonlySet<string> = new Set(['COUNT', 'SUM', 'SUM0', 'AVG', 'MIN', 'MAX']);

/**
 * The plan with every group aggregate that can be split rewritten into a partial and a final one.
 *
 * @example
 * splitDistinctAggregates(binder.query('SELECT a, COUNT(DISTINCT b) FROM t GROUP BY a'), 1024)
 * // Project(a, cnt) <- Aggregate(a; SUM0($2)) <- Aggregate(a, $bucket; COUNT(DISTINCT b)) <- Project(a, b, MOD(HASH_CODE(b), 1024))
 */
export function splitDistinctAggregates(rel: Rel, bucketNum: number): Rel {
  const mapped = mapInputs(rel, (r) => splitDistinctAggregates(r, bucketNum));
  return mapped.kind === 'aggregate' ? (splitAggregate(mapped, bucketNum) ?? mapped) : mapped;
}

/** `rel` with `f` applied to its inputs (`input`, `left` and `right`, or `inputs`), whatever its kind. */
function mapInputs(rel: Rel, f: (r: Rel) => Rel): Rel {
  const node = rel as unknown as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  for (const key of ['input', 'left', 'right']) {
    const child = node[key];
    if (typeof child === 'object' && child !== null && 'kind' in child) {
      out ??= { ...node };
      out[key] = f(child as Rel);
    }
  }
  if (Array.isArray(node.inputs)) {
    out ??= { ...node };
    out.inputs = (node.inputs as Rel[]).map(f);
  }
  return (out ?? node) as unknown as Rel;
}

/** Whether `rel` reads a window table function (a window aggregate: not split). */
function overWindowTable(rel: Rel): boolean {
  const input = rel.kind === 'project' ? rel.input : rel;
  return input.kind === 'window-table';
}

function splitAggregate(agg: Rel & { kind: 'aggregate' }, bucketNum: number): Rel | null {
  if (agg.window !== null || overWindowTable(agg.input)) return null;
  if (!agg.aggs.some((a) => a.distinct)) return null;
  if (
    !agg.aggs.every(
      (a) => a.udf === undefined && a.location === undefined && SPLITTABLE.has(a.fn) && a.args.length <= 1,
    )
  )
    return null;
  // The distinct columns, each with its own copy of the rows (Flink's Expand) when there are several.
  const columns: number[] = [];
  for (const a of agg.aggs) {
    if (!a.distinct) continue;
    if (a.args.length === 0) return null;
    if (!columns.includes(a.args[0])) columns.push(a.args[0]);
  }
  const input = agg.input;
  const width = input.fields.length;
  const expanded = expand(agg, columns, bucketNum);
  // A call reads the filter of its copy (several columns), or its own (one column).
  const filterOf = (c: AggCall, i: number): number | null => (columns.length > 1 ? width + 2 + i : c.filter);
  const bucketField = width;
  const groupKeys =
    columns.length > 1 ? [...agg.groupKeys, bucketField, width + 1] : [...agg.groupKeys, bucketField];
  const bucketFields = expanded.fields.slice(width, columns.length > 1 ? width + 2 : width + 1);

  // Partial calls (grouped by keys and bucket), and for each original call how the final
  // aggregate combines them.
  const k = agg.groupKeys.length;
  const partialCalls: AggCall[] = [];
  const partialTypes: Rel['fields'] = [];
  const finalCalls: AggCall[] = [];
  const finalTypes: Rel['fields'] = [];
  const output: Rex[] = agg.fields.slice(0, k).map((f, i) => inputRef(i, f.type));
  const partial = (c: AggCall, i: number, name: string, type: Rel['fields'][number]['type']): number => {
    partialCalls.push({ ...c, filter: filterOf(c, i), name });
    partialTypes.push({ name, type });
    return k + bucketFields.length + partialCalls.length - 1;
  };
  const final = (fn: string, arg: number, name: string, type: Rel['fields'][number]['type']): Rex => {
    finalCalls.push({ fn, args: [arg], distinct: false, filter: null, name });
    finalTypes.push({ name, type });
    return inputRef(k + finalCalls.length - 1, type);
  };
  agg.aggs.forEach((c, i) => {
    const field = agg.fields[k + i];
    // Flink's names of partial results: count$0, sum$1...
    const name = `${c.fn.toLowerCase()}$${i}`;
    switch (c.fn) {
      case 'COUNT': {
        const p = partial(c, i, name, T.bigint(false));
        output.push(final('SUM0', p, name, T.bigint(false)));
        break;
      }
      case 'AVG': {
        const argType = input.fields[c.args[0]].type;
        const sumType =
          argType.kind === 'DECIMAL'
            ? T.decimal(38, argType.scale)
            : argType.kind === 'FLOAT' || argType.kind === 'DOUBLE'
              ? T.double()
              : T.bigint();
        const s = partial({ ...c, fn: 'SUM' }, i, `${name}_sum`, sumType);
        const n = partial({ ...c, fn: 'COUNT' }, i, `${name}_count`, T.bigint(false));
        const sum = final('SUM', s, `${name}_sum`, sumType);
        const count = final('SUM0', n, `${name}_count`, T.bigint(false));
        // NULL for no values: the sum is NULL then, and the division with it.
        output.push(call('/', [sum, count], withNullable(field.type, true)));
        break;
      }
      default: {
        const p = partial(c, i, name, field.type);
        output.push(final(c.fn === 'SUM0' ? 'SUM0' : c.fn, p, name, field.type));
      }
    }
  });

  const partialAgg: Rel = {
    kind: 'aggregate',
    input: expanded,
    groupKeys,
    aggs: partialCalls,
    window: null,
    windowProperties: [],
    fields: [...agg.groupKeys.map((g) => input.fields[g]), ...bucketFields, ...partialTypes],
  };
  const finalAgg: Rel = {
    kind: 'aggregate',
    input: partialAgg,
    groupKeys: agg.groupKeys.map((_, i) => i),
    aggs: finalCalls,
    window: null,
    windowProperties: [],
    fields: [...agg.fields.slice(0, k), ...finalTypes],
  };
  return { kind: 'project', input: finalAgg, exprs: output, fields: agg.fields };
}

/**
 * The partial aggregate's input: the rows with the bucket of the distinct column. With several
 * distinct columns, one copy of the rows per column (a union of projections over the one input,
 * Flink's Expand), each with the bucket of its column, its number `$e`, and per call a filter that
 * lets the call see only its copy: a distinct call the copy of its column, the others the first.
 */
function expand(agg: Rel & { kind: 'aggregate' }, columns: number[], bucketNum: number): Rel {
  const input = agg.input;
  const refs = input.fields.map((f, i) => inputRef(i, f.type));
  const bucketOf = (column: number): Rex => {
    const type = T.int(true);
    const value = call('HASH_CODE', [refs[column]], type);
    return call('MOD', [value, literal(bucketNum, T.int(false))], type);
  };
  const bucketField = { name: '$bucket', type: T.int(true) };
  if (columns.length === 1) {
    return {
      kind: 'project',
      input,
      exprs: [...refs, bucketOf(columns[0])],
      fields: [...input.fields, bucketField],
    };
  }
  const fields = [
    ...input.fields,
    bucketField,
    { name: '$e', type: T.int(false) },
    ...agg.aggs.map((_, i) => ({ name: `$filter${i}`, type: T.boolean(true) })),
  ];
  const copies: Rel[] = columns.map((column, copy) => ({
    kind: 'project',
    input,
    exprs: [
      ...refs,
      bucketOf(column),
      literal(copy, T.int(false)),
      ...agg.aggs.map((c) => {
        const mine = c.distinct ? c.args[0] === column : copy === 0;
        if (!mine) return literal(false, T.boolean(true));
        return c.filter === null ? literal(true, T.boolean(true)) : refs[c.filter];
      }),
    ],
    fields,
  }));
  return { kind: 'union', inputs: copies, fields };
}
