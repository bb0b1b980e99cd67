/**
 * A SQL user function for the SQL-on-a-cluster test (sql.cluster.ts): its module is bundled into
 * the SQL job's artifact, with the helper it imports, and runs in the TaskManagers' slots.
 */
import { scalarFunction } from 'weir';
import { exclaim } from './sql-udf-helper.ts';

/** `shout('ada')` is `'ADA!'`; NULL stays NULL. */
export const shout = scalarFunction({
  returns: 'STRING',
  eval: (s: string | null) => exclaim(s),
});
