import type { Admin, Consumer, KafkaRecord, Producer, RecordsBatch } from '@platformatic/kafka';
import type { Counter } from '../../core/accumulators.ts';
import { WeirError } from '../../core/errors.ts';
import { escapeMessage } from '../../core/input-excerpt.ts';
import { processLogger } from '../../core/logger.ts';
import {
  type InputStatus,
  type ReaderOutput,
  releaseSplitOutput,
  type SourceReader,
  type SourceReaderContext,
  type SourceReaderMetrics,
  splitOutput,
} from '../../core/source.ts';
import { withFailedRecord } from '../../core/task-failure.ts';
import { Availability } from '../collection/availability.ts';
import {
  createKafkaAdmin,
  createKafkaConsumer,
  createKafkaProducer,
  describeServers,
  type FetchSettings,
  fetchSettings,
  type KafkaClientConfig,
} from './kafka-client-config.ts';
import { kafkaClientModule } from './kafka-client-module.ts';
import { type KafkaPartitionSplit, kafkaSplitId } from './kafka-partition-split.ts';
import { describeKafkaError, kafkaSplitOwner, listTopicsMatching } from './kafka-split-planner.ts';

/**
 * Decodes a fetched record (`offset` and `timestamp` already resolved) of `topic` partition
 * `partition`; may throw.
 */
export type DecodeRecord<T> = (
  record: KafkaRecord,
  offset: number,
  timestamp: number,
  topic: string,
  partition: number,
) => T;

/** The async hook of a value deserializer, called with a fetched batch's values before decoding. */
export type PrepareValues = (values: ReadonlyArray<Buffer | null>) => Promise<void> | undefined;

/** What happens to a record the deserializer rejects. */
export type ResolvedFailurePolicy =
  | { readonly kind: 'fail' }
  | { readonly kind: 'skip' }
  | { readonly kind: 'dead-letter'; readonly topic: string };

/** Partitions to look for while the job runs: named topics or a pattern, every `intervalMs`. */
export interface PartitionDiscovery {
  readonly topics: readonly string[] | RegExp;
  readonly intervalMs: number;
}

/** Everything a reader needs besides its splits. */
export interface KafkaReaderSettings<T> {
  readonly config: KafkaClientConfig;
  readonly decode: DecodeRecord<T>;
  readonly prepare: PrepareValues | undefined;
  readonly failurePolicy: ResolvedFailurePolicy;
  /** Commit checkpointed offsets to the group id (set) on checkpoint completion. */
  readonly commitOffsetsOnCheckpoint: boolean;
  readonly discovery: PartitionDiscovery | undefined;
}

export { RECORDS_IN_ERRORS } from '../../core/source.ts';

interface PartitionState {
  readonly splitId: string;
  readonly topic: string;
  readonly partition: number;
  /** Next offset to emit: the split's position in a checkpoint. */
  nextOffset: number;
  /** Next offset to fetch (ahead of `nextOffset` by what is buffered). */
  fetchOffset: number;
  readonly stopOffset: number | null;
  released: boolean;
  /** Fetches in a row that returned no batch although the partition has records there. */
  stalls: number;
  /**
   * The partition's end as last seen, for the consumer lag (-1: not known yet): the high watermark
   * (read_uncommitted) or last stable offset (read_committed) of the last fetch response or offset
   * look-up, and when it was seen (performance.now()).
   */
  endOffset: number;
  endOffsetAt: number;
}

/**
 * Decoded records of one partition from one fetch, emitted in order; `endOffset` is where they end.
 * Parallel arrays rather than an object per record. `failure`, under the 'fail' policy, is thrown
 * once the records before it are emitted.
 */
interface Chunk<T> {
  readonly state: PartitionState;
  readonly values: T[];
  readonly offsets: number[];
  readonly timestamps: number[];
  index: number;
  readonly endOffset: number;
  readonly failure: WeirError | undefined;
}

/** Raw records of one partition from one fetch, before decoding. */
interface Fetched {
  readonly state: PartitionState;
  readonly records: KafkaRecord[];
  readonly offsets: number[];
  readonly timestamps: number[];
  readonly endOffset: number;
}

interface DeadLetter {
  readonly state: PartitionState;
  readonly record: KafkaRecord;
  readonly offset: number;
  readonly reason: string;
}

