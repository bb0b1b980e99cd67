import type { Consumer } from '@platformatic/kafka';
import { WeirError } from '../../core/errors.ts';
import {
  type InputStatus,
  type ReaderOutput,
  releaseSplitOutput,
  type SourceReader,
  splitOutput,
} from '../../core/source.ts';
import { Availability } from '../collection/availability.ts';
import {
  createKafkaConsumer,
  type FetchSettings,
  fetchSettings,
  type KafkaClientConfig,
} from './kafka-client-config.ts';
import type { KafkaPartitionSplit } from './kafka-partition-split.ts';
import { describeKafkaError } from './kafka-split-planner.ts';

/** A record fetched but not emitted yet: raw bytes, decoded on the task's thread. */
export interface FetchedRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: [Buffer | null, Buffer | null][];
}

/** Decodes a fetched record of `topic` partition `partition`; may throw. */
export type DecodeRecord<T> = (record: FetchedRecord, topic: string, partition: number) => T;

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
}

/** Records of one partition from one fetch, emitted in order; `endOffset` is where they end. */
interface Chunk {
  readonly state: PartitionState;
  readonly records: FetchedRecord[];
  index: number;
  readonly endOffset: number;
}

/** The fetch loop pauses above this many buffered records and resumes below half of it. */
const BUFFER_HIGH = 4_000;
const IS_CONTROL = 0x20;
const LOG_APPEND_TIME = 0x08;

/**
 * Reads Kafka partitions. An async fetch loop per reader asks each partition's leader for records
 * (Fetch requests with explicit offsets, no consumer group) and appends them to an in-memory buffer
 * of chunks; `pollNext` drains the buffer synchronously, decoding each record on the task's thread
 * and emitting it through its partition's output with the Kafka timestamp. The loop pauses while
 * the buffer is full, so a slow pipeline slows the fetches. A partition's position is the offset
 * after the last record emitted (or skipped as a transaction marker), so a checkpoint holds it.
 */
export class KafkaSourceReader<T> implements SourceReader<T, KafkaPartitionSplit> {
  private readonly config: KafkaClientConfig;
  private readonly decode: DecodeRecord<T>;
  private readonly settings: FetchSettings;
  private readonly states: PartitionState[] = [];
  private readonly chunks: Chunk[] = [];
  private readonly availability = new Availability();
  private consumer: Consumer | undefined;
  private buffered = 0;
  private noMore = false;
  private closed = false;
  private looping = false;
  private failure: unknown;
  private wakeLoop: (() => void) | undefined;
  private emittingState: PartitionState | undefined;
  private emittingOffset = -1;

  constructor(config: KafkaClientConfig, decode: DecodeRecord<T>) {
    this.config = config;
    this.decode = decode;
    this.settings = fetchSettings(config);
  }

  pollNext(output: ReaderOutput<T>, maxRecords: number): InputStatus {
    if (this.failure !== undefined) throw this.failure;
    let budget = Math.max(1, maxRecords);
    while (budget > 0 && this.chunks.length > 0) {
      const chunk = this.chunks[0];
      const state = chunk.state;
      const out = splitOutput(output, state.splitId);
      const records = chunk.records;
      const end = Math.min(records.length, chunk.index + budget);
      budget -= end - chunk.index;
      this.buffered -= end - chunk.index;
      this.emittingState = state;
      for (let i = chunk.index; i < end; i++) {
        const record = records[i];
        this.emittingOffset = record.offset;
        const value = this.decodeRecord(record, state);
        chunk.index = i + 1;
        state.nextOffset = record.offset + 1;
        out.collect(value, record.timestamp);
      }
      if (chunk.index >= records.length) {
        this.chunks.shift();
        if (chunk.endOffset > state.nextOffset) state.nextOffset = chunk.endOffset;
      }
    }
    this.releaseFinished(output);
    if (this.buffered < BUFFER_HIGH / 2) this.wake();
    if (this.chunks.length > 0) return 'more';
    if (this.noMore && this.states.every(isFinished)) return 'end';
    this.availability.markWaiting();
    // The loop may have failed or filled the buffer between the checks above and markWaiting.
    if (this.failure !== undefined || this.chunks.length > 0) this.availability.notify();
    return 'nothing-available';
  }

  isAvailable(): Promise<void> {
    return this.availability.whenAvailable();
  }

  addSplits(splits: KafkaPartitionSplit[]): void {
    for (const s of splits) {
      this.states.push({
        splitId: s.splitId,
        topic: s.topic,
        partition: s.partition,
        nextOffset: s.nextOffset,
        fetchOffset: s.nextOffset,
        stopOffset: s.stopOffset,
        released: false,
      });
    }
    this.availability.notify();
    this.ensureLoop();
  }

