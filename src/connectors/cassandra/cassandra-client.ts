/**
 * What the Cassandra sink and lookup share: the connection options, the driver (loaded when a job
 * first connects), the failures worth a retry and how long to wait between tries, and failures
 * described by node, table and reason, never by credentials.
 */
import { createRequire } from 'node:module';
import type { Client, DseClientOptions } from 'cassandra-driver';
import { WeirError } from '../../core/errors.ts';

type CassandraDriverModule = typeof import('cassandra-driver');

let loaded: CassandraDriverModule | undefined;

/**
 * `cassandra-driver`, loaded on first use: importing `weir` does not load it, so jobs without
 * Cassandra do not pay for it at start-up.
 */
export function cassandraDriver(): CassandraDriverModule {
  loaded ??= createRequire(import.meta.url)('cassandra-driver') as CassandraDriverModule;
  return loaded;
}

/** Where and how to connect; shared by {@link CassandraSink} and {@link CassandraLookup}. */
export interface CassandraConnectionOptions {
  /** `host` or `host:port` entries (default port 9042). */
  readonly contactPoints: readonly string[];
  /** The data center whose nodes are queried (default `datacenter1`, a single node's). */
  readonly localDataCenter?: string;
  /** The keyspace for tables named without one. */
  readonly keyspace?: string;
  readonly credentials?: { readonly username: string; readonly password: string };
  /** The consistency of every statement (default `LOCAL_QUORUM`; `ONE` on a single node is the same). */
  readonly consistency?: CassandraConsistency;
  /** How long one request may take before it counts as timed out, client side (default 12,000 ms). */
  readonly requestTimeoutMs?: number;
  /** Retries of transient failures, with exponential backoff (see {@link CassandraRetryOptions}). */
  readonly retry?: CassandraRetryOptions;
  /**
   * Further `cassandra-driver` client options (pooling, SSL, policies), merged over Weir's. Weir
   * sets `encoding.useBigIntAsLong` and `useBigIntAsVarint`, so `bigint` and `varint` are `bigint`.
   */
  readonly clientOptions?: Partial<DseClientOptions>;
}

export type CassandraConsistency =
  | 'ANY'
  | 'ONE'
  | 'TWO'
  | 'THREE'
  | 'QUORUM'
  | 'ALL'
  | 'LOCAL_QUORUM'
  | 'EACH_QUORUM'
  | 'LOCAL_ONE';

/** How often and how patiently transient failures are retried. */
export interface CassandraRetryOptions {
  /** Retries after the first attempt (default 5). */
  readonly maxRetries?: number;
  /** Wait before the first retry, doubled each time (default 100 ms). */
  readonly initialBackoffMs?: number;
  /** Longest wait between attempts (default 5,000 ms). */
  readonly maxBackoffMs?: number;
}

const CONSISTENCY_CODES: Readonly<Record<CassandraConsistency, number>> = {
  ANY: 0x00,
  ONE: 0x01,
  TWO: 0x02,
  THREE: 0x03,
  QUORUM: 0x04,
  ALL: 0x05,
  LOCAL_QUORUM: 0x06,
  EACH_QUORUM: 0x07,
  LOCAL_ONE: 0x0a,
};

/** The driver's code for `consistency`; an unknown name is an INVALID_ARGUMENT. */
export function consistencyCode(consistency: CassandraConsistency): number {
  const code = CONSISTENCY_CODES[consistency];
  if (code === undefined) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `unknown Cassandra consistency "${consistency}"; known: ${Object.keys(CONSISTENCY_CODES).join(', ')}`,
    );
  }
  return code;
}