type FetchedPartition = Awaited<ReturnType<Consumer['fetch']>>['responses'][number]['partitions'][number];

/** The fetch loop pauses above this many buffered records and resumes below half of it. */
const BUFFER_HIGH = 4_000;
const IS_TRANSACTIONAL = 0x10;
const IS_CONTROL = 0x20;
const LOG_APPEND_TIME = 0x08;
/** Control record type of an abort marker (the key is version int16, type int16). */
const ABORT_MARKER = 0;
const EARLIEST = -2n;
/** At most one log line about skipped records per this many ms and reader. */
const SKIP_LOG_INTERVAL_MS = 10_000;
/** Snapshots kept for commits of checkpoints not completed yet. */
const MAX_PENDING_COMMITS = 16;
/** Fetches in a row without a batch, with records available, before the partition is deemed stuck. */
const MAX_STALLS = 5;
const LATEST = -1n;
/**
 * The end offsets the consumer lag is computed from come with every fetch response; a partition
 * not fetched for this long (the buffer is full: the job is back-pressured) has its end looked up
 * with a ListOffsets request, in the background, when the metrics are next read.
 */
const END_OFFSET_REFRESH_MS = 5_000;

/**
 * Reads Kafka partitions. An async fetch loop per reader asks each partition's leader for records
 * (Fetch requests with explicit offsets, no consumer group), drops what a read_committed consumer
 * must not see, deserializes each fetched batch, applies the deserialization failure policy (a
 * dead-letter write is awaited before the batch becomes visible, so no checkpoint can cover a
 * record whose dead letter is not durable), and appends the batch to an in-memory buffer of chunks;
 * `pollNext` drains the buffer synchronously, emitting each record through its partition's output
 * with the Kafka timestamp. The loop pauses while the buffer is full, so a slow pipeline slows the
 * fetches. A partition's position is the offset after the last record emitted (or skipped as a
 * transaction marker or aborted record), so a checkpoint holds it.
 *
 * With partition discovery, the loop also looks for partitions every interval and takes the new ones
 * this subtask owns by {@link kafkaSplitOwner}, from their earliest offset; the splits planned or
 * restored follow the same rule, so each partition has exactly one reader.
 */
export class KafkaSourceReader<T> implements SourceReader<T, KafkaPartitionSplit> {
  private readonly config: KafkaClientConfig;
  private readonly decode: DecodeRecord<T>;
  private readonly prepare: PrepareValues | undefined;
  private readonly policy: ResolvedFailurePolicy;
  private readonly settings: FetchSettings;
  private readonly context: SourceReaderContext;
  private readonly discovery: PartitionDiscovery | undefined;
  private readonly commitOffsets: boolean;
  private readonly states: PartitionState[] = [];
  private readonly stateById = new Map<string, PartitionState>();
  private readonly chunks: Chunk<T>[] = [];
  private readonly availability = new Availability();
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  private buffered = 0;
  private noMore = false;
  private closed = false;
  private looping = false;
  private failure: unknown;
  private wakeLoop: (() => void) | undefined;
  private sleepTimer: ReturnType<typeof setTimeout> | undefined;
  private emittingState: PartitionState | undefined;
  private emittingOffset = -1;
  private nextDiscoveryAt = 0;
  private readonly errors: Counter | undefined;
  private skippedSinceLog = 0;
  private lastSkipLogAt = Number.NEGATIVE_INFINITY;
  /** Offsets of each partition as snapshotted per pending checkpoint, to commit on its completion. */
  private readonly snapshots = new Map<number, Array<{ topic: string; partition: number; offset: number }>>();
  private commitWanted: Array<{ topic: string; partition: number; offset: number }> | undefined;
  private committing: Promise<void> | undefined;
  private endOffsetsRefreshing = false;

  constructor(settings: KafkaReaderSettings<T>, context: SourceReaderContext, errors?: Counter) {
    this.config = settings.config;
    this.decode = settings.decode;
    this.prepare = settings.prepare;
    this.policy = settings.failurePolicy;
    this.settings = fetchSettings(settings.config);
    this.context = context;
    this.discovery = settings.discovery;
    this.commitOffsets = settings.commitOffsetsOnCheckpoint && settings.config.groupId !== undefined;
    this.errors = errors;
  }

