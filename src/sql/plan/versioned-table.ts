/**
 * Versioned tables and the event-time temporal join over them (Flink's "Versioned Tables" and
 * "Event Time Temporal Join"). A relation is a versioned table when it has a primary key (a unique
 * key Weir can infer: a table's `PRIMARY KEY`, the partition of a deduplication `ROW_NUMBER() OVER
 * (PARTITION BY k ORDER BY t DESC) = 1`, the keys of a GROUP BY) and a row time attribute. The
 * checks give Flink's errors, with what is missing and where.
 */
import { formatType, isTimestamp, type RowField, withNullable, withoutTimeAttribute } from '../types.ts';
import { equiKeys } from './join-keys.ts';
import type { Rel, TemporalJoin } from './rel.ts';
import { conjuncts, type Rex } from './rex.ts';

/** The row time attribute field of a relation, or -1. */
export function rowtimeField(rel: Rel): number {
  return rel.fields.findIndex((f) => isTimestamp(f.type) && f.type.timeAttribute === 'rowtime');
}

/**
 * A unique key of the relation's rows (field indices), as far as Weir infers one, or null: a
 * table's primary key through projections, filters and its watermark; the partition keys of a
 * Top-1 (a deduplication); the group keys of a GROUP BY.
 *
 * @example
 * // CREATE TABLE rates (currency STRING, rate INT, ts TIMESTAMP(3), PRIMARY KEY (currency) NOT ENFORCED, ...)
 * uniqueKey(bind('SELECT rate, currency FROM rates')); // [1]
 * uniqueKey(bind('SELECT rate FROM rates'));           // null: the key is projected away
 */
export function uniqueKey(rel: Rel): number[] | null {
  switch (rel.kind) {
    case 'scan': {
      if (!rel.primaryKey || rel.primaryKey.length === 0) return null;
      const keys = rel.primaryKey.map((name) => rel.fields.findIndex((f) => f.name === name));
      return keys.includes(-1) ? null : keys;
    }
    case 'watermark':
      return uniqueKey(rel.input);
    case 'project': {
      const inner = uniqueKey(rel.input);
      if (inner === null) return null;
      const keys = inner.map((k) => rel.exprs.findIndex((e) => e.kind === 'input' && e.index === k));
      return keys.includes(-1) ? null : keys;
    }
    case 'filter':
      return deduplicationKey(rel) ?? uniqueKey(rel.input);
    case 'rank':
      return rel.limit === 1 && rel.rankFn === 'ROW_NUMBER' ? rel.partitionKeys : null;
    case 'aggregate':
      return rel.window === null && rel.groupKeys.length > 0 ? rel.groupKeys.map((_, i) => i) : null;
    default:
      return null;
  }
}

/**
 * The partition keys of a deduplication as the binder leaves it: a filter `rn = 1` (or `rn <= 1`)
 * over (projections of columns of) `ROW_NUMBER() OVER (PARTITION BY ... ORDER BY time)`, as fields
 * of the filter.
 */
function deduplicationKey(filter: Rel & { kind: 'filter' }): number[] | null {
  let node = filter.input;
  let mapping = node.fields.map((_, i) => i);
  while (node.kind === 'project' && node.exprs.every((e) => e.kind === 'input')) {
    const exprs = node.exprs;
    mapping = mapping.map((i) => (exprs[i] as Rex & { kind: 'input' }).index);
    node = node.input;
  }
  if (node.kind !== 'over' || node.calls.length !== 1 || node.calls[0] !== 'ROW_NUMBER') return null;
  const over = node;
  const rankField = over.input.fields.length;
  const top1 = conjuncts(filter.condition).some((c) => {
    if (c.kind !== 'call' || c.args.length !== 2) return false;
    const [a, b] = c.args;
    const rank = (r: Rex) => r.kind === 'input' && mapping[r.index] === rankField;
    const one = (r: Rex) => r.kind === 'literal' && r.value === 1;
    if (c.op === '=') return (rank(a) && one(b)) || (rank(b) && one(a));
    if (c.op === '<=') return rank(a) && one(b);
    if (c.op === '>=') return rank(b) && one(a);
    return false;
  });
  // Flink's versioned view keeps the last row: ORDER BY the time attribute DESC.
  const orderType = over.orderBy.length === 1 ? over.input.fields[over.orderBy[0].field].type : null;
  const timeOrdered =
    orderType !== null &&
    over.orderBy[0].descending &&
    isTimestamp(orderType) &&
    orderType.timeAttribute !== undefined;
  if (!top1 || !timeOrdered) return null;
  const keys = over.partitionKeys.map((p) => mapping.indexOf(p));
  return keys.includes(-1) || keys.length === 0 ? null : keys;
}

