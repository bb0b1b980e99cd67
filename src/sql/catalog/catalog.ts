/**
 * The catalog of a SQL session: tables (a schema, a connector and its options), views (a query)
 * and functions, by name. Weir has one in-memory catalog and database per session, as Flink's
 * default `default_catalog.default_database`; a name may be written with them (`default_catalog.
 * default_database.bid`) or without.
 */

import type { UserFunctionLocation } from '../../core/user-function.ts';
import type { CreateTableStatement, Query, SqlPos } from '../ast.ts';
import type { RowField, SqlType } from '../types.ts';

export const DEFAULT_CATALOG = 'default_catalog';
export const DEFAULT_DATABASE = 'default_database';

/** A column of a table: physical (read from the connector), computed (an expression) or metadata. */
export type CatalogColumn =
  | { kind: 'physical'; name: string; type: SqlType }
  | {
      kind: 'computed';
      name: string;
      type: SqlType /** The expression's text, for SHOW CREATE TABLE. */;
      text: string;
    }
  | { kind: 'metadata'; name: string; type: SqlType; key: string; virtual: boolean };

export interface CatalogTable {
  kind: 'table';
  name: string;
  columns: CatalogColumn[];
  /** The DDL that created it (computed columns and the watermark are bound from it). */
  ddl: CreateTableStatement;
  /** The rowtime column and its watermark expression's text. */
  watermark: { column: string; text: string } | null;
  primaryKey: string[] | null;
  partitionedBy: string[];
  options: Record<string, string>;
  temporary: boolean;
}

export interface CatalogView {
  kind: 'view';
  name: string;
  query: Query;
  /** The query's text, for SHOW CREATE VIEW. */
  text: string;
  /** Column names given in `CREATE VIEW v (a, b)`. */
  columns: string[] | null;
  /** The view's fields as bound when it was created. */
  fields: RowField[];
  temporary: boolean;
}

export type CatalogEntry = CatalogTable | CatalogView;

export interface CatalogFunction {
  name: string;
  /** `'./udfs.ts#countChar'`: the module and its export, as written. */
  identifier: string;
  language: string | null;
  temporary: boolean;
  pos: SqlPos;
  /** The module's URL and the export, resolved when the function was created. */
  location: UserFunctionLocation;
  /** The declared result type (of a table function: the type of its rows). */
  returns: SqlType;
  /** Scalar (absent), table or aggregate function; an aggregate says which optional methods it has. */
  kind?: 'scalar' | 'table' | 'aggregate';
  retract?: boolean;
  merge?: boolean;
}

/** The object name of a path, once the default catalog and database prefix is checked. Null for another catalog. */
export function objectName(path: string[]): string | null {
  if (path.length === 1) return path[0];
  if (path.length === 2) return path[0] === DEFAULT_DATABASE ? path[1] : null;
  if (path.length === 3) return path[0] === DEFAULT_CATALOG && path[1] === DEFAULT_DATABASE ? path[2] : null;
  return null;
}

export class Catalog {
  private readonly entries = new Map<string, CatalogEntry>();
  private readonly functions = new Map<string, CatalogFunction>();

  get(name: string): CatalogEntry | undefined {
    return this.entries.get(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  put(entry: CatalogEntry): void {
    this.entries.set(entry.name, entry);
  }

  drop(name: string): boolean {
    return this.entries.delete(name);
  }

  tables(): CatalogTable[] {
    return [...this.entries.values()].filter((e): e is CatalogTable => e.kind === 'table');
  }

  views(): CatalogView[] {
    return [...this.entries.values()].filter((e): e is CatalogView => e.kind === 'view');
  }

  /** Function names are case-insensitive, as Flink's. */
  getFunction(name: string): CatalogFunction | undefined {
    return this.functions.get(name.toLowerCase());
  }

  putFunction(fn: CatalogFunction): void {
    this.functions.set(fn.name.toLowerCase(), fn);
  }

  dropFunction(name: string): boolean {
    return this.functions.delete(name.toLowerCase());
  }

  userFunctions(): CatalogFunction[] {
    return [...this.functions.values()];
  }
}