/** Checks the options a builder or constructor receives; throws INVALID_ARGUMENT. */
export function checkConnectionOptions(options: CassandraConnectionOptions, owner: string): void {
  if (!Array.isArray(options.contactPoints) || options.contactPoints.length === 0) {
    throw new WeirError('INVALID_ARGUMENT', `${owner}: at least one contact point ("host:port") is required`);
  }
  if (options.consistency !== undefined) consistencyCode(options.consistency);
  const timeout = options.requestTimeoutMs;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `${owner}: requestTimeoutMs is ${timeout}: expected a positive integer`,
    );
  }
  const retry = options.retry ?? {};
  for (const key of ['maxRetries', 'initialBackoffMs', 'maxBackoffMs'] as const) {
    const value = retry[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `${owner}: retry.${key} is ${value}: expected a non-negative integer`,
      );
    }
  }
}

/** The contact points as one string for messages. */
export function describeNodes(options: CassandraConnectionOptions): string {
  return options.contactPoints.join(', ');
}

/**
 * A connected client. A failure to connect is a WeirError naming the contact points and the
 * driver's reason for each node it tried (never the credentials).
 */
export async function connectCassandra(
  options: CassandraConnectionOptions,
  owner: string,
  code: 'SINK_FAILED' | 'USER_FUNCTION_FAILED',
): Promise<Client> {
  const driver = cassandraDriver();
  const extra = options.clientOptions ?? {};
  const client = new driver.Client({
    ...extra,
    contactPoints: [...options.contactPoints],
    localDataCenter: options.localDataCenter ?? 'datacenter1',
    keyspace: options.keyspace,
    credentials: options.credentials && { ...options.credentials },
    socketOptions: {
      connectTimeout: 5_000,
      readTimeout: options.requestTimeoutMs ?? 12_000,
      ...extra.socketOptions,
    },
    encoding: { useBigIntAsLong: true, useBigIntAsVarint: true, ...extra.encoding },
    queryOptions: {
      consistency: consistencyCode(options.consistency ?? 'LOCAL_QUORUM'),
      prepare: true,
      ...extra.queryOptions,
    },
  });
  try {
    await client.connect();
  } catch (error) {
    await client.shutdown().catch(() => {});
    throw new WeirError(
      code,
      `${owner} cannot connect to Cassandra at ${describeNodes(options)}: ${describeCassandraError(error)}`,
      { cause: error },
    );
  }
  return client;
}

/**
 * `keyspace.table` of a table name, with the session keyspace for a bare name; undefined when
 * neither names a keyspace. Quoted names keep their case; unquoted ones are lowercased, as CQL does.
 */
export function qualifyTable(
  name: string,
  defaultKeyspace: string | undefined,
): { keyspace: string; table: string } | undefined {
  const parts = splitQualifiedName(name);
  if (parts === undefined) return undefined;
  if (parts.length === 2) return { keyspace: parts[0], table: parts[1] };
  if (defaultKeyspace === undefined) return undefined;
  return { keyspace: unquote(defaultKeyspace), table: parts[0] };
}

function splitQualifiedName(name: string): string[] | undefined {
  const match =
    /^\s*("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)(?:\s*\.\s*("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*))?\s*$/.exec(
      name,
    );
  if (match === null) return undefined;
  return match[2] === undefined ? [unquote(match[1])] : [unquote(match[1]), unquote(match[2])];
}

function unquote(identifier: string): string {
  if (identifier.startsWith('"') && identifier.endsWith('"'))
    return identifier.slice(1, -1).replaceAll('""', '"');
  return identifier.toLowerCase();
}

/** An identifier as CQL text: bare when it is a lowercase simple name, else double-quoted. */
export function quoteIdentifier(identifier: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(identifier) ? identifier : `"${identifier.replaceAll('"', '""')}"`;
}

/**
 * Checks that `keyspace.table` exists (and has `columns`, when given); throws a WeirError naming
 * what is missing. Returns the table's column names.
 */
