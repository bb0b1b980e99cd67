/**
 * SQL inside a DataStream job, as Flink's StreamTableEnvironment: DataStreams become tables
 * (`createTemporaryView`, `fromDataStream`), queries over them are Tables (`sqlQuery`), and Tables
 * become DataStreams again (`toDataStream` for insert-only results, `toChangelogStream` for any),
 * all in the job of the StreamExecutionEnvironment, which runs them with its `execute()`.
 *
 * A DataStream carries JavaScript objects whose types TypeScript knows but the runtime does not, so
 * the table's columns are declared: their names (fields of the objects) and SQL types, and
 * optionally the event-time column and its watermark.
 *
 * @example
 * const env = StreamExecutionEnvironment.getExecutionEnvironment();
 * const tEnv = StreamTableEnvironment.create(env);
 * tEnv.createTemporaryView('clicks', env.fromElements({ visitor: 'a', url: '/x' }), {
 *   columns: { visitor: 'STRING', url: 'STRING' },
 * });
 * const counts = tEnv.sqlQuery('SELECT visitor, COUNT(*) AS n FROM clicks GROUP BY visitor');
 * tEnv.toChangelogStream(counts).print();
 * await env.execute();
 */
import { DataStream } from '../api/data-stream.ts';
import type { StreamExecutionEnvironment } from '../api/stream-execution-environment.ts';
import { WeirError } from '../core/errors.ts';
import type { Row, RowKind } from '../core/row.ts';
import type { RowField } from '../core/sql-type.ts';
import type { Transformation } from '../graph/transformation.ts';
import { parseScript } from './parser/parser.ts';
import type { Rel } from './plan/rel.ts';
import { changeKinds, groupsByWindowTable } from './planner/changelog-mode.ts';
import { translateQuery } from './planner/physical-planner.ts';
import { isWindowRank } from './planner/window-rank-planner.ts';
import { TableEnvironment, type TableEnvironmentSettings } from './table-environment.ts';

/** The columns of a table made from a DataStream. */
export interface DataStreamSchema {
  /** Column name (a field of the stream's objects) to SQL type: `{ user: 'STRING', amount: 'DOUBLE' }`. */
  columns: Record<string, string>;
  /** The event-time column (epoch ms or a Date), and its watermark expression (default: the column itself). */
  rowtime?: { column: string; watermark?: string };
}

/**
 * A query's result as a table: its columns, and the plan a DataStream is made from. `R` is the type
 * of its rows as objects by column name, known when the table comes from `fromDataStream` with a
 * schema. As in Flink, a Table in SQL text stands for itself: its `toString()` registers it under a
 * generated name (`UnnamedTable$1`) and returns that name.
 *
 * @example
 * const bids = tEnv.fromDataStream(stream, { columns: { item: 'STRING', price: 'DOUBLE' } });
 * const cheap = tEnv.sqlQuery(`SELECT item FROM ${bids} WHERE price < 10`);
 */
export class Table<R = Record<string, unknown>> {
  /** The result's columns. */
  readonly fields: RowField[];
  /** @internal */
  readonly rel: Rel;
  /** @internal The query over the session's tables that makes this table. */
  readonly sql: string;
  /** The type of the rows (type-level only: never set at run time). */
  declare readonly rowType?: R;
  private name: string | undefined;
  private readonly register: (() => string) | undefined;

  /** @internal */
  constructor(rel: Rel, sql = '', register?: () => string, name?: string) {
    this.rel = rel;
    this.fields = rel.fields;
    this.sql = sql;
    this.register = register;
    this.name = name;
  }

  /** The name the table is registered under in its session (registered on first use). */
  toString(): string {
    if (this.name === undefined) {
      if (this.register === undefined)
        throw new WeirError('INVALID_ARGUMENT', 'this Table belongs to no session: it has no name');
      this.name = this.register();
    }
    return `\`${this.name.replaceAll('`', '``')}\``;
  }
}

