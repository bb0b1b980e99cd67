/**
 * The entry point of Weir SQL, as Flink's TableEnvironment: a session with a catalog and settings
 * that runs SQL statements. DDL changes the catalog; a query runs as a job whose rows come back to
 * the caller; INSERT INTO and statement sets run as jobs that write to their tables. Planning is
 * pure (parser, binder, planner); the job runs on the local mini-cluster, each slot building the
 * operators from the plan alone.
 *
 * @example
 * const tEnv = TableEnvironment.create();
 * await tEnv.executeSql(`CREATE TABLE bids (...) WITH ('connector' = 'nexmark', 'events.num' = '1000')`);
 * const result = await tEnv.executeSql('SELECT auction, price FROM bids WHERE price > 1000');
 * for await (const row of result.collect()) console.log(row.values);
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type CollectTarget, collectIterator } from '../api/collect.ts';
import type { JobClient, RestoreSettings } from '../api/executor.ts';
import { type CheckpointSettings, DEFAULT_CHECKPOINT_SETTINGS } from '../core/checkpointing.ts';
import { parseDuration } from '../core/duration.ts';
import { WeirError } from '../core/errors.ts';
import { insertRow, type Row } from '../core/row.ts';
import { importUserFunction } from '../core/user-function.ts';
import { DEFAULT_MAX_PARALLELISM } from '../state/key-groups.ts';
import type { ParsedStatement, Statement } from './ast.ts';
import { Binder } from './binder/binder.ts';
import {
  Catalog,
  type CatalogFunction,
  DEFAULT_CATALOG,
  DEFAULT_DATABASE,
  objectName,
} from './catalog/catalog.ts';
import { builtinFunctionNames } from './functions/builtin-functions.ts';
import { userFunctionShape } from './functions/user-functions.ts';
import { parseDataType, parseScript } from './parser/parser.ts';
import { formatRel, type Rel } from './plan/rel.ts';
import { describeMiniBatch, readAggregateTuning } from './planner/aggregate-tuning.ts';
import { type PlannedSink, type PlanOptions, planJob } from './planner/physical-planner.ts';
import { SqlError } from './sql-error.ts';
import { checkExecutionTarget, LocalSqlJobExecutor, type SqlJobExecutor } from './sql-job-executor.ts';
import { showJobsRows, stopJobRows } from './sql-job-statements.ts';
import { formatType, type RowField, type SqlType, T, typeFromAst } from './types.ts';

export interface TableEnvironmentSettings {
  /** Parallelism of the jobs (`parallelism.default`); default 1. */
  parallelism?: number;
  /** Worker threads for the task slots; default: as many as the parallelism needs. */
  taskSlots?: number;
  /** Initial settings, as `SET 'key' = 'value'` gives them. */
  config?: Record<string, string>;
  /** Where relative module paths of `CREATE FUNCTION ... AS './udfs.ts#f'` resolve from (default: the working directory). */
  baseDir?: string;
  /** Where the jobs run: the local mini-cluster by default; a cluster's JobManager with `weir sql -m`. */
  executor?: SqlJobExecutor;
}

/** What a statement gives back: a confirmation, a table of rows, or a running job. */
export class TableResult {
  /** `SUCCESS` for DDL and SET; `SUCCESS_WITH_CONTENT` for queries, SHOW, DESCRIBE, EXPLAIN, INSERT. */
  readonly resultKind: 'SUCCESS' | 'SUCCESS_WITH_CONTENT';
  readonly schema: RowField[];
  /** The job of a query or an INSERT. */
  readonly jobClient: JobClient | undefined;
  private readonly rows: AsyncIterableIterator<Row> | undefined;
  private readonly fixed: Row[] | undefined;

  constructor(init: {
    kind: 'SUCCESS' | 'SUCCESS_WITH_CONTENT';
    schema: RowField[];
    rows?: Row[];
    iterator?: AsyncIterableIterator<Row>;
    jobClient?: JobClient;
  }) {
    this.resultKind = init.kind;
    this.schema = init.schema;
    this.fixed = init.rows;
    this.rows = init.iterator;
    this.jobClient = init.jobClient;
  }

  /** The result's rows, as the job produces them (a changelog for updating queries). */
  collect(): AsyncIterableIterator<Row> {
    if (this.rows) return this.rows;
    const rows = this.fixed ?? [];
    return (async function* () {
      yield* rows;
    })();
  }