  pollNext(output: ReaderOutput<T>, maxRecords: number): InputStatus {
    if (this.failure !== undefined) throw this.failure;
    let budget = Math.max(1, maxRecords);
    while (budget > 0 && this.chunks.length > 0) {
      const chunk = this.chunks[0];
      const state = chunk.state;
      const out = splitOutput(output, state.splitId);
      const { values, offsets, timestamps } = chunk;
      const end = Math.min(values.length, chunk.index + budget);
      budget -= end - chunk.index;
      this.buffered -= end - chunk.index;
      this.emittingState = state;
      for (let i = chunk.index; i < end; i++) {
        const offset = offsets[i];
        this.emittingOffset = offset;
        chunk.index = i + 1;
        state.nextOffset = offset + 1;
        out.collect(values[i], timestamps[i]);
      }
      if (chunk.index >= values.length) {
        if (chunk.failure !== undefined) throw chunk.failure;
        this.chunks.shift();
        if (chunk.endOffset > state.nextOffset) state.nextOffset = chunk.endOffset;
      }
    }
    this.releaseFinished(output);
    if (this.buffered < BUFFER_HIGH / 2) this.wake();
    if (this.chunks.length > 0) return 'more';
    if (this.noMore && this.discovery === undefined && this.states.every(isFinished)) return 'end';
    this.availability.markWaiting();
    // The loop may have failed or filled the buffer between the checks above and markWaiting.
    if (this.failure !== undefined || this.chunks.length > 0) this.availability.notify();
    return 'nothing-available';
  }

  isAvailable(): Promise<void> {
    return this.availability.whenAvailable();
  }

  addSplits(splits: KafkaPartitionSplit[]): void {
    for (const s of splits) this.addPartition(s.topic, s.partition, s.nextOffset, s.stopOffset);
    this.availability.notify();
    this.ensureLoop();
  }

  noMoreSplits(): void {
    this.noMore = true;
    this.availability.notify();
    // With discovery the loop runs without splits: it finds the partitions this subtask owns.
    if (this.discovery !== undefined) this.ensureLoop();
    this.wake();
  }

  snapshotState(checkpointId: number): KafkaPartitionSplit[] {
    if (this.commitOffsets) {
      // Finished splits too: their final offsets are what a lag monitor should see.
      this.snapshots.set(
        checkpointId,
        this.states.map((s) => ({ topic: s.topic, partition: s.partition, offset: s.nextOffset })),
      );
      // Checkpoints that never complete must not pile up: the oldest pending one goes.
      if (this.snapshots.size > MAX_PENDING_COMMITS)
        this.snapshots.delete(this.snapshots.keys().next().value!);
    }
    return this.states
      .filter((s) => !isFinished(s))
      .map((s) => ({
        splitId: s.splitId,
        topic: s.topic,
        partition: s.partition,
        nextOffset: s.nextOffset,
        stopOffset: s.stopOffset,
      }));
  }

  /**
   * Commits the offsets snapshotted for `checkpointId` to the group, in the background: for lag
   * monitoring only, never read back for correctness, so a failed commit is logged, not fatal.
   * Older pending snapshots are dropped (a later commit supersedes them).
   */
  notifyCheckpointComplete(checkpointId: number): void {
    const offsets = this.snapshots.get(checkpointId);
    for (const id of this.snapshots.keys()) if (id <= checkpointId) this.snapshots.delete(id);
    if (offsets === undefined || offsets.length === 0) return;
    this.commitWanted = offsets;
    this.committing ??= this.commitLoop();
  }

  /**
   * The consumer lag of each partition read (Kafka's records-lag): its end minus the position of
   * the next record to emit, so records fetched and buffered here count as lag; a bounded split's
   * end is its stop offset at most. Partitions whose end is not known yet are left out.
   */
  readerMetrics(): SourceReaderMetrics {
    const now = performance.now();
    const consumerLag: Array<{ partition: string; lag: number }> = [];
    let stale = false;
    for (const s of this.states) {
      if (!isFinished(s) && now - s.endOffsetAt >= END_OFFSET_REFRESH_MS) stale = true;
      if (s.endOffset < 0) continue;
      consumerLag.push({ partition: s.splitId, lag: consumerLagOf(s.nextOffset, s.endOffset, s.stopOffset) });
    }
    if (stale) this.refreshEndOffsets();
    return { consumerLag };
  }