  noMoreSplits(): void {
    this.noMore = true;
    this.availability.notify();
    this.wake();
  }

  snapshotState(_checkpointId: number): KafkaPartitionSplit[] {
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

  /** `topic <t> partition <p> offset <o>` of the record being emitted. */
  currentPosition(): string | undefined {
    const state = this.emittingState;
    if (state === undefined) return undefined;
    return `topic ${state.topic} partition ${state.partition} offset ${this.emittingOffset}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.close(true).catch(() => {});
  }

  private decodeRecord(record: FetchedRecord, state: PartitionState): T {
    try {
      return this.decode(record, state.topic, state.partition);
    } catch (error) {
      throw new WeirError(
        'DESERIALIZATION_FAILED',
        `cannot deserialize the Kafka record at topic "${state.topic}" partition ${state.partition} offset ${record.offset}: ${(error as Error)?.message ?? error}`,
        { cause: error },
      );
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
    wake?.();
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeLoop = resolve;
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
            : new WeirError('SOURCE_FAILED', `cannot fetch from Kafka: ${describeKafkaError(error)}`, {
                cause: error,
              });
      })
      .finally(() => {
        this.looping = false;
        this.availability.notify();
      });
  }

  private async fetchLoop(): Promise<void> {
    while (!this.closed) {
      if (this.buffered >= BUFFER_HIGH) {
        await this.sleep();
        continue;
      }
      const wanted = this.states.filter((s) => s.stopOffset === null || s.fetchOffset < s.stopOffset);
      if (wanted.length === 0) {
        if (this.noMore) return;
        await this.sleep();
        continue;
      }
      this.consumer ??= createKafkaConsumer(this.config);
      const consumer = this.consumer;
      const topics = [...new Set(wanted.map((s) => s.topic))];
      const metadata = await consumer.metadata({ topics, autocreateTopics: false });
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
      await Promise.all(
        [...byNode].map(([node, states]) => this.fetchFrom(consumer, metadata.topics, node, states)),
      );
      if (this.chunks.length > 0) this.availability.notify();
    }
  }

  private async fetchFrom(
    consumer: Consumer,
    topicsMetadata: Map<string, { id: string }>,
    node: number,
    states: PartitionState[],
  ): Promise<void> {
    const byTopicId = new Map<string, PartitionState[]>();
    const topicOfId = new Map<string, string>();
    for (const state of states) {
      const id = topicsMetadata.get(state.topic)!.id;
      topicOfId.set(id, state.topic);
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
    if (this.closed) return;
    for (const topicResponse of response.responses) {
      for (const partitionResponse of topicResponse.partitions) {
        const entry = requested.get(`${topicResponse.topicId}:${partitionResponse.partitionIndex}`);
        // A fetch session may answer for partitions not asked this time, or for an old offset.
        if (entry === undefined || entry.state.fetchOffset !== entry.offset) continue;
        this.append(entry.state, partitionResponse.records ?? []);
      }
    }
  }

  /** Appends the records of `batches` at or after the state's fetch offset, up to its stop. */
  private append(
    state: PartitionState,
    batches: NonNullable<
      Awaited<ReturnType<Consumer['fetch']>>['responses'][number]['partitions'][number]['records']
    >,
  ): void {
    const from = state.fetchOffset;
    const stop = state.stopOffset ?? Number.POSITIVE_INFINITY;
    const records: FetchedRecord[] = [];
    let end = from;
    for (const batch of batches) {
      const last = Number(batch.firstOffset + BigInt(batch.lastOffsetDelta));
      if (last + 1 > end) end = last + 1;
      if ((batch.attributes & IS_CONTROL) !== 0) continue;
      const appendTime = (batch.attributes & LOG_APPEND_TIME) !== 0;
      for (const record of batch.records) {
        const offset = Number(batch.firstOffset) + record.offsetDelta;
        if (offset < from || offset >= stop) continue;
        records.push({
          offset,
          timestamp: Number(appendTime ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta),
          key: record.key,
          value: record.value,
          headers: record.headers,
        });
      }
    }
    end = Math.min(end, stop);
    if (end <= from) return;
    state.fetchOffset = end;
    this.chunks.push({ state, records, index: 0, endOffset: end });
    this.buffered += records.length;
  }
}

function isFinished(state: PartitionState): boolean {
  return state.stopOffset !== null && state.nextOffset >= state.stopOffset;
}
