/**
 * The syntax tree of Weir SQL (Flink's SQL dialect), as the parser (parser/parser.ts) builds it
 * from text. It is plain data: every node is tagged by `kind` and carries the position of its
 * first token, so the binder can point at the exact spot of an unknown column or a type mismatch.
 * Names keep the case they were written in (Flink's identifiers are case-sensitive); keywords and
 * built-in function names are upper case.
 */

/** A position in the SQL text: 1-based line and column, and the 0-based offset. */
export interface SqlPos {
  line: number;
  column: number;
  offset: number;
}

// ---------------------------------------------------------------------------------------------
// Types

/** A data type as written: `BIGINT`, `VARCHAR(10)`, `TIMESTAMP(3)`, `ROW<a INT, b STRING>`... */
export interface TypeAst {
  kind: 'type';
  /** Upper-case type name; synonyms are kept as written (`INTEGER`, `STRING`, `DEC`...). */
  name: string;
  /** Length, precision and scale, as written. */
  params: number[];
  /** `ROW` fields. */
  fields: { name: string; type: TypeAst }[] | null;
  /** `ARRAY<T>` and `MULTISET<T>` element, `MAP<K, V>` key. */
  element: TypeAst | null;
  /** `MAP<K, V>` value. */
  value: TypeAst | null;
  /** False after `NOT NULL`. */
  nullable: boolean;
  /** `TIMESTAMP WITH LOCAL TIME ZONE` (also written `TIMESTAMP_LTZ`). */
  localTimeZone: boolean;
  pos: SqlPos;
}

// ---------------------------------------------------------------------------------------------
// Expressions

export type Expr =
  | LiteralExpr
  | IntervalExpr
  | ColumnExpr
  | StarExpr
  | CallExpr
  | BinaryExpr
  | UnaryExpr
  | CaseExpr
  | CastExpr
  | BetweenExpr
  | InExpr
  | LikeExpr
  | IsExpr
  | ExistsExpr
  | SubqueryExpr
  | ItemExpr
  | FieldExpr
  | ConstructorExpr;

export interface LiteralExpr {
  kind: 'literal';
  /** `number` keeps the text, so that `1` (INT), `10000000000` (BIGINT), `1.5` (DECIMAL) and `1e3` (DOUBLE) stay apart. */
  type:
    | 'number'
    | 'string'
    | 'boolean'
    | 'null'
    | 'unknown'
    | 'date'
    | 'time'
    | 'timestamp'
    | 'timestamp_ltz';
  /** The literal's text: the digits, the unquoted string, `TRUE`... */
  text: string;
  pos: SqlPos;
}

/** Interval units as Flink writes them. */
export type IntervalUnit = 'YEAR' | 'MONTH' | 'DAY' | 'HOUR' | 'MINUTE' | 'SECOND' | 'MILLISECOND';

/** `INTERVAL '4' SECOND`, `INTERVAL '1 10:00' DAY TO MINUTE`, `INTERVAL '-2' MONTH`. */
export interface IntervalExpr {
  kind: 'interval';
  /** The quoted value, as written (sign included). */
  text: string;
  unit: IntervalUnit;
  /** The end unit of `DAY TO SECOND` and the like; null for a single unit. */
  toUnit: IntervalUnit | null;
  pos: SqlPos;
}

/** A column, possibly qualified and with nested fields: `price`, `B.price`, `person.dateTime`. */
export interface ColumnExpr {
  kind: 'column';
  path: string[];
  pos: SqlPos;
}

/** `*` or `t.*` (in a select list or `COUNT(*)`). */
export interface StarExpr {
  kind: 'star';
  qualifier: string[] | null;
  pos: SqlPos;
}

/**
 * A function call. `name` is upper case for built-ins and kept as written for the rest (the binder
 * resolves user functions case-sensitively first). Special syntaxes are normalized into calls:
 * `EXTRACT(HOUR FROM ts)` is EXTRACT('HOUR', ts), `TRIM(BOTH 'x' FROM s)` is TRIM('BOTH', 'x', s),
 * `SUBSTRING(s FROM 2 FOR 3)` is SUBSTRING(s, 2, 3), `POSITION(a IN b)` is POSITION(a, b),
 * `CEIL(ts TO DAY)` is CEIL(ts, 'DAY'), `OVERLAY(s PLACING r FROM 2 FOR 3)` is OVERLAY(s, r, 2, 3),
 * niladic `CURRENT_TIMESTAMP` is a call with no arguments.
 */
