/**
 * Changelog modes of plans, as Flink's planner infers them: which kinds of change a query's result
 * holds (inserts, updates, deletes) and which node first produces the updates or deletes. A sink
 * declares what it takes (core/table-connectors.ts): a query whose result updates cannot go into an
 * insert-only sink, and the planner refuses it before the job runs, naming the node, as Flink does:
 * "Table sink 't' doesn't support consuming update changes which is produced by node GroupAggregate(...)".
 *
 * The rules: scans of insert-only connectors and VALUES insert; an upsert scan (upsert-kafka) is
 * normalized by its key and then inserts, updates and deletes; a group aggregate without a window
 * inserts and updates over an insert-only input, and also deletes over an updating one; outer joins
 * and Top-N (but a deduplication that keeps the first row) update and delete; window aggregates and
 * OVER aggregates insert; every other node passes on the changes of its inputs.
 */
import { WeirError } from '../../core/errors.ts';
import type { ChangelogMode } from '../../core/row.ts';
import {
  tableConnectorOf,
  tableSinkChangelogMode,
  tableSourceChangelogMode,
} from '../../core/table-connectors.ts';
import { type CatalogTable, DEFAULT_CATALOG, DEFAULT_DATABASE } from '../catalog/catalog.ts';
import { formatRel, inputsOf, type Rel } from '../plan/rel.ts';
import { isTimeBoundedJoin } from './join-rules.ts';
import { isWindowRank } from './window-rank-planner.ts';

/** The kinds of change a plan's result holds, and the node that first produces its updates or deletes. */
export interface ChangeKinds {
  update: boolean;
  delete: boolean;
  /** The node that produces the updates or deletes, as EXPLAIN names it; null when insert-only. */
  producer: string | null;
}

const INSERT_ONLY: ChangeKinds = { update: false, delete: false, producer: null };

/**
 * Whether an aggregate groups a window table function's rows by window_start and window_end (a
 * window aggregate: each window's result is final when it fires, so it only inserts).
 */
export function groupsByWindowTable(rel: Rel & { kind: 'aggregate' }): boolean {
  const project = rel.input.kind === 'project' ? rel.input : null;
  const table = project ? project.input : rel.input;
  if (table.kind !== 'window-table') return false;
  const width = table.input.fields.length;
  const props = new Set<number>();
  for (const k of rel.groupKeys) {
    const e = project ? project.exprs[k] : { kind: 'input' as const, index: k };
    if (e.kind === 'input' && e.index >= width) props.add(e.index - width);
  }
  // window_start and window_end are the table function's first two added columns.
  return props.has(0) && props.has(1);
}

/** The node as EXPLAIN prints it (its first line). */
function nodeName(rel: Rel): string {
  return formatRel(rel).split('\n', 1)[0];
}

function merge(inputs: ChangeKinds[]): ChangeKinds {
  let out = INSERT_ONLY;
  for (const k of inputs) {
    out = {
      update: out.update || k.update,
      delete: out.delete || k.delete,
      producer: out.producer ?? k.producer,
    };
  }
  return out;
}

/**
 * The changes `rel`'s result holds.
 *
 * @example
 * changeKinds(bind('SELECT k, COUNT(*) FROM t GROUP BY k'))
 * // { update: true, delete: false, producer: 'GroupAggregate(groupBy=[k], select=[k, EXPR$1])' }
 */
export function changeKinds(rel: Rel): ChangeKinds {
  switch (rel.kind) {
    case 'scan': {
      const connector = tableConnectorOf(rel.options);
      if (connector !== undefined && tableSourceChangelogMode(connector) === 'upsert') {
        const keys = (rel.primaryKey ?? []).join(', ');
        return { update: true, delete: true, producer: `ChangelogNormalize(key=[${keys}])` };
      }
      return INSERT_ONLY;
    }
    case 'values':
      return INSERT_ONLY;
    case 'aggregate': {
      if (rel.window || groupsByWindowTable(rel)) return INSERT_ONLY;
      const input = changeKinds(rel.input);
      const updating = input.update || input.delete;
      const names = rel.fields.map((f) => f.name);
      const producer = `GroupAggregate(groupBy=[${names.slice(0, rel.groupKeys.length).join(', ')}], select=[${names.join(', ')}])`;
      return { update: true, delete: updating, producer };
    }
    case 'over-aggregate':
      return INSERT_ONLY;
    case 'rank': {
      // A window Top-N emits each window's rows once, when the window ends.
      if (isWindowRank(rel)) return INSERT_ONLY;
      const input = changeKinds(rel.input);
      if (rel.dedup === 'first' && !input.update && !input.delete) return INSERT_ONLY;
      return { update: true, delete: true, producer: input.producer ?? nodeName(rel) };
    }
    case 'join': {
      const inputs = merge([changeKinds(rel.left), changeKinds(rel.right)]);
      // Interval and window joins pad their outer rows once, when they expire: they only insert.
      if (rel.joinType !== 'INNER' && !isTimeBoundedJoin(rel)) {
        return { update: true, delete: true, producer: inputs.producer ?? nodeName(rel) };
      }
      return inputs.update || inputs.delete ? { ...inputs, update: true, delete: true } : inputs;
    }
    case 'temporal-join':
      // Later versions never change what was joined: the result changes as the left input does.
      return changeKinds(rel.left);
    case 'semi-join': {
      // The left rows pass as they are, but a right row can take them back: always in an anti
      // join (its first match deletes a row), in a semi join when the right side retracts.
      const left = changeKinds(rel.left);
      const right = changeKinds(rel.right);
      if (!rel.anti && !right.update && !right.delete) return left;
      return { update: left.update, delete: true, producer: left.producer ?? nodeName(rel) };
    }
    default:
      return merge(inputsOf(rel).map(changeKinds));
  }
}

