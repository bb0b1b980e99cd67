import type { MessageToProduce, Producer } from '@platformatic/kafka';
import { WeirError } from '../../core/errors.ts';
import type { InvokeContext, Sink, SinkContext } from '../../core/sink.ts';
import { kafkaClientModule } from './kafka-client-module.ts';
import type { KafkaProducerRecord, KafkaRecordSerializer } from './kafka-record-serializer.ts';
import { KafkaSendQueue } from './kafka-send-queue.ts';
import { checkKafkaTopics, isUnknownTopic, topicNotFound } from './kafka-topic-check.ts';
import { KafkaTransactionAdmin, type KafkaTransactionHandle } from './kafka-transaction-admin.ts';

/**
 * Writing to Kafka, with Flink's three delivery guarantees.
 *
 * - `NONE`: records are sent in the background (acks from the leader); a failure may lose what was
 *   in flight.
 * - `AT_LEAST_ONCE`: an idempotent producer (acks from all replicas); every checkpoint waits until
 *   everything before its barrier is acknowledged, so a restore can only repeat records.
 * - `EXACTLY_ONCE`: each checkpoint interval's records go into one Kafka transaction per subtask,
 *   with the transactional id `<prefix>-<subtask>-<n>`. At the barrier the transaction is flushed
 *   (pre-committed) and recorded in the checkpoint with its producer id and epoch, and the next
 *   transaction begins; when the checkpoint completes the transaction is committed. After a
 *   failure, the restored checkpoint's transactions are committed by their producer id and epoch
 *   (a transaction committed before the failure is recognized as such), and every other open
 *   transaction of the prefix is aborted, so consumers reading with `read_committed` see each
 *   record exactly once. The prefix must be unique to the job.
 *
 * The sink never creates topics. At start each subtask checks that the serializer's fixed topic
 * exists (a Metadata request): a missing one fails the job with KAFKA_TOPIC_NOT_FOUND, naming the
 * topic and the brokers, without restarting it, since no restart would create the topic. With a
 * topic chosen per record, a write the broker refuses as "unknown topic" fails the same way.
 *
 * @example
 * ```ts
 * env.enableCheckpointing(1_000);
 * counts.sinkTo(
 *   KafkaSink.builder<Count>()
 *     .setBootstrapServers('127.0.0.1:9092')
 *     .setRecordSerializer(
 *       KafkaRecordSerializers.builder<Count>()
 *         .setTopic('counts')
 *         .setKeySerializer((c) => Buffer.from(c.key))
 *         .setValueSerializer(KafkaSerializers.json<Count>())
 *         .build(),
 *     )
 *     .setDeliveryGuarantee('EXACTLY_ONCE')
 *     .setTransactionalIdPrefix('counts-job')
 *     .build(),
 * );
 * ```
 */
export class KafkaSink<T> implements Sink<T> {
  private readonly settings: KafkaSinkSettings<T>;
  private writer: KafkaWriter | undefined;
  /** The highest transaction number of this subtask's own restored transactions: new ones go above. */
  private restoredCounter = -1;

  private constructor(settings: KafkaSinkSettings<T>) {
    this.settings = settings;
  }

  /** A builder; see the class example. */
  static builder<T>(): KafkaSinkBuilder<T> {
    return new KafkaSinkBuilder<T>();
  }

  /** @internal by the builder */
  static fromSettings<T>(settings: KafkaSinkSettings<T>): KafkaSink<T> {
    return new KafkaSink(settings);
  }

  get deliveryGuarantee(): DeliveryGuarantee {
    return this.settings.guarantee;
  }

  /**
   * Every subtask receives every old subtask's pre-committed transactions; the one whose index is
   * the old subtask's modulo the new parallelism commits them, at any new parallelism.
   */
  async initializeState(state: unknown[], context: SinkContext): Promise<void> {
    if (this.settings.guarantee !== 'EXACTLY_ONCE') return;
    const admin = transactionAdmin(this.settings, context.subtaskIndex);
    try {
      for (const entry of state as KafkaSinkState[]) {
        if (entry.kind !== 'pending') continue;
        const owner = parseTransactionalId(this.settings.transactionalIdPrefix, entry.txn.transactionalId);
        if (owner === undefined || owner.subtask % context.parallelism !== context.subtaskIndex) continue;
        await admin.commit(entry.txn);
        if (owner.subtask === context.subtaskIndex) {
          this.restoredCounter = Math.max(this.restoredCounter, owner.counter);
        }
      }
    } finally {
      await admin.close();
    }
  }