export interface CallExpr {
  kind: 'call';
  name: string;
  /** True when the name was written as an identifier (a user function may shadow a built-in). */
  quoted: boolean;
  args: Expr[];
  /** Named arguments (`size => INTERVAL '1' SECOND`), in the order written; empty when positional. */
  argNames: (string | null)[];
  distinct: boolean;
  /** `COUNT(*)`. */
  star: boolean;
  /** `FILTER (WHERE ...)` of an aggregate. */
  filter: Expr | null;
  /** `OVER (...)` or `OVER w` of an aggregate or ranking function. */
  over: WindowSpec | null;
  pos: SqlPos;
}

export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '||'
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | 'AND'
  | 'OR';

export interface BinaryExpr {
  kind: 'binary';
  op: BinaryOp;
  left: Expr;
  right: Expr;
  pos: SqlPos;
}

export interface UnaryExpr {
  kind: 'unary';
  op: '-' | '+' | 'NOT';
  operand: Expr;
  pos: SqlPos;
}

export interface CaseExpr {
  kind: 'case';
  /** The operand of a simple `CASE x WHEN 1 THEN ...`; null for a searched CASE. */
  operand: Expr | null;
  whens: { condition: Expr; result: Expr }[];
  otherwise: Expr | null;
  pos: SqlPos;
}

export interface CastExpr {
  kind: 'cast';
  expr: Expr;
  type: TypeAst;
  /** `TRY_CAST`: NULL instead of a failure. */
  safe: boolean;
  pos: SqlPos;
}

export interface BetweenExpr {
  kind: 'between';
  expr: Expr;
  low: Expr;
  high: Expr;
  not: boolean;
  symmetric: boolean;
  pos: SqlPos;
}

export interface InExpr {
  kind: 'in';
  expr: Expr;
  /** `IN (1, 2)`; null for `IN (SELECT ...)`. */
  list: Expr[] | null;
  query: Query | null;
  not: boolean;
  pos: SqlPos;
}

export interface LikeExpr {
  kind: 'like';
  /** `SIMILAR TO` matches a SQL regular expression. */
  op: 'LIKE' | 'SIMILAR';
  expr: Expr;
  pattern: Expr;
  escape: Expr | null;
  not: boolean;
  pos: SqlPos;
}

export interface IsExpr {
  kind: 'is';
  expr: Expr;
  test: 'NULL' | 'TRUE' | 'FALSE' | 'UNKNOWN' | 'DISTINCT';
  /** The right operand of `IS [NOT] DISTINCT FROM`. */
  other: Expr | null;
  not: boolean;
  pos: SqlPos;
}

export interface ExistsExpr {
  kind: 'exists';
  query: Query;
  pos: SqlPos;
}

/** A scalar subquery: `(SELECT max(price) FROM bid)`. */
export interface SubqueryExpr {
  kind: 'subquery';
  query: Query;
  pos: SqlPos;
}

/** `arr[1]`, `map['k']`. */
export interface ItemExpr {
  kind: 'item';
  expr: Expr;
  index: Expr;
  pos: SqlPos;
}

/** A field of a composite value that is not a plain column path: `(f(x)).a`, `arr[1].b`. */
export interface FieldExpr {
  kind: 'field';
  expr: Expr;
  field: string;
  pos: SqlPos;
}

/** `ROW(a, b)` or `(a, b)`, `ARRAY[1, 2]`, `MAP['a', 1]`. */
export interface ConstructorExpr {
  kind: 'constructor';
  type: 'ROW' | 'ARRAY' | 'MAP';
  args: Expr[];
  pos: SqlPos;
}

// ---------------------------------------------------------------------------------------------
// Windows of OVER aggregation

export interface WindowSpec {
  /** `OVER w` refers to a window of the WINDOW clause; `OVER (w ...)` refines it. */
  ref: string | null;
  partitionBy: Expr[];
  orderBy: OrderItem[];
  frame: WindowFrame | null;
  pos: SqlPos;
}

export interface WindowFrame {
  unit: 'ROWS' | 'RANGE';
  start: FrameBound;
  end: FrameBound;
}

export type FrameBound =
  | { kind: 'unbounded-preceding' }
  | { kind: 'preceding'; offset: Expr }
  | { kind: 'current-row' }
  | { kind: 'following'; offset: Expr }
  | { kind: 'unbounded-following' };