/** The changes a result of `kinds` holds, as a changelog mode. */
export function changelogModeOf(kinds: ChangeKinds): ChangelogMode {
  return kinds.update || kinds.delete ? 'all' : 'insert-only';
}

/**
 * Refuses to write `rel`'s result into table `table`, whose sink takes `accepts`, when the result
 * holds changes the sink cannot take. An upsert sink takes every kind (its `-U` rows are dropped).
 *
 * @throws WeirError SQL_VALIDATION_ERROR with Flink's wording, naming the node of the changes.
 * @example
 * checkSinkChanges('evens', 'insert-only', groupByPlan);
 * // SQL_VALIDATION_ERROR: Table sink 'default_catalog.default_database.evens' doesn't support
 * //   consuming update changes which is produced by node GroupAggregate(groupBy=[k], ...)
 */
export function checkSinkChanges(table: string, accepts: ChangelogMode, rel: Rel): void {
  if (accepts !== 'insert-only') return;
  const kinds = changeKinds(rel);
  if (!kinds.update && !kinds.delete) return;
  const what = kinds.update && kinds.delete ? 'update and delete' : kinds.update ? 'update' : 'delete';
  const name = table.includes('.') ? table : `${DEFAULT_CATALOG}.${DEFAULT_DATABASE}.${table}`;
  throw new WeirError(
    'SQL_VALIDATION_ERROR',
    `Table sink '${name}' doesn't support consuming ${what} changes which is produced by node ${kinds.producer}`,
  );
}

/**
 * Checks that `rel`'s result can be written into `table`: its connector's sink takes the changes
 * the result holds, and an upsert sink has the primary key it writes by.
 *
 * @throws WeirError SQL_VALIDATION_ERROR naming the table.
 * @example
 * checkTableSink(catalogTable, insertPlan); // before planning INSERT INTO catalogTable ...
 */
export function checkTableSink(table: CatalogTable, rel: Rel): void {
  const connector = tableConnectorOf(table.options);
  if (connector === undefined) return; // the planner names the missing connector
  const accepts = tableSinkChangelogMode(connector, table.primaryKey);
  if (accepts === 'upsert' && (table.primaryKey === null || table.primaryKey.length === 0)) {
    throw new WeirError(
      'SQL_VALIDATION_ERROR',
      `table "${table.name}": '${connector}' tables need a PRIMARY KEY (... NOT ENFORCED): it names the columns written as the message key, by which rows are updated and deleted`,
    );
  }
  checkSinkChanges(table.name, accepts, rel);
}

/**
 * The positions of the primary key's columns among `columns`.
 *
 * @throws WeirError SQL_VALIDATION_ERROR when the table has no primary key or a key column is not among them.
 * @example
 * primaryKeyFields('t', ['k'], [{ name: 'v' }, { name: 'k' }]); // [1]
 */
export function primaryKeyFields(
  table: string,
  primaryKey: string[] | null,
  columns: readonly { name: string }[],
): number[] {
  if (primaryKey === null || primaryKey.length === 0) {
    throw new WeirError('SQL_VALIDATION_ERROR', `table "${table}" needs a PRIMARY KEY here`);
  }
  return primaryKey.map((k) => {
    const i = columns.findIndex((c) => c.name === k);
    if (i < 0) {
      throw new WeirError(
        'SQL_VALIDATION_ERROR',
        `table "${table}": the primary key column "${k}" is not a physical column`,
      );
    }
    return i;
  });
}
