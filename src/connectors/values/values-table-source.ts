/**
 * The rows of a SQL `VALUES` clause as a source: the planner reads `VALUES (...), (...)` as a table
 * of connector `sql-values` whose option `rows` holds the rows' bound expressions (plain data, so
 * the plan stays JSON); each task evaluates them when it builds the source. Not parallel, bounded.
 */

import type { Row } from '../../core/row.ts';
import { registerTableSourceFactory } from '../../core/table-connectors.ts';
import { compileProjection } from '../../runtime/operators/sql/expression-compiler.ts';
import type { Rex } from '../../sql/plan/rex.ts';
import { CollectionSource } from '../collection/collection-source.ts';

registerTableSourceFactory({
  identifier: 'sql-values',
  createSource(context) {
    const rows = JSON.parse(context.options.rows ?? '[]') as Rex[][];
    const now = () => Date.now();
    const values: Row[] = rows.map((row) => ({
      kind: '+I',
      values: compileProjection(row, null, { now })([]) as unknown[],
    }));
    return new CollectionSource(values);
  },
});