// ---------------------------------------------------------------------------------------------
// Queries

export type Query = SelectQuery | SetOpQuery | ValuesQuery | WithQuery | OrderedQuery;

export interface SelectItem {
  expr: Expr;
  alias: string | null;
  pos: SqlPos;
}

export type GroupItem =
  | { kind: 'expr'; expr: Expr }
  | { kind: 'grouping-sets'; sets: Expr[][]; pos: SqlPos }
  | { kind: 'rollup'; exprs: Expr[]; pos: SqlPos }
  | { kind: 'cube'; exprs: Expr[]; pos: SqlPos }
  /** `()`: the empty grouping set. */
  | { kind: 'empty'; pos: SqlPos };

export interface SelectQuery {
  kind: 'select';
  distinct: boolean;
  items: SelectItem[];
  from: TableRef | null;
  where: Expr | null;
  groupBy: GroupItem[] | null;
  having: Expr | null;
  /** The WINDOW clause: named windows for OVER. */
  windows: { name: string; spec: WindowSpec }[];
  pos: SqlPos;
}

export interface SetOpQuery {
  kind: 'set-op';
  op: 'UNION' | 'INTERSECT' | 'EXCEPT';
  all: boolean;
  left: Query;
  right: Query;
  pos: SqlPos;
}

export interface ValuesQuery {
  kind: 'values';
  rows: Expr[][];
  pos: SqlPos;
}

export interface WithQuery {
  kind: 'with';
  items: { name: string; columns: string[] | null; query: Query; pos: SqlPos }[];
  body: Query;
  pos: SqlPos;
}

export interface OrderItem {
  expr: Expr;
  descending: boolean;
  /** `NULLS FIRST` / `NULLS LAST`; null when not written. */
  nullsFirst: boolean | null;
}

/** A query with ORDER BY, LIMIT or OFFSET. */
export interface OrderedQuery {
  kind: 'ordered';
  query: Query;
  orderBy: OrderItem[];
  limit: Expr | null;
  offset: Expr | null;
  pos: SqlPos;
}

/** An alias with optional column names: `AS t (a, b)`. */
export interface Alias {
  name: string;
  columns: string[] | null;
}

export type TableRef = NamedTableRef | SubqueryTableRef | TableFunctionRef | UnnestRef | JoinRef;

/** A table or view by name, `FOR SYSTEM_TIME AS OF` for a temporal join. */
export interface NamedTableRef {
  kind: 'table';
  path: string[];
  systemTime: Expr | null;
  alias: Alias | null;
  pos: SqlPos;
}

export interface SubqueryTableRef {
  kind: 'subquery';
  query: Query;
  lateral: boolean;
  alias: Alias | null;
  pos: SqlPos;
}

/**
 * A table-valued function: the window functions `TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime),
 * INTERVAL '10' SECOND))`, and user table functions `LATERAL TABLE(split(s))`.
 */
export interface TableFunctionRef {
  kind: 'table-function';
  name: string;
  args: TableFunctionArg[];
  lateral: boolean;
  alias: Alias | null;
  pos: SqlPos;
}

export type TableFunctionArg =
  | { kind: 'table'; name: string | null; table: TableRef; partitionBy: Expr[]; pos: SqlPos }
  | { kind: 'descriptor'; name: string | null; columns: string[]; pos: SqlPos }
  | { kind: 'expr'; name: string | null; expr: Expr; pos: SqlPos };

export interface UnnestRef {
  kind: 'unnest';
  exprs: Expr[];
  withOrdinality: boolean;
  alias: Alias | null;
  pos: SqlPos;
}

export interface JoinRef {
  kind: 'join';
  type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS';
  natural: boolean;
  left: TableRef;
  right: TableRef;
  on: Expr | null;
  using: string[] | null;
  pos: SqlPos;
}

// ---------------------------------------------------------------------------------------------
// Statements

export type ColumnDef =
  | {
      kind: 'physical';
      name: string;
      type: TypeAst;
      primaryKey: boolean;
      comment: string | null;
      pos: SqlPos;
    }
  | { kind: 'computed'; name: string; expr: Expr; comment: string | null; pos: SqlPos }
  | {
      kind: 'metadata';
      name: string;
      type: TypeAst;
      /** `FROM 'key'`; null reads the metadata key of the column's own name. */
      key: string | null;
      virtual: boolean;
      comment: string | null;
      pos: SqlPos;
    };

