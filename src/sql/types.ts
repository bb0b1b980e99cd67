/**
 * Data types as the SQL text writes them, read into logical types (core/sql-type.ts, which says how
 * each type's values are held at runtime).
 */
import { MAX_DECIMAL_PRECISION, MAX_LENGTH, type SqlType } from '../core/sql-type.ts';
import type { TypeAst } from './ast.ts';

export * from '../core/sql-type.ts';

/** Thrown by {@link typeFromAst} with the reason; the caller adds the position. */
export class InvalidTypeError extends Error {}

/** The logical type of a type as written in DDL or CAST. */
export function typeFromAst(ast: TypeAst): SqlType {
  const nullable = ast.nullable;
  const p = ast.params;
  switch (ast.name) {
    case 'BOOLEAN':
    case 'BOOL':
      return { kind: 'BOOLEAN', nullable };
    case 'TINYINT':
    case 'SMALLINT':
    case 'BIGINT':
    case 'FLOAT':
    case 'DOUBLE':
      return { kind: ast.name, nullable };
    case 'INT':
    case 'INTEGER':
      return { kind: 'INT', nullable };
    case 'REAL':
      return { kind: 'FLOAT', nullable };
    case 'DECIMAL':
    case 'DEC':
    case 'NUMERIC': {
      const precision = p[0] ?? 10;
      const scale = p[1] ?? 0;
      if (precision < 1 || precision > MAX_DECIMAL_PRECISION)
        throw new InvalidTypeError(`DECIMAL precision must be between 1 and 38, got ${precision}`);
      if (scale < 0 || scale > precision)
        throw new InvalidTypeError(
          `DECIMAL scale must be between 0 and the precision ${precision}, got ${scale}`,
        );
      return { kind: 'DECIMAL', precision, scale, nullable };
    }
    case 'CHAR':
      return { kind: 'CHAR', length: p[0] ?? 1, nullable };
    case 'VARCHAR':
      // Flink's SQL reads a VARCHAR without a length as the longest one (STRING); CHAR defaults to 1.
      return { kind: 'VARCHAR', length: p[0] ?? MAX_LENGTH, nullable };
    case 'STRING':
      return { kind: 'VARCHAR', length: MAX_LENGTH, nullable };
    case 'BINARY':
      return { kind: 'BINARY', length: p[0] ?? 1, nullable };
    case 'VARBINARY':
      return { kind: 'VARBINARY', length: p[0] ?? MAX_LENGTH, nullable };
    case 'BYTES':
      return { kind: 'VARBINARY', length: MAX_LENGTH, nullable };
    case 'DATE':
      return { kind: 'DATE', nullable };
    case 'TIME':
      return { kind: 'TIME', precision: p[0] ?? 0, nullable };
    case 'TIMESTAMP':
    case 'TIMESTAMP_LTZ': {
      const precision = p[0] ?? 6;
      if (precision < 0 || precision > 9)
        throw new InvalidTypeError(`TIMESTAMP precision must be between 0 and 9, got ${precision}`);
      return {
        kind: ast.localTimeZone || ast.name === 'TIMESTAMP_LTZ' ? 'TIMESTAMP_LTZ' : 'TIMESTAMP',
        precision,
        nullable,
      };
    }
    case 'ARRAY':
    case 'MULTISET':
      if (!ast.element) throw new InvalidTypeError(`${ast.name} needs an element type: ${ast.name}<INT>`);
      return { kind: ast.name, element: typeFromAst(ast.element), nullable };
    case 'MAP':
      if (!ast.element || !ast.value)
        throw new InvalidTypeError('MAP needs a key and a value type: MAP<STRING, INT>');
      return { kind: 'MAP', key: typeFromAst(ast.element), value: typeFromAst(ast.value), nullable };
    case 'ROW':
      return {
        kind: 'ROW',
        fields: (ast.fields ?? []).map((f) => ({ name: f.name, type: typeFromAst(f.type) })),
        nullable,
      };
    case 'NULL':
      return { kind: 'NULL', nullable: true };
    default:
      throw new InvalidTypeError(`unknown data type ${ast.name}`);
  }
}
