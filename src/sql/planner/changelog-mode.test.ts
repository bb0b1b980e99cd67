import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import '../../index.ts';
import { TableEnvironment } from '../table-environment.ts';

const KAFKA = "'properties.bootstrap.servers' = '127.0.0.1:9092'";

async function session(): Promise<TableEnvironment> {
  const tEnv = TableEnvironment.create();
  await tEnv.executeSql(
    "CREATE TABLE clicks (k STRING, v BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '10')",
  );
  await tEnv.executeSql(
    `CREATE TABLE appends (k STRING, n BIGINT) WITH ('connector' = 'kafka', 'topic' = 'x', ${KAFKA}, 'format' = 'json')`,
  );
  await tEnv.executeSql(
    `CREATE TABLE upserts (k STRING, n BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'upsert-kafka',
      'topic' = 'y', ${KAFKA}, 'key.format' = 'json', 'value.format' = 'json')`,
  );
  return tEnv;
}

describe('changelog modes at the sink', () => {
  it("refuses an updating query into an insert-only sink with Flink's message, naming the node", async () => {
    const tEnv = await session();
    await assert.rejects(tEnv.executeSql('INSERT INTO appends SELECT k, COUNT(*) FROM clicks GROUP BY k'), {
      code: 'SQL_VALIDATION_ERROR',
      message:
        /^Table sink 'default_catalog\.default_database\.appends' doesn't support consuming update changes which is produced by node GroupAggregate\(groupBy=\[k\]/,
    });
  });

  it('says "update and delete" for an aggregate over an updating input', async () => {
    const tEnv = await session();
    assert.throws(() => tEnv.explainSql('INSERT INTO appends SELECT k, n FROM upserts'), {
      message:
        /doesn't support consuming update and delete changes which is produced by node ChangelogNormalize\(key=\[k\]\)/,
    });
    assert.throws(
      () =>
        tEnv.explainSql(
          'INSERT INTO appends SELECT k, SUM(n) FROM (SELECT k, COUNT(*) AS n FROM clicks GROUP BY k) GROUP BY k',
        ),
      { message: /update and delete changes which is produced by node GroupAggregate/ },
    );
  });

  it('takes an updating query into an upsert sink, keyed by its primary key', async () => {
    const tEnv = await session();
    const plan = tEnv.explainSql('INSERT INTO upserts SELECT k, COUNT(*) FROM clicks GROUP BY k');
    assert.match(plan, /GroupAggregate/);
  });

  it('normalizes an upsert source by its key (ChangelogNormalize)', async () => {
    const tEnv = await session();
    const plan = tEnv.explainSql('SELECT k, n FROM upserts');
    assert.match(plan, /ChangelogNormalize\(key=\[k\]\)/);
  });

  it('an upsert-kafka table without a primary key fails, naming the table', async () => {
    const tEnv = await session();
    await tEnv.executeSql(
      `CREATE TABLE nokey (k STRING, n BIGINT) WITH ('connector' = 'upsert-kafka', 'topic' = 'z', ${KAFKA},
        'key.format' = 'json', 'value.format' = 'json')`,
    );
    assert.throws(() => tEnv.explainSql('INSERT INTO nokey SELECT k, v FROM clicks'), {
      code: 'SQL_VALIDATION_ERROR',
      message: /table "nokey": 'upsert-kafka' tables need a PRIMARY KEY/,
    });
    assert.throws(() => tEnv.explainSql('SELECT * FROM nokey'), {
      message: /table "nokey": 'upsert-kafka' tables need a PRIMARY KEY/,
    });
  });

  it('refuses sink buffering and a key prefix without EXCEPT_KEY, clearly', async () => {
    const tEnv = await session();
    await tEnv.executeSql(
      `CREATE TABLE buffered (k STRING, n BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'upsert-kafka',
        'topic' = 'b', ${KAFKA}, 'key.format' = 'json', 'value.format' = 'json',
        'sink.buffer-flush.max-rows' = '1000', 'sink.buffer-flush.interval' = '1 s')`,
    );
    assert.throws(() => tEnv.explainSql('SELECT * FROM buffered'), {
      message: /'sink.buffer-flush.max-rows' = '1000': Weir's upsert-kafka sink does not buffer/,
    });
    await tEnv.executeSql(
      `CREATE TABLE prefixed (k_id STRING, n BIGINT, PRIMARY KEY (k_id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka',
        'topic' = 'p', ${KAFKA}, 'key.format' = 'json', 'value.format' = 'json', 'key.fields-prefix' = 'k_')`,
    );
    assert.throws(() => tEnv.explainSql('SELECT * FROM prefixed'), {
      message: /'key.fields-prefix' needs 'value.fields-include' = 'EXCEPT_KEY'/,
    });
  });
});
