/**
 * The aggregate functions of SQL's GROUP BY and windows, over the fields of input rows: COUNT,
 * SUM, SUM0, AVG, MIN, MAX, FIRST_VALUE, LAST_VALUE, each with DISTINCT and FILTER (WHERE ...).
 * One accumulator per aggregate call, in an array per group. Accumulators can take retractions
 * (a `-U`/`-D` input row), so a grouped aggregate over an updating input stays exact: MIN and MAX
 * then count each value, DISTINCT counts each distinct value.
 *
 * Results follow Flink: COUNT is 0 for no rows, SUM and AVG are NULL for no (non-NULL) values, AVG
 * of integers is an integer (truncated), DECIMAL results are rounded half-up to their scale.
 */
import type { SqlType } from '../../../core/sql-type.ts';
import type { AggCall } from '../../../sql/plan/rel.ts';

/** The aggregates of one operator: accumulators of a group and the result values. */
export interface SqlAggregates {
  /** A fresh accumulator array for a new group. */
  create(): unknown[];
  /** Adds a row's values (an insert or update-after). */
  add(acc: unknown[], values: unknown[]): void;
  /** Takes a row's values back (an update-before or delete). */
  retract(acc: unknown[], values: unknown[]): void;
  /** Folds `other` into `acc` (merging session windows, global after local aggregation). */
  merge(acc: unknown[], other: unknown[]): void;
  /** The result values, one per aggregate call. */
  results(acc: unknown[]): unknown[];
  /** Rows counted into the accumulator, net of retractions: 0 means the group is empty. */
  count(acc: unknown[]): number;
}

/** A count of each value (multiset), for DISTINCT and for MIN/MAX under retraction. */
type Counts = Map<unknown, number>;

interface Agg {
  init(): unknown;
  add(a: unknown, v: unknown): unknown;
  retract(a: unknown, v: unknown): unknown;
  merge(a: unknown, b: unknown): unknown;
  result(a: unknown): unknown;
}

function roundTo(value: number, scale: number): number {
  const f = 10 ** scale;
  const r = Math.round(Math.abs(value) * f) / f;
  return value < 0 ? -r : r;
}

function finish(type: SqlType): (n: number) => number {
  if (type.kind === 'DECIMAL') return (n) => roundTo(n, type.scale);
  if (type.kind === 'INT') return (n) => n | 0;
  return (n) => n;
}

function countAgg(): Agg {
  return {
    init: () => 0,
    add: (a) => (a as number) + 1,
    retract: (a) => (a as number) - 1,
    merge: (a, b) => (a as number) + (b as number),
    result: (a) => a,
  };
}

/** SUM keeps [sum, count of values]: NULL for no values (SUM0: 0). */
function sumAgg(type: SqlType, zero: boolean): Agg {
  const done = finish(type);
  return {
    init: () => [0, 0],
    add: (a, v) => {
      const s = a as [number, number];
      s[0] += v as number;
      s[1]++;
      return s;
    },
    retract: (a, v) => {
      const s = a as [number, number];
      s[0] -= v as number;
      s[1]--;
      return s;
    },
    merge: (a, b) => {
      const s = a as [number, number];
      const t = b as [number, number];
      s[0] += t[0];
      s[1] += t[1];
      return s;
    },
    result: (a) => {
      const s = a as [number, number];
      return s[1] === 0 ? (zero ? 0 : null) : done(s[0]);
    },
  };
}

function avgAgg(type: SqlType): Agg {
  const sum = sumAgg({ kind: 'DOUBLE', nullable: true }, false);
  const integer =
    type.kind === 'TINYINT' || type.kind === 'SMALLINT' || type.kind === 'INT' || type.kind === 'BIGINT';
  const done = finish(type);
  return {
    ...sum,
    result: (a) => {
      const s = a as [number, number];
      if (s[1] === 0) return null;
      const avg = s[0] / s[1];
      return integer ? Math.trunc(avg) : done(avg);
    },
  };
}

/** MIN/MAX over a multiset of values, so that retracting the current extreme finds the next. */
function extremeAgg(max: boolean): Agg {
  const better = max
    ? (x: unknown, y: unknown) => (x as number) > (y as number)
    : (x: unknown, y: unknown) => (x as number) < (y as number);
  return {
    init: () => ({ best: null as unknown, counts: null as Counts | null }),
    add: (a, v) => {
      const s = a as { best: unknown; counts: Counts | null };
      if (s.best === null || better(v, s.best)) s.best = v;
      if (s.counts) s.counts.set(v, (s.counts.get(v) ?? 0) + 1);
      else s.counts = new Map([[v, 1]]);
      return s;
    },
    retract: (a, v) => {
      const s = a as { best: unknown; counts: Counts | null };
      const n = s.counts?.get(v) ?? 0;
      if (n <= 1) s.counts?.delete(v);
      else s.counts!.set(v, n - 1);
      if (n <= 1 && v === s.best) {
        s.best = null;
        for (const k of s.counts?.keys() ?? []) if (s.best === null || better(k, s.best)) s.best = k;
      }
      return s;
    },
    merge: (a, b) => {
      const s = a as { best: unknown; counts: Counts | null };
      const t = b as { best: unknown; counts: Counts | null };
      for (const [k, n] of t.counts ?? []) {
        s.counts ??= new Map();
        s.counts.set(k, (s.counts.get(k) ?? 0) + n);
        if (s.best === null || better(k, s.best)) s.best = k;
      }
      return s;
    },
    result: (a) => (a as { best: unknown }).best,
  };
}