export interface CreateTableStatement {
  kind: 'create-table';
  name: string[];
  temporary: boolean;
  ifNotExists: boolean;
  columns: ColumnDef[];
  watermark: { column: string[]; expr: Expr; pos: SqlPos } | null;
  primaryKey: { columns: string[]; pos: SqlPos } | null;
  partitionedBy: string[];
  comment: string | null;
  options: Record<string, string>;
  /** `CREATE TABLE t WITH (...) AS SELECT ...`. */
  asQuery: Query | null;
  like: { table: string[]; options: string[] } | null;
  pos: SqlPos;
}

export interface CreateViewStatement {
  kind: 'create-view';
  name: string[];
  temporary: boolean;
  ifNotExists: boolean;
  columns: string[] | null;
  query: Query;
  /** The query's text, for SHOW CREATE VIEW. */
  text: string;
  pos: SqlPos;
}

export interface CreateFunctionStatement {
  kind: 'create-function';
  name: string[];
  temporary: boolean;
  system: boolean;
  ifNotExists: boolean;
  /** What the function is: for TypeScript, `'./udfs.ts#countChar'` (a module and its export). */
  identifier: string;
  language: string | null;
  pos: SqlPos;
}

export interface DropStatement {
  kind: 'drop';
  object: 'TABLE' | 'VIEW' | 'FUNCTION';
  name: string[];
  temporary: boolean;
  ifExists: boolean;
  pos: SqlPos;
}

export interface InsertStatement {
  kind: 'insert';
  table: string[];
  overwrite: boolean;
  columns: string[] | null;
  partition: Record<string, string> | null;
  query: Query;
  pos: SqlPos;
}

export interface QueryStatement {
  kind: 'query';
  query: Query;
  pos: SqlPos;
}

/** `EXECUTE STATEMENT SET BEGIN ... END` or `BEGIN STATEMENT SET; ... END;`: inserts run as one job. */
export interface StatementSetStatement {
  kind: 'statement-set';
  inserts: InsertStatement[];
  pos: SqlPos;
}

export interface ShowStatement {
  kind: 'show';
  what:
    | 'TABLES'
    | 'VIEWS'
    | 'FUNCTIONS'
    | 'USER FUNCTIONS'
    | 'CATALOGS'
    | 'DATABASES'
    | 'CURRENT CATALOG'
    | 'CURRENT DATABASE'
    | 'JOBS'
    | 'MODULES'
    | 'CREATE TABLE'
    | 'CREATE VIEW'
    | 'COLUMNS';
  /** The table or view of `SHOW CREATE TABLE t` and `SHOW COLUMNS FROM t`. */
  name: string[] | null;
  pos: SqlPos;
}

export interface DescribeStatement {
  kind: 'describe';
  name: string[];
  pos: SqlPos;
}

export type ExplainDetail = 'ESTIMATED_COST' | 'CHANGELOG_MODE' | 'PLAN_ADVICE' | 'JSON_EXECUTION_PLAN';

export interface ExplainStatement {
  kind: 'explain';
  details: ExplainDetail[];
  statement: QueryStatement | InsertStatement | StatementSetStatement;
  pos: SqlPos;
}

/** `SET 'key' = 'value'`, or `SET` alone (list the settings). */
export interface SetStatement {
  kind: 'set';
  key: string | null;
  value: string | null;
  pos: SqlPos;
}

export interface ResetStatement {
  kind: 'reset';
  key: string | null;
  pos: SqlPos;
}

/** `STOP JOB '<job id>' [WITH SAVEPOINT] [WITH DRAIN]` (Flink's SQL client). */
export interface StopJobStatement {
  kind: 'stop-job';
  jobId: string;
  withSavepoint: boolean;
  withDrain: boolean;
  pos: SqlPos;
}

export interface UseStatement {
  kind: 'use';
  catalog: boolean;
  name: string[];
  pos: SqlPos;
}

export type Statement =
  | CreateTableStatement
  | CreateViewStatement
  | CreateFunctionStatement
  | DropStatement
  | InsertStatement
  | QueryStatement
  | StatementSetStatement
  | ShowStatement
  | DescribeStatement
  | ExplainStatement
  | SetStatement
  | ResetStatement
  | StopJobStatement
  | UseStatement;

/** A statement with its text (from its first token to its end, without the `;`). */
export interface ParsedStatement {
  statement: Statement;
  text: string;
}