  async open(context: SinkContext): Promise<void> {
    const { guarantee } = this.settings;
    await this.settings.serializer.open?.();
    await checkKafkaTopics(this.settings.bootstrapServers, this.settings.serializer.topics ?? [], {
      clientId: `${this.settings.clientId}-${context.subtaskIndex}-check`,
      requestTimeout: this.settings.requestTimeout,
      operatorName: context.operatorName,
    });
    if (guarantee === 'EXACTLY_ONCE') {
      const timeout = this.settings.transactionTimeout;
      if (context.checkpointInterval !== undefined && context.checkpointInterval >= timeout) {
        throw new WeirError(
          'INVALID_ARGUMENT',
          `KafkaSink "${context.operatorName}": transaction.timeout.ms is ${timeout} but checkpoints are ${context.checkpointInterval} ms apart; a transaction stays open for at least one interval and the broker aborts it after its timeout, losing its records: set transaction.timeout.ms well above the checkpoint interval (and at most the broker's transaction.max.timeout.ms)`,
        );
      }
      const writer = new TransactionalWriter(this.settings, context, this.restoredCounter + 1);
      this.writer = writer;
      await writer.start();
    } else {
      this.writer = new PlainWriter(this.settings, context);
    }
  }

  invoke(value: T, context: InvokeContext): void {
    const record = this.settings.serializer.serialize(value, context.timestamp);
    (this.writer as KafkaWriter).write(toMessage(record));
  }

  blocked(): Promise<void> | undefined {
    return this.writer?.blocked();
  }

  /** Metrics: records not acknowledged yet (NONE, AT_LEAST_ONCE), or transactions not committed yet (EXACTLY_ONCE). */
  pendingCommits(): number {
    return this.writer?.pendingCommits() ?? 0;
  }

  snapshotState(checkpointId: number): unknown[] {
    return (this.writer as KafkaWriter).snapshot(checkpointId);
  }

  snapshotStateAsync(checkpointId: number): Promise<void> | undefined {
    return (this.writer as KafkaWriter).preCommit(checkpointId);
  }

  notifyCheckpointComplete(checkpointId: number): Promise<void> | undefined {
    return this.writer?.commit(checkpointId);
  }

  async finish(): Promise<void> {
    await this.writer?.finish();
  }

  async close(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    await writer?.close();
  }
}

/** What a KafkaSink subtask keeps in checkpoints (EXACTLY_ONCE only). */
export type KafkaSinkState = { kind: 'pending'; checkpointId: number; txn: KafkaTransactionHandle };

export type DeliveryGuarantee = 'NONE' | 'AT_LEAST_ONCE' | 'EXACTLY_ONCE';

interface KafkaWriter {
  write(message: MessageToProduce): void;
  blocked(): Promise<void> | undefined;
  pendingCommits(): number;
  snapshot(checkpointId: number): unknown[];
  preCommit(checkpointId: number): Promise<void> | undefined;
  commit(checkpointId: number): Promise<void> | undefined;
  finish(): Promise<void>;
  close(): Promise<void>;
}

function toMessage(record: KafkaProducerRecord): MessageToProduce {
  const message: MessageToProduce = { topic: record.topic, key: record.key ?? undefined };
  message.value = record.value as Buffer;
  if (record.partition !== undefined) message.partition = record.partition;
  if (record.timestamp !== undefined) message.timestamp = BigInt(record.timestamp);
  const headers = record.headers;
  if (headers !== undefined && headers.length > 0) {
    const map = new Map<Buffer, Buffer>();
    for (const h of headers) map.set(Buffer.from(h.key), h.value ?? Buffer.alloc(0));
    message.headers = map;
  }
  return message;
}

function producerOptions(settings: KafkaSinkSettings<unknown>, clientId: string) {
  return {
    clientId,
    bootstrapBrokers: [...settings.bootstrapServers],
    retries: settings.retries,
    connectTimeout: Math.min(settings.requestTimeout, 10_000),
    requestTimeout: settings.requestTimeout,
    autocreateTopics: false,
  };
}

