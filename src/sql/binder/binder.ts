/**
 * The binder turns syntax trees into logical plans (plan/rel.ts) against the catalog: it resolves
 * every table, view, column and function name, gives every expression its type by Flink's rules,
 * expands `*`, views (as macros: each use binds the view's query again) and computed columns, and
 * finds the aggregates of a grouped query. What does not resolve or type-check fails here with
 * SQL_VALIDATION_ERROR at the position of the offending name or operator; what is valid SQL but not
 * (yet) run by Weir fails with SQL_UNSUPPORTED.
 *
 * Time attributes: the column of a table's WATERMARK is a rowtime attribute, a `PROCTIME()`
 * computed column a proctime attribute; they survive projections and filters and window table
 * functions, and turn into ordinary timestamps once computed with.
 */
import type {
  CallExpr,
  CreateTableStatement,
  CreateViewStatement,
  Expr,
  InsertStatement,
  IntervalExpr,
  LiteralExpr,
  Query,
  SelectQuery,
  SqlPos,
  TableFunctionRef,
  TableRef,
} from '../ast.ts';
import {
  Catalog,
  type CatalogColumn,
  type CatalogTable,
  type CatalogView,
  objectName,
} from '../catalog/catalog.ts';
import { builtinFunction } from '../functions/builtin-functions.ts';
import { tableFunctionColumns, unnestColumns } from '../functions/user-functions.ts';
import type { AggCall, CorrelateCall, GroupWindow, Rel, TableWindow } from '../plan/rel.ts';
import {
  call,
  conjuncts,
  inputRef,
  literal,
  mapInputs,
  type Rex,
  inputsOf as rexInputs,
  sameRex,
} from '../plan/rex.ts';
import { temporalJoin } from '../plan/versioned-table.ts';
import { changeKinds } from '../planner/changelog-mode.ts';
import { keptTimeAttributes, withTimeAttributes } from '../planner/join-rules.ts';
import { SqlError } from '../sql-error.ts';
import {
  formatType,
  InvalidTypeError,
  integerPrecision,
  isInteger,
  isInterval,
  isNumeric,
  isString,
  isTimestamp,
  leastRestrictive,
  MAX_DECIMAL_PRECISION,
  type RowField,
  type SqlType,
  T,
  typeFromAst,
  withNullable,
  withoutTimeAttribute,
} from '../types.ts';
import { type SubqueryPredicate, scalarSubqueries, splitSubqueries } from './subqueries.ts';

/** One field visible to expressions: its name, the table alias it comes from, its input index. */
interface ScopeField {
  name: string;
  table: string | null;
  type: SqlType;
  index: number;
  /** An outer query's field hidden by a subquery's field of the same name: reachable qualified only. */
  shadowed?: boolean;
}

class Scope {
  readonly fields: ScopeField[];

  constructor(fields: ScopeField[]) {
    this.fields = fields;
  }

  static of(rel: Rel, table: string | null): Scope {
    return new Scope(rel.fields.map((f, index) => ({ name: f.name, table, type: f.type, index })));
  }

  /** This scope's fields after `other`'s (a join's left, then right). */
  concat(other: Scope): Scope {
    const offset = this.fields.length;
    return new Scope([...this.fields, ...other.fields.map((f) => ({ ...f, index: f.index + offset }))]);
  }

  hasTable(name: string): boolean {
    return this.fields.some((f) => f.table === name);
  }
}

/** Interval units in milliseconds (day-time) or months (year-month). */
const UNIT_MS: Record<string, number> = {
  DAY: 86_400_000,
  HOUR: 3_600_000,
  MINUTE: 60_000,
  SECOND: 1000,
  MILLISECOND: 1,
};

/** Aggregate calls of a grouped SELECT, as found before the aggregate is built. */
interface AggSlot {
  expr: CallExpr;
  call: AggCall;
  type: SqlType;
}

/** What a grouped query's expressions are bound against after aggregation. */
interface AggContext {
  inputScope: Scope;
  groupRexes: Rex[];
  slots: AggSlot[];
  /** The legacy group window and where its properties sit in the output. */
  window: { def: GroupWindow; call: CallExpr; timeType: SqlType } | null;
  windowProps: ('start' | 'end' | 'rowtime' | 'proctime')[];
  /** Output fields of the aggregate so far: keys, then aggregates, then window properties. */
}

export class Binder {
  private readonly catalog: Catalog;
  private readonly sql: string;

  constructor(catalog: Catalog, sql: string) {
    this.catalog = catalog;
    this.sql = sql;
  }

  private error(reason: string, pos: SqlPos): SqlError {
    return new SqlError('SQL_VALIDATION_ERROR', reason, this.sql, pos);
  }

  private unsupported(what: string, pos: SqlPos): SqlError {
    return new SqlError('SQL_UNSUPPORTED', `${what} is not supported yet`, this.sql, pos);
  }

  // -------------------------------------------------------------------------------------------
  // DDL

  /** The catalog table of a CREATE TABLE: column types, computed columns and the watermark checked. */
  createTable(s: CreateTableStatement): CatalogTable {
    if (s.asQuery) throw this.unsupported('CREATE TABLE ... AS SELECT', s.pos);
    if (s.like) throw this.unsupported('CREATE TABLE ... LIKE', s.pos);
    const name = this.objectName(s.name, s.pos);
    const seen = new Set<string>();
    const columns: CatalogColumn[] = [];
    for (const c of s.columns) {
      if (seen.has(c.name)) throw this.error(`column "${c.name}" is defined twice`, c.pos);
      seen.add(c.name);
      if (c.kind === 'computed') {
        columns.push({ kind: 'computed', name: c.name, type: T.null(), text: '' });
      } else {
        const type = this.type(c.type);
        columns.push(
          c.kind === 'physical'
            ? { kind: 'physical', name: c.name, type }
            : { kind: 'metadata', name: c.name, type, key: c.key ?? c.name, virtual: c.virtual },
        );
      }
    }
    const table: CatalogTable = {
      kind: 'table',
      name,
      columns,
      ddl: s,
      watermark: null,
      primaryKey: s.primaryKey?.columns ?? null,
      partitionedBy: s.partitionedBy,
      options: { ...s.options },
      temporary: s.temporary,
    };
    // Computed columns see the physical and metadata columns; bind them to learn their types.
    const read = this.readColumns(table);
    s.columns.forEach((c, i) => {
      if (c.kind !== 'computed') return;
      const rex = this.expr(c.expr, read.scope);
      columns[i] = {
        kind: 'computed',
        name: c.name,
        type: rex.type,
        text: this.sql.slice(c.expr.pos.offset, this.endOf(c.expr)),
      };
    });
    for (const key of table.primaryKey ?? []) {
      const col = columns.find((c) => c.name === key);
      if (!col)
        throw this.error(
          `primary key column "${key}" is not a column of the table`,
          s.primaryKey?.pos ?? s.pos,
        );
      if (col.kind !== 'physical')
        throw this.error(`primary key column "${key}" must be a physical column`, s.primaryKey?.pos ?? s.pos);
    }
    for (const p of table.partitionedBy) {
      if (!columns.some((c) => c.name === p))
        throw this.error(`partition column "${p}" is not a column of the table`, s.pos);
    }
    if (s.watermark) {
      if (s.watermark.column.length !== 1)
        throw this.unsupported('a WATERMARK on a nested field', s.watermark.pos);
      const column = s.watermark.column[0];
      const col = columns.find((c) => c.name === column);
      if (!col)
        throw this.error(`the WATERMARK column "${column}" is not a column of the table`, s.watermark.pos);
      if (!isTimestamp(col.type) || col.type.precision > 3) {
        throw this.error(
          `the WATERMARK column "${column}" must be TIMESTAMP(3) or TIMESTAMP_LTZ(3), not ${formatType(col.type)}`,
          s.watermark.pos,
        );
      }
      table.watermark = {
        column,
        text: this.sql.slice(s.watermark.expr.pos.offset, this.endOf(s.watermark.expr)),
      };
      // Check the expression now: it must be a timestamp computed from the row.
      this.scan(table, s.pos);
    }
    return table;
  }

  /** The offset after an expression's last token (for the text of computed columns). */
  private endOf(e: Expr): number {
    // Expressions do not record their end; take the text up to the next top-level comma or ")".
    let depth = 0;
    let quote: string | null = null;
    for (let i = e.pos.offset; i < this.sql.length; i++) {
      const c = this.sql[i];
      if (quote) {
        if (c === quote) quote = null;
        continue;
      }
      if (c === "'" || c === '`') quote = c;
      else if (c === '(') depth++;
      else if (c === ')') {
        if (depth === 0) return i;
        depth--;
      } else if (c === ',' && depth === 0) return i;
    }
    return this.sql.length;
  }

  createView(s: CreateViewStatement): CatalogView {
    const name = this.objectName(s.name, s.pos);
    const rel = this.query(s.query);
    let fields = rel.fields;
    if (s.columns) {
      if (s.columns.length !== fields.length) {
        throw this.error(
          `the view names ${s.columns.length} columns but its query has ${fields.length}`,
          s.pos,
        );
      }
      fields = fields.map((f, i) => ({ name: s.columns![i], type: f.type }));
    }
    return {
      kind: 'view',
      name,
      query: s.query,
      text: s.text,
      columns: s.columns,
      fields,
      temporary: s.temporary,
    };
  }

  /** An INSERT's sink table and its query, with the query's columns cast to the sink's. */
  insert(s: InsertStatement): { table: CatalogTable; rel: Rel } {
    const name = this.objectName(s.table, s.pos);
    const entry = this.catalog.get(name);
    if (!entry) throw this.error(`unknown table "${s.table.join('.')}"`, s.pos);
    if (entry.kind !== 'table') throw this.error(`"${name}" is a view: INSERT needs a table`, s.pos);
    const rel = this.query(s.query);
    const targets = entry.columns.filter(
      (c) => c.kind === 'physical' || (c.kind === 'metadata' && !c.virtual),
    );
    let order = targets.map((_, i) => i);
    if (s.columns) {
      order = targets.map((c) => s.columns!.indexOf(c.name));
      for (const c of s.columns) {
        if (!targets.some((t) => t.name === c))
          throw this.error(`column "${c}" is not a writable column of "${name}"`, s.pos);
      }
    }
    const given = s.columns?.length ?? targets.length;
    if (rel.fields.length !== given) {
      throw this.error(
        `the query has ${rel.fields.length} columns but the sink "${name}" expects ${given} (${targets.map((t) => `${t.name} ${formatType(t.type)}`).join(', ')})`,
        s.query.pos,
      );
    }
    const exprs: Rex[] = targets.map((t, i) => {
      const from = order[i];
      if (from < 0) {
        if (!t.type.nullable)
          throw this.error(`column "${t.name}" of "${name}" is NOT NULL and not given`, s.pos);
        return literal(null, t.type);
      }
      const field = rel.fields[from];
      const source = inputRef(from, field.type);
      if (!this.assignable(field.type, t.type)) {
        throw this.error(
          `column ${from + 1} of the query ("${field.name}", ${formatType(field.type)}) cannot be written to column "${t.name}" ${formatType(t.type)}`,
          s.query.pos,
        );
      }
      return this.implicitCast(source, t.type);
    });
    return {
      table: entry,
      rel: this.project(
        rel,
        exprs,
        targets.map((t) => t.name),
      ),
    };
  }