/** The TypeScript type of a value of the SQL type `S` (its text, as in a schema's `columns`). */
export type SqlValueOf<S extends string> =
  Uppercase<S> extends `${infer B} NOT NULL` ? SqlBaseValueOf<B> : SqlBaseValueOf<Uppercase<S>> | null;

type SqlBaseValueOf<B extends string> = B extends 'STRING' | `VARCHAR${string}` | `CHAR${string}`
  ? string
  : B extends
        | 'TINYINT'
        | 'SMALLINT'
        | 'INT'
        | 'INTEGER'
        | 'BIGINT'
        | 'FLOAT'
        | 'DOUBLE'
        | 'REAL'
        | `DOUBLE PRECISION`
        | `DECIMAL${string}`
        | `NUMERIC${string}`
        | `DEC${string}`
        | `TIMESTAMP${string}`
        | 'DATE'
        | `TIME${string}`
    ? number
    : B extends 'BOOLEAN'
      ? boolean
      : B extends `ARRAY${string}`
        ? unknown[]
        : unknown;

/** The row type of a table with the declared columns: each column's value by its SQL type. */
export type RowOfColumns<C extends Record<string, string>> = { -readonly [K in keyof C]: SqlValueOf<C[K]> };

/** The type asked for, `T`, or else the table's row type `R`. */
type Given<T, R> = [T] extends [never] ? R : T;

/** A change of a table as a DataStream record: its kind and the row as an object by column name. */
export interface ChangelogRecord<T = Record<string, unknown>> {
  kind: RowKind;
  row: T;
}

export class StreamTableEnvironment {
  /** The SQL session (catalog, settings) this environment plans in; `executeSql` runs DDL and SET there. */
  private readonly session: TableEnvironment;
  private readonly env: StreamExecutionEnvironment;
  private readonly streams = new Map<
    string,
    { transformation: Transformation; toRow: (value: unknown) => Row }
  >();
  private queries = 0;
  private unnamed = 0;

  private constructor(env: StreamExecutionEnvironment, settings: TableEnvironmentSettings) {
    this.session = TableEnvironment.create(settings);
    this.env = env;
  }

  /**
   * Runs a statement in the session: DDL, SET, SHOW, DESCRIBE, EXPLAIN; a query or INSERT over
   * tables of connectors runs as its own job, one over DataStream tables through `toDataStream`.
   */
  executeSql(sql: string): ReturnType<TableEnvironment['executeSql']> {
    return this.session.executeSql(sql);
  }