/** Transaction control for recovery (commit by producer id and epoch, abort of leftovers). */
function transactionAdmin(settings: KafkaSinkSettings<unknown>, subtaskIndex: number): KafkaTransactionAdmin {
  return new KafkaTransactionAdmin(
    settings.bootstrapServers,
    `${settings.clientId}-${subtaskIndex}-admin`,
    settings.requestTimeout,
  );
}

/** NONE and AT_LEAST_ONCE: one producer; at-least-once waits for acknowledgements at each checkpoint. */
class PlainWriter implements KafkaWriter {
  private readonly producer: Producer;
  private readonly queue: KafkaSendQueue;
  private readonly atLeastOnce: boolean;

  constructor(settings: KafkaSinkSettings<unknown>, context: SinkContext) {
    this.atLeastOnce = settings.guarantee === 'AT_LEAST_ONCE';
    this.producer = new (kafkaClientModule().Producer)({
      ...producerOptions(settings, `${settings.clientId}-${context.subtaskIndex}`),
      idempotent: this.atLeastOnce,
      acks: this.atLeastOnce ? kafkaClientModule().ProduceAcks.ALL : kafkaClientModule().ProduceAcks.LEADER,
    });
    const producer = this.producer;
    const servers = settings.bootstrapServers;
    this.queue = new KafkaSendQueue(
      (messages) =>
        producer.send({ messages }).catch((error) => Promise.reject(sendFailure(error, messages, servers))),
      settings.maxBatchRecords,
      settings.maxBufferedRecords,
    );
  }

  write(message: MessageToProduce): void {
    this.queue.push(message);
  }

  blocked(): Promise<void> | undefined {
    return this.queue.blocked();
  }

  pendingCommits(): number {
    return this.queue.pending;
  }

  snapshot(): unknown[] {
    return [];
  }

  preCommit(): Promise<void> | undefined {
    return this.atLeastOnce ? this.queue.flush() : undefined;
  }

  commit(): undefined {
    return undefined;
  }

  finish(): Promise<void> {
    return this.queue.flush();
  }

  async close(): Promise<void> {
    try {
      await this.queue.flush();
    } finally {
      await this.producer.close().catch(() => {});
    }
  }
}

/** The part of the client's transaction object the sink uses. */
interface Transaction {
  readonly completed: boolean;
  send(options: { messages: MessageToProduce[] }): Promise<unknown>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * One Kafka transaction on a producer that has taken its id: it begins on construction, and the
 * records on their way to it wait in its send queue.
 */
class OpenTransaction {
  readonly transactionalId: string;
  readonly producer: Producer;
  readonly queue: KafkaSendQueue;
  /** Resolves when the transaction has begun (then `handle` or `failure` is set); never rejects. */
  readonly begun: Promise<void>;
  transaction: Transaction | undefined;
  handle: KafkaTransactionHandle | undefined;
  failure: unknown;
  records = 0;

  constructor(transactionalId: string, producer: Producer, settings: KafkaSinkSettings<unknown>) {
    this.transactionalId = transactionalId;
    this.producer = producer;
    const servers = settings.bootstrapServers;
    this.queue = new KafkaSendQueue(
      (messages) =>
        (this.transaction as Transaction)
          .send({ messages })
          .catch((error) => Promise.reject(sendFailure(error, messages, servers, transactionalId))),
      settings.maxBatchRecords,
      settings.maxBufferedRecords,
    );
    this.begun = producer.beginTransaction().then(
      (transaction) => {
        this.transaction = transaction;
        this.handle = {
          transactionalId,
          producerId: String(producer.producerId),
          producerEpoch: producer.producerEpoch as number,
        };
      },
      (error) => {
        this.failure = new WeirError(
          'SINK_FAILED',
          `KafkaSink cannot begin Kafka transaction "${transactionalId}": ${describeBeginFailure(error)}`,
          { cause: error },
        );
      },
    );
  }
}

/** EXACTLY_ONCE: a transaction per checkpoint interval, on a small pool of producers. */
class TransactionalWriter implements KafkaWriter {
  private readonly settings: KafkaSinkSettings<unknown>;
  private readonly context: SinkContext;
  private counter: number;
  private current!: OpenTransaction;
  private pending: Array<{ checkpointId: number; txn: OpenTransaction }> = [];
  private readonly idle: Producer[] = [];
  private readonly all: Producer[] = [];
  /** Commits run one after another, in checkpoint order. */
  private commits: Promise<void> = Promise.resolve();
  /** Transactions handed to `commits` and not committed yet. */
  private committing = 0;
  private justPreCommitted: OpenTransaction | undefined;