/** What the binder knows of a temporal join's two sides. */
export interface TemporalJoinInput {
  joinType: 'INNER' | 'LEFT';
  left: Rel;
  right: Rel;
  /** The left field of `FOR SYSTEM_TIME AS OF`. */
  leftTime: number;
  /** The ON condition over the left fields, then the right ones. */
  condition: Rex;
  /** The versioned table's name (or alias), for messages. */
  rightName: string;
  /** Raises a validation error at the right table's place in the statement. */
  fail: (message: string) => never;
}

/**
 * An event-time temporal join, checked as Flink checks it: the right side needs a row time
 * attribute of the left's type and a primary key, and the ON condition must hold an equality on
 * every column of that key. Its fields: the left's (the left row time stays a time attribute) and
 * the right's (no longer time attributes; nullable for LEFT).
 *
 * @example
 * // FROM orders o LEFT JOIN rates FOR SYSTEM_TIME AS OF o.order_time AS r ON o.currency = r.currency
 * const rel = temporalJoin({ joinType: 'LEFT', left, right, leftTime: 3, condition, rightName: 'r', fail });
 * rel.rightTime; // the field of rates' WATERMARK column
 */
export function temporalJoin(input: TemporalJoinInput): TemporalJoin {
  const { left, right, rightName, fail } = input;
  const rightTime = rowtimeField(right);
  if (rightTime < 0) {
    return fail(
      `Event-Time Temporal Table Join requires both primary key and row time attribute in versioned table, but no row time attribute can be found: "${rightName}" has no WATERMARK (declare one on its time column, e.g. WATERMARK FOR update_time AS update_time)`,
    );
  }
  const leftType = left.fields[input.leftTime].type;
  const rightType = right.fields[rightTime].type;
  if (leftType.kind !== rightType.kind) {
    return fail(
      `Event-Time Temporal Table Join requires same rowtime type in left table and versioned table, but the rowtime types are ${formatType(leftType)} *ROWTIME* and ${formatType(rightType)} *ROWTIME*`,
    );
  }
  const primaryKey = uniqueKey(right);
  if (primaryKey === null) {
    return fail(
      `Temporal Table Join requires primary key in versioned table, but no primary key can be found: "${rightName}" has none (declare PRIMARY KEY (...) NOT ENFORCED, or make it a deduplication view: ROW_NUMBER() OVER (PARTITION BY key ORDER BY ${right.fields[rightTime].name} DESC) = 1)`,
    );
  }
  const width = left.fields.length;
  const { leftKeys, rightKeys } = equiKeys(input.condition, width);
  if (!primaryKey.every((k) => rightKeys.includes(k))) {
    const names = (keys: number[], fields: RowField[]) => keys.map((k) => fields[k].name).join(', ');
    const equalities = leftKeys.map((l, i) => `${left.fields[l].name}=${right.fields[rightKeys[i]].name}`);
    return fail(
      `Temporal table's primary key [${names(primaryKey, right.fields)}] must be included in the equivalence condition of temporal join, but current temporal join condition is [${equalities.join(', ')}]`,
    );
  }
  const outer = input.joinType === 'LEFT';
  const fields: RowField[] = [
    ...left.fields,
    ...right.fields.map((f) => ({
      name: f.name,
      type: withoutTimeAttribute(outer ? withNullable(f.type, true) : f.type),
    })),
  ];
  return {
    kind: 'temporal-join',
    joinType: input.joinType,
    left,
    right,
    leftTime: input.leftTime,
    rightTime,
    condition: input.condition,
    fields,
  };
}
