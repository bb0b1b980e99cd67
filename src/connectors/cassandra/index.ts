// Apache Cassandra: a sink (idempotent upserts, at least once) and a lookup for Async I/O.
export {
  type CassandraConnectionOptions,
  type CassandraConsistency,
  type CassandraRetryOptions,
  isTransientCassandraError,
} from './cassandra-client.ts';
export {
  CassandraLookup,
  type CassandraLookupOptions,
  type CassandraRow,
} from './cassandra-lookup.ts';
export { type CassandraParameters, CassandraSink, CassandraSinkBuilder } from './cassandra-sink.ts';
