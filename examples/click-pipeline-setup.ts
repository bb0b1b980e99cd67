/**
 * Prepares examples/click-pipeline.ts: creates the topics `clicks` (one partition) and `clicks-dlq`,
 * the MariaDB table `user_profiles` with the profiles of examples/data/click-profiles.ts, the
 * PostgreSQL table `category_clicks` and (unless CLICKS_CASSANDRA=off) the Cassandra keyspace and
 * table `weir_examples.category_clicks`, then writes the sample clicks: a few minutes of them, with
 * one out of order, one late within the allowed lateness, one too late and one malformed record
 * (see examples/data/click-profiles.ts for when they are late).
 * Existing tables are kept; the profiles are rewritten. Run it with
 * `node examples/click-pipeline-setup.ts`; it takes the same environment variables as the pipeline.
 */
import { Admin, Producer, stringSerializers } from '@platformatic/kafka';
import cassandra from 'cassandra-driver';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { PROFILES, sampleRecords } from './data/click-profiles.ts';

const servers = process.env.KAFKA_BOOTSTRAP ?? '127.0.0.1:9092';
const topic = process.env.CLICKS_TOPIC ?? 'clicks';
const deadLetters = process.env.CLICKS_DLQ ?? `${topic}-dlq`;
const profiles = process.env.CLICKS_PROFILES ?? 'user_profiles';
const table = process.env.CLICKS_TABLE ?? 'category_clicks';
const cassandraTable = process.env.CLICKS_CASSANDRA_TABLE ?? 'weir_examples.category_clicks';

const admin = new Admin({ clientId: 'weir-example-admin', bootstrapBrokers: [servers] });
try {
  const existing = new Set(await admin.listTopics());
  // One partition: the clicks are read in the order they were written.
  for (const name of [topic, deadLetters]) {
    if (!existing.has(name)) await admin.createTopics({ topics: [name], partitions: 1, replicas: 1 });
  }
} finally {
  await admin.close();
}

// mysql2 takes mysql:// URLs; the pipeline takes either.
const mariadb = await mysql.createConnection(
  (process.env.CLICKS_MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306/test').replace(/^mariadb:/, 'mysql:'),
);
try {
  await mariadb.query(
    `CREATE TABLE IF NOT EXISTS \`${profiles}\` (user_id VARCHAR(64) PRIMARY KEY, category VARCHAR(64) NOT NULL) ENGINE=InnoDB`,
  );
  await mariadb.query(`DELETE FROM \`${profiles}\``);
  await mariadb.query(`INSERT INTO \`${profiles}\` (user_id, category) VALUES ?`, [
    PROFILES.map((p) => [p.userId, p.category]),
  ]);
} finally {
  await mariadb.end();
}

const postgres = new pg.Client(process.env.CLICKS_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test');
await postgres.connect();
try {
  await postgres.query(
    `CREATE TABLE IF NOT EXISTS "${table}" (category TEXT NOT NULL, window_end TIMESTAMPTZ NOT NULL, clicks INTEGER NOT NULL, PRIMARY KEY (category, window_end))`,
  );
} finally {
  await postgres.end();
}

if (process.env.CLICKS_CASSANDRA !== 'off') {
  const client = new cassandra.Client({
    contactPoints: (process.env.CLICKS_CASSANDRA_HOSTS ?? '127.0.0.1:9042').split(','),
    localDataCenter: 'datacenter1',
  });
  try {
    const keyspace = cassandraTable.includes('.') ? cassandraTable.split('.')[0] : 'weir_examples';
    await client.execute(
      `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    );
    await client.execute(
      `CREATE TABLE IF NOT EXISTS ${cassandraTable} (category text, window_end timestamp, clicks int, PRIMARY KEY (category, window_end))`,
    );
  } finally {
    await client.shutdown();
  }
}

const records = sampleRecords();
const producer = new Producer({
  clientId: 'weir-example-clicks',
  bootstrapBrokers: [servers],
  serializers: stringSerializers,
  idempotent: true,
});
try {
  await producer.send({ messages: records.map((value) => ({ topic, value })) });
  console.log(`wrote ${records.length - 1} clicks and 1 malformed record to ${topic} at ${servers}`);
} finally {
  await producer.close();
}