  constructor(settings: KafkaSinkSettings<unknown>, context: SinkContext, firstCounter: number) {
    this.settings = settings;
    this.context = context;
    this.counter = firstCounter;
  }

  /** Aborts what earlier runs left open (this subtask's share of the prefix), then begins. */
  async start(): Promise<void> {
    const { subtaskIndex, parallelism } = this.context;
    const prefix = this.settings.transactionalIdPrefix;
    const admin = transactionAdmin(this.settings, subtaskIndex);
    try {
      for (const id of await admin.listOpen(`${prefix}-`)) {
        const owner = parseTransactionalId(prefix, id);
        if (owner === undefined || owner.subtask % parallelism !== subtaskIndex) continue;
        await admin.abort(id);
      }
    } finally {
      await admin.close();
    }
    this.current = this.begin();
    await this.current.begun;
    if (this.current.failure !== undefined) throw this.current.failure;
  }

  write(message: MessageToProduce): void {
    const txn = this.current;
    if (txn.failure !== undefined) throw txn.failure;
    txn.queue.push(message);
    txn.records++;
  }

  /** Pre-committed transactions not committed yet. */
  pendingCommits(): number {
    return this.pending.length + this.committing;
  }

  /** While the transaction is beginning, nothing is taken (so every checkpointed one has its epoch). */
  blocked(): Promise<void> | undefined {
    const txn = this.current;
    if (txn.handle === undefined && txn.failure === undefined) return txn.begun;
    return txn.queue.blocked();
  }

  snapshot(checkpointId: number): unknown[] {
    const txn = this.current;
    this.justPreCommitted = undefined;
    if (txn.failure !== undefined) throw txn.failure;
    if (txn.records > 0) {
      this.pending.push({ checkpointId, txn });
      this.justPreCommitted = txn;
      this.current = this.begin();
    }
    const state: KafkaSinkState[] = [];
    for (const p of this.pending) {
      state.push({
        kind: 'pending',
        checkpointId: p.checkpointId,
        txn: p.txn.handle as KafkaTransactionHandle,
      });
    }
    return state;
  }

  preCommit(): Promise<void> | undefined {
    const txn = this.justPreCommitted;
    this.justPreCommitted = undefined;
    return txn?.queue.flush();
  }

  commit(checkpointId: number): Promise<void> | undefined {
    const due: OpenTransaction[] = [];
    const remaining: Array<{ checkpointId: number; txn: OpenTransaction }> = [];
    for (const p of this.pending) {
      if (p.checkpointId <= checkpointId) due.push(p.txn);
      else remaining.push(p);
    }
    if (due.length === 0) return undefined;
    this.pending = remaining;
    this.committing += due.length;
    this.commits = this.commits.then(async () => {
      for (const txn of due) {
        await txn.queue.flush();
        await (txn.transaction as Transaction).commit();
        this.committing--;
        this.idle.push(txn.producer);
      }
    });
    return this.commits;
  }

  /** Without checkpoints, the records are committed at the end of the input. */
  async finish(): Promise<void> {
    if (this.context.checkpointing) return;
    const txn = this.current;
    if (txn.records === 0) return;
    await txn.queue.flush();
    await (txn.transaction as Transaction).commit();
    this.idle.push(txn.producer);
    this.current = this.begin();
    await this.current.begun;
  }

  /** Waits for commits under way; the open transaction is aborted, pre-committed ones are left to recovery. */
  async close(): Promise<void> {
    try {
      await this.commits;
    } finally {
      const txn = this.current;
      if (txn?.transaction !== undefined && !txn.transaction.completed) {
        await txn.transaction.abort().catch(() => {});
      }
      await Promise.all(this.all.map((p) => p.close().catch(() => {})));
    }
  }

