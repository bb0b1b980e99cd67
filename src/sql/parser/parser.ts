/**
 * The parser of Weir SQL: Flink's dialect, by recursive descent over the tokens of lexer.ts, into
 * the syntax tree of ast.ts. Expressions are parsed by precedence climbing, from OR (loosest) to
 * the postfix `[i]` and `.field` (tightest). A reserved word (keywords.ts) is a name only in
 * backquotes; any other word is a name where one is expected, so `dateTime`, `key` or `window_start`
 * need no quotes, as in Flink.
 *
 * Errors name what was expected and what was found, with the line, the column and a caret
 * (SqlError). The parser knows nothing of tables or types: that is the binder's work.
 */
import type {
  Alias,
  ColumnDef,
  CreateFunctionStatement,
  CreateTableStatement,
  CreateViewStatement,
  ExplainDetail,
  ExplainStatement,
  Expr,
  FrameBound,
  GroupItem,
  InsertStatement,
  IntervalUnit,
  OrderItem,
  ParsedStatement,
  Query,
  SelectItem,
  SelectQuery,
  ShowStatement,
  SqlPos,
  Statement,
  StatementSetStatement,
  TableFunctionArg,
  TableRef,
  TypeAst,
  WindowSpec,
} from '../ast.ts';
import { SqlError } from '../sql-error.ts';
import { NILADIC_FUNCTIONS, RESERVED, RESERVED_FUNCTIONS } from './keywords.ts';
import { type Token, tokenize } from './lexer.ts';

/** Parses a script: statements separated by `;` (the last one may omit it). */
export function parseScript(sql: string): ParsedStatement[] {
  return new Parser(sql).script();
}

/** Parses exactly one statement (a trailing `;` is allowed). */
export function parseStatement(sql: string): Statement {
  const statements = parseScript(sql);
  if (statements.length !== 1) {
    const pos = statements.length === 0 ? { line: 1, column: 1, offset: 0 } : statements[1].statement.pos;
    throw new SqlError(
      'SQL_PARSE_ERROR',
      statements.length === 0 ? 'expected a statement' : 'expected one statement, found several',
      sql,
      pos,
    );
  }
  return statements[0].statement;
}

/** Parses one query (SELECT, VALUES, WITH, set operations). */
export function parseQuery(sql: string): Query {
  const p = new Parser(sql);
  const q = p.query();
  p.endOfInput();
  return q;
}

/** Parses a data type: `BIGINT NOT NULL`, `DECIMAL(10, 2)`, `ROW<a INT>`. */
export function parseDataType(sql: string): TypeAst {
  const p = new Parser(sql);
  const t = p.type();
  p.endOfInput();
  return t;
}

/** Parses one scalar expression. */
export function parseExpression(sql: string): Expr {
  const p = new Parser(sql);
  const e = p.expr();
  p.endOfInput();
  return e;
}

const INTERVAL_UNITS: Record<string, IntervalUnit> = {
  YEAR: 'YEAR',
  YEARS: 'YEAR',
  MONTH: 'MONTH',
  MONTHS: 'MONTH',
  DAY: 'DAY',
  DAYS: 'DAY',
  HOUR: 'HOUR',
  HOURS: 'HOUR',
  MINUTE: 'MINUTE',
  MINUTES: 'MINUTE',
  SECOND: 'SECOND',
  SECONDS: 'SECOND',
  MILLISECOND: 'MILLISECOND',
  MILLISECONDS: 'MILLISECOND',
};

/** Time units of EXTRACT, CEIL/FLOOR ... TO, TIMESTAMPADD/TIMESTAMPDIFF. */
const TIME_UNITS = new Set([
  'MILLENNIUM',
  'CENTURY',
  'DECADE',
  'YEAR',
  'QUARTER',
  'MONTH',
  'WEEK',
  'DAY',
  'DOY',
  'DOW',
  'ISODOW',
  'ISOYEAR',
  'HOUR',
  'MINUTE',
  'SECOND',
  'MILLISECOND',
  'MICROSECOND',
  'NANOSECOND',
  'EPOCH',
]);

const COMPARISONS = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);

class Parser {
  private readonly sql: string;
  private readonly tokens: Token[];
  private i = 0;

  constructor(sql: string) {
    this.sql = sql;
    this.tokens = tokenize(sql);
  }

  // -------------------------------------------------------------------------------------------
  // Token helpers

  /** The current token (a method, not a getter: the compiler must not narrow it across calls). */
  private cur(): Token {
    return this.tokens[this.i];
  }

