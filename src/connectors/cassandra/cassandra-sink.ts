import type { Client } from 'cassandra-driver';
import { previewRecord, WeirError } from '../../core/errors.ts';
import type { Sink, SinkContext } from '../../core/sink.ts';
import {
  CassandraAttemptsFailed,
  type CassandraConnectionOptions,
  type CassandraConsistency,
  type CassandraRetryOptions,
  checkConnectionOptions,
  checkTable,
  connectCassandra,
  consistencyCode,
  describeNodes,
  qualifyTable,
  quoteIdentifier,
  withCassandraRetries,
} from './cassandra-client.ts';

/** A record as the values of a CQL statement's `?` markers, by position or by name. */
export type CassandraParameters = readonly unknown[] | Readonly<Record<string, unknown>>;

/**
 * Writing to Apache Cassandra with prepared statements, at least once, idempotently.
 *
 * Each record becomes one execution of a prepared statement: either a CQL statement of your own
 * (`setQuery`, an `INSERT` or `UPDATE` with `?` markers) or an `INSERT` into a table built from the
 * columns of the row your mapper returns (`setTable`). A CQL `INSERT` is an upsert: writing a record
 * again leaves the same row. Up to `maxConcurrentRequests` executions run at once; further records
 * wait in a queue of one batch, and the task stops feeding the sink (back-pressure) until one
 * completes. At every checkpoint the sink waits until each record before the barrier is written
 * (records after it keep flowing), so a checkpoint never completes with a write outstanding: after a
 * failure the job resumes from the checkpoint and writes some records again, which the upsert makes
 * harmless. Each record's write timestamp is taken when it is invoked, so retries and concurrent
 * writes of one key keep record order (Cassandra keeps the write with the highest timestamp).
 *
 * Transient failures (unavailable, overloaded, bootstrapping, timeouts, no node reachable) are
 * retried with exponential backoff; any other failure, or the last retry, fails the job with a
 * SINK_FAILED that names the table, the record and the reason. At start the sink checks that the
 * table exists and has the columns written.
 *
 * Counter updates and list appends are not idempotent: a replay adds again. Use them only where
 * an over-count after a failure is acceptable.
 *
 * @example
 * ```ts
 * env.enableCheckpointing(1_000);
 * counts.sinkTo(
 *   CassandraSink.builder<Count>()
 *     .setContactPoints('127.0.0.1:9042')
 *     .setQuery('INSERT INTO shop.counts (category, window_end, n) VALUES (?, ?, ?)', (c) => [
 *       c.category,
 *       new Date(c.windowEnd),
 *       c.count,
 *     ])
 *     .build(),
 * );
 * ```
 */
export class CassandraSink<T> implements Sink<T> {
  private readonly settings: CassandraSinkSettings<T>;
  private client: Client | undefined;
  private owner = 'CassandraSink';
  /** `keyspace.table`, when known (always with `setTable`; parsed from the statement otherwise). */
  private tableName: string | undefined;
  private columns: ReadonlySet<string> | undefined;
  /** Table mode: one INSERT per distinct column list. */
  private readonly inserts = new Map<string, string>();
  private readonly queue: PendingWrite[] = [];
  private running = 0;
  private current: Epoch = newEpoch();
  /** Epochs with writes outstanding, oldest first (the current one may be among them). */
  private readonly epochs: Epoch[] = [];
  private spaceWaiters: Array<() => void> = [];
  /** `close` waiting for the writes under way. */
  private idleWaiters: Array<() => void> = [];
  private closing = false;
  private failure: WeirError | undefined;
  private lastTimestamp = 0;
  /** Bound in `open`: each subtask runs on its own copy of the sink, so not in the constructor. */
  private runNext: () => void = () => {};

  private constructor(settings: CassandraSinkSettings<T>) {
    this.settings = settings;
  }

  /** A builder; see the class example. */
  static builder<T>(): CassandraSinkBuilder<T> {
    return new CassandraSinkBuilder<T>();
  }

  /** @internal by the builder */
  static fromSettings<T>(settings: CassandraSinkSettings<T>): CassandraSink<T> {
    return new CassandraSink(settings);
  }