/** FIRST_VALUE / LAST_VALUE of the non-NULL values, in arrival order. */
function edgeAgg(last: boolean): Agg {
  return {
    init: () => ({ value: null as unknown, set: false }),
    add: (a, v) => {
      const s = a as { value: unknown; set: boolean };
      if (last || !s.set) {
        s.value = v;
        s.set = true;
      }
      return s;
    },
    retract: (a, v) => {
      const s = a as { value: unknown; set: boolean };
      if (s.value === v) {
        s.value = null;
        s.set = false;
      }
      return s;
    },
    merge: (a, b) => {
      const s = a as { value: unknown; set: boolean };
      const t = b as { value: unknown; set: boolean };
      if (t.set && (last || !s.set)) {
        s.value = t.value;
        s.set = true;
      }
      return s;
    },
    result: (a) => (a as { value: unknown }).value,
  };
}

function baseAgg(call: AggCall, argType: SqlType | undefined, resultType: SqlType): Agg {
  switch (call.fn) {
    case 'COUNT':
      return countAgg();
    case 'SUM':
      return sumAgg(resultType, false);
    case 'SUM0':
      return sumAgg(resultType, true);
    case 'AVG':
      return avgAgg(resultType);
    case 'MIN':
      return extremeAgg(false);
    case 'MAX':
      return extremeAgg(true);
    case 'FIRST_VALUE':
      return edgeAgg(false);
    case 'LAST_VALUE':
      return edgeAgg(true);
    default:
      void argType;
      throw new Error(`the aggregate ${call.fn} has no runtime implementation`);
  }
}

/**
 * The runtime of `aggs` over input rows with fields of `inputTypes`; `resultTypes` are the
 * aggregates' result types (for DECIMAL scales and integer averages).
 */
export function createAggregates(
  aggs: AggCall[],
  inputTypes: SqlType[],
  resultTypes: SqlType[],
): SqlAggregates {
  const n = aggs.length;
  const impls = aggs.map((a, i) => baseAgg(a, inputTypes[a.args[0]], resultTypes[i]));
  const arg = aggs.map((a) => (a.args.length > 0 ? a.args[0] : -1));
  const filter = aggs.map((a) => (a.filter === null ? -1 : a.filter));
  const distinct = aggs.map((a) => a.distinct);
  // Slot n of an accumulator array counts the rows, net of retractions.
  const apply = (acc: unknown[], values: unknown[], sign: 1 | -1): void => {
    acc[n] = (acc[n] as number) + sign;
    for (let i = 0; i < n; i++) {
      const f = filter[i];
      if (f >= 0 && values[f] !== true) continue;
      const a = arg[i];
      const v = a >= 0 ? values[a] : 1;
      if (v === null || v === undefined) continue;
      const impl = impls[i];
      if (distinct[i]) {
        // The value counts into the aggregate when it first appears and leaves when its last copy does.
        const seen = acc[n + 1 + i] as Counts;
        const c = seen.get(v) ?? 0;
        if (sign > 0) {
          seen.set(v, c + 1);
          if (c === 0) acc[i] = impl.add(acc[i], v);
        } else if (c > 0) {
          if (c === 1) {
            seen.delete(v);
            acc[i] = impl.retract(acc[i], v);
          } else seen.set(v, c - 1);
        }
        continue;
      }
      acc[i] = sign > 0 ? impl.add(acc[i], v) : impl.retract(acc[i], v);
    }
  };
  return {
    create() {
      const acc = new Array<unknown>(2 * n + 1);
      for (let i = 0; i < n; i++) {
        acc[i] = impls[i].init();
        acc[n + 1 + i] = distinct[i] ? new Map() : null;
      }
      acc[n] = 0;
      return acc;
    },
    add(acc, values) {
      apply(acc, values, 1);
    },
    retract(acc, values) {
      apply(acc, values, -1);
    },
    merge(acc, other) {
      acc[n] = (acc[n] as number) + (other[n] as number);
      for (let i = 0; i < n; i++) {
        if (distinct[i]) {
          const seen = acc[n + 1 + i] as Counts;
          for (const [v, c] of other[n + 1 + i] as Counts) {
            const before = seen.get(v) ?? 0;
            seen.set(v, before + c);
            if (before === 0) acc[i] = impls[i].add(acc[i], v);
          }
          continue;
        }
        acc[i] = impls[i].merge(acc[i], other[i]);
      }
    },
    results(acc) {
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = impls[i].result(acc[i]);
      return out;
    },
    count(acc) {
      return acc[n] as number;
    },
  };
}