  private begin(): OpenTransaction {
    const { subtaskIndex } = this.context;
    const transactionalId = `${this.settings.transactionalIdPrefix}-${subtaskIndex}-${this.counter++}`;
    let producer = this.idle.pop();
    if (producer === undefined) {
      producer = new (kafkaClientModule().Producer)({
        ...producerOptions(this.settings, `${this.settings.clientId}-${subtaskIndex}`),
        idempotent: true,
        transactionalId,
        // The library sends this as the transaction timeout of InitProducerId.
        timeout: this.settings.transactionTimeout,
      });
      this.all.push(producer);
    }
    // A producer serves one transaction at a time; it takes the next id when it begins the next one.
    // Producer id and epoch -1 make InitProducerId take over an id used before (bumping its epoch
    // and aborting what it left open), as the Java producer does; the client's default 0/0 would
    // be refused as fenced by any id that exists.
    const options = producer[kafkaClientModule().kOptions] as {
      transactionalId?: string;
      producerId?: bigint;
      producerEpoch?: number;
    };
    options.transactionalId = transactionalId;
    options.producerId = -1n;
    options.producerEpoch = -1;
    return new OpenTransaction(transactionalId, producer, this.settings);
  }
}

/** A failed produce request, named by broker, topics, size and the broker's reasons. */
function sendFailure(
  error: unknown,
  messages: readonly MessageToProduce[],
  servers: readonly string[],
  transactionalId?: string,
): WeirError {
  const topics = [...new Set(messages.map((m) => m.topic))].join(', ');
  let largest = 0;
  for (const m of messages) largest = Math.max(largest, (m.value?.length ?? 0) + (m.key?.length ?? 0));
  const text = error instanceof Error ? collectMessages(error) : String(error);
  const hint = /MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE|larger than/i.test(text)
    ? ` (the largest record is ${largest} bytes; the broker's message.max.bytes and the topic's max.message.bytes limit it)`
    : '';
  const txn = transactionalId === undefined ? '' : ` in transaction "${transactionalId}"`;
  if (isUnknownTopic(error)) {
    // A topic chosen per record that does not exist: no restart would create it.
    const named = /^Unknown topic (.+)\.$/.exec(error instanceof Error ? error.message : '')?.[1];
    return topicNotFound(named === undefined ? topics.split(', ') : [named], servers, undefined, error);
  }
  return new WeirError(
    'SINK_FAILED',
    `KafkaSink cannot write ${messages.length} records to ${topics} at ${servers.join(', ')}${txn}: ${text}${hint}`,
    { cause: error },
  );
}

function describeBeginFailure(error: unknown): string {
  const text = error instanceof Error ? collectMessages(error) : String(error);
  if (text.includes('INVALID_TRANSACTION_TIMEOUT')) {
    return `${text} (transaction.timeout.ms is above the broker's transaction.max.timeout.ms)`;
  }
  return text;
}

function collectMessages(error: Error): string {
  const parts = [error.message];
  const nested = (error as { errors?: unknown[] }).errors;
  if (Array.isArray(nested)) {
    for (const e of nested) if (e instanceof Error) parts.push(collectMessages(e));
  }
  if (error.cause instanceof Error) parts.push(collectMessages(error.cause));
  return parts.join(': ');
}

/** `<prefix>-<subtask>-<counter>` back into its parts; undefined for ids of other shapes. */
export function parseTransactionalId(
  prefix: string,
  id: string,
): { subtask: number; counter: number } | undefined {
  if (!id.startsWith(`${prefix}-`)) return undefined;
  const rest = id.slice(prefix.length + 1).split('-');
  if (rest.length !== 2) return undefined;
  const subtask = Number(rest[0]);
  const counter = Number(rest[1]);
  if (!Number.isInteger(subtask) || !Number.isInteger(counter)) return undefined;
  return { subtask, counter };
}

/** Properties the sink understands; any other key is an error rather than silently ignored. */
export const KAFKA_SINK_PROPERTIES: Readonly<Record<string, string>> = {
  'client.id': 'the client id prefix (default weir-kafka-sink)',
  'transaction.timeout.ms': 'EXACTLY_ONCE: how long the broker keeps a transaction open (default 60000)',
  'request.timeout.ms': 'how long a request may take (default 30000)',
  retries: 'how often a failed request is retried before the job fails (default 5)',
  'batch.num.messages': 'the most records in one produce request (default 2000)',
  'buffer.records': 'records buffered before the sink back-pressures (default 20000)',
};

interface KafkaSinkSettings<T> {
  readonly bootstrapServers: readonly string[];
  readonly serializer: KafkaRecordSerializer<T>;
  readonly guarantee: DeliveryGuarantee;
  readonly transactionalIdPrefix: string;
  readonly clientId: string;
  readonly transactionTimeout: number;
  readonly requestTimeout: number;
  readonly retries: number;
  readonly maxBatchRecords: number;
  readonly maxBufferedRecords: number;
}

/** Builds a {@link KafkaSink}; servers and a record serializer are required. */
export class KafkaSinkBuilder<T> {
  private servers: string[] = [];
  private serializer: KafkaRecordSerializer<T> | undefined;
  private guarantee: DeliveryGuarantee = 'NONE';
  private prefix: string | undefined;
  private readonly properties: Record<string, string> = {};

