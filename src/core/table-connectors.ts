/**
 * Table connectors: what SQL's `CREATE TABLE ... WITH ('connector' = 'x', ...)` reads from and
 * writes to. A table factory builds a source of rows (core/row.ts) for the table's columns, or a
 * sink of rows, from the table's options. They register in the connector registry under
 * `table:<connector>`, so a SQL job graph names them as data and every slot builds its own.
 */
import {
  type ConnectorOptions,
  connectorIdentifiers,
  registerSinkFactory,
  registerSourceFactory,
} from './connector-registry.ts';
import { WeirError } from './errors.ts';
import type { ChangelogMode, Row } from './row.ts';
import type { Sink } from './sink.ts';
import type { Source, SourceSplit } from './source.ts';
import type { SqlType } from './sql-type.ts';

/** A column a table connector reads or writes: physical, or metadata (`key` names it). */
export interface TableColumn {
  name: string;
  type: SqlType;
  /** The metadata key for a METADATA column; null for a physical one. */
  metadata: string | null;
}

/** What a table factory is given: the table, its columns in order and its `WITH` options. */
export interface TableConnectorContext {
  table: string;
  columns: TableColumn[];
  options: Record<string, string>;
  /** The table's primary key columns (upsert connectors write by it). */
  primaryKey: string[] | null;
  /** The table's `PARTITIONED BY` columns, when it has them (given to sinks). */
  partitionKeys?: string[];
}

export interface TableSourceFactory {
  /** The `connector` option's value: 'nexmark', 'datagen', 'kafka'... */
  readonly identifier: string;
  /**
   * The changes the source emits (Flink's ChangelogMode): 'insert-only' (the default), or 'upsert'
   * (`+I`/`+U`/`-D` by the primary key, without `-U`: the planner normalizes it by the key).
   */
  readonly changelogMode?: ChangelogMode;
  createSource(context: TableConnectorContext): Source<Row, SourceSplit>;
}

export interface TableSinkFactory {
  readonly identifier: string;
  /**
   * The changes the sink takes: 'insert-only' (a query whose result updates cannot be written to
   * it: the planner says so), 'upsert' (updates and deletes by the primary key; `-U` rows are not
   * given to it) or 'all'. Absent: 'all'.
   */
  readonly changelogMode?: ChangelogMode;
  /**
   * The changes a table's sink takes, by the table's primary key, for connectors where it depends
   * on it (`jdbc`: 'upsert' with a primary key, 'insert-only' without). Wins over `changelogMode`.
   */
  readonly changelogModeOf?: (primaryKey: readonly string[] | null) => ChangelogMode;
  /** Checks the table's options at planning, so a wrong one fails before the job runs (optional). */
  validate?(context: TableConnectorContext): void;
  createSink(context: TableConnectorContext): Sink<Row>;
}

const sourceModes = new Map<string, ChangelogMode>();
const sinkModes = new Map<string, ChangelogMode>();
const sinkModesByKey = new Map<string, (primaryKey: readonly string[] | null) => ChangelogMode>();
const sinkValidators = new Map<string, (context: TableConnectorContext) => void>();

/** Checks a sink table's options at planning, if its connector checks them (TableSinkFactory.validate). */
export function validateTableSink(connector: string, context: TableConnectorContext): void {
  sinkValidators.get(connector)?.(context);
}

/** The changes a table connector's source emits ('insert-only' unless it declares otherwise). */
export function tableSourceChangelogMode(connector: string): ChangelogMode {
  return sourceModes.get(connector) ?? 'insert-only';
}

/** The changes a table connector's sink takes ('all' unless it declares otherwise), for a table with `primaryKey`. */
export function tableSinkChangelogMode(
  connector: string,
  primaryKey: readonly string[] | null = null,
): ChangelogMode {
  return sinkModesByKey.get(connector)?.(primaryKey) ?? sinkModes.get(connector) ?? 'all';
}

/** The connector registry's identifier of a table connector. */
export function tableConnectorIdentifier(connector: string): string {
  return `table:${connector}`;
}

export function registerTableSourceFactory(factory: TableSourceFactory): void {
  if (factory.changelogMode) sourceModes.set(factory.identifier, factory.changelogMode);
  registerSourceFactory({
    identifier: tableConnectorIdentifier(factory.identifier),
    create: (options: ConnectorOptions) =>
      factory.createSource(options as unknown as TableConnectorContext) as never,
  });
}

