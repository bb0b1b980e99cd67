import type { Rel } from '../plan/rel.ts';

/** `VALUES` as a scan of the `sql-values` connector (connectors/values), which evaluates its rows. */
export function valuesScan(rel: Rel & { kind: 'values' }): Rel & { kind: 'scan' } {
  return {
    kind: 'scan',
    table: 'VALUES',
    options: { connector: 'sql-values', rows: JSON.stringify(rel.rows) },
    columns: rel.fields.map((f) => ({ name: f.name, metadata: null })),
    primaryKey: null,
    fields: rel.fields,
  };
}
