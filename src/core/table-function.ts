/**
 * User-defined table functions (UDTFs) in TypeScript: a function that turns one call into any
 * number of rows, joined to the row it was called for with `CROSS JOIN LATERAL TABLE(f(x))` or
 * `LEFT JOIN LATERAL TABLE(f(x)) ON TRUE`. Like scalar functions (user-function.ts) it is an export
 * of a module that every task slot imports.
 */
import { WeirError } from './errors.ts';

/**
 * A table function: `eval` is called once per input row with the argument values (SQL NULL is
 * `null`) and returns the rows of its result as an iterable: a generator (`yield`) or an array.
 * With a `ROW<...>` result type each row is an array of the fields in order (`['hello', 5]`) or an
 * object by field name (`{ word: 'hello', length: 5 }`); with any other type each row is the one
 * column's value, named `f0`.
 */
export interface TableFunctionDefinition<A extends unknown[] = any[], R = unknown> {
  readonly kind: 'table-function';
  /** The SQL type of a result row: `'ROW<word STRING, length INT>'`, or one column's type (`'STRING'`). */
  readonly returns: string;
  eval(...args: A): Iterable<R>;
}

/**
 * Defines a table function for SQL.
 *
 * @example
 * // udfs.ts
 * export const split = tableFunction({
 *   returns: 'ROW<word STRING, length INT>',
 *   *eval(s: string | null) {
 *     for (const word of (s ?? '').split(' ')) yield [word, word.length] as const;
 *   },
 * });
 * // SQL: CREATE TEMPORARY FUNCTION split AS './udfs.ts#split';
 * //      SELECT id, word, length FROM docs, LATERAL TABLE(split(text));
 * //      SELECT id, w FROM docs LEFT JOIN LATERAL TABLE(split(text)) AS t (w, len) ON TRUE;
 */
export function tableFunction<A extends unknown[], R>(definition: {
  returns: string;
  eval: (...args: A) => Iterable<R>;
}): TableFunctionDefinition<A, R> {
  if (typeof definition?.eval !== 'function' || typeof definition.returns !== 'string') {
    throw new WeirError(
      'INVALID_ARGUMENT',
      'tableFunction needs { returns: <SQL type>, eval: (...args) => iterable of rows }',
    );
  }
  return { kind: 'table-function', returns: definition.returns, eval: definition.eval };
}
