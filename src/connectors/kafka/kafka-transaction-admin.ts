/**
 * Transaction control outside a producer, for KafkaSink's recovery.
 *
 * A pre-committed transaction belongs to a producer that may be gone (the process was killed).
 * Kafka lets anyone finish it who knows its transactional id, producer id and epoch: an EndTxn
 * request with those three commits it, and the coordinator answers success again if it was already
 * committed. Asking for a producer id with `InitProducerId(transactionalId)` instead fences the old
 * producer and aborts its open transaction. Listing a prefix's open transactions uses
 * ListTransactions on every broker (each coordinates a share of the ids).
 *
 * These are single requests on plain connections, not a producer: a producer would call
 * InitProducerId first and so abort the very transaction that must be committed.
 */
import type { Connection } from '@platformatic/kafka';
import { WeirError } from '../../core/errors.ts';
import { kafkaClientModule } from './kafka-client-module.ts';

/** What recovery needs to commit a pre-committed transaction. */
export interface KafkaTransactionHandle {
  readonly transactionalId: string;
  /** Decimal, so that it survives any serialization. */
  readonly producerId: string;
  readonly producerEpoch: number;
}

const TRANSACTION_COORDINATOR = 1;
const RETRIABLE = [
  'CONCURRENT_TRANSACTIONS',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
];

export class KafkaTransactionAdmin {
  private readonly servers: readonly string[];
  private readonly clientId: string;
  private readonly timeoutMs: number;
  private readonly connections = new Map<string, Connection>();

  constructor(servers: readonly string[], clientId: string, timeoutMs = 30_000) {
    this.servers = servers;
    this.clientId = clientId;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Commits a transaction some producer pre-committed; one already committed counts as done (the
   * broker answers success, or an invalid state once it no longer knows it as open). Fails with
   * KAFKA_TRANSACTION_LOST when it was aborted (fenced, or timed out), since its records are gone.
   */
  async commit(txn: KafkaTransactionHandle): Promise<void> {
    await this.withRetries(`commit transaction "${txn.transactionalId}"`, async () => {
      const connection = await this.coordinator(txn.transactionalId);
      try {
        await kafkaClientModule().endTxnV3.api.async(
          connection,
          txn.transactionalId,
          BigInt(txn.producerId),
          txn.producerEpoch,
          true,
        );
      } catch (error) {
        if (kafkaClientModule().findErrorBy(error as Error, 'apiId', 'INVALID_TXN_STATE')) return;
        if (
          kafkaClientModule().findErrorBy(error as Error, 'apiId', 'PRODUCER_FENCED') ||
          kafkaClientModule().findErrorBy(error as Error, 'apiId', 'INVALID_PRODUCER_EPOCH') ||
          kafkaClientModule().findErrorBy(error as Error, 'apiId', 'INVALID_PRODUCER_ID_MAPPING')
        ) {
          throw new WeirError(
            'KAFKA_TRANSACTION_LOST',
            `Kafka transaction "${txn.transactionalId}" (producer ${txn.producerId}, epoch ${txn.producerEpoch}) was pre-committed by a checkpoint but the broker aborted it, so its records are lost: its transaction timeout (transaction.timeout.ms) probably ran out before the job recovered; raise it (up to the broker's transaction.max.timeout.ms)`,
            { cause: error },
          );
        }
        throw error;
      }
    });
  }

  /** Open (ongoing) transactions whose id starts with `prefix`, across all brokers. */
  async listOpen(prefix: string): Promise<string[]> {
    const bootstrap = await this.bootstrap();
    const metadata = await kafkaClientModule().metadataV12.api.async(bootstrap, [], false, false);
    const ids: string[] = [];
    for (const broker of metadata.brokers) {
      const connection = await this.connect(broker.host, broker.port);
      const response = await kafkaClientModule().listTransactionsV1.api.async(
        connection,
        ['Ongoing'],
        [],
        -1n,
        null,
      );
      for (const t of response.transactionStates) {
        if (t.transactionalId.startsWith(prefix)) ids.push(t.transactionalId);
      }
    }
    return ids.sort();
  }

  /** Fences `transactionalId`'s producer and aborts its open transaction (InitProducerId). */
  async abort(transactionalId: string): Promise<void> {
    await this.withRetries(`abort transaction "${transactionalId}"`, async () => {
      const connection = await this.coordinator(transactionalId);
      await kafkaClientModule().initProducerIdV4.api.async(
        connection,
        transactionalId,
        this.timeoutMs,
        -1n,
        -1,
      );
    });
  }

  async close(): Promise<void> {
    const connections = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(connections.map((c) => c.close().catch(() => {})));
  }

  private async coordinator(transactionalId: string): Promise<Connection> {
    const bootstrap = await this.bootstrap();
    const response = await kafkaClientModule().findCoordinatorV4.api.async(
      bootstrap,
      TRANSACTION_COORDINATOR,
      [transactionalId],
    );
    const found = response.coordinators[0];
    if (found === undefined || found.errorCode !== 0) {
      throw new WeirError(
        'KAFKA_UNAVAILABLE',
        `no transaction coordinator for "${transactionalId}" (error code ${found?.errorCode})`,
      );
    }
    return this.connect(found.host, found.port);
  }

  private async bootstrap(): Promise<Connection> {
    let last: unknown;
    for (const server of this.servers) {
      const [host, port] = splitServer(server);
      try {
        return await this.connect(host, port);
      } catch (error) {
        last = error;
      }
    }
    throw new WeirError(
      'KAFKA_UNAVAILABLE',
      `no Kafka broker answers at ${this.servers.join(', ')}: ${last instanceof Error ? last.message : String(last)}`,
      { cause: last },
    );
  }

  private async connect(host: string, port: number): Promise<Connection> {
    const key = `${host}:${port}`;
    const existing = this.connections.get(key);
    if (existing?.isConnected()) return existing;
    const connection = new (kafkaClientModule().Connection)(this.clientId, {
      connectTimeout: Math.min(this.timeoutMs, 10_000),
      requestTimeout: this.timeoutMs,
    });
    await connection.connect(host, port);
    this.connections.set(key, connection);
    return connection;
  }

  /** Retries what the coordinator asks to retry (an abort in progress, a coordinator moving) for up to the timeout. */
  private async withRetries<R>(what: string, attempt: () => Promise<R>): Promise<R> {
    const deadline = Date.now() + this.timeoutMs;
    for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
      try {
        return await attempt();
      } catch (error) {
        const retriable =
          RETRIABLE.some((code) => kafkaClientModule().findErrorBy(error as Error, 'apiId', code)) ||
          kafkaClientModule().findErrorBy(error as Error, 'code', 'PLT_KFK_NETWORK') !== null;
        if (!retriable || Date.now() + delay > deadline) {
          if (error instanceof WeirError) throw error;
          throw new WeirError(
            'KAFKA_UNAVAILABLE',
            `cannot ${what}: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
        }
        if (kafkaClientModule().findErrorBy(error as Error, 'code', 'PLT_KFK_NETWORK'))
          this.connections.clear();
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}

export function splitServer(server: string): [string, number] {
  const colon = server.lastIndexOf(':');
  if (colon < 0) return [server, 9092];
  return [server.slice(0, colon), Number(server.slice(colon + 1))];
}
