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
import type { Row } from './row.ts';
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
}

export interface TableSourceFactory {
  /** The `connector` option's value: 'nexmark', 'datagen', 'kafka'... */
  readonly identifier: string;
  createSource(context: TableConnectorContext): Source<Row, SourceSplit>;
}

export interface TableSinkFactory {
  readonly identifier: string;
  createSink(context: TableConnectorContext): Sink<Row>;
}

/** The connector registry's identifier of a table connector. */
export function tableConnectorIdentifier(connector: string): string {
  return `table:${connector}`;
}

export function registerTableSourceFactory(factory: TableSourceFactory): void {
  registerSourceFactory({
    identifier: tableConnectorIdentifier(factory.identifier),
    create: (options: ConnectorOptions) =>
      factory.createSource(options as unknown as TableConnectorContext) as never,
  });
}

export function registerTableSinkFactory(factory: TableSinkFactory): void {
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
  return [...lookups.keys()].sort();
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