  /** Waits for the job of an INSERT or a query to finish (a query's rows must be read meanwhile). */
  async await(): Promise<void> {
    if (this.jobClient) await this.jobClient.getJobExecutionResult();
  }
}

const OK = (): TableResult =>
  new TableResult({
    kind: 'SUCCESS',
    schema: [{ name: 'result', type: T.string(false) }],
    rows: [insertRow(['OK'])],
  });

export class TableEnvironment {
  /** @internal */
  readonly catalog = new Catalog();
  private readonly settings = new Map<string, string>();
  private readonly taskSlots: number | undefined;
  /** Where relative module paths of CREATE FUNCTION resolve from. */
  private readonly baseDir: string;
  /** Runs the session's jobs (sql-job-executor.ts). */
  private readonly jobs: SqlJobExecutor;

  private constructor(settings: TableEnvironmentSettings) {
    if (settings.parallelism !== undefined)
      this.settings.set('parallelism.default', String(settings.parallelism));
    for (const [k, v] of Object.entries(settings.config ?? {})) this.settings.set(k, v);
    this.taskSlots = settings.taskSlots;
    this.baseDir = settings.baseDir ?? process.cwd();
    this.jobs = settings.executor ?? new LocalSqlJobExecutor();
  }

  /** Where the session's jobs run (`local`, or the JobManager's URL). */
  get executionTarget(): string {
    return this.jobs.target;
  }

  /** Whether INSERT waits for its job: `table.dml-sync`, by default only on the local cluster. */
  isDmlSync(): boolean {
    const sync = this.settings.get('table.dml-sync');
    return sync === undefined ? this.jobs.syncByDefault : sync.toLowerCase() === 'true';
  }

  /** A session with an empty catalog on the local mini-cluster. */
  static create(settings: TableEnvironmentSettings = {}): TableEnvironment {
    return new TableEnvironment(settings);
  }

  /** The session's settings (`SET`). */
  getConfig(): ReadonlyMap<string, string> {
    return this.settings;
  }

  /** Runs one statement. */
  async executeSql(sql: string): Promise<TableResult> {
    const statements = parseScript(sql);
    if (statements.length !== 1) {
      throw new WeirError(
        'SQL_PARSE_ERROR',
        `executeSql runs one statement, got ${statements.length}: use executeScript for several`,
      );
    }
    return this.execute(statements[0], sql);
  }

  /**
   * Runs the statements of a script in order, as `weir sql -f` does; yields each statement's text
   * and result. A query's or an INSERT's job is awaited before the next statement runs, unless
   * `detached`.
   */
  async *executeScript(
    sql: string,
    options: { detached?: boolean } = {},
  ): AsyncGenerator<{ statement: string; result: TableResult }> {
    for (const parsed of parseScript(sql)) {
      const result = await this.execute(parsed, sql);
      yield { statement: parsed.text, result };
    }
    void options;
  }

  /** The plan of a query or INSERT, as EXPLAIN prints it. */
  explainSql(sql: string): string {
    const statements = parseScript(sql);
    if (statements.length !== 1) throw new WeirError('SQL_PARSE_ERROR', 'explainSql explains one statement');
    const s = statements[0].statement;
    return this.explain(s.kind === 'explain' ? s.statement : s, sql);
  }

  /** @internal */
  binder(sql: string): Binder {
    return new Binder(this.catalog, sql);
  }