  /** `host:port` entries, as one comma-separated string or several arguments. */
  setBootstrapServers(...servers: string[]): this {
    this.servers = servers
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    return this;
  }

  setRecordSerializer(serializer: KafkaRecordSerializer<T>): this {
    this.serializer = serializer;
    return this;
  }

  /** `NONE` (the default, as in Flink), `AT_LEAST_ONCE` or `EXACTLY_ONCE` (needs a transactional id prefix). */
  setDeliveryGuarantee(guarantee: DeliveryGuarantee): this {
    if (guarantee !== 'NONE' && guarantee !== 'AT_LEAST_ONCE' && guarantee !== 'EXACTLY_ONCE') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `unknown delivery guarantee "${guarantee}": expected NONE, AT_LEAST_ONCE or EXACTLY_ONCE`,
      );
    }
    this.guarantee = guarantee;
    return this;
  }

  /** The start of every transactional id of this sink; unique to the job (EXACTLY_ONCE). */
  setTransactionalIdPrefix(prefix: string): this {
    this.prefix = prefix;
    return this;
  }

  /** See {@link KAFKA_SINK_PROPERTIES}. */
  setProperty(key: string, value: string): this {
    if (!(key in KAFKA_SINK_PROPERTIES)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `unknown KafkaSink property "${key}"; known: ${Object.keys(KAFKA_SINK_PROPERTIES).join(', ')}`,
      );
    }
    if (key !== 'client.id' && !(Number.isInteger(Number(value)) && Number(value) >= 0)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `KafkaSink property ${key} is "${value}": expected a non-negative integer`,
      );
    }
    this.properties[key] = value;
    return this;
  }

  build(): KafkaSink<T> {
    if (this.servers.length === 0) {
      throw new WeirError('INVALID_ARGUMENT', 'KafkaSink has no bootstrap servers: call setBootstrapServers');
    }
    if (this.serializer === undefined) {
      throw new WeirError('INVALID_ARGUMENT', 'KafkaSink has no record serializer: call setRecordSerializer');
    }
    if (this.guarantee === 'EXACTLY_ONCE' && (this.prefix === undefined || this.prefix.length === 0)) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'KafkaSink with EXACTLY_ONCE needs a transactional id prefix, unique to the job: call setTransactionalIdPrefix',
      );
    }
    const number = (key: string, fallback: number) =>
      this.properties[key] === undefined ? fallback : Number(this.properties[key]);
    return KafkaSink.fromSettings({
      bootstrapServers: this.servers,
      serializer: this.serializer,
      guarantee: this.guarantee,
      transactionalIdPrefix: this.prefix ?? '',
      clientId: this.properties['client.id'] ?? 'weir-kafka-sink',
      transactionTimeout: number('transaction.timeout.ms', 60_000),
      requestTimeout: number('request.timeout.ms', 30_000),
      retries: number('retries', 5),
      maxBatchRecords: Math.max(1, number('batch.num.messages', 2_000)),
      maxBufferedRecords: Math.max(1, number('buffer.records', 20_000)),
    });
  }
}
