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

/** Builds the row of one event for the declared columns. */
function rowMapper(table: string, columns: TableConnectorContext['columns']): (event: NexmarkEvent) => Row {
  const readers: ((event: NexmarkEvent) => unknown)[] = columns.map((column) => {
    if (column.metadata !== null) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${table}": the nexmark connector has no metadata column "${column.name}"`,
      );
    }
    if (column.name === 'event_type') return (event) => EVENT_TYPE[event.kind];
    const kind = KIND_OF_COLUMN[column.name];
    if (kind === undefined || column.type.kind !== 'ROW') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `table "${table}": the nexmark connector has the columns event_type INT, person ROW<...>, auction ROW<...> and bid ROW<...>, not "${column.name}" ${column.type.kind}`,
      );
    }
    const names = (column.type as SqlType & { kind: 'ROW' }).fields.map((f) => f.name);
    return (event) => {
      if (event.kind !== kind) return null;
      const value = (event as unknown as Record<string, Record<string, unknown>>)[kind];
      const out = new Array(names.length);
      for (let i = 0; i < names.length; i++) {
        const v = value[names[i]];
        out[i] = v === undefined ? null : v;
      }
      return out;
    };
  });
  const n = readers.length;
  return (event) => {
    const values = new Array(n);
    for (let i = 0; i < n; i++) values[i] = readers[i](event);
    return { kind: '+I', values };
  };
}

registerTableSourceFactory({
  identifier: 'nexmark',
  createSource(context) {
    const source = new NexmarkSource(nexmarkTableConfig(context.table, context.options));
    return mapSource(source, rowMapper(context.table, context.columns));
  },
});