  private async execute(parsed: ParsedStatement, sql: string): Promise<TableResult> {
    const s = parsed.statement;
    switch (s.kind) {
      case 'create-table': {
        const name = this.objectNameOf(s.name, sql, s.pos);
        if (this.catalog.has(name)) {
          if (s.ifNotExists) return OK();
          throw new SqlError('SQL_VALIDATION_ERROR', `table or view "${name}" already exists`, sql, s.pos);
        }
        this.catalog.put(this.binder(sql).createTable(s));
        return OK();
      }
      case 'create-view': {
        const name = this.objectNameOf(s.name, sql, s.pos);
        if (this.catalog.has(name)) {
          if (s.ifNotExists) return OK();
          throw new SqlError('SQL_VALIDATION_ERROR', `table or view "${name}" already exists`, sql, s.pos);
        }
        this.catalog.put(this.binder(sql).createView(s));
        return OK();
      }
      case 'create-function': {
        const name = s.name.join('.');
        if (this.catalog.getFunction(name)) {
          if (s.ifNotExists) return OK();
          throw new SqlError('SQL_VALIDATION_ERROR', `function "${name}" already exists`, sql, s.pos);
        }
        if (s.language !== null && !['TYPESCRIPT', 'JAVASCRIPT'].includes(s.language)) {
          throw new SqlError(
            'SQL_UNSUPPORTED',
            `functions in ${s.language} (Weir runs TypeScript and JavaScript ones)`,
            sql,
            s.pos,
          );
        }
        const hash = s.identifier.lastIndexOf('#');
        if (hash <= 0 || hash === s.identifier.length - 1) {
          throw new SqlError(
            'SQL_VALIDATION_ERROR',
            `"${s.identifier}" names no TypeScript function: write the module and its export, AS './udfs.ts#myFunction'`,
            sql,
            s.pos,
          );
        }
        const path = s.identifier.slice(0, hash);
        const location = {
          module: URL.canParse(path) ? path : pathToFileURL(resolve(this.baseDir, path)).href,
          export: s.identifier.slice(hash + 1),
        };
        let returns: SqlType;
        let shape: Pick<CatalogFunction, 'kind' | 'retract' | 'merge'>;
        try {
          const definition = await importUserFunction(location);
          returns = typeFromAst(parseDataType(definition.returns));
          shape = userFunctionShape(definition);
        } catch (error) {
          throw new SqlError(
            'SQL_VALIDATION_ERROR',
            `function "${name}": ${(error as Error).message}`,
            sql,
            s.pos,
            { cause: error },
          );
        }
        this.catalog.putFunction({
          name,
          identifier: s.identifier,
          language: s.language,
          temporary: s.temporary,
          pos: s.pos,
          location,
          returns,
          ...shape,
        });
        return OK();
      }
      case 'drop': {
        const name = s.object === 'FUNCTION' ? s.name.join('.') : this.objectNameOf(s.name, sql, s.pos);
        const entry = s.object === 'FUNCTION' ? this.catalog.getFunction(name) : this.catalog.get(name);
        const kindMatches =
          s.object === 'FUNCTION' ||
          (entry as { kind?: string } | undefined)?.kind === (s.object === 'TABLE' ? 'table' : 'view');
        if (!entry || !kindMatches) {
          if (s.ifExists) return OK();
          throw new SqlError(
            'SQL_VALIDATION_ERROR',
            `${s.object.toLowerCase()} "${name}" does not exist`,
            sql,
            s.pos,
          );
        }
        if (s.object === 'FUNCTION') this.catalog.dropFunction(name);
        else this.catalog.drop(name);
        return OK();
      }
      case 'set':
        if (s.key === null) {
          const rows = [...this.settings].sort().map(([k, v]) => insertRow([k, v]));
          return new TableResult({
            kind: 'SUCCESS_WITH_CONTENT',
            schema: [
              { name: 'key', type: T.string(false) },
              { name: 'value', type: T.string(false) },
            ],
            rows,
          });
        }
        checkExecutionTarget(this.jobs, s.key, s.value ?? '');
        this.settings.set(s.key, s.value ?? '');
        return OK();
      case 'reset':
        if (s.key === null) this.settings.clear();
        else this.settings.delete(s.key);
        return OK();
      case 'use':
        if (
          (s.catalog && s.name.join('.') !== DEFAULT_CATALOG) ||
          (!s.catalog && objectName([...s.name, 'x']) === null)
        ) {
          throw new SqlError(
            'SQL_UNSUPPORTED',
            `catalogs and databases other than ${DEFAULT_CATALOG}.${DEFAULT_DATABASE}`,
            sql,
            s.pos,
          );
        }
        return OK();
      case 'show':
        if (s.what === 'JOBS')
          return new TableResult({ kind: 'SUCCESS_WITH_CONTENT', ...(await showJobsRows(this.jobs)) });
        return this.show(s, sql);
      case 'stop-job': {
        const rows = await stopJobRows(this.jobs, s, this.settings.get('state.savepoints.dir'));
        return rows ? new TableResult({ kind: 'SUCCESS_WITH_CONTENT', ...rows }) : OK();
      }
      case 'describe': {
        const entry = this.catalog.get(this.objectNameOf(s.name, sql, s.pos));
        if (!entry)
          throw new SqlError('SQL_VALIDATION_ERROR', `unknown table "${s.name.join('.')}"`, sql, s.pos);
        const fields: (RowField & { extras?: string })[] =
          entry.kind === 'view'
            ? entry.fields
            : entry.columns.map((c) => ({
                name: c.name,
                type: c.type,
                extras:
                  c.kind === 'computed'
                    ? `AS ${c.text}`
                    : c.kind === 'metadata'
                      ? `METADATA FROM '${c.key}'${c.virtual ? ' VIRTUAL' : ''}`
                      : undefined,
              }));
        const pk = entry.kind === 'table' ? (entry.primaryKey ?? []) : [];
        const watermark = entry.kind === 'table' ? entry.watermark : null;
        const rows = fields.map((f) =>
          insertRow([
            f.name,
            formatType({ ...f.type, nullable: true } as never).replace(/ \*ROWTIME\*$/, ''),
            f.type.nullable && !pk.includes(f.name),
            pk.includes(f.name) ? `PRI(${pk.join(', ')})` : null,
            f.extras ?? null,
            watermark?.column === f.name ? watermark.text : null,
          ]),
        );
        return new TableResult({
          kind: 'SUCCESS_WITH_CONTENT',
          schema: ['name', 'type', 'null', 'key', 'extras', 'watermark'].map((name) => ({
            name,
            type: name === 'null' ? T.boolean(false) : T.string(),
          })),
          rows,
        });
      }
      case 'explain':
        return new TableResult({
          kind: 'SUCCESS_WITH_CONTENT',
          schema: [{ name: 'result', type: T.string(false) }],
          rows: [insertRow([this.explain(s.statement, sql)])],
        });
      case 'query': {
        const rel = this.binder(sql).query(s.query);
        return this.runQuery(rel, parsed.text);
      }
      case 'insert':
        return this.runInserts([s], sql, parsed.text);
      case 'statement-set':
        return this.runInserts(s.inserts, sql, parsed.text);
    }
  }