  async open(context: SinkContext): Promise<void> {
    const { connection, statement } = this.settings;
    this.runNext = () => this.startQueued();
    const named = context.operatorName === 'CassandraSink' ? '' : ` "${context.operatorName}"`;
    this.owner = `CassandraSink${named} (subtask ${context.subtaskIndex + 1}/${context.parallelism})`;
    const target =
      statement.kind === 'table'
        ? qualifyTable(statement.table, connection.keyspace)
        : tableOfStatement(statement.cql, connection.keyspace);
    if (statement.kind === 'table' && target === undefined) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `${this.owner}: table "${statement.table}" names no keyspace, and no keyspace is set: write it as keyspace.table`,
      );
    }
    this.tableName = target && `${target.keyspace}.${target.table}`;
    const client = await connectCassandra(connection, this.owner, 'SINK_FAILED');
    this.client = client;
    if (target !== undefined) {
      try {
        this.columns = await checkTable(client, target, this.owner, 'SINK_FAILED');
      } catch (error) {
        this.client = undefined;
        await client.shutdown().catch(() => {});
        throw error;
      }
    }
  }

  /**
   * Starts the record's write, or queues it while `maxConcurrentRequests` are running. Throws the
   * failure of an earlier write (the job then fails and restarts from its last checkpoint).
   */
  invoke(value: T): void {
    if (this.failure !== undefined) throw this.failure;
    const write = this.prepare(value);
    this.current.pending++;
    if (this.current.pending === 1) this.epochs.push(this.current);
    if (this.running < this.settings.maxConcurrentRequests) this.start(write);
    else this.queue.push(write);
  }

  /** Metrics: writes started and not acknowledged yet, and those waiting for an execution slot. */
  pendingCommits(): number {
    return this.running + this.queue.length;
  }

  /** A promise while records wait for a free execution slot; none after a failure (invoke throws it). */
  blocked(): Promise<void> | undefined {
    if (this.queue.length === 0 || this.failure !== undefined) return undefined;
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Nothing to keep: the checkpoint's promise is that every write before it is done (see below). */
  snapshotState(): unknown[] {
    if (this.failure !== undefined) throw this.failure;
    return [];
  }

  /** Resolves once every record invoked before the barrier is written; rejects with a write's failure. */
  snapshotStateAsync(): Promise<void> | undefined {
    return this.flush();
  }

  /** The end of a bounded input: every record written. */
  async finish(): Promise<void> {
    await this.flush();
  }

  /** Waits for the writes under way (queued ones are dropped: a restore replays them), then disconnects. */
  async close(): Promise<void> {
    this.closing = true;
    this.queue.length = 0;
    const client = this.client;
    this.client = undefined;
    try {
      if (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    } finally {
      await client?.shutdown().catch(() => {});
    }
  }

  /** Resolves when every record invoked so far is written; later records go into a new epoch. */
  private flush(): Promise<void> | undefined {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const due = this.epochs.filter((e) => e.pending > 0);
    this.current = newEpoch();
    if (due.length === 0) return undefined;
    return Promise.all(
      due.map(
        (epoch) =>
          new Promise<void>((resolve, reject) => {
            epoch.waiters.push({ resolve, reject });
          }),
      ),
    ).then(() => undefined);
  }

  /** The statement and values of one record; a mapper that throws fails here, naming the record. */
  private prepare(value: T): PendingWrite {
    const { statement } = this.settings;
    let cql: string;
    let params: CassandraParameters;
    try {
      if (statement.kind === 'query') {
        cql = statement.cql;
        params = statement.toParameters(value);
      } else {
        const row = statement.toRow(value);
        cql = this.insertFor(row);
        // By position: the driver matches named values case-insensitively, which quoted
        // mixed-case column names defeat.
        params = Object.values(row);
      }
    } catch (error) {
      if (error instanceof WeirError) throw error;
      throw new WeirError(
        'SINK_FAILED',
        `${this.owner} cannot map record ${previewRecord(value)} for ${this.tableName ?? 'its statement'}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    return {
      value,
      cql,
      params,
      epoch: this.current,
      timestamp: this.settings.writeTimestamps ? this.nextTimestamp() : undefined,
    };
  }

  /** Table mode: `INSERT INTO ks.t (c1, c2) VALUES (?, ?)` for the row's columns, checked once per column list. */
  private insertFor(row: Readonly<Record<string, unknown>>): string {
    const names = Object.keys(row);
    const key = names.join('\u0000');
    let cql = this.inserts.get(key);
    if (cql === undefined) {
      if (names.length === 0) {
        throw new WeirError(
          'SINK_FAILED',
          `${this.owner}: the row mapper returned no column for ${this.tableName}`,
        );
      }
      const unknown = names.filter((n) => this.columns !== undefined && !this.columns.has(n));
      if (unknown.length > 0) {
        throw new WeirError(
          'SINK_FAILED',
          `${this.owner}: table ${this.tableName} has no column ${unknown.join(', ')} (its columns: ${[...(this.columns ?? [])].join(', ')})`,
        );
      }
      cql = `INSERT INTO ${this.tableName?.split('.').map(quoteIdentifier).join('.')} (${names.map(quoteIdentifier).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`;
      this.inserts.set(key, cql);
    }
    return cql;
  }

  /**
   * Microseconds, strictly increasing per subtask: Cassandra keeps the write with the highest
   * timestamp, so stamping each record once (and not per attempt) keeps record order through
   * retries and concurrent writes. Wall-clock based, as the driver's own stamps are, so that the
   * sink's writes order sensibly against other writers'.
   */
  private nextTimestamp(): number {
    const now = Date.now() * 1000;
    this.lastTimestamp = now > this.lastTimestamp ? now : this.lastTimestamp + 1;
    return this.lastTimestamp;
  }

  private start(write: PendingWrite): void {
    this.running++;
    const client = this.client as Client;
    const options = {
      prepare: true,
      isIdempotent: true,
      consistency: this.settings.consistency,
      timestamp: write.timestamp,
    };
    withCassandraRetries(
      () => client.execute(write.cql, write.params as unknown[], options),
      this.settings.connection.retry,
    ).then(
      () => this.settled(write, undefined),
      (error) => this.settled(write, error),
    );
  }

  private settled(write: PendingWrite, error: unknown): void {
    this.running--;
    if (error !== undefined && this.failure === undefined && !this.closing) {
      this.fail(this.writeFailure(write, error));
    }
    const epoch = write.epoch;
    epoch.pending--;
    if (epoch.pending === 0 && this.failure === undefined) {
      const index = this.epochs.indexOf(epoch);
      if (index >= 0) this.epochs.splice(index, 1);
      const waiters = epoch.waiters;
      epoch.waiters = [];
      for (const w of waiters) w.resolve();
    }
    if (this.queue.length > 0) queueMicrotask(this.runNext);
    if (this.running === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private startQueued(): void {
    while (
      this.queue.length > 0 &&
      this.running < this.settings.maxConcurrentRequests &&
      this.failure === undefined
    ) {
      this.start(this.queue.shift() as PendingWrite);
    }
    if (this.queue.length === 0 || this.failure !== undefined) {
      const waiters = this.spaceWaiters;
      this.spaceWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** The first failure: every flush waiting rejects with it, queued records are dropped. */
  private fail(failure: WeirError): void {
    this.failure = failure;
    this.queue.length = 0;
    for (const epoch of this.epochs) {
      const waiters = epoch.waiters;
      epoch.waiters = [];
      for (const w of waiters) w.reject(failure);
    }
    this.epochs.length = 0;
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const w of waiters) w();
  }

  private writeFailure(write: PendingWrite, error: unknown): WeirError {
    const reason = error instanceof CassandraAttemptsFailed ? error.describe() : String(error);
    const cause = error instanceof CassandraAttemptsFailed ? error.cause : error;
    const where = this.tableName ?? `"${write.cql}"`;
    return new WeirError(
      'SINK_FAILED',
      `${this.owner} cannot write record ${previewRecord(write.value)} to ${where} at ${describeNodes(this.settings.connection)}: ${reason}`,
      { cause },
    );
  }
}

/** Records invoked between two checkpoints; a checkpoint waits for its epoch and every earlier one. */
interface Epoch {
  pending: number;
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

function newEpoch(): Epoch {
  return { pending: 0, waiters: [] };
}

interface PendingWrite {
  readonly value: unknown;
  readonly cql: string;
  readonly params: CassandraParameters;
  readonly epoch: Epoch;
  readonly timestamp: number | undefined;
}

/** The table an `INSERT INTO t`, `UPDATE t` or `DELETE ... FROM t` statement writes, when it names one. */
export function tableOfStatement(
  cql: string,
  defaultKeyspace: string | undefined,
): { keyspace: string; table: string } | undefined {
  const name = '(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)';
  const match = new RegExp(
    `^\\s*(?:INSERT\\s+INTO|UPDATE|DELETE\\b[\\s\\S]*?\\bFROM)\\s+(${name}(?:\\s*\\.\\s*${name})?)`,
    'i',
  ).exec(cql);
  return match === null ? undefined : qualifyTable(match[1], defaultKeyspace);
}

type CassandraStatement<T> =
  | { readonly kind: 'query'; readonly cql: string; readonly toParameters: (value: T) => CassandraParameters }
  | {
      readonly kind: 'table';
      readonly table: string;
      readonly toRow: (value: T) => Readonly<Record<string, unknown>>;
    };

interface CassandraSinkSettings<T> {
  readonly connection: CassandraConnectionOptions;
  readonly statement: CassandraStatement<T>;
  readonly consistency: number;
  readonly maxConcurrentRequests: number;
  readonly writeTimestamps: boolean;
}

/** Builds a {@link CassandraSink}; contact points and a statement (`setQuery` or `setTable`) are required. */
export class CassandraSinkBuilder<T> {
  private contactPoints: string[] = [];
  private localDataCenter: string | undefined;
  private keyspace: string | undefined;
  private credentials: { username: string; password: string } | undefined;
  private consistency: CassandraConsistency = 'LOCAL_QUORUM';
  private requestTimeoutMs: number | undefined;
  private retry: CassandraRetryOptions | undefined;
  private clientOptions: CassandraConnectionOptions['clientOptions'];
  private statement: CassandraStatement<T> | undefined;
  private maxConcurrentRequests = 64;

  /** `host` or `host:port` entries, as one comma-separated string or several arguments. */
  setContactPoints(...contactPoints: string[]): this {
    this.contactPoints = contactPoints
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    return this;
  }

  /** The data center to write to (default `datacenter1`). */
  setLocalDataCenter(dataCenter: string): this {
    this.localDataCenter = dataCenter;
    return this;
  }

  /** The keyspace of tables named without one. */
  setKeyspace(keyspace: string): this {
    this.keyspace = keyspace;
    return this;
  }

  setCredentials(username: string, password: string): this {
    this.credentials = { username, password };
    return this;
  }

  /**
   * A CQL statement with `?` markers, and the values of a record for them (an array by position,
   * or an object by marker name). An `INSERT` (or an `UPDATE` that sets columns) is an idempotent
   * upsert. A conditional statement (`IF ...`) or one with `USING TIMESTAMP` gets no write
   * timestamp from the sink.
   */
  setQuery(cql: string, toParameters: (value: T) => CassandraParameters): this {
    if (typeof cql !== 'string' || cql.trim() === '') {
      throw new WeirError('INVALID_ARGUMENT', 'CassandraSink.setQuery: the CQL statement is empty');
    }
    this.statement = { kind: 'query', cql, toParameters };
    return this;
  }

  /**
   * `INSERT INTO table (columns) VALUES (...)` for the columns of the row `toRow` returns
   * (`keyspace.table`, or a bare name with `setKeyspace`). An `undefined` column is left unset (the
   * row keeps what it had); `null` deletes the column's value.
   */
  setTable(table: string, toRow: (value: T) => Readonly<Record<string, unknown>>): this {
    if (typeof table !== 'string' || qualifyTable(table, 'x') === undefined) {
      throw new WeirError('INVALID_ARGUMENT', `CassandraSink.setTable: "${table}" is not a table name`);
    }
    this.statement = { kind: 'table', table, toRow };
    return this;
  }

  /** `LOCAL_QUORUM` by default. */
  setConsistencyLevel(consistency: CassandraConsistency): this {
    consistencyCode(consistency);
    this.consistency = consistency;
    return this;
  }

  /** The most executions running at once per subtask (default 64); beyond it the sink back-pressures. */
  setMaxConcurrentRequests(max: number): this {
    if (!(Number.isInteger(max) && max >= 1)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `CassandraSink.setMaxConcurrentRequests: ${max} is not a positive integer`,
      );
    }
    this.maxConcurrentRequests = max;
    return this;
  }

  /** How long one execution may take, client side, before it counts as timed out (default 12,000 ms). */
  setRequestTimeout(ms: number): this {
    this.requestTimeoutMs = ms;
    return this;
  }

  /** Retries of transient failures (default: 5, from 100 ms doubling up to 5 s). */
  setRetries(retry: CassandraRetryOptions): this {
    this.retry = { ...retry };
    return this;
  }

  /** Further `cassandra-driver` client options (pooling, SSL, policies). */
  setClientOptions(options: NonNullable<CassandraConnectionOptions['clientOptions']>): this {
    this.clientOptions = options;
    return this;
  }

  build(): CassandraSink<T> {
    if (this.statement === undefined) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'CassandraSink: call setQuery(cql, toParameters) or setTable(table, toRow)',
      );
    }
    const connection: CassandraConnectionOptions = {
      contactPoints: this.contactPoints,
      localDataCenter: this.localDataCenter,
      keyspace: this.keyspace,
      credentials: this.credentials,
      consistency: this.consistency,
      requestTimeoutMs: this.requestTimeoutMs,
      retry: this.retry,
      clientOptions: this.clientOptions,
    };
    checkConnectionOptions(connection, 'CassandraSink');
    const statement = this.statement;
    const writeTimestamps =
      statement.kind === 'table' ||
      !/\bIF\b|\bUSING\s+TIMESTAMP\b/i.test(statement.cql.replace(/'(?:[^']|'')*'/g, "''"));
    return CassandraSink.fromSettings({
      connection,
      statement,
      consistency: consistencyCode(this.consistency),
      maxConcurrentRequests: this.maxConcurrentRequests,
      writeTimestamps,
    });
  }
}