export function registerTableSinkFactory(factory: TableSinkFactory): void {
  if (factory.changelogMode) sinkModes.set(factory.identifier, factory.changelogMode);
  if (factory.changelogModeOf) sinkModesByKey.set(factory.identifier, factory.changelogModeOf);
  if (factory.validate) sinkValidators.set(factory.identifier, (c) => factory.validate!(c));
  registerSinkFactory({
    identifier: tableConnectorIdentifier(factory.identifier),
    create: (options: ConnectorOptions) =>
      factory.createSink(options as unknown as TableConnectorContext) as never,
  });
}

/** The table connectors registered for reading and for writing. */
export function tableConnectors(): { sources: string[]; sinks: string[] } {
  const strip = (ids: string[]): string[] =>
    ids
      .filter((i) => i.startsWith('table:'))
      .map((i) => i.slice(6))
      .sort();
  const { sources, sinks } = connectorIdentifiers();
  return { sources: strip(sources), sinks: strip(sinks) };
}

/**
 * A table read by key, for lookup joins (`JOIN t FOR SYSTEM_TIME AS OF x.proctime ON ...`): the
 * join asks for the rows whose key columns equal the given values.
 */
export interface TableLookup {
  /** Loads or connects; called once per task before the first lookup. */
  open(): Promise<void>;
  /** The rows (values in column order) whose columns `keys` equal `values`; an empty array when none. */
  lookup(keys: number[], values: unknown[]): unknown[][];
  close?(): Promise<void>;
}

export interface TableLookupFactory {
  readonly identifier: string;
  createLookup(context: TableConnectorContext): TableLookup;
}

const lookups = new Map<string, TableLookupFactory>();

export function registerTableLookupFactory(factory: TableLookupFactory): void {
  lookups.set(factory.identifier, factory);
}

/** The connectors that can be looked up by key. */
export function lookupConnectors(): string[] {
  return [...lookups.keys(), ...asyncLookups.keys()].sort();
}

/** What an asynchronous lookup is told about the task that opens it. */
export interface AsyncTableLookupContext {
  /** The table's columns (positions) every lookup matches, in the order of the values given. */
  readonly keys: readonly number[];
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** Processing time from the job's clock (cache expiry). */
  now(): number;
}

/** Where an asynchronous lookup delivers the rows of one key: once, from any context. */
export interface TableLookupFuture {
  complete(rows: unknown[][]): void;
  completeExceptionally(error: unknown): void;
}

/**
 * A table looked up by key through I/O (a database): the lookup join runs it in an Async I/O
 * operator, so the task never waits on the database.
 *
 * @example
 * ```ts
 * registerAsyncTableLookupFactory({
 *   identifier: 'jdbc',
 *   createLookup: (context) => new JdbcTableLookup(context),
 * });
 * ```
 */
export interface AsyncTableLookup {
  open(context: AsyncTableLookupContext): Promise<void>;
  /** Finds the rows whose key columns equal `values` and completes `future` with them (values in column order). */
  lookup(values: unknown[], future: TableLookupFuture): void;
  close?(): Promise<void>;
}

export interface AsyncTableLookupFactory {
  readonly identifier: string;
  createLookup(context: TableConnectorContext): AsyncTableLookup;
}

const asyncLookups = new Map<string, AsyncTableLookupFactory>();

export function registerAsyncTableLookupFactory(factory: AsyncTableLookupFactory): void {
  asyncLookups.set(factory.identifier, factory);
}

/** True when the connector's lookups are asynchronous (the planner picks the async lookup join). */
export function isAsyncLookupConnector(connector: string): boolean {
  return asyncLookups.has(connector);
}

/** @throws WeirError INVALID_GRAPH when no asynchronous lookup factory is registered for the connector. */
export function createAsyncTableLookup(connector: string, context: TableConnectorContext): AsyncTableLookup {
  const factory = asyncLookups.get(connector);
  if (factory === undefined) {
    throw new WeirError(
      'INVALID_GRAPH',
      `table "${context.table}": connector '${connector}' has no asynchronous lookup (lookup connectors: ${lookupConnectors().join(', ') || 'none'})`,
    );
  }
  return factory.createLookup(context);
}

/** @throws WeirError INVALID_GRAPH when no lookup factory is registered for the connector. */
export function createTableLookup(connector: string, context: TableConnectorContext): TableLookup {
  const factory = lookups.get(connector);
  if (factory === undefined) {
    throw new WeirError(
      'INVALID_GRAPH',
      `table "${context.table}": connector '${connector}' cannot be looked up (lookup connectors: ${lookupConnectors().join(', ') || 'none'})`,
    );
  }
  return factory.createLookup(context);
}

/**
 * The connector of a table's options: `connector`, or the older `connector.type` Flink still reads.
 */
export function tableConnectorOf(options: Record<string, string>): string | undefined {
  return options.connector ?? options['connector.type'];
}