  private objectNameOf(path: string[], sql: string, pos: Statement['pos']): string {
    const name = objectName(path);
    if (name === null)
      throw new SqlError(
        'SQL_VALIDATION_ERROR',
        `unknown catalog or database in "${path.join('.')}"`,
        sql,
        pos,
      );
    return name;
  }

  private show(s: Statement & { kind: 'show' }, sql: string): TableResult {
    const list = (name: string, values: string[]): TableResult =>
      new TableResult({
        kind: 'SUCCESS_WITH_CONTENT',
        schema: [{ name, type: T.string(false) }],
        rows: values.map((v) => insertRow([v])),
      });
    switch (s.what) {
      case 'TABLES':
        return list(
          'table name',
          [...this.catalog.tables(), ...this.catalog.views()].map((e) => e.name).sort(),
        );
      case 'VIEWS':
        return list(
          'view name',
          this.catalog
            .views()
            .map((v) => v.name)
            .sort(),
        );
      case 'FUNCTIONS':
        return list(
          'function name',
          [...builtinFunctionNames(), ...this.catalog.userFunctions().map((f) => f.name)].sort(),
        );
      case 'USER FUNCTIONS':
        return list(
          'function name',
          this.catalog
            .userFunctions()
            .map((f) => f.name)
            .sort(),
        );
      case 'CATALOGS':
      case 'CURRENT CATALOG':
        return list('catalog name', [DEFAULT_CATALOG]);
      case 'DATABASES':
      case 'CURRENT DATABASE':
        return list('database name', [DEFAULT_DATABASE]);
      case 'CREATE TABLE':
      case 'CREATE VIEW': {
        const entry = this.catalog.get(this.objectNameOf(s.name!, sql, s.pos));
        if (!entry)
          throw new SqlError('SQL_VALIDATION_ERROR', `unknown table "${s.name!.join('.')}"`, sql, s.pos);
        const text =
          entry.kind === 'view'
            ? `CREATE VIEW \`${entry.name}\` AS\n${entry.text}`
            : this.tableDdl(entry.name);
        return list('result', [text]);
      }
      case 'COLUMNS': {
        const entry = this.catalog.get(this.objectNameOf(s.name!, sql, s.pos));
        if (!entry)
          throw new SqlError('SQL_VALIDATION_ERROR', `unknown table "${s.name!.join('.')}"`, sql, s.pos);
        return list(
          'name',
          (entry.kind === 'view' ? entry.fields : entry.columns).map((c) => c.name),
        );
      }
      default:
        throw new SqlError('SQL_UNSUPPORTED', `SHOW ${s.what}`, sql, s.pos);
    }
  }

