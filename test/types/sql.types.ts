/**
 * Type tests of the SQL API: checked by `npm run typecheck` (tsc), never run. Rows carry their
 * kind; a Table becomes a DataStream of the object type asked for; a scalar function's `eval`
 * arguments and result are inferred from its definition.
 */
import {
  type ChangelogRecord,
  type DataStream,
  type Row,
  type RowKind,
  type ScalarFunctionDefinition,
  StreamExecutionEnvironment,
  StreamTableEnvironment,
  scalarFunction,
  type Table,
  TableEnvironment,
  type TableResult,
} from 'weir';

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_ok: T): void {}

async function sessions(): Promise<void> {
  const tEnv = TableEnvironment.create({ parallelism: 2 });
  const result = await tEnv.executeSql('SELECT 1');
  expectType<Equal<typeof result, TableResult>>(true);
  for await (const row of result.collect()) {
    expectType<Equal<typeof row, Row>>(true);
    expectType<Equal<typeof row.kind, RowKind>>(true);
    expectType<Equal<typeof row.values, unknown[]>>(true);
  }
  // @ts-expect-error: executeSql takes SQL text
  await tEnv.executeSql({ sql: 'SELECT 1' });
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const sTEnv = StreamTableEnvironment.create(env);
const counts = sTEnv.sqlQuery('SELECT visitor, COUNT(*) AS n FROM clicks GROUP BY visitor');
const changes = sTEnv.toChangelogStream<{ visitor: string; n: number }>(counts);
expectType<Equal<typeof changes, DataStream<ChangelogRecord<{ visitor: string; n: number }>>>>(true);
const visitors = changes.map((c) => c.row.visitor);
expectType<Equal<typeof visitors, DataStream<string>>>(true);
const plain = sTEnv.toDataStream(counts);
expectType<Equal<typeof plain, DataStream<Record<string, unknown>>>>(true);

// fromDataStream with a schema: the Table's row type follows the declared SQL types.
const bids = sTEnv.fromDataStream(env.fromElements({ item: 'A', price: 4, at: new Date() }), {
  columns: { item: 'STRING NOT NULL', price: 'DECIMAL(10, 2)', at: 'TIMESTAMP(3)', sold: 'boolean' },
  rowtime: { column: 'at' },
});
expectType<
  Equal<typeof bids, Table<{ item: string; price: number | null; at: number | null; sold: boolean | null }>>
>(true);
const items = sTEnv.toDataStream(bids).map((b) => b.item);
expectType<Equal<typeof items, DataStream<string>>>(true);
const prices = sTEnv.toChangelogStream(bids).map((c) => c.row.price);
expectType<Equal<typeof prices, DataStream<number | null>>>(true);
// A type asked for still wins; a query over the table is untyped, as sqlQuery's always are.
const asked = sTEnv.toDataStream<{ item: string }>(bids);
expectType<Equal<typeof asked, DataStream<{ item: string }>>>(true);
const cheap = sTEnv.sqlQuery(`SELECT item FROM ${bids} WHERE price < 10`);
expectType<Equal<typeof cheap, Table>>(true);
sTEnv.createTemporaryView('cheap', cheap);
// @ts-expect-error: a DataStream needs its schema
sTEnv.createTemporaryView('raw', env.fromElements(1));
// @ts-expect-error: the schema's columns are SQL types as text
sTEnv.fromDataStream(env.fromElements({ a: 1 }), { columns: { a: 1 } });

const countChar = scalarFunction({
  returns: 'BIGINT NOT NULL',
  eval: (s: string | null, c: string) => (s ?? '').split(c).length - 1,
});
expectType<Equal<typeof countChar, ScalarFunctionDefinition<[s: string | null, c: string], number>>>(true);
countChar.eval('abc', 'b');
// @ts-expect-error: the second argument is a string
countChar.eval('abc', 1);

void sessions;