  private peek(k = 1): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.tokens[this.i];
    if (t.type !== 'eof') this.i++;
    return t;
  }

  /** True when the current token is the keyword `word` (an unquoted word, any case). */
  private is(word: string, t: Token = this.cur()): boolean {
    return t.type === 'word' && t.upper === word;
  }

  private isOp(op: string, t: Token = this.cur()): boolean {
    return t.type === 'op' && t.text === op;
  }

  private accept(word: string): boolean {
    if (this.is(word)) {
      this.i++;
      return true;
    }
    return false;
  }

  private acceptOp(op: string): boolean {
    if (this.isOp(op)) {
      this.i++;
      return true;
    }
    return false;
  }

  /** Accepts a sequence of keywords, all or none. */
  private acceptAll(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) if (!this.is(words[k], this.peek(k))) return false;
    this.i += words.length;
    return true;
  }

  private expect(word: string): Token {
    if (!this.is(word)) this.fail(`expected ${word}`);
    return this.next();
  }

  private expectOp(op: string): Token {
    if (!this.isOp(op)) this.fail(`expected "${op}"`);
    return this.next();
  }

  private describe(t: Token): string {
    switch (t.type) {
      case 'eof':
        return 'the end of the input';
      case 'string':
        return `string '${t.text}'`;
      case 'quoted':
        return `\`${t.text}\``;
      case 'number':
        return `number ${t.text}`;
      case 'op':
        return `"${t.text}"`;
      default:
        return RESERVED.has(t.upper) ? `keyword ${t.upper}` : `"${t.text}"`;
    }
  }

  fail(expected: string, t: Token = this.cur()): never {
    throw new SqlError('SQL_PARSE_ERROR', `${expected}, found ${this.describe(t)}`, this.sql, t.pos);
  }

  private unsupported(what: string, pos: SqlPos): never {
    throw new SqlError('SQL_UNSUPPORTED', `${what} is not supported`, this.sql, pos);
  }

  endOfInput(): void {
    this.acceptOp(';');
    if (this.cur().type !== 'eof') this.fail('expected the end of the statement');
  }

  /** True when the current token can be a name: a quoted name or an unreserved word. */
  private isName(t: Token = this.cur()): boolean {
    return t.type === 'quoted' || (t.type === 'word' && !RESERVED.has(t.upper));
  }

  private name(what = 'a name'): string {
    if (!this.isName()) {
      if (this.cur().type === 'word')
        this.fail(`expected ${what} (${this.cur().upper} is reserved: write \`${this.cur().text}\`)`);
      this.fail(`expected ${what}`);
    }
    return this.next().text;
  }

  /** `a`, `a.b`, `cat.db.t`. */
  private path(what = 'a name'): string[] {
    const parts = [this.name(what)];
    while (this.isOp('.') && this.isName(this.peek())) {
      this.i++;
      parts.push(this.name(what));
    }
    return parts;
  }

  private nameList(): string[] {
    this.expectOp('(');
    const names = [this.name()];
    while (this.acceptOp(',')) names.push(this.name());
    this.expectOp(')');
    return names;
  }

  private stringLiteral(what = 'a string literal'): string {
    if (this.cur().type !== 'string') this.fail(`expected ${what}`);
    return this.next().text;
  }

  // -------------------------------------------------------------------------------------------
  // Statements

  script(): ParsedStatement[] {
    const out: ParsedStatement[] = [];
    for (;;) {
      while (this.acceptOp(';')) {}
      if (this.cur().type === 'eof') return out;
      const start = this.cur().pos.offset;
      const statement = this.statement();
      const end = this.tokens[this.i - 1].end;
      out.push({ statement, text: this.sql.slice(start, end) });
      if (this.cur().type !== 'eof' && !this.isOp(';')) this.fail('expected ";" or the end of the input');
    }
  }

  statement(): Statement {
    const pos = this.cur().pos;
    if (this.is('CREATE')) return this.create();
    if (this.is('DROP')) return this.drop();
    if (this.is('INSERT')) return this.insert();
    if (this.is('EXECUTE')) {
      this.i++;
      if (this.is('STATEMENT')) return this.statementSet(pos, true);
      if (this.is('INSERT')) return this.insert();
      return { kind: 'query', query: this.query(), pos };
    }
    if (this.is('BEGIN')) return this.statementSet(pos, false);
    if (this.is('SELECT') || this.is('VALUES') || this.is('WITH') || this.isOp('(')) {
      return { kind: 'query', query: this.query(), pos };
    }
    if (this.is('SHOW')) return this.show();
    if (this.is('STOP')) return this.stopJob();
    if (this.is('DESCRIBE') || this.is('DESC')) {
      this.i++;
      return { kind: 'describe', name: this.path('a table name'), pos };
    }
    if (this.is('EXPLAIN')) return this.explain();
    if (this.is('SET')) {
      this.i++;
      if (this.cur().type === 'eof' || this.isOp(';')) return { kind: 'set', key: null, value: null, pos };
      const key = this.optionKey();
      this.expectOp('=');
      return { kind: 'set', key, value: this.optionValue(), pos };
    }
    if (this.is('RESET')) {
      this.i++;
      if (this.cur().type === 'eof' || this.isOp(';')) return { kind: 'reset', key: null, pos };
      return { kind: 'reset', key: this.optionKey(), pos };
    }
    if (this.is('USE')) {
      this.i++;
      const catalog = this.accept('CATALOG');
      return { kind: 'use', catalog, name: this.path(), pos };
    }
    if (this.is('ALTER')) this.unsupported('ALTER', pos);
    this.fail('expected a statement (SELECT, INSERT, CREATE, DROP, SET, SHOW, DESCRIBE, EXPLAIN...)');
  }

  /** A SET/RESET key: quoted ('table.exec.mini-batch.enabled') or a bare dotted path. */
  private optionKey(): string {
    if (this.cur().type === 'string') return this.next().text;
    const parts = [this.wordOrName()];
    while (this.acceptOp('.')) parts.push(this.wordOrName());
    return parts.join('.');
  }

  private wordOrName(): string {
    if (this.cur().type === 'word' || this.cur().type === 'quoted' || this.cur().type === 'number')
      return this.next().text;
    this.fail('expected a name');
  }

  private optionValue(): string {
    if (this.cur().type === 'string' || this.cur().type === 'number' || this.cur().type === 'word')
      return this.next().text;
    if (this.isOp('-') && this.peek().type === 'number') {
      this.i++;
      return `-${this.next().text}`;
    }
    this.fail('expected a value');
  }

  private create(): Statement {
    const pos = this.expect('CREATE').pos;
    const temporary = this.accept('TEMPORARY');
    const system = temporary && this.accept('SYSTEM');
    if (this.accept('TABLE')) return this.createTable(pos, temporary);
    if (this.accept('VIEW')) return this.createView(pos, temporary);
    if (this.accept('FUNCTION')) return this.createFunction(pos, temporary, system);
    if (this.is('CATALOG') || this.is('DATABASE')) this.unsupported(`CREATE ${this.cur().upper}`, pos);
    this.fail('expected TABLE, VIEW or FUNCTION');
  }

  private ifNotExists(): boolean {
    return this.acceptAll('IF', 'NOT', 'EXISTS');
  }

  private createTable(pos: SqlPos, temporary: boolean): CreateTableStatement {
    const ifNotExists = this.ifNotExists();
    const name = this.path('a table name');
    const stmt: CreateTableStatement = {
      kind: 'create-table',
      name,
      temporary,
      ifNotExists,
      columns: [],
      watermark: null,
      primaryKey: null,
      partitionedBy: [],
      comment: null,
      options: {},
      asQuery: null,
      like: null,
      pos,
    };
    if (this.acceptOp('(')) {
      do {
        const itemPos = this.cur().pos;
        if (this.accept('WATERMARK')) {
          if (stmt.watermark) this.fail('expected one WATERMARK definition');
          this.expect('FOR');
          const column = this.path('a column name');
          this.expect('AS');
          stmt.watermark = { column, expr: this.expr(), pos: itemPos };
        } else if (this.is('PRIMARY') || this.is('CONSTRAINT')) {
          if (this.accept('CONSTRAINT')) this.name('a constraint name');
          this.expect('PRIMARY');
          this.expect('KEY');
          const columns = this.nameList();
          this.notEnforced();
          if (stmt.primaryKey) this.fail('expected one PRIMARY KEY');
          stmt.primaryKey = { columns, pos: itemPos };
        } else if (this.is('PERIOD')) {
          this.unsupported('PERIOD FOR SYSTEM_TIME', itemPos);
        } else {
          stmt.columns.push(this.columnDef());
        }
      } while (this.acceptOp(','));
      this.expectOp(')');
    }
    const inlinePk = stmt.columns.filter((c) => c.kind === 'physical' && c.primaryKey);
    if (inlinePk.length > 0) {
      if (stmt.primaryKey || inlinePk.length > 1) {
        throw new SqlError(
          'SQL_VALIDATION_ERROR',
          'a table has at most one PRIMARY KEY',
          this.sql,
          inlinePk[0].pos,
        );
      }
      stmt.primaryKey = { columns: [inlinePk[0].name], pos: inlinePk[0].pos };
    }
    if (this.accept('COMMENT')) stmt.comment = this.stringLiteral();
    if (this.acceptAll('PARTITIONED', 'BY')) stmt.partitionedBy = this.nameList();
    if (this.accept('WITH')) stmt.options = this.properties();
    if (this.accept('LIKE')) {
      const table = this.path('a table name');
      const options: string[] = [];
      if (this.acceptOp('(')) {
        while (!this.isOp(')')) {
          if (this.cur().type !== 'word') this.fail('expected a LIKE option');
          options.push(`${this.next().upper} ${this.wordOrName().toUpperCase()}`);
        }
        this.expectOp(')');
      }
      stmt.like = { table, options };
    }
    if (this.accept('AS')) stmt.asQuery = this.query();
    if (stmt.columns.length === 0 && !stmt.asQuery && !stmt.like) {
      throw new SqlError('SQL_PARSE_ERROR', 'a table needs columns, LIKE or AS SELECT', this.sql, pos);
    }
    return stmt;
  }

  private notEnforced(): void {
    if (!this.acceptAll('NOT', 'ENFORCED')) {
      this.fail(
        'expected NOT ENFORCED (Flink does not enforce primary keys: write PRIMARY KEY (...) NOT ENFORCED)',
      );
    }
  }

  private columnDef(): ColumnDef {
    const pos = this.cur().pos;
    const name = this.name('a column name');
    if (this.accept('AS')) {
      const expr = this.expr();
      const comment = this.accept('COMMENT') ? this.stringLiteral() : null;
      return { kind: 'computed', name, expr, comment, pos };
    }
    const type = this.type();
    if (this.accept('METADATA')) {
      const key = this.accept('FROM') ? this.stringLiteral('a metadata key') : null;
      const virtual = this.accept('VIRTUAL');
      const comment = this.accept('COMMENT') ? this.stringLiteral() : null;
      return { kind: 'metadata', name, type, key, virtual, comment, pos };
    }
    let primaryKey = false;
    if (this.accept('CONSTRAINT')) this.name('a constraint name');
    if (this.acceptAll('PRIMARY', 'KEY')) {
      this.notEnforced();
      primaryKey = true;
    }
    const comment = this.accept('COMMENT') ? this.stringLiteral() : null;
    return { kind: 'physical', name, type, primaryKey, comment, pos };
  }

  /** `('k' = 'v', ...)`. */
  private properties(): Record<string, string> {
    const out: Record<string, string> = {};
    this.expectOp('(');
    if (this.acceptOp(')')) return out;
    do {
      const key = this.stringLiteral('an option key in quotes');
      this.expectOp('=');
      out[key] = this.optionValue();
    } while (this.acceptOp(','));
    this.expectOp(')');
    return out;
  }

  private createView(pos: SqlPos, temporary: boolean): CreateViewStatement {
    const ifNotExists = this.ifNotExists();
    const name = this.path('a view name');
    const columns = this.isOp('(') ? this.nameList() : null;
    if (this.accept('COMMENT')) this.stringLiteral();
    this.expect('AS');
    const start = this.cur().pos.offset;
    const query = this.query();
    const text = this.sql.slice(start, this.tokens[this.i - 1].end);
    return { kind: 'create-view', name, temporary, ifNotExists, columns, query, text, pos };
  }

  private createFunction(pos: SqlPos, temporary: boolean, system: boolean): CreateFunctionStatement {
    const ifNotExists = this.ifNotExists();
    const name = this.path('a function name');
    this.expect('AS');
    const identifier = this.stringLiteral(
      "the function's module and export in quotes ('./udfs.ts#myFunction')",
    );
    let language: string | null = null;
    if (this.accept('LANGUAGE')) language = this.wordOrName().toUpperCase();
    if (this.is('USING')) this.unsupported('CREATE FUNCTION ... USING JAR', this.cur().pos);
    return { kind: 'create-function', name, temporary, system, ifNotExists, identifier, language, pos };
  }

  private drop(): Statement {
    const pos = this.expect('DROP').pos;
    const temporary = this.accept('TEMPORARY');
    if (temporary) this.accept('SYSTEM');
    let object: 'TABLE' | 'VIEW' | 'FUNCTION';
    if (this.accept('TABLE')) object = 'TABLE';
    else if (this.accept('VIEW')) object = 'VIEW';
    else if (this.accept('FUNCTION')) object = 'FUNCTION';
    else this.fail('expected TABLE, VIEW or FUNCTION');
    const ifExists = this.acceptAll('IF', 'EXISTS');
    return { kind: 'drop', object, name: this.path(), temporary, ifExists, pos };
  }

  private insert(): InsertStatement {
    const pos = this.expect('INSERT').pos;
    let overwrite = false;
    if (this.accept('OVERWRITE')) overwrite = true;
    else this.expect('INTO');
    const table = this.path('a table name');
    let partition: Record<string, string> | null = null;
    if (this.accept('PARTITION')) {
      partition = {};
      this.expectOp('(');
      do {
        const key = this.name('a partition column');
        this.expectOp('=');
        partition[key] = this.optionValue();
      } while (this.acceptOp(','));
      this.expectOp(')');
    }
    // `(a, b)` is a column list unless it opens the query: `INSERT INTO t (SELECT ...)`.
    let columns: string[] | null = null;
    if (
      this.isOp('(') &&
      !this.is('SELECT', this.peek()) &&
      !this.is('VALUES', this.peek()) &&
      !this.is('WITH', this.peek())
    ) {
      columns = this.nameList();
    }
    return { kind: 'insert', table, overwrite, columns, partition, query: this.query(), pos };
  }

  private statementSet(pos: SqlPos, execute: boolean): StatementSetStatement {
    const inserts: InsertStatement[] = [];
    if (execute) {
      this.expect('STATEMENT');
      this.expect('SET');
      this.expect('BEGIN');
    } else {
      this.expect('BEGIN');
      this.expect('STATEMENT');
      this.expect('SET');
      this.expectOp(';');
    }
    while (!this.is('END')) {
      if (!this.is('INSERT')) this.fail('expected INSERT or END in a statement set');
      inserts.push(this.insert());
      this.expectOp(';');
    }
    this.expect('END');
    if (inserts.length === 0) this.fail('expected at least one INSERT in the statement set');
    return { kind: 'statement-set', inserts, pos };
  }

  /** `STOP JOB '<job id>' [WITH SAVEPOINT] [WITH DRAIN]`, the options in either order. */
  private stopJob(): Statement {
    const pos = this.expect('STOP').pos;
    this.expect('JOB');
    if (this.cur().type !== 'string') this.fail("expected the job's id as a string: STOP JOB '<job id>'");
    const jobId = this.next().text;
    let withSavepoint = false;
    let withDrain = false;
    while (this.accept('WITH')) {
      if (this.accept('SAVEPOINT')) withSavepoint = true;
      else if (this.accept('DRAIN')) withDrain = true;
      else this.fail('expected SAVEPOINT or DRAIN after WITH');
    }
    return { kind: 'stop-job', jobId, withSavepoint, withDrain, pos };
  }

  private show(): ShowStatement {
    const pos = this.expect('SHOW').pos;
    const simple = (what: ShowStatement['what']): ShowStatement => ({ kind: 'show', what, name: null, pos });
    if (this.accept('TABLES')) return simple('TABLES');
    if (this.accept('VIEWS')) return simple('VIEWS');
    if (this.accept('FUNCTIONS')) return simple('FUNCTIONS');
    if (this.acceptAll('USER', 'FUNCTIONS')) return simple('USER FUNCTIONS');
    if (this.accept('CATALOGS')) return simple('CATALOGS');
    if (this.accept('DATABASES')) return simple('DATABASES');
    if (this.accept('JOBS')) return simple('JOBS');
    if (this.accept('MODULES')) return simple('MODULES');
    if (this.acceptAll('CURRENT', 'CATALOG')) return simple('CURRENT CATALOG');
    if (this.acceptAll('CURRENT', 'DATABASE')) return simple('CURRENT DATABASE');
    if (this.acceptAll('CREATE', 'TABLE'))
      return { kind: 'show', what: 'CREATE TABLE', name: this.path(), pos };
    if (this.acceptAll('CREATE', 'VIEW'))
      return { kind: 'show', what: 'CREATE VIEW', name: this.path(), pos };
    if (this.accept('COLUMNS')) {
      if (!this.accept('FROM')) this.expect('IN');
      return { kind: 'show', what: 'COLUMNS', name: this.path(), pos };
    }
    this.fail(
      'expected TABLES, VIEWS, FUNCTIONS, CATALOGS, DATABASES, JOBS, MODULES, CURRENT, CREATE or COLUMNS',
    );
  }

  private explain(): ExplainStatement {
    const pos = this.expect('EXPLAIN').pos;
    const details: ExplainDetail[] = [];
    if (!this.acceptAll('PLAN', 'FOR')) {
      const DETAILS = ['ESTIMATED_COST', 'CHANGELOG_MODE', 'PLAN_ADVICE', 'JSON_EXECUTION_PLAN'];
      while (this.cur().type === 'word' && DETAILS.includes(this.cur().upper)) {
        details.push(this.next().upper as ExplainDetail);
        if (!this.acceptOp(',')) break;
      }
    }
    const sPos = this.cur().pos;
    let statement: ExplainStatement['statement'];
    if (this.is('INSERT')) statement = this.insert();
    else if (this.is('EXECUTE') || this.is('BEGIN')) {
      const execute = this.accept('EXECUTE');
      if (execute && this.is('INSERT')) statement = this.insert();
      else statement = this.statementSet(sPos, execute);
    } else statement = { kind: 'query', query: this.query(), pos: sPos };
    return { kind: 'explain', details, statement, pos };
  }

  // -------------------------------------------------------------------------------------------
  // Types

  type(): TypeAst {
    const pos = this.cur().pos;
    if (this.cur().type !== 'word') this.fail('expected a data type');
    const word = this.next().upper;
    const type: TypeAst = {
      kind: 'type',
      name: word,
      params: [],
      fields: null,
      element: null,
      value: null,
      nullable: true,
      localTimeZone: false,
      pos,
    };
    switch (word) {
      case 'CHARACTER':
      case 'CHAR':
        if (this.accept('VARYING')) type.name = 'VARCHAR';
        break;
      case 'DOUBLE':
        this.accept('PRECISION');
        break;
      case 'TIMESTAMP_LTZ':
        type.localTimeZone = true;
        break;
      case 'ARRAY':
      case 'MULTISET':
        if (this.acceptOp('<')) {
          type.element = this.type();
          this.expectOp('>');
        }
        break;
      case 'MAP':
        this.expectOp('<');
        type.element = this.type();
        this.expectOp(',');
        type.value = this.type();
        this.expectOp('>');
        break;
      case 'ROW': {
        const open = this.isOp('<') ? '<' : '(';
        this.expectOp(open);
        type.fields = [];
        do {
          const name = this.name('a field name');
          const fieldType = this.type();
          if (this.cur().type === 'string') this.next(); // field description
          type.fields.push({ name, type: fieldType });
        } while (this.acceptOp(','));
        this.expectOp(open === '<' ? '>' : ')');
        break;
      }
      case 'RAW':
        this.unsupported('RAW types', pos);
    }
    if (type.fields === null && type.element === null && this.isOp('(')) {
      this.i++;
      do {
        if (this.cur().type !== 'number') this.fail('expected a length or precision');
        type.params.push(Number(this.next().text));
      } while (this.acceptOp(','));
      this.expectOp(')');
    }
    if (word === 'TIMESTAMP' || word === 'TIME') {
      if (this.acceptAll('WITH', 'LOCAL', 'TIME', 'ZONE')) type.localTimeZone = true;
      else if (this.acceptAll('WITHOUT', 'TIME', 'ZONE')) {
        // the default
      } else if (this.acceptAll('WITH', 'TIME', 'ZONE')) {
        this.unsupported('TIMESTAMP WITH TIME ZONE (use TIMESTAMP_LTZ)', pos);
      }
    }
    // Postfix collection types: `INT ARRAY`, `STRING MULTISET`.
    let result = type;
    for (;;) {
      if (this.acceptAll('NOT', 'NULL')) result.nullable = false;
      else if (this.is('NULL') && !this.is('PRIMARY', this.peek())) this.i++;
      else if (this.is('ARRAY') || this.is('MULTISET')) {
        result = {
          ...type,
          name: this.next().upper,
          params: [],
          fields: null,
          element: result,
          value: null,
          nullable: true,
          localTimeZone: false,
        };
      } else break;
    }
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  query(): Query {
    const pos = this.cur().pos;
    let query: Query;
    if (this.accept('WITH')) {
      const items: { name: string; columns: string[] | null; query: Query; pos: SqlPos }[] = [];
      do {
        const itemPos = this.cur().pos;
        const name = this.name('a WITH item name');
        const columns = this.isOp('(') ? this.nameList() : null;
        this.expect('AS');
        this.expectOp('(');
        const q = this.query();
        this.expectOp(')');
        items.push({ name, columns, query: q, pos: itemPos });
      } while (this.acceptOp(','));
      query = { kind: 'with', items, body: this.queryBody(), pos };
    } else {
      query = this.queryBody();
    }
    return this.orderAndLimit(query, pos);
  }

  private orderAndLimit(query: Query, pos: SqlPos): Query {
    let orderBy: OrderItem[] = [];
    let limit: Expr | null = null;
    let offset: Expr | null = null;
    if (this.acceptAll('ORDER', 'BY')) orderBy = this.orderItems();
    if (this.accept('LIMIT')) {
      if (!this.accept('ALL')) limit = this.expr();
    }
    if (this.accept('OFFSET')) {
      offset = this.expr();
      if (!this.accept('ROWS')) this.accept('ROW');
    }
    if (this.accept('FETCH')) {
      if (!this.accept('FIRST')) this.expect('NEXT');
      limit = this.expr();
      if (!this.accept('ROWS')) this.expect('ROW');
      this.expect('ONLY');
    }
    if (orderBy.length === 0 && limit === null && offset === null) return query;
    return { kind: 'ordered', query, orderBy, limit, offset, pos };
  }

  private orderItems(): OrderItem[] {
    const items: OrderItem[] = [];
    do {
      const expr = this.expr();
      let descending = false;
      if (this.accept('DESC')) descending = true;
      else this.accept('ASC');
      let nullsFirst: boolean | null = null;
      if (this.accept('NULLS')) {
        if (this.accept('FIRST')) nullsFirst = true;
        else {
          this.expect('LAST');
          nullsFirst = false;
        }
      }
      items.push({ expr, descending, nullsFirst });
    } while (this.acceptOp(','));
    return items;
  }

  /** UNION and EXCEPT (left-associative) over INTERSECT terms. */
  private queryBody(): Query {
    let left = this.queryTerm();
    while (this.is('UNION') || this.is('EXCEPT') || this.is('MINUS')) {
      const pos = this.cur().pos;
      const word = this.next().upper;
      const op = word === 'UNION' ? 'UNION' : 'EXCEPT';
      const all = this.accept('ALL');
      if (!all) this.accept('DISTINCT');
      left = { kind: 'set-op', op, all, left, right: this.queryTerm(), pos };
    }
    return left;
  }

  private queryTerm(): Query {
    let left = this.queryPrimary();
    while (this.is('INTERSECT')) {
      const pos = this.next().pos;
      const all = this.accept('ALL');
      if (!all) this.accept('DISTINCT');
      left = { kind: 'set-op', op: 'INTERSECT', all, left, right: this.queryPrimary(), pos };
    }
    return left;
  }

  private queryPrimary(): Query {
    const pos = this.cur().pos;
    if (this.is('SELECT')) return this.select();
    if (this.accept('VALUES')) {
      const rows: Expr[][] = [];
      do {
        if (this.acceptOp('(')) {
          const values = [this.expr()];
          while (this.acceptOp(',')) values.push(this.expr());
          this.expectOp(')');
          rows.push(values);
        } else if (this.accept('ROW')) {
          this.expectOp('(');
          const values = [this.expr()];
          while (this.acceptOp(',')) values.push(this.expr());
          this.expectOp(')');
          rows.push(values);
        } else {
          this.fail('expected a row "(...)"');
        }
      } while (this.acceptOp(','));
      return { kind: 'values', rows, pos };
    }
    if (this.acceptOp('(')) {
      const q = this.query();
      this.expectOp(')');
      return q;
    }
    this.fail('expected SELECT, VALUES or "("');
  }

  private select(): SelectQuery {
    const pos = this.expect('SELECT').pos;
    let distinct = false;
    if (this.accept('DISTINCT')) distinct = true;
    else this.accept('ALL');
    const items: SelectItem[] = [];
    do items.push(this.selectItem());
    while (this.acceptOp(','));
    const q: SelectQuery = {
      kind: 'select',
      distinct,
      items,
      from: null,
      where: null,
      groupBy: null,
      having: null,
      windows: [],
      pos,
    };
    if (this.accept('FROM')) q.from = this.fromList();
    if (this.accept('WHERE')) q.where = this.expr();
    if (this.acceptAll('GROUP', 'BY')) {
      q.groupBy = [];
      do q.groupBy.push(this.groupItem());
      while (this.acceptOp(','));
    }
    if (this.accept('HAVING')) q.having = this.expr();
    if (this.accept('WINDOW')) {
      do {
        const name = this.name('a window name');
        this.expect('AS');
        q.windows.push({ name, spec: this.windowSpec() });
      } while (this.acceptOp(','));
    }
    if (this.is('MATCH_RECOGNIZE')) this.unsupported('MATCH_RECOGNIZE', this.cur().pos);
    return q;
  }

  private selectItem(): SelectItem {
    const pos = this.cur().pos;
    if (this.isOp('*')) {
      this.i++;
      return { expr: { kind: 'star', qualifier: null, pos }, alias: null, pos };
    }
    const expr = this.expr();
    let alias: string | null = null;
    if (this.accept('AS')) alias = this.name('an alias');
    else if (this.isName()) alias = this.name();
    return { expr, alias, pos };
  }

  private groupItem(): GroupItem {
    const pos = this.cur().pos;
    if (this.acceptAll('GROUPING', 'SETS')) {
      this.expectOp('(');
      const sets: Expr[][] = [];
      do {
        if (this.acceptOp('(')) {
          const set: Expr[] = [];
          if (!this.isOp(')')) {
            do set.push(this.expr());
            while (this.acceptOp(','));
          }
          this.expectOp(')');
          sets.push(set);
        } else {
          sets.push([this.expr()]);
        }
      } while (this.acceptOp(','));
      this.expectOp(')');
      return { kind: 'grouping-sets', sets, pos };
    }
    if (this.is('ROLLUP') || this.is('CUBE')) {
      const kind = this.next().upper === 'ROLLUP' ? 'rollup' : 'cube';
      this.expectOp('(');
      const exprs = [this.expr()];
      while (this.acceptOp(',')) exprs.push(this.expr());
      this.expectOp(')');
      return { kind, exprs, pos };
    }
    if (this.isOp('(') && this.isOp(')', this.peek())) {
      this.i += 2;
      return { kind: 'empty', pos };
    }
    return { kind: 'expr', expr: this.expr() };
  }

  /** FROM a, b (a comma is a cross join) with joins. */
  /**
   * FROM items: a comma is a cross join, of the same precedence as JOIN and left-deep as in Flink's
   * parser, so `a, b LEFT JOIN c` is `(a, b) LEFT JOIN c`.
   */
  private fromList(): TableRef {
    return this.joined();
  }

  private joined(): TableRef {
    let left = this.tablePrimary();
    for (;;) {
      const pos = this.cur().pos;
      if (this.acceptOp(',')) {
        const right = this.tablePrimary();
        left = { kind: 'join', type: 'CROSS', natural: false, left, right, on: null, using: null, pos };
        continue;
      }
      const natural = this.accept('NATURAL');
      let type: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS' | null = null;
      if (this.accept('CROSS')) type = 'CROSS';
      else if (this.accept('INNER')) type = 'INNER';
      else if (this.accept('LEFT')) type = 'LEFT';
      else if (this.accept('RIGHT')) type = 'RIGHT';
      else if (this.accept('FULL')) type = 'FULL';
      if (type === 'LEFT' || type === 'RIGHT' || type === 'FULL') this.accept('OUTER');
      if (!this.is('JOIN')) {
        if (type !== null || natural) this.fail('expected JOIN');
        return left;
      }
      this.i++;
      type ??= 'INNER';
      const right = this.tablePrimary();
      let on: Expr | null = null;
      let using: string[] | null = null;
      if (type !== 'CROSS' && !natural) {
        if (this.accept('ON')) on = this.expr();
        else if (this.accept('USING')) using = this.nameList();
        else this.fail('expected ON or USING');
      }
      left = { kind: 'join', type, natural, left, right, on, using, pos };
    }
  }

  private alias(): Alias | null {
    if (this.accept('AS')) {
      const name = this.name('an alias');
      return { name, columns: this.isOp('(') ? this.nameList() : null };
    }
    if (this.isName()) {
      const name = this.name();
      return { name, columns: this.isOp('(') ? this.nameList() : null };
    }
    return null;
  }

  private tablePrimary(): TableRef {
    const pos = this.cur().pos;
    const lateral = this.accept('LATERAL');
    if (this.is('TABLE') && this.isOp('(', this.peek())) {
      this.i += 2;
      const fn = this.tableFunction(pos, lateral);
      this.expectOp(')');
      fn.alias = this.alias();
      return fn;
    }
    if (this.accept('UNNEST')) {
      this.expectOp('(');
      const exprs = [this.expr()];
      while (this.acceptOp(',')) exprs.push(this.expr());
      this.expectOp(')');
      const withOrdinality = this.acceptAll('WITH', 'ORDINALITY');
      return { kind: 'unnest', exprs, withOrdinality, alias: this.alias(), pos };
    }
    if (this.isOp('(')) {
      this.i++;
      // A parenthesized join or a subquery.
      if (this.is('SELECT') || this.is('VALUES') || this.is('WITH') || this.isOp('(')) {
        const query = this.query();
        this.expectOp(')');
        return { kind: 'subquery', query, lateral, alias: this.alias(), pos };
      }
      const inner = this.fromList();
      this.expectOp(')');
      return inner;
    }
    if (
      lateral &&
      (this.cur().type === 'word' || this.cur().type === 'quoted') &&
      this.isOp('(', this.peek())
    ) {
      // `LATERAL f(x)`: the TABLE keyword is optional in a lateral call (Flink 2.3, CALCITE-7183).
      const fn = this.tableFunction(pos, true);
      fn.alias = this.alias();
      return fn;
    }
    if (lateral) this.fail('expected TABLE(...), a function call or a subquery after LATERAL');
    const path = this.path('a table name');
    let systemTime: Expr | null = null;
    if (this.acceptAll('FOR', 'SYSTEM_TIME', 'AS', 'OF')) systemTime = this.expr();
    return { kind: 'table', path, systemTime, alias: this.alias(), pos };
  }

  /** Inside `TABLE(...)`: a call whose arguments may be `TABLE t [PARTITION BY ...]`, `DESCRIPTOR(c)` or named. */
  private tableFunction(pos: SqlPos, lateral: boolean): TableRef & { kind: 'table-function' } {
    if (!this.isName() && !(this.cur().type === 'word')) this.fail('expected a table function');
    const nameToken = this.next();
    // Built-in window functions and unquoted user functions are matched case-insensitively.
    const name = nameToken.type === 'quoted' ? nameToken.text : nameToken.upper;
    const args: TableFunctionArg[] = [];
    this.expectOp('(');
    if (!this.isOp(')')) {
      do args.push(this.tableFunctionArg());
      while (this.acceptOp(','));
    }
    this.expectOp(')');
    return { kind: 'table-function', name, args, lateral, alias: null, pos };
  }

  private tableFunctionArg(): TableFunctionArg {
    const pos = this.cur().pos;
    let name: string | null = null;
    if ((this.cur().type === 'word' || this.cur().type === 'quoted') && this.isOp('=>', this.peek())) {
      name = this.next().text.toUpperCase();
      this.i++;
    }
    if (this.accept('TABLE')) {
      const tPos = this.cur().pos;
      const path = this.path('a table name');
      const table: TableRef = { kind: 'table', path, systemTime: null, alias: null, pos: tPos };
      const partitionBy: Expr[] = [];
      if (this.acceptAll('PARTITION', 'BY')) {
        // `PARTITION BY a` or `PARTITION BY (a, b)`: a bare comma ends the table argument.
        if (this.acceptOp('(')) {
          do partitionBy.push(this.expr());
          while (this.acceptOp(','));
          this.expectOp(')');
        } else {
          partitionBy.push(this.expr());
        }
      }
      return { kind: 'table', name, table, partitionBy, pos };
    }
    if (this.is('DESCRIPTOR')) {
      this.i++;
      return { kind: 'descriptor', name, columns: this.nameList(), pos };
    }
    if (this.isOp('(') && (this.is('SELECT', this.peek()) || this.is('WITH', this.peek()))) {
      this.i++;
      const query = this.query();
      this.expectOp(')');
      const table: TableRef = { kind: 'subquery', query, lateral: false, alias: null, pos };
      const partitionBy: Expr[] = [];
      if (this.acceptAll('PARTITION', 'BY')) {
        do partitionBy.push(this.expr());
        while (this.acceptOp(','));
      }
      return { kind: 'table', name, table, partitionBy, pos };
    }
    return { kind: 'expr', name, expr: this.expr(), pos };
  }

  private windowSpec(): WindowSpec {
    const pos = this.expectOp('(').pos;
    const spec: WindowSpec = { ref: null, partitionBy: [], orderBy: [], frame: null, pos };
    if (this.isName() && !this.is('PARTITION') && !this.is('ORDER')) spec.ref = this.name();
    if (this.acceptAll('PARTITION', 'BY')) {
      do spec.partitionBy.push(this.expr());
      while (this.acceptOp(','));
    }
    if (this.acceptAll('ORDER', 'BY')) spec.orderBy = this.orderItems();
    if (this.is('ROWS') || this.is('RANGE')) {
      const unit = this.next().upper as 'ROWS' | 'RANGE';
      if (this.accept('BETWEEN')) {
        const start = this.frameBound();
        this.expect('AND');
        spec.frame = { unit, start, end: this.frameBound() };
      } else {
        spec.frame = { unit, start: this.frameBound(), end: { kind: 'current-row' } };
      }
    }
    this.expectOp(')');
    return spec;
  }

  private frameBound(): FrameBound {
    if (this.acceptAll('UNBOUNDED', 'PRECEDING')) return { kind: 'unbounded-preceding' };
    if (this.acceptAll('UNBOUNDED', 'FOLLOWING')) return { kind: 'unbounded-following' };
    if (this.acceptAll('CURRENT', 'ROW')) return { kind: 'current-row' };
    const offset = this.additive();
    if (this.accept('PRECEDING')) return { kind: 'preceding', offset };
    this.expect('FOLLOWING');
    return { kind: 'following', offset };
  }

  // -------------------------------------------------------------------------------------------
  // Expressions, loosest first

  expr(): Expr {
    return this.or();
  }

  private or(): Expr {
    let left = this.and();
    while (this.is('OR')) {
      const pos = this.next().pos;
      left = { kind: 'binary', op: 'OR', left, right: this.and(), pos };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.is('AND')) {
      const pos = this.next().pos;
      left = { kind: 'binary', op: 'AND', left, right: this.not(), pos };
    }
    return left;
  }

  private not(): Expr {
    if (this.is('NOT')) {
      const pos = this.next().pos;
      return { kind: 'unary', op: 'NOT', operand: this.not(), pos };
    }
    return this.predicate();
  }

  /** Comparisons and the predicates IS, BETWEEN, IN, LIKE, SIMILAR TO. */
  private predicate(): Expr {
    let left = this.concat();
    for (;;) {
      const pos = this.cur().pos;
      if (this.cur().type === 'op' && COMPARISONS.has(this.cur().text)) {
        const text = this.next().text;
        const op = text === '!=' ? '<>' : (text as '=' | '<>' | '<' | '<=' | '>' | '>=');
        if (this.is('ANY') || this.is('SOME') || this.is('ALL'))
          this.unsupported(`${this.cur().upper} with a subquery`, this.cur().pos);
        left = { kind: 'binary', op, left, right: this.concat(), pos };
        continue;
      }
      if (this.accept('IS')) {
        const not = this.accept('NOT');
        if (this.accept('DISTINCT')) {
          this.expect('FROM');
          left = { kind: 'is', expr: left, test: 'DISTINCT', other: this.concat(), not, pos };
          continue;
        }
        if (this.accept('JSON')) {
          // `s IS [NOT] JSON [VALUE | SCALAR | ARRAY | OBJECT]`: the function IS_JSON(s, kind).
          let kind = 'VALUE';
          if (this.is('VALUE') || this.is('SCALAR') || this.is('ARRAY') || this.is('OBJECT'))
            kind = this.next().upper;
          const kindArg: Expr = { kind: 'literal', type: 'string', text: kind, pos };
          const test = this.call('IS_JSON', false, [left, kindArg], pos);
          left = not ? { kind: 'unary', op: 'NOT', operand: test, pos } : test;
          continue;
        }
        const word = this.cur().upper;
        if (this.cur().type !== 'word' || !['NULL', 'TRUE', 'FALSE', 'UNKNOWN'].includes(word)) {
          this.fail('expected NULL, TRUE, FALSE, UNKNOWN, JSON or DISTINCT FROM after IS');
        }
        this.i++;
        left = { kind: 'is', expr: left, test: word as 'NULL', other: null, not, pos };
        continue;
      }
      const not =
        this.is('NOT') &&
        (this.is('BETWEEN', this.peek()) ||
          this.is('IN', this.peek()) ||
          this.is('LIKE', this.peek()) ||
          this.is('SIMILAR', this.peek()));
      if (not) this.i++;
      if (this.accept('BETWEEN')) {
        let symmetric = false;
        if (this.accept('SYMMETRIC')) symmetric = true;
        else this.accept('ASYMMETRIC');
        const low = this.concat();
        this.expect('AND');
        left = { kind: 'between', expr: left, low, high: this.concat(), not, symmetric, pos };
        continue;
      }
      if (this.accept('IN')) {
        this.expectOp('(');
        if (this.is('SELECT') || this.is('WITH') || this.is('VALUES')) {
          const query = this.query();
          this.expectOp(')');
          left = { kind: 'in', expr: left, list: null, query, not, pos };
        } else {
          const list = [this.expr()];
          while (this.acceptOp(',')) list.push(this.expr());
          this.expectOp(')');
          left = { kind: 'in', expr: left, list, query: null, not, pos };
        }
        continue;
      }
      if (this.is('LIKE') || this.is('SIMILAR')) {
        const op = this.next().upper === 'LIKE' ? 'LIKE' : 'SIMILAR';
        if (op === 'SIMILAR') this.expect('TO');
        const pattern = this.concat();
        const escapeChar = this.accept('ESCAPE') ? this.concat() : null;
        left = { kind: 'like', op, expr: left, pattern, escape: escapeChar, not, pos };
        continue;
      }
      if (not) this.fail('expected BETWEEN, IN, LIKE or SIMILAR after NOT');
      return left;
    }
  }

  private concat(): Expr {
    let left = this.additive();
    while (this.isOp('||')) {
      const pos = this.next().pos;
      left = { kind: 'binary', op: '||', left, right: this.additive(), pos };
    }
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next();
      left = { kind: 'binary', op: t.text as '+' | '-', left, right: this.multiplicative(), pos: t.pos };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const t = this.next();
      left = { kind: 'binary', op: t.text as '*' | '/' | '%', left, right: this.unary(), pos: t.pos };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isOp('-') || this.isOp('+')) {
      const t = this.next();
      const operand = this.unary();
      // A negative number literal stays a literal, so that -2147483648 is an INT.
      if (
        t.text === '-' &&
        operand.kind === 'literal' &&
        operand.type === 'number' &&
        !operand.text.startsWith('-')
      ) {
        return { ...operand, text: `-${operand.text}`, pos: t.pos };
      }
      return { kind: 'unary', op: t.text as '-' | '+', operand, pos: t.pos };
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      const pos = this.cur().pos;
      if (this.acceptOp('[')) {
        const index = this.expr();
        this.expectOp(']');
        e = { kind: 'item', expr: e, index, pos };
      } else if (this.isOp('.') && this.isName(this.peek())) {
        this.i++;
        const field = this.name();
        e =
          e.kind === 'column'
            ? { kind: 'column', path: [...e.path, field], pos: e.pos }
            : { kind: 'field', expr: e, field, pos };
      } else if (this.isOp('::')) {
        this.i++;
        e = { kind: 'cast', expr: e, type: this.type(), safe: false, pos };
      } else {
        return e;
      }
    }
  }

  private primary(): Expr {
    const t = this.cur();
    const pos = t.pos;
    switch (t.type) {
      case 'number':
        this.i++;
        return { kind: 'literal', type: 'number', text: t.text, pos };
      case 'string':
        this.i++;
        return { kind: 'literal', type: 'string', text: this.stringContinuation(t.text), pos };
      case 'quoted':
        return this.nameExpr();
      case 'op':
        if (t.text === '(') return this.parenthesized();
        if (t.text === '*') {
          this.i++;
          return { kind: 'star', qualifier: null, pos };
        }
        if (t.text === '?') this.unsupported('query parameters', pos);
        return this.fail('expected an expression');
      case 'eof':
        return this.fail('expected an expression');
    }
    // A word.
    const w = t.upper;
    switch (w) {
      case 'TRUE':
      case 'FALSE':
        this.i++;
        return { kind: 'literal', type: 'boolean', text: w, pos };
      case 'NULL':
        this.i++;
        return { kind: 'literal', type: 'null', text: w, pos };
      case 'UNKNOWN':
        this.i++;
        return { kind: 'literal', type: 'unknown', text: w, pos };
      case 'INTERVAL':
        return this.interval();
      case 'CASE':
        return this.caseExpr();
      case 'CAST':
      case 'TRY_CAST': {
        this.i++;
        this.expectOp('(');
        const expr = this.expr();
        this.expect('AS');
        const type = this.type();
        this.expectOp(')');
        return { kind: 'cast', expr, type, safe: w === 'TRY_CAST', pos };
      }
      case 'EXISTS': {
        this.i++;
        this.expectOp('(');
        const query = this.query();
        this.expectOp(')');
        return { kind: 'exists', query, pos };
      }
      case 'ROW':
        if (this.isOp('(', this.peek())) {
          this.i += 2;
          const args: Expr[] = [];
          if (!this.isOp(')')) {
            do args.push(this.expr());
            while (this.acceptOp(','));
          }
          this.expectOp(')');
          return { kind: 'constructor', type: 'ROW', args, pos };
        }
        break;
      case 'ARRAY':
      case 'MAP':
        if (this.isOp('[', this.peek())) {
          this.i += 2;
          const args: Expr[] = [];
          if (!this.isOp(']')) {
            do args.push(this.expr());
            while (this.acceptOp(','));
          }
          this.expectOp(']');
          return { kind: 'constructor', type: w, args, pos };
        }
        if (this.isOp('(', this.peek()) && this.is('SELECT', this.peek(2)))
          this.unsupported(`${w}(subquery)`, pos);
        break;
      case 'DATE':
      case 'TIME':
      case 'TIMESTAMP':
      case 'TIMESTAMP_LTZ':
        if (this.peek().type === 'string') {
          this.i++;
          const text = this.next().text;
          return { kind: 'literal', type: w.toLowerCase() as 'date', text, pos };
        }
        break;
    }
    if (NILADIC_FUNCTIONS.has(w) && !this.isOp('(', this.peek())) {
      this.i++;
      return this.call(w, false, [], pos);
    }
    if (
      this.isOp('(', this.peek()) &&
      (!RESERVED.has(w) || RESERVED_FUNCTIONS.has(w) || this.specialCall(w))
    ) {
      return this.functionCall();
    }
    return this.nameExpr();
  }

  /** Adjacent string literals concatenate: `'a' 'b'` is `'ab'`. */
  private stringContinuation(text: string): string {
    let out = text;
    while (this.cur().type === 'string') out += this.next().text;
    return out;
  }

  private specialCall(w: string): boolean {
    return [
      'EXTRACT',
      'POSITION',
      'TRIM',
      'SUBSTRING',
      'OVERLAY',
      'CEIL',
      'CEILING',
      'FLOOR',
      'CONVERT',
      'TRANSLATE',
    ].includes(w);
  }

  private nameExpr(): Expr {
    const pos = this.cur().pos;
    if (!this.isName()) {
      if (this.cur().type === 'word')
        this.fail(
          `expected an expression (${this.cur().upper} is reserved: write \`${this.cur().text}\` for a name)`,
        );
      this.fail('expected an expression');
    }
    const path = [this.name()];
    while (this.isOp('.')) {
      if (this.isOp('*', this.peek())) {
        this.i += 2;
        return { kind: 'star', qualifier: path, pos };
      }
      if (!this.isName(this.peek())) break;
      this.i++;
      path.push(this.name());
    }
    if (this.isOp('(')) {
      // A qualified or quoted user function: `db.fn(x)`, `` `fn`(x) ``.
      return this.callArgs(path.join('.'), true, pos);
    }
    return { kind: 'column', path, pos };
  }

  private parenthesized(): Expr {
    const pos = this.expectOp('(').pos;
    if (this.is('SELECT') || this.is('WITH') || this.is('VALUES')) {
      const query = this.query();
      this.expectOp(')');
      return { kind: 'subquery', query, pos };
    }
    const first = this.expr();
    if (this.acceptOp(',')) {
      const args = [first];
      do args.push(this.expr());
      while (this.acceptOp(','));
      this.expectOp(')');
      return { kind: 'constructor', type: 'ROW', args, pos };
    }
    this.expectOp(')');
    return first;
  }

  private interval(): Expr {
    const pos = this.expect('INTERVAL').pos;
    let sign = '';
    if (this.isOp('-') || this.isOp('+')) sign = this.next().text === '-' ? '-' : '';
    let text: string;
    if (this.cur().type === 'string') text = this.next().text;
    else if (this.cur().type === 'number') text = this.next().text;
    else this.fail("expected the interval's value in quotes (INTERVAL '10' SECOND)");
    const unit = this.intervalUnit();
    this.intervalPrecision();
    let toUnit: IntervalUnit | null = null;
    if (this.accept('TO')) {
      toUnit = this.intervalUnit();
      this.intervalPrecision();
    }
    return { kind: 'interval', text: sign + text, unit, toUnit, pos };
  }

  private intervalUnit(): IntervalUnit {
    const unit = this.cur().type === 'word' ? INTERVAL_UNITS[this.cur().upper] : undefined;
    if (unit === undefined) this.fail('expected an interval unit (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND)');
    this.i++;
    return unit;
  }

  private intervalPrecision(): void {
    if (this.isOp('(') && this.peek().type === 'number') {
      this.i++;
      do this.next();
      while (this.acceptOp(','));
      this.expectOp(')');
    }
  }

  private caseExpr(): Expr {
    const pos = this.expect('CASE').pos;
    const operand = this.is('WHEN') ? null : this.expr();
    const whens: { condition: Expr; result: Expr }[] = [];
    while (this.accept('WHEN')) {
      const when = this.expr();
      this.expect('THEN');
      whens.push({ condition: when, result: this.expr() });
    }
    if (whens.length === 0) this.fail('expected WHEN');
    const otherwise = this.accept('ELSE') ? this.expr() : null;
    this.expect('END');
    return { kind: 'case', operand, whens, otherwise, pos };
  }

  /**
   * JSON_VALUE, JSON_EXISTS and JSON_QUERY with their clauses (`RETURNING type`, `WITH [CONDITIONAL |
   * UNCONDITIONAL] [ARRAY] WRAPPER`, `... ON EMPTY`, `... ON ERROR`). Without a clause the call has
   * the two arguments; with one, the behaviours follow as arguments: JSON_VALUE(json, path,
   * onEmpty, emptyDefault, onError, errorDefault) (`RETURNING` a CAST of the call), JSON_EXISTS(json, path, onError), JSON_QUERY(json, path, wrapper, onEmpty, onError,
   * returning) with `returning` 'STRING' or 'ARRAY'.
   */
  private jsonQueryCall(name: string, pos: SqlPos): Expr {
    this.expectOp('(');
    const args = [this.expr()];
    this.expectOp(',');
    args.push(this.expr());
    const text = (t: string): Expr => ({ kind: 'literal', type: 'string', text: t, pos });
    const orNull = (e: Expr | null): Expr => e ?? { kind: 'literal', type: 'null', text: 'NULL', pos };
    const returning = name !== 'JSON_EXISTS' && this.accept('RETURNING') ? this.type() : null;
    let wrapper: string | null = null;
    if (name === 'JSON_QUERY' && (this.is('WITH') || this.is('WITHOUT'))) {
      wrapper = this.next().upper;
      if (wrapper === 'WITH')
        wrapper = this.is('CONDITIONAL') || this.is('UNCONDITIONAL') ? this.next().upper : 'UNCONDITIONAL';
      this.accept('ARRAY');
      this.expect('WRAPPER');
    }
    const modes: Record<string, { mode: string; value: Expr | null }> = {};
    while (!this.acceptOp(')')) {
      const t = this.next();
      let mode = t.upper;
      let value: Expr | null = null;
      if (mode === 'DEFAULT' && name === 'JSON_VALUE') value = this.expr();
      else if (mode === 'EMPTY' && name === 'JSON_QUERY') mode = `EMPTY ${this.next().upper}`;
      const allowed =
        name === 'JSON_EXISTS'
          ? ['TRUE', 'FALSE', 'UNKNOWN', 'ERROR']
          : name === 'JSON_VALUE'
            ? ['NULL', 'ERROR', 'DEFAULT']
            : ['NULL', 'ERROR', 'EMPTY ARRAY', 'EMPTY OBJECT'];
      if (!allowed.includes(mode)) this.fail(`${allowed.join(', ')} ON EMPTY or ON ERROR`, t);
      this.expect('ON');
      const on = this.cur().upper;
      if ((on !== 'EMPTY' || name === 'JSON_EXISTS') && on !== 'ERROR') this.fail('EMPTY or ERROR');
      this.i++;
      modes[on] = { mode, value };
    }
    if (returning === null && wrapper === null && Object.keys(modes).length === 0)
      return this.call(name, false, args, pos);
    if (name === 'JSON_EXISTS')
      return this.call(name, false, [...args, text(modes.ERROR?.mode ?? 'FALSE')], pos);
    if (name === 'JSON_QUERY') {
      let result = 'STRING';
      if (returning !== null && returning.name === 'ARRAY') result = 'ARRAY';
      else if (returning !== null && !['STRING', 'VARCHAR'].includes(returning.name))
        this.fail('RETURNING STRING or ARRAY<STRING>');
      return this.call(
        name,
        false,
        [
          ...args,
          text(wrapper ?? 'WITHOUT'),
          text(modes.EMPTY?.mode ?? 'NULL'),
          text(modes.ERROR?.mode ?? 'NULL'),
          text(result),
        ],
        pos,
      );
    }
    const empty = modes.EMPTY ?? { mode: 'NULL', value: null };
    const error = modes.ERROR ?? { mode: 'NULL', value: null };
    const call = this.call(
      name,
      false,
      [...args, text(empty.mode), orNull(empty.value), text(error.mode), orNull(error.value)],
      pos,
    );
    if (returning === null) return call;
    return { kind: 'cast', expr: call, type: returning, safe: error.mode !== 'ERROR', pos };
  }

  private functionCall(): Expr {
    const t = this.next();
    const pos = t.pos;
    const name = t.upper;
    // Calls with keyword syntax inside the parentheses.
    switch (name) {
      case 'EXTRACT': {
        this.expectOp('(');
        const unit = this.timeUnit();
        this.expect('FROM');
        const arg = this.expr();
        this.expectOp(')');
        return this.call(name, false, [unit, arg], pos);
      }
      case 'POSITION': {
        this.expectOp('(');
        const sub = this.concat();
        this.expect('IN');
        const str = this.concat();
        if (this.accept('FROM')) {
          const from = this.expr();
          this.expectOp(')');
          return this.call(name, false, [sub, str, from], pos);
        }
        this.expectOp(')');
        return this.call(name, false, [sub, str], pos);
      }
      case 'JSON_VALUE':
      case 'JSON_EXISTS':
      case 'JSON_QUERY':
        return this.jsonQueryCall(name, pos);
      case 'JSON_OBJECT':
      case 'JSON_ARRAY': {
        // JSON_OBJECT([KEY] k VALUE v, ... [NULL | ABSENT] ON NULL) and JSON_ARRAY(v, ... [NULL |
        // ABSENT] ON NULL): the ON NULL behaviour goes first, as a string argument.
        this.expectOp('(');
        let onNull = name === 'JSON_OBJECT' ? 'NULL' : 'ABSENT';
        const values: Expr[] = [];
        while (!this.acceptOp(')')) {
          if ((this.is('NULL') || this.is('ABSENT')) && this.is('ON', this.peek())) {
            onNull = this.next().upper;
            this.expect('ON');
            this.expect('NULL');
            continue;
          }
          if (values.length > 0) this.expectOp(',');
          if (name === 'JSON_OBJECT') {
            this.accept('KEY');
            values.push(this.expr());
            this.expect('VALUE');
          }
          values.push(this.expr());
        }
        const onNullArg: Expr = { kind: 'literal', type: 'string', text: onNull, pos };
        return this.call(name, false, [onNullArg, ...values], pos);
      }
      case 'TRIM': {
        this.expectOp('(');
        let mode = 'BOTH';
        if (this.is('BOTH') || this.is('LEADING') || this.is('TRAILING')) mode = this.next().upper;
        let chars: Expr = { kind: 'literal', type: 'string', text: ' ', pos };
        let source: Expr;
        if (this.accept('FROM')) {
          source = this.expr();
        } else {
          const first = this.expr();
          if (this.accept('FROM')) {
            chars = first;
            source = this.expr();
          } else {
            source = first;
          }
        }
        this.expectOp(')');
        return this.call(
          name,
          false,
          [{ kind: 'literal', type: 'string', text: mode, pos }, chars, source],
          pos,
        );
      }
      case 'SUBSTRING':
      case 'OVERLAY': {
        this.expectOp('(');
        const args = [this.expr()];
        if (name === 'OVERLAY') {
          this.expect('PLACING');
          args.push(this.expr());
          this.expect('FROM');
          args.push(this.expr());
          if (this.accept('FOR')) args.push(this.expr());
        } else if (this.accept('FROM')) {
          args.push(this.expr());
          if (this.accept('FOR')) args.push(this.expr());
        } else {
          while (this.acceptOp(',')) args.push(this.expr());
        }
        this.expectOp(')');
        return this.call(name, false, args, pos);
      }
      case 'CEIL':
      case 'CEILING':
      case 'FLOOR': {
        this.expectOp('(');
        const arg = this.expr();
        if (this.accept('TO')) {
          const unit = this.timeUnit();
          this.expectOp(')');
          return this.call(name === 'CEILING' ? 'CEIL' : name, false, [arg, unit], pos);
        }
        this.expectOp(')');
        return this.call(name === 'CEILING' ? 'CEIL' : name, false, [arg], pos);
      }
    }
    if (name === 'TIMESTAMPADD' || name === 'TIMESTAMPDIFF') {
      this.expectOp('(');
      const unit = this.timeUnit();
      const args = [unit];
      while (this.acceptOp(',')) args.push(this.expr());
      this.expectOp(')');
      return this.call(name, false, args, pos);
    }
    return this.callArgs(name, false, pos);
  }

  /** A time unit as a string literal argument (`EXTRACT(HOUR FROM ts)` gives 'HOUR'). */
  private timeUnit(): Expr {
    const t = this.cur();
    if (t.type !== 'word' || !(TIME_UNITS.has(t.upper) || INTERVAL_UNITS[t.upper]))
      this.fail('expected a time unit (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND...)');
    this.i++;
    const unit = INTERVAL_UNITS[t.upper] ?? t.upper;
    return { kind: 'literal', type: 'string', text: unit, pos: t.pos };
  }

  /**
   * The argument list and what may follow it (FILTER, OVER). `name` is upper case for a plain word
   * (function names are case-insensitive) and as written for a quoted or qualified one.
   */
  private callArgs(name: string, quoted: boolean, pos: SqlPos): Expr {
    this.expectOp('(');
    const args: Expr[] = [];
    const argNames: (string | null)[] = [];
    let distinct = false;
    let star = false;
    if (this.accept('DISTINCT')) distinct = true;
    else this.accept('ALL');
    if (this.isOp('*') && this.isOp(')', this.peek())) {
      this.i++;
      star = true;
    } else if (!this.isOp(')')) {
      do {
        if ((this.cur().type === 'word' || this.cur().type === 'quoted') && this.isOp('=>', this.peek())) {
          argNames.push(this.next().text);
          this.i++;
        } else argNames.push(null);
        args.push(this.expr());
      } while (this.acceptOp(','));
    }
    this.expectOp(')');
    const call = this.call(name, quoted, args, pos);
    call.distinct = distinct;
    call.star = star;
    call.argNames = argNames.some((n) => n !== null) ? argNames : [];
    if (this.is('WITHIN') && this.is('GROUP', this.peek())) this.unsupported('WITHIN GROUP', this.cur().pos);
    if (this.is('FILTER') && this.isOp('(', this.peek())) {
      this.i += 2;
      this.expect('WHERE');
      call.filter = this.expr();
      this.expectOp(')');
    }
    if (this.accept('IGNORE') || this.accept('RESPECT')) this.expect('NULLS');
    if (this.accept('OVER')) {
      if (this.isOp('(')) call.over = this.windowSpec();
      else {
        const refPos = this.cur().pos;
        call.over = {
          ref: this.name('a window name'),
          partitionBy: [],
          orderBy: [],
          frame: null,
          pos: refPos,
        };
      }
    }
    return call;
  }

  private call(name: string, quoted: boolean, args: Expr[], pos: SqlPos): Expr & { kind: 'call' } {
    return {
      kind: 'call',
      name,
      quoted,
      args,
      argNames: [],
      distinct: false,
      star: false,
      filter: null,
      over: null,
      pos,
    };
  }
}
