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

const countChar = scalarFunction({
  returns: 'BIGINT NOT NULL',
  eval: (s: string | null, c: string) => (s ?? '').split(c).length - 1,
});
expectType<Equal<typeof countChar, ScalarFunctionDefinition<[s: string | null, c: string], number>>>(true);
countChar.eval('abc', 'b');
// @ts-expect-error: the second argument is a string
countChar.eval('abc', 1);

void sessions;