  /** Looks the end offsets up (ListOffsets, latest) in the background; metrics only, so a failure is ignored. */
  private refreshEndOffsets(): void {
    const consumer = this.consumer;
    // No consumer yet: the fetch loop has not started, and metrics do not open connections.
    if (this.endOffsetsRefreshing || this.closed || consumer === undefined) return;
    const states = this.states.filter((s) => !isFinished(s));
    const partitions: Record<string, number[]> = {};
    for (const s of states) (partitions[s.topic] ??= []).push(s.partition);
    this.endOffsetsRefreshing = true;
    const asked = performance.now();
    consumer
      .listOffsets({
        topics: Object.keys(partitions),
        partitions,
        timestamp: LATEST,
        isolationLevel: this.settings.isolationLevel,
      })
      .then(
        (offsets) => {
          for (const s of states) {
            const end = offsets.get(s.topic)?.[s.partition];
            // A fetch response that came meanwhile is newer than this answer.
            if (end !== undefined && s.endOffsetAt <= asked) {
              s.endOffset = Number(end);
              s.endOffsetAt = asked;
            }
          }
        },
        () => {},
      )
      .finally(() => {
        this.endOffsetsRefreshing = false;
      });
  }

  /** `topic <t> partition <p> offset <o>` of the record being emitted. */
  currentPosition(): string | undefined {
    const state = this.emittingState;
    if (state === undefined) return undefined;
    return `topic ${state.topic} partition ${state.partition} offset ${this.emittingOffset}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    // The final checkpoint's commit is in flight when a bounded job ends: let it land.
    await this.committing;
    const { consumer, admin, producer } = this;
    this.consumer = undefined;
    this.admin = undefined;
    this.producer = undefined;
    await Promise.all([
      consumer?.close(true).catch(() => {}),
      admin?.close().catch(() => {}),
      producer?.close(true).catch(() => {}),
    ]);
  }

  private addPartition(
    topic: string,
    partition: number,
    nextOffset: number,
    stopOffset: number | null,
  ): void {
    const splitId = kafkaSplitId(topic, partition);
    if (this.stateById.has(splitId)) return;
    const state: PartitionState = {
      splitId,
      topic,
      partition,
      nextOffset,
      fetchOffset: nextOffset,
      stopOffset,
      released: false,
      stalls: 0,
      endOffset: -1,
      endOffsetAt: performance.now(),
    };
    this.states.push(state);
    this.stateById.set(splitId, state);
  }

  private async commitLoop(): Promise<void> {
    try {
      while (this.commitWanted !== undefined) {
        const offsets = this.commitWanted;
        this.commitWanted = undefined;
        const byTopic = new Map<string, Array<{ partition: number; offset: bigint }>>();
        for (const o of offsets) {
          let list = byTopic.get(o.topic);
          if (list === undefined) byTopic.set(o.topic, (list = []));
          list.push({ partition: o.partition, offset: BigInt(o.offset) });
        }
        try {
          this.admin ??= createKafkaAdmin(this.config);
          // Generation -1 and no member id: a commit outside group membership, as Flink does.
          await this.admin.alterConsumerGroupOffsets({
            groupId: this.config.groupId!,
            topics: [...byTopic].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
          });
        } catch (error) {
          (this.context.logger ?? processLogger()).warn(
            `source "${this.context.sourceName}" subtask ${this.context.subtaskIndex} cannot commit offsets to group "${this.config.groupId}" at ${describeServers(this.config)} (used only for monitoring): ${describeKafkaError(error)}`,
          );
        }
      }
    } finally {
      this.committing = undefined;
    }
  }

  /** Splits read to their stop offset no longer hold the watermark back. */
  private releaseFinished(output: ReaderOutput<T>): void {
    for (const state of this.states) {
      if (!state.released && isFinished(state)) {
        state.released = true;
        releaseSplitOutput(output, state.splitId);
      }
    }
  }

  private wake(): void {
    const wake = this.wakeLoop;
    this.wakeLoop = undefined;
    clearTimeout(this.sleepTimer);
    this.sleepTimer = undefined;
    wake?.();
  }

  /** Until `wake()`, or at most `ms` when given. */
  private sleep(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeLoop = resolve;
      if (ms !== undefined) this.sleepTimer = setTimeout(() => this.wake(), Math.max(0, ms));
    });
  }

  private ensureLoop(): void {
    if (this.looping || this.closed) return;
    this.looping = true;
    this.fetchLoop()
      .catch((error: unknown) => {
        if (this.closed) return;
        this.failure =
          error instanceof WeirError
            ? error
            : new WeirError(
                'SOURCE_FAILED',
                `cannot fetch from Kafka at ${describeServers(this.config)}: ${describeKafkaError(error)}`,
                { cause: error },
              );
      })
      .finally(() => {
        this.looping = false;
        this.availability.notify();
      });
  }

  /** Milliseconds until the next partition discovery; undefined without discovery. */
  private untilDiscovery(): number | undefined {
    return this.discovery === undefined ? undefined : this.nextDiscoveryAt - performance.now();
  }

  private async fetchLoop(): Promise<void> {
    while (!this.closed) {
      // I/O pacing uses the wall clock, not the job's Clock (a test's manual clock may stand still).
      if (this.discovery !== undefined && performance.now() >= this.nextDiscoveryAt) {
        await this.discoverPartitions(this.discovery);
        this.nextDiscoveryAt = performance.now() + this.discovery.intervalMs;
        continue;
      }
      if (this.buffered >= BUFFER_HIGH) {
        await this.sleep(this.untilDiscovery());
        continue;
      }
      const wanted = this.states.filter((s) => s.stopOffset === null || s.fetchOffset < s.stopOffset);
      if (wanted.length === 0) {
        if (this.noMore && this.discovery === undefined) return;
        await this.sleep(this.untilDiscovery());
        continue;
      }
      this.consumer ??= createKafkaConsumer(this.config);
      const consumer = this.consumer;
      const topics = [...new Set(wanted.map((s) => s.topic))];
      let metadata = await consumer.metadata({ topics, autocreateTopics: false });
      // A partition added since the client cached the topic's metadata: ask again once.
      if (wanted.some((s) => metadata.topics.get(s.topic)?.partitions[s.partition] === undefined)) {
        metadata = await consumer.metadata({ topics, autocreateTopics: false, forceUpdate: true });
      }
      const byNode = new Map<number, PartitionState[]>();
      for (const state of wanted) {
        const info = metadata.topics.get(state.topic)?.partitions[state.partition];
        if (info === undefined) {
          throw new WeirError(
            'SOURCE_FAILED',
            `Kafka topic "${state.topic}" partition ${state.partition} has disappeared`,
          );
        }
        let list = byNode.get(info.leader);
        if (list === undefined) byNode.set(info.leader, (list = []));
        list.push(state);
      }
      const fetched = await Promise.all(
        [...byNode].map(([node, states]) => this.fetchFrom(consumer, metadata.topics, node, states)),
      );
      if (this.closed) return;
      for (const batch of fetched) if (this.publish(batch)) return;
    }
  }

  /**
   * Looks for partitions of the discovery topics (or of the topics matching its pattern) that this
   * subtask owns and does not read yet, and reads them from their earliest offset.
   */
  private async discoverPartitions(discovery: PartitionDiscovery): Promise<void> {
    this.consumer ??= createKafkaConsumer(this.config);
    const consumer = this.consumer;
    let topics: readonly string[];
    if (Array.isArray(discovery.topics)) topics = discovery.topics;
    else {
      this.admin ??= createKafkaAdmin(this.config);
      topics = await listTopicsMatching(this.admin, discovery.topics as RegExp);
    }
    if (topics.length === 0 || this.closed) return;
    const metadata = await consumer.metadata({
      topics: [...topics],
      autocreateTopics: false,
      forceUpdate: true,
    });
    const { subtaskIndex, parallelism } = this.context;
    const found = new Map<string, number[]>();
    for (const topic of topics) {
      const info = metadata.topics.get(topic);
      if (info === undefined) continue;
      for (let partition = 0; partition < info.partitionsCount; partition++) {
        if (this.stateById.has(kafkaSplitId(topic, partition))) continue;
        if (kafkaSplitOwner(topic, partition, parallelism) !== subtaskIndex) continue;
        let list = found.get(topic);
        if (list === undefined) found.set(topic, (list = []));
        list.push(partition);
      }
    }
    if (found.size === 0) return;
    const earliest = await consumer.listOffsets({
      topics: [...found.keys()],
      partitions: Object.fromEntries(found),
      timestamp: EARLIEST,
      isolationLevel: this.settings.isolationLevel,
    });
    if (this.closed) return;
    for (const [topic, partitions] of found) {
      for (const partition of partitions) {
        this.addPartition(topic, partition, Number(earliest.get(topic)?.[partition] ?? 0n), null);
      }
    }
    this.availability.notify();
  }

  /** Fetches once from `node`, then prepares and deserializes what came back. */
  private async fetchFrom(
    consumer: Consumer,
    topicsMetadata: Map<string, { id: string }>,
    node: number,
    states: PartitionState[],
  ): Promise<Chunk<T>[]> {
    const byTopicId = new Map<string, PartitionState[]>();
    for (const state of states) {
      const id = topicsMetadata.get(state.topic)!.id;
      let list = byTopicId.get(id);
      if (list === undefined) byTopicId.set(id, (list = []));
      list.push(state);
    }
    const requested = new Map<string, { state: PartitionState; offset: number }>();
    const topics = [...byTopicId].map(([topicId, list]) => ({
      topicId,
      partitions: list.map((state) => {
        requested.set(`${topicId}:${state.partition}`, { state, offset: state.fetchOffset });
        return {
          partition: state.partition,
          fetchOffset: BigInt(state.fetchOffset),
          partitionMaxBytes: this.settings.partitionMaxBytes,
          currentLeaderEpoch: -1,
          lastFetchedEpoch: -1,
        };
      }),
    }));
    const { maxWaitTime, minBytes, maxBytes, isolationLevel } = this.settings;
    const response = await consumer.fetch({ node, topics, maxWaitTime, minBytes, maxBytes, isolationLevel });
    if (this.closed) return [];
    const fetched: Fetched[] = [];
    const empty: Array<[PartitionState, FetchedPartition]> = [];
    for (const topicResponse of response.responses) {
      for (const partitionResponse of topicResponse.partitions) {
        const entry = requested.get(`${topicResponse.topicId}:${partitionResponse.partitionIndex}`);
        if (entry !== undefined) this.noteEndOffset(entry.state, partitionResponse);
        // A fetch session may answer for partitions not asked this time, or for an old offset.
        if (entry === undefined || entry.state.fetchOffset !== entry.offset) continue;
        const f = this.extract(entry.state, partitionResponse);
        if (f !== undefined) fetched.push(f);
        else empty.push([entry.state, partitionResponse]);
      }
    }
    // Only a response that brought nothing at all can mean a stuck partition: when others got
    // records, fetch.max.bytes may simply have been used up before this one's turn.
    if (fetched.length === 0) for (const [state, p] of empty) this.checkStalled(state, p);
    else for (const state of states) state.stalls = 0;
    if (this.prepare !== undefined) {
      const values: Array<Buffer | null> = [];
      for (const f of fetched) for (const r of f.records) values.push(r.value);
      const pending = values.length === 0 ? undefined : this.prepare(values);
      if (pending !== undefined) {
        try {
          await pending;
        } catch (error) {
          throw new WeirError(
            'SOURCE_FAILED',
            `the value deserializer cannot prepare records of topic${fetched.length > 1 ? 's' : ''} ${[...new Set(fetched.map((f) => `"${f.state.topic}"`))].join(', ')}: ${describeKafkaError(error)}`,
            { cause: error },
          );
        }
        if (this.closed) return [];
      }
    }
    const deadLetters: DeadLetter[] | undefined = this.policy.kind === 'dead-letter' ? [] : undefined;
    const chunks = fetched.map((f) => this.deserialize(f, deadLetters));
    if (deadLetters !== undefined && deadLetters.length > 0) await this.writeDeadLetters(deadLetters);
    return chunks;
  }

  /**
   * The records of a partition's fetched batches at or after its fetch offset, up to its stop:
   * control batches skipped and, under read_committed, the batches of aborted transactions dropped
   * as the Java consumer does. The response lists each aborted transaction (producer id, first
   * offset); walking the batches in order, a producer id becomes aborted at that first offset, its
   * transactional batches are dropped from there, and its abort marker ends the range. (The client
   * library filters aborted batches too, but only when the abort marker is in the same response and
   * one transaction per producer; this walk is complete and agrees with whatever it already removed.)
   */
  private extract(state: PartitionState, response: FetchedPartition): Fetched | undefined {
    const batches: RecordsBatch[] = response.records ?? [];
    const from = state.fetchOffset;
    const stop = state.stopOffset ?? Number.POSITIVE_INFINITY;
    const aborted = response.abortedTransactions;
    const abortedInOrder =
      aborted === null || aborted.length === 0
        ? undefined
        : [...aborted].sort((a, b) =>
            a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
          );
    let nextAborted = 0;
    let abortedProducers: Set<bigint> | undefined;
    const records: KafkaRecord[] = [];
    const offsets: number[] = [];
    const timestamps: number[] = [];
    let end = from;
    for (const batch of batches) {
      const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
      if (Number(last) + 1 > end) end = Number(last) + 1;
      const control = (batch.attributes & IS_CONTROL) !== 0;
      if (abortedInOrder !== undefined && batch.producerId >= 0n) {
        while (nextAborted < abortedInOrder.length && abortedInOrder[nextAborted].firstOffset <= last) {
          (abortedProducers ??= new Set()).add(abortedInOrder[nextAborted++].producerId);
        }
        if (control) {
          if (isAbortMarker(batch)) abortedProducers?.delete(batch.producerId);
          continue;
        }
        if ((batch.attributes & IS_TRANSACTIONAL) !== 0 && abortedProducers?.has(batch.producerId)) continue;
      }
      if (control) continue;
      const appendTime = (batch.attributes & LOG_APPEND_TIME) !== 0;
      const first = Number(batch.firstOffset);
      for (const record of batch.records) {
        const offset = first + record.offsetDelta;
        if (offset < from || offset >= stop) continue;
        records.push(record);
        offsets.push(offset);
        timestamps.push(
          Number(appendTime ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta),
        );
      }
    }
    end = Math.min(end, stop);
    if (end <= from) return undefined;
    return { state, records, offsets, timestamps, endOffset: end };
  }

  /** The partition's end as this fetch response gives it (once per fetch, for the consumer lag). */
  private noteEndOffset(state: PartitionState, response: FetchedPartition): void {
    const end =
      this.settings.isolationLevel === kafkaClientModule().FetchIsolationLevels.READ_COMMITTED &&
      response.lastStableOffset >= 0n
        ? response.lastStableOffset
        : response.highWatermark;
    if (end < 0n) return;
    state.endOffset = Number(end);
    state.endOffsetAt = performance.now();
  }

  /**
   * A fetch that returns no batch although the partition holds records at the fetch offset (its
   * stable end is past it) means a batch the fetch sizes cannot carry; Kafka's v2 record format
   * never does that (the first batch comes whole, however large), but a loop must not spin on it.
   */
  private checkStalled(state: PartitionState, response: FetchedPartition): void {
    const available = Number(
      response.lastStableOffset >= 0n ? response.lastStableOffset : response.highWatermark,
    );
    if ((response.records ?? []).length > 0 || available <= state.fetchOffset) {
      state.stalls = 0;
      return;
    }
    if (++state.stalls < MAX_STALLS) return;
    throw new WeirError(
      'SOURCE_FAILED',
      `Kafka topic "${state.topic}" partition ${state.partition} returns no complete record batch at offset ${state.fetchOffset} after ${MAX_STALLS} fetches (the partition ends at ${available}): the batch may exceed max.partition.fetch.bytes (${this.settings.partitionMaxBytes}) or fetch.max.bytes (${this.settings.maxBytes})`,
    );
  }

  /** Deserializes a partition's fetched records, applying the failure policy to the ones rejected. */
  private deserialize(f: Fetched, deadLetters: DeadLetter[] | undefined): Chunk<T> {
    const { state, records, offsets, timestamps } = f;
    const { topic, partition } = state;
    const decode = this.decode;
    const values: T[] = [];
    let kept = 0;
    let failure: WeirError | undefined;
    for (let i = 0; i < records.length; i++) {
      let value: T;
      try {
        value = decode(records[i], offsets[i], timestamps[i], topic, partition);
      } catch (error) {
        const message = `cannot deserialize the Kafka record at topic "${topic}" partition ${partition} offset ${offsets[i]}: ${escapeMessage(String((error as Error)?.message ?? error))}`;
        if (this.policy.kind === 'fail') {
          failure = withFailedRecord(
            new WeirError('DESERIALIZATION_FAILED', message, { cause: error }),
            records[i].value,
            `topic "${topic}" partition ${partition} offset ${offsets[i]}`,
          );
          break;
        }
        this.errors?.add(1);
        this.logRejected(message);
        deadLetters?.push({
          state,
          record: records[i],
          offset: offsets[i],
          reason: (error as Error)?.message ?? String(error),
        });
        continue;
      }
      values.push(value);
      offsets[kept] = offsets[i];
      timestamps[kept] = timestamps[i];
      kept++;
    }
    offsets.length = kept;
    timestamps.length = kept;
    // After a failure nothing past the bad record counts as read.
    const endOffset =
      failure === undefined ? f.endOffset : kept > 0 ? offsets[kept - 1] + 1 : state.fetchOffset;
    return { state, values, offsets, timestamps, index: 0, endOffset, failure };
  }

  /** Makes fetched chunks visible to `pollNext`; true when the loop must stop (a failure is queued). */
  private publish(chunks: Chunk<T>[]): boolean {
    let stop = false;
    for (const chunk of chunks) {
      chunk.state.fetchOffset = chunk.endOffset;
      this.chunks.push(chunk);
      this.buffered += chunk.values.length;
      if (chunk.failure !== undefined) stop = true;
    }
    if (chunks.length > 0) this.availability.notify();
    return stop;
  }

  /** Logs a rejected record, at most one line per interval; the lines in between are counted. */
  private logRejected(message: string): void {
    const now = performance.now();
    if (now - this.lastSkipLogAt < SKIP_LOG_INTERVAL_MS) {
      this.skippedSinceLog++;
      return;
    }
    const what =
      this.policy.kind === 'dead-letter' ? `sent to dead-letter topic "${this.policy.topic}"` : 'skipped';
    const more = this.skippedSinceLog > 0 ? ` (and ${this.skippedSinceLog} more since the last message)` : '';
    this.skippedSinceLog = 0;
    this.lastSkipLogAt = now;
    (this.context.logger ?? processLogger()).warn(
      `source "${this.context.sourceName}" subtask ${this.context.subtaskIndex} ${what} a record: ${message}${more}`,
    );
  }

  /** Writes the rejected records to the dead-letter topic and waits until Kafka has them all. */
  private async writeDeadLetters(deadLetters: DeadLetter[]): Promise<void> {
    const topic = (this.policy as { topic: string }).topic;
    this.producer ??= createKafkaProducer(this.config);
    const messages = deadLetters.map(({ state, record, offset, reason }) => {
      // Buffer keys keep repeated header names apart (a Map compares them by identity).
      const headers = new Map<Buffer, Buffer>();
      for (const [key, value] of record.headers) {
        if (key !== null) headers.set(key, value as Buffer);
      }
      headers.set(Buffer.from('weir.error.topic'), Buffer.from(state.topic));
      headers.set(Buffer.from('weir.error.partition'), Buffer.from(String(state.partition)));
      headers.set(Buffer.from('weir.error.offset'), Buffer.from(String(offset)));
      headers.set(Buffer.from('weir.error.message'), Buffer.from(reason));
      return { topic, key: record.key ?? undefined, value: record.value ?? undefined, headers };
    });
    try {
      await this.producer.send({ messages });
    } catch (error) {
      throw new WeirError(
        'SOURCE_FAILED',
        `cannot write ${messages.length} record(s) that failed to deserialize to the dead-letter topic "${topic}" at ${describeServers(this.config)}: ${describeKafkaError(error)}`,
        { cause: error },
      );
    }
  }
}

/**
 * Records between `nextOffset` (the next to emit) and the partition's end, or its stop offset when
 * the split is bounded and stops earlier; never negative (an end seen before the last records read).
 */
export function consumerLagOf(nextOffset: number, endOffset: number, stopOffset: number | null): number {
  const end = stopOffset === null ? endOffset : Math.min(endOffset, stopOffset);
  return Math.max(0, end - nextOffset);
}

function isFinished(state: PartitionState): boolean {
  return state.stopOffset !== null && state.nextOffset >= state.stopOffset;
}

function isAbortMarker(batch: RecordsBatch): boolean {
  const key = batch.records[0]?.key;
  return key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === ABORT_MARKER;
}
