import { WeirError } from '../../core/errors.ts';
import { mapSource } from '../../core/mapped-source.ts';
import type { Row } from '../../core/row.ts';
import type { SqlType } from '../../core/sql-type.ts';
import { registerTableSourceFactory, type TableConnectorContext } from '../../core/table-connectors.ts';
import type { NexmarkConfig } from './config.ts';
import type { NexmarkEvent } from './model.ts';
import { NexmarkSource } from './nexmark-source.ts';

/**
 * The `nexmark` table connector, as the Nexmark benchmark for Flink declares it: a table with
 * `event_type` (0 person, 1 auction, 2 bid) and one ROW column per kind, `person`, `auction` and
 * `bid`, null for the other kinds. A ROW's fields are read from the event by name, so a table may
 * declare them in any order or leave some out. Options are the benchmark's:
 *
 * | option | generator setting |
 * |---|---|
 * | `events.num` | events (absent: unbounded) |
 * | `first-event.rate`, `next-event.rate` | rate, events per second of event time (the two must be equal) |
 * | `person.proportion`, `auction.proportion`, `bid.proportion` | the mix of kinds |
 * | `first-event.id` | firstEventId |
 * | `base-time` | baseTime, epoch ms |
 * | `generators.num` | numberOfGenerators |
 * | `person.avg-size`, `auction.avg-size`, `bid.avg-size` | average event sizes in bytes |
 */
const OPTIONS: Record<string, keyof NexmarkConfig> = {
  'events.num': 'events',
  'first-event.rate': 'rate',
  'next-event.rate': 'rate',
  'person.proportion': 'personProportion',
  'auction.proportion': 'auctionProportion',
  'bid.proportion': 'bidProportion',
  'first-event.id': 'firstEventId',
  'base-time': 'baseTime',
  'generators.num': 'numberOfGenerators',
  'person.avg-size': 'avgPersonByteSize',
  'auction.avg-size': 'avgAuctionByteSize',
  'bid.avg-size': 'avgBidByteSize',
};

const KIND_OF_COLUMN: Record<string, NexmarkEvent['kind']> = {
  person: 'person',
  auction: 'auction',
  bid: 'bid',
};
const EVENT_TYPE: Record<NexmarkEvent['kind'], number> = { person: 0, auction: 1, bid: 2 };

/** The generator config of a table's options; throws INVALID_ARGUMENT naming a bad option. */
export function nexmarkTableConfig(table: string, options: Record<string, string>): Partial<NexmarkConfig> {
  const config: Partial<NexmarkConfig> = {};
  for (const [key, text] of Object.entries(options)) {
    if (key === 'connector') continue;
    const field = OPTIONS[key];
    if (field === undefined) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${table}": the nexmark connector has no option '${key}' (options: ${Object.keys(OPTIONS).join(', ')})`,
      );
    }
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${table}": option '${key}' must be a number, got '${text}'`,
      );
    }
    if (field === 'rate' && config.rate !== undefined && config.rate !== value) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${table}": 'first-event.rate' and 'next-event.rate' must be equal (a varying rate is not supported)`,
      );
    }
    config[field] = value;
  }
  return config;
}

/**
 * Builds the row of one event for the declared columns. The mapper is generated for the columns (a
 * function with each field read by its constant name): reading fields by names held in an array
 * made every read a megamorphic keyed lookup, a fifth of the source's time in Nexmark q5.
 */
function rowMapper(table: string, columns: TableConnectorContext['columns']): (event: NexmarkEvent) => Row {
  const statements = columns.map((column, i) => {
    if (column.metadata !== null) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${table}": the nexmark connector has no metadata column "${column.name}"`,
      );
    }
    if (column.name === 'event_type') {
      return `const c${i} = k === 'person' ? ${EVENT_TYPE.person} : k === 'auction' ? ${EVENT_TYPE.auction} : ${EVENT_TYPE.bid};`;
    }
    const kind = KIND_OF_COLUMN[column.name];
    if (kind === undefined || column.type.kind !== 'ROW') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${table}": the nexmark connector has the columns event_type INT, person ROW<...>, auction ROW<...> and bid ROW<...>, not "${column.name}" ${column.type.kind}`,
      );
    }
    const names = (column.type as SqlType & { kind: 'ROW' }).fields.map((f) => f.name);
    const fields = names.map((name) => `v[${JSON.stringify(name)}] ?? null`).join(', ');
    return `let c${i} = null;\nif (k === ${JSON.stringify(kind)}) { const v = event[${JSON.stringify(kind)}]; c${i} = [${fields}]; }`;
  });
  const values = columns.map((_, i) => `c${i}`).join(', ');
  return new Function(
    'event',
    `const k = event.kind;\n${statements.join('\n')}\nreturn { kind: '+I', values: [${values}] };`,
  ) as (event: NexmarkEvent) => Row;
}

registerTableSourceFactory({
  identifier: 'nexmark',
  createSource(context) {
    const source = new NexmarkSource(nexmarkTableConfig(context.table, context.options));
    return mapSource(source, rowMapper(context.table, context.columns));
  },
});
