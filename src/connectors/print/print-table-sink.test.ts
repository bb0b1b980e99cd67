import assert from 'node:assert/strict';
import { test } from 'node:test';
import './index.ts';
import { createSink } from '../../core/connector-registry.ts';
import type { Row } from '../../core/row.ts';
import type { Sink, SinkContext } from '../../core/sink.ts';
import { type SqlType, T } from '../../core/sql-type.ts';
import type { TableColumn, TableConnectorContext } from '../../core/table-connectors.ts';

const TYPES: Record<string, SqlType> = {
  id: T.int(),
  ts: T.timestamp(3),
  ltz: { kind: 'TIMESTAMP_LTZ', precision: 3, nullable: true },
  d: { kind: 'DATE', nullable: true },
  t: { kind: 'TIME', precision: 0, nullable: true },
  price: T.decimal(10, 2),
  ratio: T.double(),
  flag: T.boolean(),
  tags: { kind: 'ARRAY', element: T.string(), nullable: true },
  attrs: { kind: 'MAP', key: T.string(), value: T.int(), nullable: true },
  nested: {
    kind: 'ROW',
    fields: [
      { name: 'a', type: T.int() },
      { name: 'b', type: T.timestamp(3) },
    ],
    nullable: true,
  },
  missing: T.string(),
};

/** The lines a `print` table sink writes for `rows`. */
async function printed(rows: Row[], parallelism = 1, identifier?: string): Promise<string[]> {
  const columns: TableColumn[] = Object.entries(TYPES).map(([name, type]) => ({
    name,
    type,
    metadata: null,
  }));
  const options: Record<string, string> = { connector: 'print' };
  if (identifier) options['print-identifier'] = identifier;
  const context: TableConnectorContext = { table: 'out', columns, options, primaryKey: null };
  const sink = createSink('table:print', context as never) as Sink<Row>;
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    lines.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    await sink.open?.({ subtaskIndex: 1, parallelism } as SinkContext);
    for (const r of rows) await sink.invoke(r, {} as never);
  } finally {
    process.stdout.write = write;
  }
  return lines;
}

const TEN_O_CLOCK = Date.UTC(2024, 0, 1, 10, 0);

test('print connector: values as Flink prints them (LocalDateTime, LocalDate, BigDecimal, nested +I[...])', async () => {
  const lines = await printed([
    {
      kind: '+I',
      values: [
        1,
        TEN_O_CLOCK,
        TEN_O_CLOCK + 1500,
        19723, // 2024-01-01
        36_000_000, // 10:00
        1.5,
        2,
        true,
        ['a', null],
        new Map([['k', 1]]),
        [7, TEN_O_CLOCK + 30_000],
        null,
      ],
    },
  ]);
  assert.deepEqual(lines, [
    '+I[1, 2024-01-01T10:00, 2024-01-01T10:00:01.500Z, 2024-01-01, 10:00, 1.50, 2.0, true, [a, null], {k=1}, +I[7, 2024-01-01T10:00:30], null]\n',
  ]);
});

test('print connector: the identifier and the subtask number prefix the row when parallel', async () => {
  const row: Row = {
    kind: '-U',
    values: [1, TEN_O_CLOCK, null, null, null, null, null, null, null, null, null, 'x'],
  };
  assert.deepEqual(await printed([row], 2, 'orders'), [
    'orders:2> -U[1, 2024-01-01T10:00, null, null, null, null, null, null, null, null, null, x]\n',
  ]);
});