  private assignable(from: SqlType, to: SqlType): boolean {
    if (from.kind === 'NULL') return true;
    if (leastRestrictive(withoutTimeAttribute(from), withoutTimeAttribute(to)) !== null) return true;
    return false;
  }

  /** A cast to `to` unless the value already has that runtime form. */
  private implicitCast(rex: Rex, to: SqlType): Rex {
    const from = rex.type;
    if (from.kind === to.kind && from.kind !== 'DECIMAL')
      return { ...rex, type: withNullable(from, from.nullable) };
    if (isInteger(from) && isInteger(to)) return rex;
    return call('CAST', [rex], withNullable(to, from.nullable));
  }

  private objectName(path: string[], pos: SqlPos): string {
    const name = objectName(path);
    if (name === null) throw this.error(`unknown catalog or database in "${path.join('.')}"`, pos);
    return name;
  }

  private type(ast: Parameters<typeof typeFromAst>[0]): SqlType {
    try {
      return typeFromAst(ast);
    } catch (e) {
      if (e instanceof InvalidTypeError) throw this.error(e.message, ast.pos);
      throw e;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Tables

  /** A table's readable columns (physical and metadata) as a scan. */
  private readColumns(table: CatalogTable): { rel: Rel; scope: Scope } {
    const readable = table.columns.filter((c) => c.kind !== 'computed');
    const rel: Rel = {
      kind: 'scan',
      table: table.name,
      options: table.options,
      columns: readable.map((c) => ({ name: c.name, metadata: c.kind === 'metadata' ? c.key : null })),
      primaryKey: table.primaryKey,
      fields: readable.map((c) => ({ name: c.name, type: c.type })),
    };
    return { rel, scope: Scope.of(rel, table.name) };
  }

  /** A table as the plan reads it: scan, computed columns, watermark. */
  private scan(table: CatalogTable, pos: SqlPos): Rel {
    const read = this.readColumns(table);
    let rel = read.rel;
    const ddl = table.ddl;
    if (table.columns.some((c) => c.kind === 'computed')) {
      let readIndex = 0;
      const exprs: Rex[] = [];
      ddl.columns.forEach((c) => {
        if (c.kind === 'computed') exprs.push(this.expr(c.expr, read.scope));
        else {
          exprs.push(inputRef(readIndex, read.rel.fields[readIndex].type));
          readIndex++;
        }
      });
      rel = this.project(
        rel,
        exprs,
        table.columns.map((c) => c.name),
      );
    }
    if (table.watermark && ddl.watermark) {
      const rowtime = rel.fields.findIndex((f) => f.name === table.watermark?.column);
      const scope = Scope.of(rel, table.name);
      const watermark = this.expr(ddl.watermark.expr, scope);
      if (!isTimestamp(watermark.type)) {
        throw this.error(
          `the WATERMARK expression must be a timestamp, not ${formatType(watermark.type)}`,
          ddl.watermark.expr.pos,
        );
      }
      const fields = rel.fields.map((f, i) =>
        i === rowtime
          ? {
              name: f.name,
              type: { ...(f.type as SqlType & { kind: 'TIMESTAMP' }), timeAttribute: 'rowtime' as const },
            }
          : f,
      );
      rel = { kind: 'watermark', input: rel, rowtime, watermark, fields };
    }
    void pos;
    return rel;
  }

  private tableRef(ref: TableRef): { rel: Rel; scope: Scope } {
    switch (ref.kind) {
      case 'table': {
        if (ref.systemTime) throw this.unsupported('FOR SYSTEM_TIME AS OF (temporal joins)', ref.pos);
        const name = this.objectName(ref.path, ref.pos);
        const entry = this.catalog.get(name);
        if (!entry) {
          const known = [...this.catalog.tables(), ...this.catalog.views()].map((e) => e.name);
          throw this.error(
            `unknown table "${ref.path.join('.')}"${known.length ? ` (known: ${known.sort().join(', ')})` : ''}`,
            ref.pos,
          );
        }
        let rel: Rel;
        if (entry.kind === 'table') rel = this.scan(entry, ref.pos);
        else {
          rel = this.query(entry.query);
          if (entry.columns) rel = this.rename(rel, entry.columns);
        }
        return this.aliased(rel, ref.alias?.name ?? name, ref.alias?.columns ?? null, ref.pos);
      }
      case 'subquery': {
        if (ref.lateral) throw this.unsupported('LATERAL subqueries', ref.pos);
        const rel = this.query(ref.query);
        return this.aliased(rel, ref.alias?.name ?? null, ref.alias?.columns ?? null, ref.pos);
      }
      case 'table-function':
        if (this.isCorrelated(ref)) return this.correlate(alone(ref));
        return this.tableFunction(ref);
      case 'unnest':
        return this.correlate(alone(ref));
      case 'join': {
        if (ref.natural || ref.using) throw this.unsupported('NATURAL JOIN and JOIN ... USING', ref.pos);
        if (ref.right.kind === 'table' && ref.right.systemTime) return this.lookupJoin(ref, ref.right);
        if (this.isCorrelated(ref.right)) return this.correlate(ref);
        const left = this.tableRef(ref.left);
        const right = this.tableRef(ref.right);
        const scope = left.scope.concat(right.scope);
        const condition = ref.on ? this.expr(ref.on, scope) : literal(true, T.boolean(false));
        if (condition.type.kind !== 'BOOLEAN')
          throw this.error(
            `a join condition must be BOOLEAN, not ${formatType(condition.type)}`,
            ref.on?.pos ?? ref.pos,
          );
        const joinType = ref.type === 'CROSS' ? 'INNER' : ref.type;
        const nullLeft = joinType === 'RIGHT' || joinType === 'FULL';
        const nullRight = joinType === 'LEFT' || joinType === 'FULL';
        // A regular join keeps its rows for good and emits them in any time order: its timestamps
        // are no longer time attributes, as in Flink. Interval and window joins keep those that hold
        // the joined row's time.
        const bare: Rel = { kind: 'join', joinType, left: left.rel, right: right.rel, condition, fields: [] };
        const kept = keptTimeAttributes(bare) ?? [];
        const time = (t: SqlType, i: number) => (kept.includes(i) ? t : withoutTimeAttribute(t));
        const width = left.rel.fields.length;
        const fields = [
          ...left.rel.fields.map((f, i) => ({
            name: f.name,
            type: time(nullLeft ? withNullable(f.type, true) : f.type, i),
          })),
          ...right.rel.fields.map((f, i) => ({
            name: f.name,
            type: time(nullRight ? withNullable(f.type, true) : f.type, width + i),
          })),
        ];
        const rel: Rel = { kind: 'join', joinType, left: left.rel, right: right.rel, condition, fields };
        return { rel, scope: new Scope(scope.fields.map((f, i) => ({ ...f, type: fields[i].type }))) };
      }
    }
  }

  /**
   * A temporal join on processing time, `JOIN t FOR SYSTEM_TIME AS OF left.proctime ON ...`: a lookup
   * join, where each left row looks up the table's rows that match it when it arrives. The table is
   * read through its connector by key; its computed columns and watermark play no part.
   */
  private lookupJoin(
    ref: TableRef & { kind: 'join' },
    right: TableRef & { kind: 'table' },
  ): { rel: Rel; scope: Scope } {
    if (ref.type !== 'INNER' && ref.type !== 'LEFT')
      throw this.unsupported(`${ref.type} JOIN with FOR SYSTEM_TIME AS OF`, ref.pos);
    const left = this.tableRef(ref.left);
    const time = this.expr(right.systemTime!, left.scope);
    if (time.kind !== 'input' || !isTimestamp(time.type) || time.type.timeAttribute === undefined) {
      throw this.error(
        "Temporal table join currently only supports 'FOR SYSTEM_TIME AS OF' left table's time attribute field",
        right.systemTime!.pos,
      );
    }
    if (time.type.timeAttribute === 'rowtime') {
      // An event-time temporal join on a versioned table or view (plan/versioned-table.ts).
      const versioned = this.tableRef({ ...right, systemTime: null });
      const joined = left.scope.concat(versioned.scope);
      if (!ref.on)
        throw this.error('a temporal join needs an ON condition with an equality on the key', ref.pos);
      const on = this.expr(ref.on, joined);
      if (on.type.kind !== 'BOOLEAN')
        throw this.error(`a join condition must be BOOLEAN, not ${formatType(on.type)}`, ref.on.pos);
      const rel = temporalJoin({
        joinType: ref.type,
        left: left.rel,
        right: versioned.rel,
        leftTime: time.index,
        condition: on,
        rightName: right.alias?.name ?? right.path.join('.'),
        fail: (message) => {
          throw this.error(message, right.pos);
        },
      });
      return { rel, scope: new Scope(joined.fields.map((f, i) => ({ ...f, type: rel.fields[i].type }))) };
    }
    const name = this.objectName(right.path, right.pos);
    const table = this.catalog.get(name);
    if (!table) throw this.error(`unknown table "${right.path.join('.')}"`, right.pos);
    if (table.kind !== 'table')
      throw new SqlError(
        'SQL_UNSUPPORTED',
        `Processing-time temporal join is not supported yet: "${right.path.join('.')}" is a view, and only a table with a lookup connector can be joined FOR SYSTEM_TIME AS OF a processing time (a lookup join)`,
        this.sql,
        right.pos,
      );
    const read = this.readColumns(table);
    const alias = right.alias?.name ?? name;
    const rightScope = Scope.of(read.rel, alias);
    const scope = left.scope.concat(rightScope);
    if (!ref.on)
      throw this.error(
        'a lookup join needs an ON condition with an equality on the looked-up table',
        ref.pos,
      );
    const condition = this.expr(ref.on, scope);
    if (condition.type.kind !== 'BOOLEAN')
      throw this.error(`a join condition must be BOOLEAN, not ${formatType(condition.type)}`, ref.on.pos);
    const outer = ref.type === 'LEFT';
    const fields = [
      ...left.rel.fields.map((f) => ({ name: f.name, type: withoutTimeAttribute(f.type) })),
      ...read.rel.fields.map((f) => ({ name: f.name, type: outer ? withNullable(f.type, true) : f.type })),
    ];
    const rel: Rel = {
      kind: 'lookup-join',
      joinType: ref.type,
      input: left.rel,
      table: read.rel as Rel & { kind: 'scan' },
      condition,
      fields,
    };
    return { rel, scope: new Scope(scope.fields.map((f, i) => ({ ...f, type: fields[i].type }))) };
  }

  /**
   * A subquery condition of a WHERE as a semi or anti join of `left` (bound as `scope`) with the
   * subquery (subqueries.ts). A subquery without grouping may refer to the outer query's columns
   * (correlation): its WHERE's conditions that do become part of the join condition. Its own
   * columns hide the outer ones of the same name, which stay reachable qualified by their table.
   */
  private semiJoin(s: SubqueryPredicate, left: Rel, scope: Scope): Rel {
    const width = left.fields.length;
    const q = s.query;
    let right: Rel;
    const parts: Rex[] = [];
    let selected: Rex | null = null;
    const simple =
      q.kind === 'select' &&
      q.groupBy === null &&
      q.having === null &&
      q.windows.length === 0 &&
      this.findAggregates(q).length === 0;
    if (q.kind === 'select' && simple) {
      const inner = q.from ? this.tableRef(q.from) : { rel: this.singleRow(), scope: new Scope([]) };
      const innerNames = new Set(inner.scope.fields.map((f) => f.name));
      const innerTables = new Set(inner.scope.fields.map((f) => f.table));
      const both = new Scope([
        ...scope.fields.map((f) => ({
          ...f,
          table: f.table !== null && innerTables.has(f.table) ? null : f.table,
          shadowed: innerNames.has(f.name) || f.shadowed,
        })),
        ...inner.scope.fields.map((f) => ({ ...f, index: f.index + width })),
      ]);
      right = inner.rel;
      if (q.where) {
        this.noAggregates(q.where, 'WHERE');
        const own: Rex[] = [];
        for (const c of conjuncts(this.expr(q.where, both))) {
          if ([...rexInputs(c)].every((i) => i >= width))
            own.push(mapInputs(c, (r) => inputRef(r.index - width, r.type)));
          else parts.push(c);
        }
        if (own.length > 0) {
          const condition = own.reduce((a, b) => this.binary('AND', a, b, q.where!.pos));
          right = { kind: 'filter', input: right, condition, fields: right.fields };
        }
      }
      if (s.kind === 'in') {
        if (q.items.length !== 1 || q.items[0].expr.kind === 'star')
          throw this.error('the subquery of IN must select one column', q.pos);
        selected = this.expr(q.items[0].expr, both);
      }
    } else {
      right = this.query(q);
      if (s.kind === 'in') {
        if (right.fields.length !== 1) throw this.error('the subquery of IN must select one column', q.pos);
        selected = inputRef(width, right.fields[0].type);
      }
    }
    if (s.kind === 'in') {
      const value = this.expr(s.value!, scope);
      const eq = this.binary('=', value, selected!, s.pos);
      // NOT IN: no right value may equal the row's or be unknown against it (a NULL on either side);
      // without NULLs on either side that is the equality alone, which keys the join.
      const nullAware = s.not && (value.type.nullable || selected!.type.nullable);
      parts.unshift(
        nullAware ? call('OR', [eq, call('IS NULL', [eq], T.boolean(false))], T.boolean(false)) : eq,
      );
    }
    const condition =
      parts.length === 0
        ? literal(true, T.boolean(false))
        : parts.reduce((a, b) => this.binary('AND', a, b, s.pos));
    return { kind: 'semi-join', anti: s.not, left, right, condition, fields: left.fields };
  }

  /**
   * Uncorrelated scalar subqueries, as Flink plans them: each a join of the rows with the
   * subquery's one-column result, a LEFT join on TRUE so that an empty result reads as NULL. The
   * hook reads each subquery's value from its field after the input's. The result updates as the
   * subquery's does; a subquery that returns several rows gives each row once per value.
   */
  private scalarJoins(
    subqueries: (Expr & { kind: 'subquery' })[],
    input: Rel,
  ): { rel: Rel; hook: (e: Expr) => Rex | undefined } {
    let rel = input;
    const refs = new Map<Expr, Rex>();
    for (const sq of subqueries) {
      const right = this.query(sq.query);
      if (right.fields.length !== 1)
        throw this.error(`a scalar subquery must select one column, not ${right.fields.length}`, sq.pos);
      const type = withNullable(withoutTimeAttribute(right.fields[0].type), true);
      refs.set(sq, inputRef(rel.fields.length, type));
      rel = {
        kind: 'join',
        joinType: 'LEFT',
        left: rel,
        right,
        condition: literal(true, T.boolean(false)),
        fields: [
          ...rel.fields.map((f) => ({ name: f.name, type: withoutTimeAttribute(f.type) })),
          { name: `$scalar${refs.size - 1}`, type },
        ],
      };
    }
    return { rel, hook: (e) => refs.get(e) };
  }

  /** UNNEST and user table functions on the right of a join are called per row of the left side. */
  private isCorrelated(ref: TableRef): boolean {
    if (ref.kind === 'unnest') return true;
    return ref.kind === 'table-function' && this.catalog.getFunction(ref.name)?.kind === 'table';
  }

  /**
   * A join with UNNEST(...) or LATERAL TABLE(f(...)) (Flink's Correlate): the function's arguments
   * are bound over the left side, and each left row is joined with the rows the function makes of
   * it. CROSS and INNER joins keep the rows with results (an ON condition filters them); a LEFT
   * join needs `ON TRUE`, as Flink, and pads a row without results with NULLs.
   */
  private correlate(ref: TableRef & { kind: 'join' }): { rel: Rel; scope: Scope } {
    const right = ref.right as TableRef & { kind: 'unnest' | 'table-function' };
    if (ref.natural || ref.using || (ref.type !== 'CROSS' && ref.type !== 'INNER' && ref.type !== 'LEFT'))
      throw this.unsupported(
        `${ref.type} JOIN with ${right.kind === 'unnest' ? 'UNNEST' : 'a table function'}`,
        ref.pos,
      );
    const outer = ref.type === 'LEFT';
    if (outer && !(ref.on?.kind === 'literal' && ref.on.type === 'boolean' && ref.on.text === 'TRUE'))
      throw this.error(
        'a LEFT JOIN with UNNEST or a table function needs the condition ON TRUE',
        ref.on?.pos ?? ref.pos,
      );
    const left = this.tableRef(ref.left);
    let call: CorrelateCall;
    let args: Rex[];
    let fnFields: RowField[];
    if (right.kind === 'unnest') {
      if (right.exprs.length !== 1) throw this.unsupported('UNNEST of several collections', right.pos);
      if (outer && right.withOrdinality)
        throw this.unsupported(
          'LEFT JOIN UNNEST ... WITH ORDINALITY (Flink supports it with CROSS JOIN)',
          right.pos,
        );
      args = [this.expr(right.exprs[0], left.scope)];
      const columns = unnestColumns(args[0].type, right.withOrdinality);
      if (typeof columns === 'string')
        throw this.error(`${columns}, not ${formatType(args[0].type)}`, right.exprs[0].pos);
      call = columns.call;
      fnFields = columns.fields;
    } else {
      const fn = this.catalog.getFunction(right.name)!;
      args = right.args.map((a) => {
        if (a.kind !== 'expr' || a.name !== null)
          throw this.error(`the table function ${right.name} takes values as arguments`, a.pos);
        return this.expr(a.expr, left.scope);
      });
      const columns = tableFunctionColumns(fn.returns);
      call = {
        kind: 'udtf',
        name: fn.name,
        location: fn.location,
        row: columns.row,
        fieldNames: columns.fields.map((f) => f.name),
      };
      fnFields = columns.fields;
    }
    const alias = right.alias;
    if (alias?.columns) {
      if (alias.columns.length !== fnFields.length)
        throw this.error(
          `the alias names ${alias.columns.length} columns but the function makes ${fnFields.length}`,
          right.pos,
        );
      fnFields = fnFields.map((f, i) => ({ name: alias.columns![i], type: f.type }));
    }
    if (outer) fnFields = fnFields.map((f) => ({ name: f.name, type: withNullable(f.type, true) }));
    const width = left.rel.fields.length;
    const fields = [...left.rel.fields, ...fnFields];
    let rel: Rel = {
      kind: 'correlate',
      joinType: outer ? 'LEFT' : 'INNER',
      input: left.rel,
      call,
      args,
      fields,
    };
    const table = alias?.name ?? (right.kind === 'table-function' ? right.name : null);
    const scope = new Scope([
      ...left.scope.fields,
      ...fnFields.map((f, i) => ({ name: f.name, table, type: f.type, index: width + i })),
    ]);
    if (ref.on && !outer) {
      const condition = this.expr(ref.on, scope);
      if (condition.type.kind !== 'BOOLEAN')
        throw this.error(`a join condition must be BOOLEAN, not ${formatType(condition.type)}`, ref.on.pos);
      if (!(condition.kind === 'literal' && condition.value === true))
        rel = { kind: 'filter', input: rel, condition, fields };
    }
    return { rel, scope };
  }

  private aliased(
    rel: Rel,
    alias: string | null,
    columns: string[] | null,
    pos: SqlPos,
  ): { rel: Rel; scope: Scope } {
    let r = rel;
    if (columns) {
      if (columns.length !== rel.fields.length)
        throw this.error(
          `the alias names ${columns.length} columns but the table has ${rel.fields.length}`,
          pos,
        );
      r = this.rename(rel, columns);
    }
    return { rel: r, scope: Scope.of(r, alias) };
  }

  private rename(rel: Rel, names: string[]): Rel {
    return this.project(
      rel,
      rel.fields.map((f, i) => inputRef(i, f.type)),
      names,
    );
  }

  /** The windowing table functions TUMBLE, HOP, CUMULATE and SESSION. */
  private tableFunction(ref: TableFunctionRef): { rel: Rel; scope: Scope } {
    const name = ref.name.toUpperCase();
    if (!['TUMBLE', 'HOP', 'CUMULATE', 'SESSION'].includes(name) || ref.lateral) {
      throw this.unsupported(`the table function ${ref.name}`, ref.pos);
    }
    // Named arguments (DATA =>, TIMECOL =>, SIZE =>...) or positional ones, in Flink's order.
    const order: Record<string, string[]> = {
      TUMBLE: ['DATA', 'TIMECOL', 'SIZE', 'OFFSET'],
      HOP: ['DATA', 'TIMECOL', 'SLIDE', 'SIZE', 'OFFSET'],
      CUMULATE: ['DATA', 'TIMECOL', 'STEP', 'SIZE', 'OFFSET'],
      SESSION: ['DATA', 'TIMECOL', 'GAP'],
    };
    const params = order[name];
    const byName = new Map<string, (typeof ref.args)[number]>();
    ref.args.forEach((a, i) => {
      const key = a.name ?? params[i];
      if (key === undefined || !params.includes(key))
        throw this.error(`${name} has no parameter ${a.name ?? `number ${i + 1}`}`, a.pos);
      byName.set(key, a);
    });
    const data = byName.get('DATA');
    if (data?.kind !== 'table')
      throw this.error(
        `${name} expects a table as its first argument: ${name}(TABLE t, DESCRIPTOR(ts), ...)`,
        ref.pos,
      );
    const input = this.tableRef(data.table);
    const timecol = byName.get('TIMECOL');
    if (timecol?.kind !== 'descriptor' || timecol.columns.length !== 1) {
      throw this.error(`${name} expects the time column as DESCRIPTOR(column)`, timecol?.pos ?? ref.pos);
    }
    const time = this.column([timecol.columns[0]], input.scope, timecol.pos);
    if (time.kind !== 'input')
      throw this.error(`the time column of ${name} must be a column, not a nested field`, timecol.pos);
    const timeType = time.type;
    if (!isTimestamp(timeType) || timeType.timeAttribute === undefined) {
      throw this.error(
        `the time column "${timecol.columns[0]}" of ${name} must be a time attribute (a rowtime with a WATERMARK, or PROCTIME()), not ${formatType(timeType)}`,
        timecol.pos,
      );
    }
    const interval = (key: string, required: boolean): number => {
      const a = byName.get(key);
      if (!a) {
        if (required) throw this.error(`${name} needs its ${key} argument`, ref.pos);
        return 0;
      }
      if (a.kind !== 'expr' || a.expr.kind !== 'interval')
        throw this.error(`${name}'s ${key} must be an interval literal`, a.pos);
      const ms = this.intervalMs(a.expr);
      if (key !== 'OFFSET' && ms <= 0) throw this.error(`${name}'s ${key} must be positive`, a.pos);
      return ms;
    };
    let window: TableWindow;
    switch (name) {
      case 'TUMBLE':
        window = { kind: 'tumble', size: interval('SIZE', true), offset: interval('OFFSET', false) };
        break;
      case 'HOP': {
        window = {
          kind: 'hop',
          slide: interval('SLIDE', true),
          size: interval('SIZE', true),
          offset: interval('OFFSET', false),
        };
        break;
      }
      case 'CUMULATE': {
        const step = interval('STEP', true);
        const size = interval('SIZE', true);
        if (size % step !== 0)
          throw this.error('CUMULATE needs a size that is a whole multiple of its step', ref.pos);
        window = { kind: 'cumulate', step, size, offset: interval('OFFSET', false) };
        break;
      }
      default: {
        const partitionKeys = data.partitionBy.map((p) => {
          const r = this.expr(p, input.scope);
          if (r.kind !== 'input') throw this.error('SESSION partitions by columns only', p.pos);
          return r.index;
        });
        window = { kind: 'session', gap: interval('GAP', true), partitionKeys };
      }
    }
    const windowTime: SqlType =
      timeType.timeAttribute === 'rowtime'
        ? { kind: timeType.kind, precision: 3, nullable: false, timeAttribute: 'rowtime' }
        : { kind: 'TIMESTAMP_LTZ', precision: 3, nullable: false, timeAttribute: 'proctime' };
    const fields: RowField[] = [
      ...input.rel.fields,
      { name: 'window_start', type: T.timestamp(3, false) },
      { name: 'window_end', type: T.timestamp(3, false) },
      { name: 'window_time', type: windowTime },
    ];
    const rel: Rel = { kind: 'window-table', input: input.rel, window, time: time.index, fields };
    const alias = ref.alias?.name ?? null;
    const scope = new Scope([
      ...input.scope.fields.map((f) => ({ ...f, table: alias ?? f.table })),
      ...fields
        .slice(input.rel.fields.length)
        .map((f, i) => ({ name: f.name, table: alias, type: f.type, index: input.rel.fields.length + i })),
    ]);
    return { rel, scope };
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  query(q: Query): Rel {
    switch (q.kind) {
      case 'select':
        return this.select(q);
      case 'with':
        throw this.unsupported('WITH', q.pos);
      case 'values': {
        const rows = q.rows.map((row) => row.map((e) => this.expr(e, new Scope([]))));
        const width = rows[0].length;
        for (const row of rows)
          if (row.length !== width)
            throw this.error('VALUES rows must have the same number of columns', q.pos);
        const fields: RowField[] = [];
        for (let c = 0; c < width; c++) {
          let t: SqlType | null = rows[0][c].type;
          for (const row of rows) t = t && leastRestrictive(t, row[c].type);
          if (!t) throw this.error(`column ${c + 1} of VALUES has no common type`, q.pos);
          fields.push({ name: `EXPR$${c}`, type: t });
        }
        return { kind: 'values', rows, fields };
      }
      case 'set-op': {
        if (q.op !== 'UNION' || !q.all) throw this.unsupported(`${q.op}${q.all ? ' ALL' : ''}`, q.pos);
        const inputs = [this.query(q.left), this.query(q.right)];
        const [a, b] = inputs;
        if (a.fields.length !== b.fields.length) {
          throw this.error(`UNION ALL inputs have ${a.fields.length} and ${b.fields.length} columns`, q.pos);
        }
        const fields = a.fields.map((f, i) => {
          const t = leastRestrictive(f.type, b.fields[i].type);
          if (!t)
            throw this.error(
              `column ${i + 1} of UNION ALL has types ${formatType(f.type)} and ${formatType(b.fields[i].type)} with no common type`,
              q.pos,
            );
          return { name: f.name, type: t };
        });
        return { kind: 'union', inputs, fields };
      }
      case 'ordered': {
        const input = this.query(q.query);
        const scope = Scope.of(input, null);
        const orderBy = q.orderBy.map((o) => {
          const r = this.expr(o.expr, scope);
          if (r.kind !== 'input')
            throw this.unsupported('ORDER BY an expression that is not a column of the result', o.expr.pos);
          return { field: r.index, descending: o.descending, nullsFirst: o.nullsFirst ?? !o.descending };
        });
        const limit = q.limit ? this.constantInt(q.limit, 'LIMIT') : null;
        const offset = q.offset ? this.constantInt(q.offset, 'OFFSET') : 0;
        return { kind: 'sort', input, orderBy, limit, offset, fields: input.fields };
      }
    }
  }

  private constantInt(e: Expr, what: string): number {
    if (e.kind !== 'literal' || e.type !== 'number' || !/^\d+$/.test(e.text))
      throw this.error(`${what} expects a non-negative integer`, e.pos);
    return Number(e.text);
  }

  private select(q: SelectQuery): Rel {
    let { rel, scope } = q.from ? this.tableRef(q.from) : { rel: this.singleRow(), scope: new Scope([]) };
    if (q.where) {
      this.noAggregates(q.where, 'WHERE');
      const { plain, scalar, subqueries } = splitSubqueries(q.where);
      if (plain) {
        let condition = this.expr(plain, scope);
        if (condition.type.kind !== 'BOOLEAN' && condition.type.kind !== 'NULL') {
          throw this.error(`WHERE needs a BOOLEAN condition, not ${formatType(condition.type)}`, plain.pos);
        }
        // `FROM a, b WHERE <time bounds>` is an interval (or window) join: it keeps time attributes.
        const timed = rel.kind === 'join' ? withTimeAttributes(rel, condition) : null;
        if (timed) {
          rel = timed;
          scope = new Scope(scope.fields.map((f, i) => ({ ...f, type: timed.fields[i].type })));
          condition = this.expr(plain, scope);
        }
        rel = { kind: 'filter', input: rel, condition, fields: rel.fields };
      }
      if (scalar) {
        const joined = this.scalarJoins(scalarSubqueries(scalar), rel);
        const condition = this.expr(scalar, scope, joined.hook);
        this.boolean(condition, 'WHERE', scalar.pos);
        rel = { kind: 'filter', input: joined.rel, condition, fields: joined.rel.fields };
      }
      for (const s of subqueries) rel = this.semiJoin(s, rel, scope);
    }
    if (q.windows.length > 0) throw this.unsupported('the WINDOW clause', q.pos);
    const aggregates = this.findAggregates(q);
    if (q.groupBy !== null || aggregates.length > 0 || q.having) {
      return this.aggregateSelect(q, rel, scope, aggregates);
    }
    const inItems = q.items.flatMap((item) => scalarSubqueries(item.expr));
    const scalarJoin = inItems.length > 0 ? this.scalarJoins(inItems, rel) : null;
    if (scalarJoin) rel = scalarJoin.rel;
    const over = this.overSelect(q, rel, scope);
    if (over) {
      rel = over.rel;
      scope = over.scope;
    }
    const hook = over || scalarJoin ? (e: Expr) => over?.hook(e) ?? scalarJoin?.hook(e) : undefined;
    const { exprs, names } = this.selectItems(q, scope, (e) => this.expr(e, scope, hook));
    const projected = this.project(rel, exprs, names);
    if (q.distinct) return this.distinct(projected);
    return projected;
  }

  /**
   * The ranking calls of a select list (`ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...)`): an
   * Over node adds a field per call, and the hook reads each call from it.
   */
  private overSelect(
    q: SelectQuery,
    input: Rel,
    scope: Scope,
  ): { rel: Rel; scope: Scope; hook: (e: Expr) => Rex | undefined } | null {
    const calls: CallExpr[] = [];
    const visit = (e: Expr): void => {
      if (e.kind === 'call' && e.over) {
        calls.push(e);
        return;
      }
      forEachChild(e, visit);
    };
    for (const item of q.items) visit(item.expr);
    if (calls.length === 0) return null;
    const first = calls[0];
    const spec = first.over!;
    if (spec.ref) throw this.unsupported('named windows in OVER', spec.pos);
    for (const c of calls) {
      if (JSON.stringify(stripPos(c.over)) !== JSON.stringify(stripPos(spec)))
        throw this.unsupported('several different OVER windows in one query', c.pos);
    }
    if (calls.some((c) => this.isAggregateCall({ ...c, over: null })))
      return this.overAggregate(calls, input, scope);
    const fnNames: ('ROW_NUMBER' | 'RANK' | 'DENSE_RANK')[] = [];
    for (const c of calls) {
      const f = builtinFunction(c.name);
      if (f?.kind !== 'ranking') throw this.error(`${c.name} cannot be used with OVER`, c.pos);
      if (c.args.length > 0) throw this.error(`${c.name} takes no arguments`, c.pos);
      if (JSON.stringify(stripPos(c.over)) !== JSON.stringify(stripPos(spec)))
        throw this.unsupported('several different OVER windows in one query', c.pos);
      if (c.over!.frame) throw this.error(`${c.name} takes no window frame`, c.over!.pos);
      fnNames.push(c.name as 'ROW_NUMBER');
    }
    const column = (e: Expr, what: string): number => {
      const r = this.expr(e, scope);
      if (r.kind !== 'input') throw this.unsupported(`${what} by an expression that is not a column`, e.pos);
      return r.index;
    };
    const partitionKeys = spec.partitionBy.map((e) => column(e, 'PARTITION BY'));
    if (spec.orderBy.length === 0)
      throw this.error(`${first.name} needs an ORDER BY in its OVER window`, spec.pos);
    const orderBy = spec.orderBy.map((o) => ({
      field: column(o.expr, 'ORDER BY'),
      descending: o.descending,
      nullsFirst: o.nullsFirst ?? !o.descending,
    }));
    const width = input.fields.length;
    const rel: Rel = {
      kind: 'over',
      input,
      partitionKeys,
      orderBy,
      calls: fnNames,
      fields: [...input.fields, ...calls.map((_, i) => ({ name: `w0$o${i}`, type: T.bigint(false) }))],
    };
    const hook = (e: Expr): Rex | undefined => {
      if (e.kind !== 'call' || !e.over) return undefined;
      const i = calls.indexOf(e);
      return i < 0 ? undefined : inputRef(width + i, T.bigint(false));
    };
    return { rel, scope, hook };
  }

  /**
   * OVER aggregation, as Flink runs it: aggregates over a window of rows of the same partition,
   * ordered by a time attribute (ascending), ending at the current row: `ROWS BETWEEN n PRECEDING`,
   * `RANGE BETWEEN INTERVAL ... PRECEDING`, or `UNBOUNDED PRECEDING`. Each row gets the aggregates
   * of its window; the rows come out in time order.
   */
  private overAggregate(
    calls: CallExpr[],
    input: Rel,
    scope: Scope,
  ): { rel: Rel; scope: Scope; hook: (e: Expr) => Rex | undefined } {
    const spec = calls[0].over!;
    if (spec.orderBy.length !== 1)
      throw this.error('OVER aggregation needs ORDER BY one time attribute', spec.pos);
    const order = spec.orderBy[0];
    const orderRex = this.expr(order.expr, scope);
    if (
      orderRex.kind !== 'input' ||
      !isTimestamp(orderRex.type) ||
      orderRex.type.timeAttribute === undefined
    ) {
      throw this.error(
        'OVER aggregation must be ORDER BY a time attribute (the rowtime of a WATERMARK, or PROCTIME())',
        order.expr.pos,
      );
    }
    if (order.descending) throw this.unsupported('OVER windows ordered DESC', order.expr.pos);
    const frame = spec.frame;
    let unit: 'ROWS' | 'RANGE' = 'RANGE';
    let preceding: number | null = null;
    if (frame) {
      unit = frame.unit;
      if (frame.end.kind !== 'current-row')
        throw this.unsupported('OVER windows that end after the current row', spec.pos);
      if (frame.start.kind === 'preceding') {
        const o = frame.start.offset;
        if (unit === 'ROWS') {
          if (o.kind !== 'literal' || o.type !== 'number' || !/^\d+$/.test(o.text))
            throw this.error(
              'ROWS BETWEEN needs a number of rows: ROWS BETWEEN 10 PRECEDING AND CURRENT ROW',
              o.pos,
            );
          preceding = Number(o.text);
        } else {
          if (o.kind !== 'interval')
            throw this.error(
              "RANGE BETWEEN needs an interval: RANGE BETWEEN INTERVAL '1' HOUR PRECEDING AND CURRENT ROW",
              o.pos,
            );
          preceding = this.intervalMs(o);
        }
      } else if (frame.start.kind !== 'unbounded-preceding') {
        throw this.unsupported('OVER windows that start at or after the current row', spec.pos);
      }
    }
    const partitionKeys = spec.partitionBy.map((e) => {
      const r = this.expr(e, scope);
      if (r.kind !== 'input')
        throw this.unsupported('PARTITION BY an expression that is not a column', e.pos);
      return r.index;
    });
    // The aggregates' arguments are fields of a projection of the input, after its own fields.
    const width = input.fields.length;
    const preExprs: Rex[] = input.fields.map((f, i) => inputRef(i, f.type));
    const fieldOf = (rex: Rex): number => {
      if (rex.kind === 'input' && rex.index < width) return rex.index;
      preExprs.push(rex);
      return preExprs.length - 1;
    };
    const aggs: AggCall[] = [];
    const types: SqlType[] = [];
    for (const c of calls) {
      const userAgg = this.userAggregate(c, scope, fieldOf, `w0$o${aggs.length}`);
      if (userAgg) {
        if (userAgg.call.distinct) throw this.unsupported('DISTINCT in OVER aggregation', c.pos);
        if (preceding !== null && !this.catalog.getFunction(c.name)?.retract)
          throw this.error(
            `the aggregate function ${userAgg.call.udf} has no retract method, which an OVER window with a bounded PRECEDING needs`,
            c.pos,
          );
        aggs.push(userAgg.call);
        types.push(userAgg.type);
        continue;
      }
      const f = builtinFunction(c.name);
      if (f?.kind !== 'aggregate') throw this.unsupported(`${c.name} in OVER aggregation`, c.pos);
      if (c.distinct) throw this.unsupported('DISTINCT in OVER aggregation', c.pos);
      const args = c.star ? [] : c.args.map((a) => this.expr(a, scope));
      const inferred = f.infer(args.map((a) => a.type));
      if (typeof inferred === 'string') throw this.error(inferred, c.pos);
      const filter = c.filter ? fieldOf(this.expr(c.filter, scope)) : null;
      aggs.push({ fn: c.name, args: args.map(fieldOf), distinct: false, filter, name: `w0$o${aggs.length}` });
      types.push(inferred);
    }
    const pre = this.project(
      input,
      preExprs,
      preExprs.map((_, i) => (i < width ? input.fields[i].name : `$f${i}`)),
    );
    const rel: Rel = {
      kind: 'over-aggregate',
      input: pre,
      partitionKeys,
      time: orderRex.index,
      rowtime: orderRex.type.timeAttribute === 'rowtime',
      unit,
      preceding,
      aggs,
      fields: [...pre.fields, ...aggs.map((a, i) => ({ name: a.name, type: types[i] }))],
    };
    const preWidth = pre.fields.length;
    const hook = (e: Expr): Rex | undefined => {
      if (e.kind !== 'call' || !e.over) return undefined;
      const i = calls.indexOf(e);
      return i < 0 ? undefined : inputRef(preWidth + i, types[i]);
    };
    return { rel, scope, hook };
  }

  private singleRow(): Rel {
    return { kind: 'values', rows: [[]], fields: [] };
  }

  private distinct(rel: Rel): Rel {
    return {
      kind: 'aggregate',
      input: rel,
      groupKeys: rel.fields.map((_, i) => i),
      aggs: [],
      window: null,
      windowProperties: [],
      fields: rel.fields.map((f) => ({ name: f.name, type: withoutTimeAttribute(f.type) })),
    };
  }

  /** Select items bound by `bind`, with `*` expanded and output names derived as Flink derives them. */
  private selectItems(
    q: SelectQuery,
    scope: Scope,
    bind: (e: Expr) => Rex,
  ): { exprs: Rex[]; names: string[] } {
    const exprs: Rex[] = [];
    const names: string[] = [];
    for (const item of q.items) {
      if (item.expr.kind === 'star') {
        const qualifier = item.expr.qualifier;
        const fields = qualifier ? scope.fields.filter((f) => f.table === qualifier.join('.')) : scope.fields;
        if (qualifier && fields.length === 0)
          throw this.error(`unknown table "${qualifier.join('.')}" in ${qualifier.join('.')}.*`, item.pos);
        for (const f of fields) {
          exprs.push(
            bind({
              kind: 'column',
              // Qualified whenever the field has a table: two joined tables may share a column name.
              path: f.table ? [f.table, f.name] : [f.name],
              pos: item.pos,
            }),
          );
          names.push(f.name);
        }
        continue;
      }
      exprs.push(bind(item.expr));
      names.push(item.alias ?? this.derivedName(item.expr, exprs.length - 1));
    }
    return { exprs, names: uniqueNames(names) };
  }

  private derivedName(e: Expr, i: number): string {
    if (e.kind === 'column') return e.path[e.path.length - 1];
    if (e.kind === 'field') return e.field;
    return `EXPR$${i}`;
  }

  private project(input: Rel, exprs: Rex[], names: string[]): Rel {
    const fields = exprs.map((e, i) => ({ name: names[i], type: e.type }));
    // A projection of every input field in order is no projection.
    if (
      exprs.length === input.fields.length &&
      exprs.every((e, i) => e.kind === 'input' && e.index === i) &&
      names.every((n, i) => n === input.fields[i].name)
    ) {
      return input;
    }
    return { kind: 'project', input, exprs, fields };
  }

  // -------------------------------------------------------------------------------------------
  // Aggregation

  /** A call of an aggregate function without OVER (a plain boolean: its false branch says nothing of `e`'s kind). */
  private isAggregateCall(e: Expr): boolean {
    if (e.kind !== 'call' || e.over) return false;
    const f = builtinFunction(e.name);
    return f?.kind === 'aggregate' || this.catalog.getFunction(e.name)?.kind === 'aggregate';
  }

  /** Aggregate calls in the select list and HAVING (not inside another aggregate or an OVER). */
  private findAggregates(q: SelectQuery): CallExpr[] {
    const found: CallExpr[] = [];
    const visit = (e: Expr): void => {
      if (e.kind === 'call' && this.isAggregateCall(e)) {
        found.push(e);
        for (const a of e.args) this.noAggregates(a, `the argument of ${e.name}`);
        return;
      }
      forEachChild(e, visit);
    };
    for (const item of q.items) visit(item.expr);
    if (q.having) visit(q.having);
    return found;
  }

  /**
   * A call of a user aggregate function as an aggregate call (its arguments as fields of the
   * aggregate's input), or null when `a` calls no user aggregate.
   */
  private userAggregate(
    a: CallExpr,
    scope: Scope,
    fieldOf: (rex: Rex) => number,
    name: string,
  ): { call: AggCall; type: SqlType } | null {
    const fn = this.catalog.getFunction(a.name);
    if (fn?.kind !== 'aggregate') return null;
    if (a.star) throw this.error(`${a.name}(*) is not allowed; only COUNT(*)`, a.pos);
    if (a.distinct && a.args.length !== 1)
      throw this.unsupported(`DISTINCT with ${a.args.length} arguments of ${a.name}`, a.pos);
    const args = a.args.map((x) => fieldOf(this.expr(x, scope)));
    let filter: number | null = null;
    if (a.filter) {
      const cond = this.expr(a.filter, scope);
      if (cond.type.kind !== 'BOOLEAN')
        throw this.error(`FILTER needs a BOOLEAN condition, not ${formatType(cond.type)}`, a.filter.pos);
      filter = fieldOf(cond);
    }
    return {
      call: {
        fn: fn.name.toUpperCase(),
        args,
        distinct: a.distinct,
        filter,
        udf: fn.name,
        location: fn.location,
        name,
      },
      type: fn.returns,
    };
  }

  /**
   * User aggregates must have the methods their query needs, as Flink checks: `retract` over an
   * updating input, `merge` for session, HOP and CUMULATE windows (their accumulators are merged).
   */
  private checkUserAggregates(aggs: AggCall[], input: Rel, window: string | null, pos: SqlPos): void {
    for (const a of aggs) {
      if (a.udf === undefined) continue;
      const fn = this.catalog.getFunction(a.udf);
      if (!fn) continue;
      const kinds = window === null ? changeKinds(input) : null;
      if (kinds && (kinds.update || kinds.delete) && !fn.retract)
        throw this.error(
          `the aggregate function ${a.udf} has no retract method, which it needs to aggregate the updating result of ${kinds.producer}`,
          pos,
        );
      if ((window === 'session' || window === 'hop' || window === 'cumulate') && !fn.merge)
        throw this.error(
          `the aggregate function ${a.udf} has no merge method, which ${window.toUpperCase()} windows need`,
          pos,
        );
    }
  }

  private noAggregates(e: Expr, where: string): void {
    const visit = (x: Expr): void => {
      if (x.kind === 'call' && this.isAggregateCall(x))
        throw this.error(`aggregate ${x.name} is not allowed in ${where}`, x.pos);
      forEachChild(x, visit);
    };
    visit(e);
  }

  private aggregateSelect(q: SelectQuery, input: Rel, scope: Scope, aggregates: CallExpr[]): Rel {
    // Group keys; a legacy window call (TUMBLE/HOP/SESSION(time, ...)) is the group window.
    const groupExprs: Expr[] = [];
    let window: AggContext['window'] = null;
    for (const item of q.groupBy ?? []) {
      if (item.kind !== 'expr') throw this.unsupported('GROUPING SETS, ROLLUP and CUBE', item.pos);
      const e = item.expr;
      if (e.kind === 'call' && ['TUMBLE', 'HOP', 'SESSION'].includes(e.name) && !e.quoted) {
        if (window) throw this.error('a query can group by one window only', e.pos);
        window = this.groupWindow(e, scope);
        continue;
      }
      groupExprs.push(e);
    }
    const groupRexes = groupExprs.map((e) => this.expr(e, scope));
    // The aggregate's input: the group keys, then every aggregate argument and filter.
    const preExprs: Rex[] = [...groupRexes];
    const preNames = groupRexes.map((_, i) => `$f${i}`);
    const fieldOf = (rex: Rex): number => {
      const found = preExprs.findIndex((p) => sameRex(p, rex));
      if (found >= 0) return found;
      preExprs.push(rex);
      preNames.push(`$f${preExprs.length - 1}`);
      return preExprs.length - 1;
    };
    let windowTimeField = -1;
    if (window) {
      const time = this.expr(window.call.args[0], scope);
      windowTimeField = fieldOf(time);
      window.def = { ...window.def, time: windowTimeField };
    }
    const slots: AggSlot[] = [];
    const aggNames = new Set<string>();
    for (const a of aggregates) {
      if (slots.some((s) => sameCall(s.expr, a))) continue;
      const userAgg = this.userAggregate(a, scope, fieldOf, `EXPR$${slots.length}`);
      if (userAgg) {
        aggNames.add(userAgg.call.name);
        slots.push({ expr: a, ...userAgg });
        continue;
      }
      const f = builtinFunction(a.name);
      if (!f) throw this.error(`unknown function ${a.name}`, a.pos);
      const argRexes = a.star ? [] : a.args.map((x) => this.expr(x, scope));
      if (a.star && a.name !== 'COUNT') throw this.error(`${a.name}(*) is not allowed; only COUNT(*)`, a.pos);
      if (!a.star && (argRexes.length < f.minArgs || argRexes.length > f.maxArgs)) {
        throw this.error(
          `${a.name} expects ${f.minArgs === f.maxArgs ? f.minArgs : `${f.minArgs} to ${f.maxArgs}`} arguments, got ${argRexes.length}`,
          a.pos,
        );
      }
      const inferred = f.infer(argRexes.map((r) => r.type));
      if (typeof inferred === 'string') throw this.error(inferred, a.pos);
      let filter: number | null = null;
      if (a.filter) {
        const cond = this.expr(a.filter, scope);
        if (cond.type.kind !== 'BOOLEAN')
          throw this.error(`FILTER needs a BOOLEAN condition, not ${formatType(cond.type)}`, a.filter.pos);
        filter = fieldOf(cond);
      }
      let name = `EXPR$${slots.length}`;
      while (aggNames.has(name)) name += '_';
      aggNames.add(name);
      slots.push({
        expr: a,
        call: { fn: a.name, args: argRexes.map(fieldOf), distinct: a.distinct, filter, name },
        type: inferred,
      });
    }
    const pre = this.project(input, preExprs, preNames);
    this.checkUserAggregates(
      slots.map((s) => s.call),
      input,
      window?.def.kind ?? windowTableKind(input),
      q.pos,
    );
    const groupKeys = groupRexes.map((_, i) => i);
    const windowProps: ('start' | 'end' | 'rowtime' | 'proctime')[] = [];
    const ctx: AggContext = { inputScope: scope, groupRexes, slots, window, windowProps };
    // Bind the select list and HAVING over the aggregate's output.
    const bindOut = (e: Expr): Rex => this.expr(e, scope, (x) => this.afterAggregate(x, ctx));
    const items = this.selectItems(q, scope, bindOut);
    const having = q.having ? bindOut(q.having) : null;
    if (having && having.type.kind !== 'BOOLEAN')
      throw this.error(`HAVING needs a BOOLEAN condition, not ${formatType(having.type)}`, q.having!.pos);
    const windowType = (p: 'start' | 'end' | 'rowtime' | 'proctime'): SqlType =>
      p === 'rowtime'
        ? { kind: 'TIMESTAMP', precision: 3, nullable: false, timeAttribute: 'rowtime' }
        : p === 'proctime'
          ? { kind: 'TIMESTAMP_LTZ', precision: 3, nullable: false, timeAttribute: 'proctime' }
          : T.timestamp(3, false);
    const aggRel: Rel = {
      kind: 'aggregate',
      input: pre,
      groupKeys,
      aggs: slots.map((s) => s.call),
      window: window?.def ?? null,
      windowProperties: windowProps,
      fields: [
        ...groupKeys.map((k, i) => ({
          name: this.derivedName(groupExprs[i], i),
          type: withoutTimeAttribute(pre.fields[k].type),
        })),
        ...slots.map((s) => ({ name: s.call.name, type: s.type })),
        ...windowProps.map((p) => ({ name: `w$${p}`, type: windowType(p) })),
      ],
    };
    let rel: Rel = aggRel;
    if (having) rel = { kind: 'filter', input: rel, condition: having, fields: rel.fields };
    const out = this.project(rel, items.exprs, items.names);
    return q.distinct ? this.distinct(out) : out;
  }

  /**
   * How an expression of a grouped query reads the aggregate's output: an aggregate call is its
   * result field, an expression equal to a group key is that key, a window property function is
   * that property; any other column is not grouped. Undefined: bind the expression's parts.
   */
  private afterAggregate(e: Expr, ctx: AggContext): Rex | undefined {
    const keys = ctx.groupRexes.length;
    if (e.kind === 'call' && this.isAggregateCall(e)) {
      const i = ctx.slots.findIndex((s) => sameCall(s.expr, e));
      return inputRef(keys + i, ctx.slots[i].type);
    }
    if (e.kind === 'call' && ctx.window && !e.quoted) {
      const prop = windowProperty(e.name, ctx.window.def.kind);
      if (prop) {
        let i = ctx.windowProps.indexOf(prop);
        if (i < 0) {
          ctx.windowProps.push(prop);
          i = ctx.windowProps.length - 1;
        }
        const type: SqlType =
          prop === 'rowtime'
            ? { kind: 'TIMESTAMP', precision: 3, nullable: false, timeAttribute: 'rowtime' }
            : prop === 'proctime'
              ? { kind: 'TIMESTAMP_LTZ', precision: 3, nullable: false, timeAttribute: 'proctime' }
              : T.timestamp(3, false);
        return inputRef(keys + ctx.slots.length + i, type);
      }
    }
    if (e.kind === 'literal' || e.kind === 'interval') return undefined;
    let bound: Rex | undefined;
    try {
      bound = this.expr(e, ctx.inputScope, (x) =>
        this.isAggregateCall(x) ? literal(null, T.null()) : undefined,
      );
    } catch {
      bound = undefined;
    }
    if (bound) {
      const k = ctx.groupRexes.findIndex((g) => sameRex(g, bound!));
      if (k >= 0) return inputRef(k, withoutTimeAttribute(ctx.groupRexes[k].type));
    }
    if (e.kind === 'column') {
      throw this.error(
        `column "${e.path.join('.')}" is neither grouped nor aggregated: add it to GROUP BY or wrap it in an aggregate such as MAX`,
        e.pos,
      );
    }
    return undefined;
  }

  private groupWindow(e: CallExpr, scope: Scope): NonNullable<AggContext['window']> {
    const time = e.args[0] ? this.expr(e.args[0], scope) : null;
    if (!time || !isTimestamp(time.type) || time.type.timeAttribute === undefined) {
      throw this.error(
        `the first argument of ${e.name} must be a time attribute (a rowtime with a WATERMARK, or PROCTIME())`,
        e.args[0]?.pos ?? e.pos,
      );
    }
    const intervals = e.args.slice(1).map((a) => {
      if (a.kind !== 'interval')
        throw this.error(`${e.name} expects interval literals after the time attribute`, a.pos);
      return this.intervalMs(a);
    });
    let def: GroupWindow;
    if (e.name === 'TUMBLE') {
      if (intervals.length < 1 || intervals.length > 2)
        throw this.error('TUMBLE(time, size [, offset])', e.pos);
      def = { kind: 'tumble', time: -1, size: intervals[0], offset: intervals[1] ?? 0 };
    } else if (e.name === 'HOP') {
      if (intervals.length < 2 || intervals.length > 3)
        throw this.error('HOP(time, slide, size [, offset])', e.pos);
      def = { kind: 'hop', time: -1, slide: intervals[0], size: intervals[1], offset: intervals[2] ?? 0 };
    } else {
      if (intervals.length !== 1) throw this.error('SESSION(time, gap)', e.pos);
      def = { kind: 'session', time: -1, gap: intervals[0] };
    }
    return { def, call: e, timeType: time.type };
  }

  // -------------------------------------------------------------------------------------------
  // Expressions

  /**
   * Binds an expression over `scope`. `hook` sees every sub-expression first and may bind it
   * itself (a grouped query reads aggregates and keys from the aggregate's output).
   */
  expr(e: Expr, scope: Scope, hook?: (e: Expr) => Rex | undefined): Rex {
    const hooked = hook?.(e);
    if (hooked) return hooked;
    const sub = (x: Expr): Rex => this.expr(x, scope, hook);
    switch (e.kind) {
      case 'literal':
        return this.literal(e);
      case 'interval':
        return this.interval(e);
      case 'column':
        return this.column(e.path, scope, e.pos);
      case 'star':
        throw this.error('"*" is only allowed in the select list and in COUNT(*)', e.pos);
      case 'unary': {
        const operand = sub(e.operand);
        if (e.op === 'NOT')
          return call('NOT', [this.boolean(operand, 'NOT', e.pos)], T.boolean(operand.type.nullable));
        if (!isNumeric(operand.type) && !isInterval(operand.type))
          throw this.error(`${e.op} expects a number, got ${formatType(operand.type)}`, e.pos);
        return e.op === '-' ? call('NEGATE', [operand], withoutTimeAttribute(operand.type)) : operand;
      }
      case 'binary':
        return this.binary(e.op, sub(e.left), sub(e.right), e.pos);
      case 'case':
        return this.caseExpr(e, sub);
      case 'cast': {
        const value = sub(e.expr);
        const to = this.type(e.type);
        return call(e.safe ? 'TRY_CAST' : 'CAST', [value], withNullable(to, e.safe || value.type.nullable));
      }
      case 'between': {
        const value = sub(e.expr);
        const low = sub(e.low);
        const high = sub(e.high);
        let r = this.binary(
          'AND',
          this.binary('>=', value, low, e.pos),
          this.binary('<=', value, high, e.pos),
          e.pos,
        );
        if (e.symmetric) {
          r = this.binary(
            'OR',
            r,
            this.binary(
              'AND',
              this.binary('>=', value, high, e.pos),
              this.binary('<=', value, low, e.pos),
              e.pos,
            ),
            e.pos,
          );
        }
        return e.not ? call('NOT', [r], r.type) : r;
      }
      case 'in': {
        if (e.query)
          throw this.unsupported('IN (subquery) elsewhere than as a condition AND-ed in WHERE', e.pos);
        const value = sub(e.expr);
        const list = (e.list ?? []).map(sub);
        for (const item of list) this.comparable(value, item, 'IN', e.pos);
        const r = call(
          'IN',
          [value, ...list],
          T.boolean(value.type.nullable || list.some((l) => l.type.nullable)),
        );
        return e.not ? call('NOT', [r], r.type) : r;
      }
      case 'like': {
        const value = sub(e.expr);
        const pattern = sub(e.pattern);
        const escapeChar = e.escape ? sub(e.escape) : null;
        for (const x of [value, pattern]) {
          if (!isString(x.type) && x.type.kind !== 'NULL')
            throw this.error(`${e.op} expects strings, got ${formatType(x.type)}`, e.pos);
        }
        const r = call(
          e.op === 'LIKE' ? 'LIKE' : 'SIMILAR',
          escapeChar ? [value, pattern, escapeChar] : [value, pattern],
          T.boolean(value.type.nullable || pattern.type.nullable),
        );
        return e.not ? call('NOT', [r], r.type) : r;
      }
      case 'is': {
        const value = sub(e.expr);
        if (e.test === 'DISTINCT') {
          const other = sub(e.other!);
          this.comparable(value, other, 'IS DISTINCT FROM', e.pos);
          const r = call('IS DISTINCT FROM', [value, other], T.boolean(false));
          return e.not ? call('NOT', [r], r.type) : r;
        }
        if (e.test !== 'NULL') this.boolean(value, `IS ${e.test}`, e.pos);
        return call(`IS ${e.not ? 'NOT ' : ''}${e.test}`, [value], T.boolean(false));
      }
      case 'item': {
        const base = sub(e.expr);
        const index = sub(e.index);
        if (base.type.kind === 'ARRAY') {
          if (!isInteger(index.type)) throw this.error('an array index must be an integer', e.index.pos);
          return call('ITEM', [base, index], withNullable(base.type.element, true));
        }
        if (base.type.kind === 'MAP') return call('ITEM', [base, index], withNullable(base.type.value, true));
        throw this.error(`[] needs an ARRAY or a MAP, not ${formatType(base.type)}`, e.pos);
      }
      case 'field': {
        const base = sub(e.expr);
        return this.fieldAccess(base, e.field, e.pos);
      }
      case 'constructor': {
        const args = e.args.map(sub);
        if (e.type === 'ROW') {
          return call('ROW', args, {
            kind: 'ROW',
            fields: args.map((a, i) => ({ name: `EXPR$${i}`, type: a.type })),
            nullable: false,
          });
        }
        if (e.type === 'ARRAY') {
          let t: SqlType | null = args[0]?.type ?? T.null();
          for (const a of args) t = t && leastRestrictive(t, a.type);
          if (!t) throw this.error('ARRAY elements have no common type', e.pos);
          return call('ARRAY', args, { kind: 'ARRAY', element: t, nullable: false });
        }
        if (args.length % 2 !== 0) throw this.error('MAP[...] needs key, value pairs', e.pos);
        return call('MAP', args, {
          kind: 'MAP',
          key: args[0]?.type ?? T.null(),
          value: args[1]?.type ?? T.null(),
          nullable: false,
        });
      }
      case 'exists':
        throw this.unsupported('EXISTS elsewhere than as a condition AND-ed in WHERE', e.pos);
      case 'subquery':
        throw this.unsupported(
          'a scalar subquery elsewhere than in WHERE or the select list of a query without GROUP BY, or one that refers to the outer query',
          e.pos,
        );
      case 'call':
        return this.functionCall(e, sub);
    }
  }

  private literal(e: LiteralExpr): Rex {
    switch (e.type) {
      case 'number': {
        const text = e.text;
        if (/[eE]/.test(text)) return literal(Number(text), T.double(false));
        if (text.includes('.')) {
          // Flink's parser counts every digit written, leading zeros too: 0.908 is DECIMAL(4, 3).
          const digits = text.replace('-', '');
          const [whole, frac = ''] = digits.split('.');
          const scale = frac.length;
          const precision = Math.max(1, whole.length + scale);
          return literal(Number(text), T.decimal(Math.min(precision, MAX_DECIMAL_PRECISION), scale, false));
        }
        const n = Number(text);
        return literal(n, n >= -2147483648 && n <= 2147483647 ? T.int(false) : T.bigint(false));
      }
      case 'string':
        return literal(e.text, { kind: 'CHAR', length: Math.max(1, e.text.length), nullable: false });
      case 'boolean':
        return literal(e.text === 'TRUE', T.boolean(false));
      case 'null':
        return literal(null, T.null());
      case 'unknown':
        return literal(null, T.boolean(true));
      case 'date': {
        const ms = Date.parse(`${e.text}T00:00:00Z`);
        if (Number.isNaN(ms)) throw this.error(`invalid DATE literal '${e.text}'`, e.pos);
        return literal(ms / 86_400_000, { kind: 'DATE', nullable: false });
      }
      case 'time': {
        const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/.exec(e.text);
        if (!m) throw this.error(`invalid TIME literal '${e.text}'`, e.pos);
        const ms =
          ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 1000 +
          Number((m[4] ?? '0').padEnd(3, '0').slice(0, 3));
        return literal(ms, { kind: 'TIME', precision: 0, nullable: false });
      }
      case 'timestamp':
      case 'timestamp_ltz': {
        const ms = parseTimestamp(e.text);
        if (ms === null) throw this.error(`invalid TIMESTAMP literal '${e.text}'`, e.pos);
        return literal(ms, {
          kind: e.type === 'timestamp' ? 'TIMESTAMP' : 'TIMESTAMP_LTZ',
          precision: 3,
          nullable: false,
        });
      }
    }
  }

  private interval(e: IntervalExpr): Rex {
    if (e.unit === 'YEAR' || e.unit === 'MONTH') {
      const months = this.intervalMonths(e);
      return literal(months, { kind: 'INTERVAL_YEAR_MONTH', nullable: false });
    }
    return literal(this.intervalMs(e), T.intervalDayTime(false));
  }

  /** A day-time interval literal in milliseconds. */
  intervalMs(e: IntervalExpr): number {
    if (e.unit === 'YEAR' || e.unit === 'MONTH')
      throw this.error('expected a day-time interval (DAY, HOUR, MINUTE, SECOND)', e.pos);
    const negative = e.text.trim().startsWith('-');
    const text = e.text.trim().replace(/^[-+]/, '');
    let ms: number;
    if (e.toUnit === null) {
      if (!/^\d+(\.\d+)?$/.test(text))
        throw this.error(`invalid interval value '${e.text}' for ${e.unit}`, e.pos);
      ms = Math.round(Number(text) * UNIT_MS[e.unit]);
    } else {
      // 'd hh:mm:ss.fff' and its shorter forms, from e.unit down to e.toUnit.
      const parts = text.split(/[ :]/);
      const units = ['DAY', 'HOUR', 'MINUTE', 'SECOND'];
      const from = units.indexOf(e.unit);
      const to = units.indexOf(e.toUnit);
      if (from < 0 || to < from || parts.length !== to - from + 1)
        throw this.error(`invalid interval value '${e.text}' for ${e.unit} TO ${e.toUnit}`, e.pos);
      ms = 0;
      parts.forEach((p, k) => {
        if (!/^\d+(\.\d+)?$/.test(p)) throw this.error(`invalid interval value '${e.text}'`, e.pos);
        ms += Number(p) * UNIT_MS[units[from + k]];
      });
      ms = Math.round(ms);
    }
    return negative ? -ms : ms;
  }

  private intervalMonths(e: IntervalExpr): number {
    const negative = e.text.trim().startsWith('-');
    const text = e.text.trim().replace(/^[-+]/, '');
    let months: number;
    if (e.toUnit === 'MONTH' && e.unit === 'YEAR') {
      const m = /^(\d+)-(\d+)$/.exec(text);
      if (!m) throw this.error(`invalid interval value '${e.text}' for YEAR TO MONTH`, e.pos);
      months = Number(m[1]) * 12 + Number(m[2]);
    } else {
      if (!/^\d+$/.test(text)) throw this.error(`invalid interval value '${e.text}'`, e.pos);
      months = Number(text) * (e.unit === 'YEAR' ? 12 : 1);
    }
    return negative ? -months : months;
  }

  /** A column path: `c`, `t.c`, `c.field`, `t.c.field.field`. */
  private column(path: string[], scope: Scope, pos: SqlPos): Rex {
    let rest = path;
    let matches: ScopeField[] = [];
    if (path.length >= 2 && scope.hasTable(path[0])) {
      matches = scope.fields.filter((f) => f.table === path[0] && f.name === path[1]);
      if (matches.length === 0) {
        throw this.error(
          `table "${path[0]}" has no column "${path[1]}" (it has: ${scope.fields
            .filter((f) => f.table === path[0])
            .map((f) => f.name)
            .join(', ')})`,
          pos,
        );
      }
      rest = path.slice(2);
    } else {
      matches = scope.fields.filter((f) => f.name === path[0] && !f.shadowed);
      rest = path.slice(1);
      if (matches.length === 0) {
        const names = [...new Set(scope.fields.map((f) => f.name))];
        const near = names.find((n) => n.toLowerCase() === path[0].toLowerCase());
        throw this.error(
          `unknown column "${path[0]}"${near ? ` (did you mean "${near}"? names are case-sensitive)` : names.length ? ` (available: ${names.join(', ')})` : ''}`,
          pos,
        );
      }
    }
    if (matches.length > 1)
      throw this.error(
        `column "${path.slice(0, path.length - rest.length).join('.')}" is ambiguous: qualify it with its table`,
        pos,
      );
    let rex: Rex = inputRef(matches[0].index, matches[0].type);
    for (const field of rest) rex = this.fieldAccess(rex, field, pos);
    return rex;
  }

  private fieldAccess(base: Rex, field: string, pos: SqlPos): Rex {
    if (base.type.kind !== 'ROW')
      throw this.error(`"${field}" is not a field: the value is ${formatType(base.type)}, not a ROW`, pos);
    const index = base.type.fields.findIndex((f) => f.name === field);
    if (index < 0)
      throw this.error(
        `the ROW has no field "${field}" (it has: ${base.type.fields.map((f) => f.name).join(', ')})`,
        pos,
      );
    const t = base.type.fields[index].type;
    return {
      kind: 'field',
      expr: base,
      index,
      name: field,
      type: base.type.nullable ? withNullable(t, true) : t,
    };
  }

  private boolean(r: Rex, what: string, pos: SqlPos): Rex {
    if (r.type.kind !== 'BOOLEAN' && r.type.kind !== 'NULL')
      throw this.error(`${what} expects BOOLEAN, got ${formatType(r.type)}`, pos);
    return r;
  }

  private comparable(a: Rex, b: Rex, op: string, pos: SqlPos): void {
    const x = a.type;
    const y = b.type;
    if (x.kind === 'NULL' || y.kind === 'NULL') return;
    if ((isNumeric(x) && isNumeric(y)) || (isString(x) && isString(y)) || (isTimestamp(x) && isTimestamp(y)))
      return;
    if (x.kind === y.kind) return;
    throw this.error(`cannot compare ${formatType(x)} with ${formatType(y)} (${op})`, pos);
  }

  private binary(op: string, left: Rex, right: Rex, pos: SqlPos): Rex {
    const nullable = left.type.nullable || right.type.nullable;
    switch (op) {
      case 'AND':
      case 'OR':
        this.boolean(left, op, pos);
        this.boolean(right, op, pos);
        return call(op, [left, right], T.boolean(nullable));
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=':
        this.comparable(left, right, op, pos);
        return call(op, [left, right], T.boolean(nullable));
      case '||':
        for (const x of [left, right]) {
          if (!isString(x.type) && x.type.kind !== 'NULL')
            throw this.error(`|| expects strings, got ${formatType(x.type)}`, pos);
        }
        return call('||', [left, right], T.string(nullable));
      default:
        return call(op, [left, right], this.arithmeticType(op, left.type, right.type, pos));
    }
  }

  /** Result types of + - * / % by Flink's rules (integer division stays integer; DECIMAL precision and scale derive). */
  private arithmeticType(op: string, a: SqlType, b: SqlType, pos: SqlPos): SqlType {
    const nullable = a.nullable || b.nullable;
    if (a.kind === 'NULL' || b.kind === 'NULL') {
      const other = a.kind === 'NULL' ? b : a;
      return withNullable(withoutTimeAttribute(other.kind === 'NULL' ? T.int() : other), true);
    }
    if ((op === '+' || op === '-') && (isTimestamp(a) || a.kind === 'DATE') && isInterval(b))
      return withNullable(withoutTimeAttribute(a), nullable);
    if (op === '+' && isInterval(a) && (isTimestamp(b) || b.kind === 'DATE'))
      return withNullable(withoutTimeAttribute(b), nullable);
    if ((op === '+' || op === '-') && isInterval(a) && a.kind === b.kind) return withNullable(a, nullable);
    if (!isNumeric(a) || !isNumeric(b))
      throw this.error(`${op} expects numbers, got ${formatType(a)} and ${formatType(b)}`, pos);
    if (op === '%') {
      if (!isInteger(a) || !isInteger(b))
        throw this.error(`% expects integers, got ${formatType(a)} and ${formatType(b)}`, pos);
      return withNullable(b, nullable);
    }
    if (a.kind === 'DOUBLE' || b.kind === 'DOUBLE' || a.kind === 'FLOAT' || b.kind === 'FLOAT') {
      return { kind: a.kind === 'FLOAT' && b.kind === 'FLOAT' ? 'FLOAT' : 'DOUBLE', nullable };
    }
    if (a.kind === 'DECIMAL' || b.kind === 'DECIMAL') {
      const [p1, s1] = a.kind === 'DECIMAL' ? [a.precision, a.scale] : [integerPrecision(a.kind), 0];
      const [p2, s2] = b.kind === 'DECIMAL' ? [b.precision, b.scale] : [integerPrecision(b.kind), 0];
      let p: number;
      let s: number;
      if (op === '*') {
        p = p1 + p2 + 1;
        s = s1 + s2;
      } else if (op === '/') {
        s = Math.max(6, s1 + p2 + 1);
        p = p1 - s1 + s2 + s;
      } else {
        s = Math.max(s1, s2);
        p = Math.max(p1 - s1, p2 - s2) + s + 1;
      }
      [p, s] = adjustDecimal(p, s);
      return T.decimal(p, s, nullable);
    }
    const order = ['TINYINT', 'SMALLINT', 'INT', 'BIGINT'];
    return { kind: order[Math.max(order.indexOf(a.kind), order.indexOf(b.kind))] as 'INT', nullable };
  }

  private caseExpr(e: Expr & { kind: 'case' }, sub: (x: Expr) => Rex): Rex {
    const operand = e.operand ? sub(e.operand) : null;
    const args: Rex[] = [];
    let type: SqlType | null = null;
    for (const w of e.whens) {
      let cond = sub(w.condition);
      if (operand) {
        cond = this.binary('=', operand, cond, w.condition.pos);
      } else this.boolean(cond, 'WHEN', w.condition.pos);
      const result = sub(w.result);
      type = type === null ? result.type : leastRestrictive(type, result.type);
      if (type === null)
        throw this.error(`CASE branches have no common type (${formatType(result.type)})`, w.result.pos);
      args.push(cond, result);
    }
    const otherwise = e.otherwise ? sub(e.otherwise) : literal(null, T.null());
    type = leastRestrictive(type!, otherwise.type);
    if (type === null)
      throw this.error(
        'the ELSE branch of CASE has no common type with the others',
        e.otherwise?.pos ?? e.pos,
      );
    args.push(otherwise);
    const nullable =
      e.otherwise === null || args.some((a, i) => (i % 2 === 1 || i === args.length - 1) && a.type.nullable);
    return call('CASE', args, withNullable(withoutTimeAttribute(type), nullable));
  }

  private functionCall(e: CallExpr, sub: (x: Expr) => Rex): Rex {
    if (e.over)
      throw this.unsupported(`${e.name} OVER here (ranking is supported in the select list)`, e.pos);
    const userFn = this.catalog.getFunction(e.name);
    if (userFn) {
      if (userFn.kind === 'aggregate') throw this.error(`aggregate ${e.name} is not allowed here`, e.pos);
      if (userFn.kind === 'table')
        throw this.error(
          `${e.name} is a table function: call it in FROM, as LATERAL TABLE(${e.name}(...))`,
          e.pos,
        );
      if (e.distinct || e.star || e.filter)
        throw this.error(`${e.name} is a scalar function: DISTINCT, * and FILTER do not apply`, e.pos);
      const args = e.args.map(sub);
      return { kind: 'call', op: userFn.name.toUpperCase(), udf: userFn.name, args, type: userFn.returns };
    }
    const f = builtinFunction(e.name);
    if (!f) {
      if (['TUMBLE', 'HOP', 'SESSION', 'CUMULATE'].includes(e.name)) {
        throw this.error(
          `${e.name}(...) here must be a group window in GROUP BY, or a window table function in FROM TABLE(...)`,
          e.pos,
        );
      }
      if (
        windowProperty(e.name, 'tumble') ||
        windowProperty(e.name, 'hop') ||
        windowProperty(e.name, 'session')
      ) {
        throw this.error(`${e.name} needs the matching group window in GROUP BY`, e.pos);
      }
      throw this.error(`unknown function ${e.name}`, e.pos);
    }
    if (f.kind === 'aggregate') throw this.error(`aggregate ${e.name} is not allowed here`, e.pos);
    if (f.kind === 'ranking') throw this.error(`${e.name} needs an OVER window`, e.pos);
    if (e.distinct || e.star || e.filter)
      throw this.error(`${e.name} is not an aggregate: DISTINCT, * and FILTER do not apply`, e.pos);
    const args = e.args.map(sub);
    if (args.length < f.minArgs || args.length > f.maxArgs) {
      throw this.error(
        `${e.name} expects ${f.minArgs === f.maxArgs ? f.minArgs : `${f.minArgs} to ${f.maxArgs}`} arguments, got ${args.length}`,
        e.pos,
      );
    }
    const type = f.infer(
      args.map((a) => a.type),
      args.map((a) => (a.kind === 'literal' ? a.value : undefined)),
    );
    if (typeof type === 'string') throw this.error(type, e.pos);
    return call(e.name, args, type);
  }
}

/**
 * `FROM UNNEST(...)` or `FROM TABLE(f(...))` alone, as the correlated join of one row without
 * columns with the function.
 */
function alone(ref: TableRef & { kind: 'unnest' | 'table-function' }): TableRef & { kind: 'join' } {
  const pos = ref.pos;
  const one: TableRef = {
    kind: 'subquery',
    query: { kind: 'values', rows: [[]], pos },
    lateral: false,
    alias: null,
    pos,
  };
  return { kind: 'join', type: 'CROSS', natural: false, left: one, right: ref, on: null, using: null, pos };
}

/** The kind of the window table function a grouped query reads (through filters and projections), or null. */
function windowTableKind(rel: Rel): string | null {
  let node = rel;
  while (node.kind === 'filter' || node.kind === 'project') node = node.input;
  return node.kind === 'window-table' ? node.window.kind : null;
}

/** Flink's precision adjustment: above 38 digits, keep the integer part and cut the scale (not below 6). */
function adjustDecimal(p: number, s: number): [number, number] {
  if (p <= MAX_DECIMAL_PRECISION) return [p, s];
  const intDigits = p - s;
  const minScale = Math.min(s, 6);
  const scale = Math.max(MAX_DECIMAL_PRECISION - intDigits, minScale);
  return [MAX_DECIMAL_PRECISION, scale];
}

function windowProperty(
  name: string,
  kind: GroupWindow['kind'],
): 'start' | 'end' | 'rowtime' | 'proctime' | null {
  const prefix = kind === 'tumble' ? 'TUMBLE_' : kind === 'hop' ? 'HOP_' : 'SESSION_';
  if (!name.startsWith(prefix)) return null;
  switch (name.slice(prefix.length)) {
    case 'START':
      return 'start';
    case 'END':
      return 'end';
    case 'ROWTIME':
      return 'rowtime';
    case 'PROCTIME':
      return 'proctime';
    default:
      return null;
  }
}

/** Two aggregate calls that compute the same thing (so `COUNT(*)` twice is one aggregate). */
function sameCall(a: CallExpr, b: CallExpr): boolean {
  return JSON.stringify(stripPos(a)) === JSON.stringify(stripPos(b));
}

function stripPos(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(stripPos);
  if (x && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (k !== 'pos') out[k] = stripPos(v);
    return out;
  }
  return x;
}

/** Calls `f` on each direct sub-expression (not into subqueries). */
export function forEachChild(e: Expr, f: (x: Expr) => void): void {
  switch (e.kind) {
    case 'unary':
      f(e.operand);
      break;
    case 'binary':
      f(e.left);
      f(e.right);
      break;
    case 'case':
      if (e.operand) f(e.operand);
      for (const w of e.whens) {
        f(w.condition);
        f(w.result);
      }
      if (e.otherwise) f(e.otherwise);
      break;
    case 'cast':
      f(e.expr);
      break;
    case 'between':
      f(e.expr);
      f(e.low);
      f(e.high);
      break;
    case 'in':
      f(e.expr);
      for (const x of e.list ?? []) f(x);
      break;
    case 'like':
      f(e.expr);
      f(e.pattern);
      if (e.escape) f(e.escape);
      break;
    case 'is':
      f(e.expr);
      if (e.other) f(e.other);
      break;
    case 'item':
      f(e.expr);
      f(e.index);
      break;
    case 'field':
      f(e.expr);
      break;
    case 'constructor':
      for (const x of e.args) f(x);
      break;
    case 'call':
      for (const x of e.args) f(x);
      if (e.filter) f(e.filter);
      break;
  }
}

/** Flink's output names: a repeated name gets a number (`dateTime`, `dateTime0`). */
function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let name = n;
    let k = 0;
    while (seen.has(name)) name = `${n}${k++}`;
    seen.add(name);
    return name;
  });
}

/** `yyyy-MM-dd HH:mm:ss[.fff]` (or with `T`) as epoch milliseconds of that UTC wall-clock time. */
export function parseTimestamp(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/.exec(
    text.trim(),
  );
  if (!m) return null;
  const month = Number(m[2]) - 1;
  const day = Number(m[3]);
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0-99 as 1900-1999.
  d.setUTCFullYear(Number(m[1]), month, day);
  d.setUTCHours(
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3)),
  );
  if (Number.isNaN(d.getTime()) || d.getUTCMonth() !== month || d.getUTCDate() !== day) return null;
  return d.getTime();
}

export { Catalog };