  /** A SQL session whose queries join `env`'s job. */
  static create(
    env: StreamExecutionEnvironment,
    settings: TableEnvironmentSettings = {},
  ): StreamTableEnvironment {
    if (
      env === undefined ||
      typeof (env as { nextTransformationId?: unknown }).nextTransformationId !== 'function'
    ) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'StreamTableEnvironment.create needs a StreamExecutionEnvironment',
      );
    }
    return new StreamTableEnvironment(env, settings);
  }

  /**
   * Registers `stream` as the temporary table `name`, with the declared columns; or a Table (of
   * `fromDataStream` or `sqlQuery`) as the temporary view `name`.
   *
   * @example
   * tEnv.createTemporaryView('clicks', env.fromElements({ visitor: 'a' }), { columns: { visitor: 'STRING' } });
   * tEnv.createTemporaryView('visitors', tEnv.sqlQuery('SELECT DISTINCT visitor FROM clicks'));
   */
  createTemporaryView<T>(name: string, stream: DataStream<T>, schema: DataStreamSchema): void;
  createTemporaryView(name: string, table: Table<unknown>): void;
  createTemporaryView<T>(
    name: string,
    source: DataStream<T> | Table<unknown>,
    schema?: DataStreamSchema,
  ): void {
    if (source instanceof Table) {
      this.registerView(name, source);
      return;
    }
    if (schema === undefined)
      throw new WeirError(
        'INVALID_ARGUMENT',
        `createTemporaryView("${name}", stream) needs the stream's schema`,
      );
    const stream = source;
    const id = String(this.streams.size + 1);
    const names = Object.keys(schema.columns);
    if (names.length === 0)
      throw new WeirError('INVALID_ARGUMENT', `the schema of "${name}" declares no columns`);
    const columns = names.map((c) => `\`${c.replaceAll('`', '``')}\` ${schema.columns[c]}`);
    if (schema.rowtime) {
      if (!names.includes(schema.rowtime.column)) {
        throw new WeirError(
          'INVALID_ARGUMENT',
          `the rowtime column "${schema.rowtime.column}" of "${name}" is not one of its columns`,
        );
      }
      columns.push(
        `WATERMARK FOR \`${schema.rowtime.column}\` AS ${schema.rowtime.watermark ?? `\`${schema.rowtime.column}\``}`,
      );
    }
    const ddl = `CREATE TEMPORARY TABLE \`${name}\` (${columns.join(', ')}) WITH ('connector' = 'datastream', 'datastream.id' = '${id}')`;
    const parsed = parseScript(ddl)[0];
    if (parsed.statement.kind !== 'create-table') throw new WeirError('INTERNAL', 'expected a CREATE TABLE');
    this.session.catalog.put(this.session.binder(ddl).createTable(parsed.statement));
    const n = names.length;
    this.streams.set(id, {
      transformation: stream.transformation,
      // Objects to rows: fields by column name; a Date becomes epoch milliseconds.
      toRow: (value) => {
        const object = value as Record<string, unknown>;
        const values = new Array<unknown>(n);
        for (let i = 0; i < n; i++) {
          const v = object?.[names[i]];
          values[i] = v === undefined ? null : v instanceof Date ? v.getTime() : v;
        }
        return { kind: '+I', values };
      },
    });
  }

  /**
   * A DataStream as a Table, as Flink's `fromDataStream`: registered under a generated name
   * (`UnnamedTable$1`, the Table's `toString()`), its columns the declared ones, its row type
   * inferred from their SQL types. Weir cannot see TypeScript types at run time, so the columns are
   * declared (unlike Flink, where the schema is optional).
   *
   * @example
   * const bids = tEnv.fromDataStream(env.fromElements({ item: 'A', price: 4 }), {
   *   columns: { item: 'STRING NOT NULL', price: 'DOUBLE' },
   * });
   * // Table<{ item: string; price: number | null }>
   * const expensive = tEnv.sqlQuery(`SELECT item FROM ${bids} WHERE price > 3`);
   * tEnv.toDataStream(expensive).print();
   */
  fromDataStream<T, const C extends Record<string, string>>(
    stream: DataStream<T>,
    schema: DataStreamSchema & { columns: C },
  ): Table<RowOfColumns<C>> {
    const name = this.unnamedName();
    this.createTemporaryView(name, stream, schema);
    const sql = `SELECT * FROM \`${name}\``;
    return new Table<RowOfColumns<C>>(this.bind(sql), sql, undefined, name);
  }

  /** A query over the session's tables, to turn into a DataStream. */
  sqlQuery(sql: string): Table {
    const statements = parseScript(sql);
    const s = statements[0]?.statement;
    if (statements.length !== 1 || s.kind !== 'query')
      throw new WeirError('SQL_PARSE_ERROR', 'sqlQuery takes one query (SELECT ...)');
    const table: Table = new Table(this.session.binder(sql).query(s.query), sql, () => {
      const name = this.unnamedName();
      this.registerView(name, table);
      return name;
    });
    return table;
  }

  private bind(sql: string): Rel {
    const s = parseScript(sql)[0].statement;
    if (s.kind !== 'query') throw new WeirError('INTERNAL', 'expected a query');
    return this.session.binder(sql).query(s.query);
  }

  private unnamedName(): string {
    let name: string;
    do name = `UnnamedTable$${++this.unnamed}`;
    while (this.session.catalog.has(name));
    return name;
  }

  /** Registers `table`'s query as the temporary view `name`. */
  private registerView(name: string, table: Table<unknown>): void {
    if (table.sql === '')
      throw new WeirError('INVALID_ARGUMENT', `a Table of another session cannot be the view "${name}"`);
    const ddl = `CREATE TEMPORARY VIEW \`${name.replaceAll('`', '``')}\` AS ${table.sql}`;
    const parsed = parseScript(ddl)[0];
    if (parsed.statement.kind !== 'create-view') throw new WeirError('INTERNAL', 'expected a CREATE VIEW');
    this.session.catalog.put(this.session.binder(ddl).createView(parsed.statement));
  }

  private rows(table: Table<unknown>): Transformation {
    this.queries++;
    const options = this.session.jobOptions('stream');
    return translateQuery(
      table.rel,
      {
        nextId: () => this.env.nextTransformationId(),
        uidPrefix: `sql${this.queries}`,
        stream: (id) => this.streams.get(id),
      },
      this.session.functionLocations(),
      options.stateTtl ?? 0,
      options.aggregation,
    );
  }

  /**
   * The rows of an insert-only table as objects by column name. A table whose result updates (a
   * GROUP BY without a window, an outer join, a Top-N) needs `toChangelogStream`. The objects' type
   * is the table's row type (of `fromDataStream` with a schema) unless one is given.
   */
  toDataStream<T = never, R = Record<string, unknown>>(table: Table<R>): DataStream<Given<T, R>> {
    const updating = updatingOperator(table.rel);
    if (updating) {
      throw new WeirError(
        'SQL_UNSUPPORTED',
        `toDataStream takes an insert-only table, and this one's ${updating} updates its result: use toChangelogStream`,
      );
    }
    const names = table.fields.map((f) => f.name);
    const t = this.env.addPhysical({
      operator: 'map',
      name: 'ToDataStream',
      inputs: [[this.rows(table)]],
      config: {},
      fn: (row: Row) => objectOf(names, row.values),
    });
    return new DataStream<Given<T, R>>(this.env, t);
  }

  /** Every change of the table: `{ kind: '+I' | '-U' | '+U' | '-D', row }`, the row an object by column name. */
  toChangelogStream<T = never, R = Record<string, unknown>>(
    table: Table<R>,
  ): DataStream<ChangelogRecord<Given<T, R>>> {
    const names = table.fields.map((f) => f.name);
    const t = this.env.addPhysical({
      operator: 'map',
      name: 'ToChangelogStream',
      inputs: [[this.rows(table)]],
      config: {},
      fn: (row: Row) => ({ kind: row.kind, row: objectOf(names, row.values) }),
    });
    return new DataStream<ChangelogRecord<Given<T, R>>>(this.env, t);
  }
}

function objectOf(names: string[], values: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) out[names[i]] = values[i];
  return out;
}

/** The first operator of the plan whose result updates (a changelog with retractions), or null. */
function updatingOperator(rel: Rel): string | null {
  switch (rel.kind) {
    case 'scan':
      // An upsert source (upsert-kafka) reads a changelog.
      if (changeKinds(rel).producer !== null) return `${rel.options.connector} table`;
      break;
    case 'aggregate':
      if (!rel.window && !groupsByWindowTable(rel)) return 'GROUP BY';
      break;
    case 'rank':
    case 'over':
      // A window Top-N emits each window's rows once.
      if (isWindowRank(rel)) break;
      return 'Top-N';
    case 'join':
      if (rel.joinType !== 'INNER') return `${rel.joinType} OUTER JOIN`;
      break;
    case 'lookup-join':
      break;
    case 'temporal-join':
      // Versions of the right side never update what was joined: only the left side counts.
      return updatingOperator(rel.left);
  }
  const inputs: Rel[] =
    rel.kind === 'join'
      ? [rel.left, rel.right]
      : rel.kind === 'union'
        ? rel.inputs
        : 'input' in rel
          ? [rel.input]
          : [];
  for (const input of inputs) {
    const u = updatingOperator(input);
    if (u) return u;
  }
  return null;
}
