/**
 * User-defined SQL functions in TypeScript. A function is an export of a module, named in SQL by
 * the module's path and the export: `CREATE TEMPORARY FUNCTION count_char AS './udfs.ts#countChar'`.
 * The plan carries only that name (a module URL and an export), so every task slot imports the
 * module itself: a SQL job with user functions still needs no job module.
 */
import type { AggregateFunctionDefinition } from './aggregate-function.ts';
import { WeirError } from './errors.ts';
import type { TableFunctionDefinition } from './table-function.ts';

/**
 * A scalar function: `eval` is called once per row with the argument values (SQL NULL is `null`,
 * values as core/sql-type.ts holds them), and returns a value of the declared type `returns`
 * (a SQL type: 'BIGINT NOT NULL', 'STRING', 'DECIMAL(10, 2)'...).
 */
export interface ScalarFunctionDefinition<A extends unknown[] = any[], R = unknown> {
  readonly kind: 'scalar-function';
  readonly returns: string;
  eval(...args: A): R;
}

/**
 * Defines a scalar function for SQL.
 *
 * @example
 * // udfs.ts
 * export const countChar = scalarFunction({
 *   returns: 'BIGINT NOT NULL',
 *   eval: (s: string | null, c: string | null) => (s && c ? s.split(c[0]).length - 1 : 0),
 * });
 * // SQL: CREATE TEMPORARY FUNCTION count_char AS './udfs.ts#countChar';
 */
export function scalarFunction<A extends unknown[], R>(definition: {
  returns: string;
  eval: (...args: A) => R;
}): ScalarFunctionDefinition<A, R> {
  if (typeof definition?.eval !== 'function' || typeof definition.returns !== 'string') {
    throw new WeirError(
      'INVALID_ARGUMENT',
      'scalarFunction needs { returns: <SQL type>, eval: (...args) => value }',
    );
  }
  return { kind: 'scalar-function', returns: definition.returns, eval: definition.eval };
}

/** Where a user function lives: a module URL and the name of its export. */
export interface UserFunctionLocation {
  module: string;
  export: string;
}

/** Any user function's definition: scalar, table or aggregate. */
export type AnyUserFunctionDefinition =
  | ScalarFunctionDefinition
  | TableFunctionDefinition
  | AggregateFunctionDefinition;

const KINDS = new Set(['scalar-function', 'table-function', 'aggregate-function']);

const SHIPPED = Symbol.for('weir.user-function-modules');

/**
 * Modules of user functions that came inside a job artifact (a SQL job submitted to a cluster, see
 * cli/sql-job-artifact.ts), by the URL the plan names them with: {@link importUserFunction} takes
 * them from here rather than importing that URL, which exists only on the submitting machine.
 *
 * @example
 * import * as udfs from './udfs.ts';
 * registerUserFunctionModules({ 'file:///home/me/udfs.ts': udfs });
 */
export function registerUserFunctionModules(modules: Record<string, Record<string, unknown>>): void {
  const globals = globalThis as { [SHIPPED]?: Map<string, Record<string, unknown>> };
  const shipped = (globals[SHIPPED] ??= new Map());
  for (const [url, mod] of Object.entries(modules)) shipped.set(url, mod);
}

/** Imports a user function's module and returns its definition of any kind; fails naming the module and export. */
export async function importUserFunction(location: UserFunctionLocation): Promise<AnyUserFunctionDefinition> {
  let mod: Record<string, unknown>;
  try {
    const shipped = (globalThis as { [SHIPPED]?: Map<string, Record<string, unknown>> })[SHIPPED];
    mod = shipped?.get(location.module) ?? ((await import(location.module)) as Record<string, unknown>);
  } catch (error) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `cannot import the function module ${location.module}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const fn = mod[location.export] as Partial<AnyUserFunctionDefinition> | undefined;
  if (fn === undefined) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `${location.module} has no export "${location.export}" (exports: ${Object.keys(mod).join(', ') || 'none'})`,
    );
  }
  if (!KINDS.has(fn?.kind as string)) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `export "${location.export}" of ${location.module} is not a SQL function: define it with scalarFunction, tableFunction or aggregateFunction`,
    );
  }
  return fn as AnyUserFunctionDefinition;
}

/** Imports a user function's module and returns its definition; fails naming the module and export. */
export async function loadUserFunction(location: UserFunctionLocation): Promise<ScalarFunctionDefinition> {
  const fn = await importUserFunction(location);
  if (fn.kind !== 'scalar-function' || typeof fn.eval !== 'function') {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `export "${location.export}" of ${location.module} is not a scalar function: define it with scalarFunction({ returns, eval })`,
    );
  }
  return fn;
}

/**
 * The functions of a plan by catalog name, imported: each a bound `eval` (no array or closure per
 * call), for the expression compiler's `userFunction` hook.
 */
export async function loadUserFunctions(
  locations: Record<string, UserFunctionLocation>,
): Promise<Map<string, (...args: unknown[]) => unknown>> {
  const functions = new Map<string, (...args: unknown[]) => unknown>();
  for (const [name, location] of Object.entries(locations)) {
    const definition = await loadUserFunction(location);
    functions.set(name, definition.eval.bind(definition));
  }
  return functions;
}