export async function checkTable(
  client: Client,
  target: { keyspace: string; table: string },
  owner: string,
  code: 'SINK_FAILED' | 'USER_FUNCTION_FAILED',
  columns?: readonly string[],
): Promise<ReadonlySet<string>> {
  const name = `${target.keyspace}.${target.table}`;
  let table: Awaited<ReturnType<Client['metadata']['getTable']>>;
  try {
    table = await client.metadata.getTable(target.keyspace, target.table);
  } catch (error) {
    throw new WeirError(
      code,
      `${owner} cannot read the schema of ${name}: ${describeCassandraError(error)}`,
      {
        cause: error,
      },
    );
  }
  if (table === null || table === undefined) {
    const keyspaces = Object.keys(client.metadata.keyspaces ?? {});
    const reason = keyspaces.includes(target.keyspace)
      ? `keyspace ${target.keyspace} has no table ${target.table}`
      : `there is no keyspace ${target.keyspace}`;
    throw new WeirError(code, `${owner}: table ${name} does not exist (${reason})`);
  }
  const known = new Set(table.columns.map((c) => c.name));
  const missing = (columns ?? []).filter((c) => !known.has(c));
  if (missing.length > 0) {
    throw new WeirError(
      code,
      `${owner}: table ${name} has no column ${missing.join(', ')} (its columns: ${[...known].join(', ')})`,
    );
  }
  return known;
}

/** Server answers worth a retry: the cluster is busy, starting, or a replica did not answer in time. */
const TRANSIENT_RESPONSE_CODES = new Set([
  0x1000, // unavailable: too few replicas alive
  0x1001, // overloaded
  0x1002, // is bootstrapping
  0x1100, // write timeout
  0x1200, // read timeout
]);

/** Client-side failures that mean no node was reached or none answered in time. */
const TRANSIENT_ERROR_NAMES = new Set([
  'NoHostAvailableError',
  'OperationTimedOutError',
  'BusyConnectionError',
]);

/** True when `error` is worth retrying (the statement must be idempotent: an upsert is). */
export function isTransientCassandraError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  if (error.name === 'ResponseError' && typeof code === 'number') return TRANSIENT_RESPONSE_CODES.has(code);
  if (TRANSIENT_ERROR_NAMES.has(error.name)) return true;
  return typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH)$/.test(code);
}

/** The driver's reason, with each node's reason for a NoHostAvailableError. */
export function describeCassandraError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = (error as { innerErrors?: Record<string, unknown> }).innerErrors;
  if (error.name === 'NoHostAvailableError' && inner !== undefined && Object.keys(inner).length > 0) {
    const nodes = Object.entries(inner).map(
      ([host, e]) => `${host}: ${e instanceof Error ? e.message : String(e)}`,
    );
    return `no node answered (${nodes.join('; ')})`;
  }
  return error.message;
}

/** Waits before retry `attempt` (1-based): exponential backoff with jitter. */
export function backoffDelay(attempt: number, retry: CassandraRetryOptions | undefined): number {
  const initial = retry?.initialBackoffMs ?? 100;
  const max = retry?.maxBackoffMs ?? 5_000;
  const base = Math.min(max, initial * 2 ** (attempt - 1));
  return base * (0.5 + Math.random() / 2);
}

/**
 * Runs `attempt` until it succeeds, retrying transient failures with backoff; rejects with the last
 * failure and how many attempts were made.
 */
export async function withCassandraRetries<T>(
  attempt: () => Promise<T>,
  retry: CassandraRetryOptions | undefined,
): Promise<T> {
  const maxRetries = retry?.maxRetries ?? 5;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n > maxRetries || !isTransientCassandraError(error)) throw new CassandraAttemptsFailed(error, n);
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(n, retry)));
    }
  }
}

/** The last failure of a statement, and how many attempts were made. */
export class CassandraAttemptsFailed extends Error {
  readonly attempts: number;

  constructor(cause: unknown, attempts: number) {
    super(describeCassandraError(cause), { cause });
    this.name = 'CassandraAttemptsFailed';
    this.attempts = attempts;
  }

  /** The reason, with "after N attempts" when transient failures were retried. */
  describe(): string {
    const transient = isTransientCassandraError(this.cause);
    return this.attempts > 1 || transient
      ? `${this.message} (after ${this.attempts} attempt${this.attempts === 1 ? '' : 's'})`
      : this.message;
  }
}