  private tableDdl(name: string): string {
    const table = this.catalog.get(name);
    if (table?.kind !== 'table') return '';
    const lines = table.columns.map((c) => {
      if (c.kind === 'computed') return `  \`${c.name}\` AS ${c.text}`;
      const type = formatType(c.type).replace(/ \*ROWTIME\*$/, '');
      return c.kind === 'metadata'
        ? `  \`${c.name}\` ${type} METADATA FROM '${c.key}'${c.virtual ? ' VIRTUAL' : ''}`
        : `  \`${c.name}\` ${type}`;
    });
    if (table.watermark)
      lines.push(`  WATERMARK FOR \`${table.watermark.column}\` AS ${table.watermark.text}`);
    if (table.primaryKey)
      lines.push(`  PRIMARY KEY (${table.primaryKey.map((k) => `\`${k}\``).join(', ')}) NOT ENFORCED`);
    const options = Object.entries(table.options).map(([k, v]) => `  '${k}' = '${v}'`);
    return `CREATE TABLE \`${table.name}\` (\n${lines.join(',\n')}\n) WITH (\n${options.join(',\n')}\n)`;
  }

  /**
   * EXPLAIN: the logical plan, the operators the job would run, and, as Flink's plan advice does,
   * which of them keep state without bound (with the setting that bounds it).
   */
  private explain(s: Statement, sql: string): string {
    const b = this.binder(sql);
    const queries: { rel: Rel; sink: PlannedSink }[] = [];
    if (s.kind === 'query') queries.push({ rel: b.query(s.query), sink: { kind: 'collect' } });
    else if (s.kind === 'insert') {
      const { table, rel } = b.insert(s);
      queries.push({ rel, sink: { kind: 'table', table } });
    } else if (s.kind === 'statement-set') {
      for (const i of s.inserts) {
        const { table, rel } = b.insert(i);
        queries.push({ rel, sink: { kind: 'table', table } });
      }
    } else throw new WeirError('SQL_UNSUPPORTED', `EXPLAIN of ${s.kind}`);
    let text = `== Abstract Syntax Tree ==\n${queries.map((q) => formatRel(q.rel)).join('\n\n')}\n`;
    const options = this.jobOptions('explain');
    const planned = planJob(queries, options, this.functionLocations());
    const operators = planned.graph.vertices.flatMap((v) => v.operators.map((o) => ({ vertex: v, op: o })));
    text += '\n== Physical Execution Plan ==\n';
    for (const v of planned.graph.vertices) {
      text += `${v.name} (parallelism ${v.parallelism})\n`;
    }
    const miniBatch = describeMiniBatch(
      options.aggregation,
      operators.map(({ op }) => op.kind),
    );
    if (miniBatch) text += `${miniBatch}\n`;
    const unbounded = operators.filter(({ op }) =>
      [
        'sql-group-aggregate',
        'sql-mini-batch-group-aggregate',
        'sql-global-group-aggregate',
        'sql-incremental-group-aggregate',
        'sql-join',
        'sql-rank',
        'sql-changelog-normalize',
      ].includes(op.kind),
    );
    if (unbounded.length > 0 && !options.stateTtl) {
      text += '\n== Advice ==\n';
      for (const { op } of unbounded) {
        text += `Warning: ${op.name} keeps state for every key without bound; SET 'table.exec.state.ttl' = '1 h' (say) to forget keys idle that long.\n`;
      }
    }
    return text;
  }

  /** The user functions' modules by catalog name, for the planner to put into the plan. */
  /**
   * Where the session's next jobs start from, as in Flink's SQL client: `execution.savepoint.path`
   * (a savepoint or a checkpoint directory) and `execution.savepoint.ignore-unclaimed-state`.
   */
  private restore(): RestoreSettings | undefined {
    const path = this.settings.get('execution.savepoint.path');
    if (path === undefined || path === '') return undefined;
    return {
      path,
      kind: 'savepoint',
      allowNonRestoredState: this.settings.get('execution.savepoint.ignore-unclaimed-state') === 'true',
    };
  }

  /**
   * Checkpointing of the session's jobs, as Flink's settings say: `execution.checkpointing.interval`
   * (off when unset), `execution.checkpointing.mode`, `execution.checkpointing.dir` (in memory when unset),
   * `execution.checkpointing.incremental` (`true` or `false`, the default).
   */
  private checkpointing(): CheckpointSettings | null {
    const interval = this.settings.get('execution.checkpointing.interval');
    if (interval === undefined) return null;
    const mode = (this.settings.get('execution.checkpointing.mode') ?? 'EXACTLY_ONCE').toUpperCase();
    if (mode !== 'EXACTLY_ONCE' && mode !== 'AT_LEAST_ONCE') {
      throw new WeirError(
        'INVALID_CONFIG',
        `'execution.checkpointing.mode' must be EXACTLY_ONCE or AT_LEAST_ONCE, got '${mode}'`,
      );
    }
    const incremental = (this.settings.get('execution.checkpointing.incremental') ?? 'false').toLowerCase();
    if (incremental !== 'true' && incremental !== 'false') {
      throw new WeirError(
        'INVALID_CONFIG',
        `'execution.checkpointing.incremental' must be true or false, got '${incremental}'`,
      );
    }
    const settings: CheckpointSettings = {
      ...DEFAULT_CHECKPOINT_SETTINGS,
      interval: durationMs('execution.checkpointing.interval', interval),
      mode,
      storage: this.settings.get('execution.checkpointing.dir') ?? null,
    };
    if (incremental === 'true') settings.incremental = true;
    return settings;
  }

  /** @internal */
  functionLocations(): Map<string, { module: string; export: string }> {
    return new Map(this.catalog.userFunctions().map((f) => [f.name, f.location]));
  }

  /** @internal */
  jobOptions(name: string): PlanOptions {
    const parallelism = Number(this.settings.get('parallelism.default') ?? '1');
    if (!(Number.isInteger(parallelism) && parallelism >= 1)) {
      throw new WeirError(
        'INVALID_CONFIG',
        `'parallelism.default' must be a positive integer, got '${this.settings.get('parallelism.default')}'`,
      );
    }
    return {
      jobName: this.settings.get('pipeline.name') ?? name,
      stateTtl: durationMs('table.exec.state.ttl', this.settings.get('table.exec.state.ttl') ?? '0'),
      aggregation: readAggregateTuning((key) => this.settings.get(key), durationMs),
      parallelism,
      maxParallelism: DEFAULT_MAX_PARALLELISM,
      config: {
        autoWatermarkInterval: Number(this.settings.get('pipeline.auto-watermark-interval') ?? '200'),
        batchSize: 1024,
        channelCapacity: 8,
        // Rows are made by the planner's own operators from plain values: no need to check, on
        // exchanges within a thread, that each would survive encoding.
        recordCheck: false,
        checkpointing: this.checkpointing(),
      },
    };
  }

  private async runQuery(rel: Rel, text: string): Promise<TableResult> {
    const planned = planJob(
      [{ rel, sink: { kind: 'collect' } }],
      this.jobOptions(jobNameOf(text)),
      this.functionLocations(),
    );
    // collectIterator starts the job at once; awaiting its deployment makes a bad plan fail here.
    let deployed: Promise<JobClient> | undefined;
    const iterator = collectIterator<Row>((target: CollectTarget) => {
      deployed = this.jobs.executeQuery(planned.graph, {
        taskSlots: this.taskSlots,
        collect: { [planned.collectUids[0]]: target },
        restore: this.restore(),
      });
      return deployed;
    });
    const client = await deployed!;
    return new TableResult({ kind: 'SUCCESS_WITH_CONTENT', schema: rel.fields, iterator, jobClient: client });
  }

  private async runInserts(
    inserts: (Statement & { kind: 'insert' })[],
    sql: string,
    text: string,
  ): Promise<TableResult> {
    const b = this.binder(sql);
    const queries: { rel: Rel; sink: PlannedSink }[] = inserts.map((i) => {
      const { table, rel } = b.insert(i);
      return { rel, sink: { kind: 'table', table } };
    });
    const planned = planJob(queries, this.jobOptions(jobNameOf(text)), this.functionLocations());
    const client = await this.jobs.executeInserts(planned.graph, {
      taskSlots: this.taskSlots,
      restore: this.restore(),
    });
    return new TableResult({
      kind: 'SUCCESS_WITH_CONTENT',
      schema: [{ name: 'job id', type: T.string(false) }],
      rows: [insertRow([client.jobId])],
      jobClient: client,
    });
  }
}

/**
 * A duration setting as Flink writes them: `3600000` (ms), `500 ms`, `30 s`, `10 min`, `1 h`, `1 d`.
 * @throws WeirError INVALID_CONFIG naming the key for any other text.
 */
function durationMs(key: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new WeirError(
      'INVALID_CONFIG',
      `'${key}' must be a duration such as '1 h', '30 min' or '3600000', got '${text}'`,
    );
  return ms;
}

/** Flink names a SQL job after its statement: `insert-into_default_catalog.default_database.t`, or the query's text. */
function jobNameOf(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}
