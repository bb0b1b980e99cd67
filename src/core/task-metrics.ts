/**
 * The window of the `...PerSecond` rates: (total now − total then) / the time between, with "then"
 * the oldest sample of the totals within the last 5 s (samples are taken at most once a second,
 * when the metrics are read). Flink's MeterView uses 60 s; 5 s keeps the dashboard responsive to a
 * change of load while smoothing the one-second steps of the samples.
 */
export const RATE_WINDOW_MS = 5_000;

/**
 * The watermark metrics show once the input has ended (the watermark is then +Infinity, which JSON
 * cannot carry): Number.MAX_SAFE_INTEGER, as Flink shows Long.MAX_VALUE.
 */
export const END_OF_INPUT_WATERMARK = Number.MAX_SAFE_INTEGER;

/**
 * Metrics of one subtask, as plain data: they cross threads (structured clone) and processes (the
 * control plane), and the REST API sends them as JSON, so every value is a number, string, null,
 * array or plain object. Counts and times are totals since the subtask started (times in ms); the
 * `...PerSecond` values are rates over the task's recent past (see `RATE_WINDOW_MS`), with Flink's
 * names. A watermark is epoch ms, or null while none has arrived (Flink shows Long.MIN_VALUE);
 * once the input has ended it is {@link END_OF_INPUT_WATERMARK} (Flink shows Long.MAX_VALUE).
 *
 * Cost: nothing is counted per record beyond what the task counted already (records per batch,
 * bytes per encoded batch); the rest is read from the task when the snapshot is taken (once a
 * second by the slots, or when a client asks, for slots in its thread).
 */
export interface TaskMetrics {
  /** The vertex's name (its chain of operators). */
  vertex: string;
  /** The vertex's id in the job graph (names need not be unique). */
  vertexId: string;
  subtask: number;
  parallelism: number;
  state: string;
  recordsIn: number;
  recordsOut: number;
  busyMs: number;
  idleMs: number;
  backPressuredMs: number;
  /** Elements waiting in the input channels. */
  inputQueue: number;
  /** Source tasks whose reader counts them: records it could not read (skipped or dead-lettered). */
  recordsInErrors?: number;

  /** When this snapshot was taken (epoch ms). */
  timestamp?: number;
  /**
   * Serialized bytes of the record batches read from and written to channels that cross threads or
   * processes (values and timestamps as encoded; 0 for exchanges in one thread, which pass batches
   * by reference, as Flink counts network buffers only).
   */
  bytesIn?: number;
  bytesOut?: number;
  /** Flink's rates: numRecordsInPerSecond, numRecordsOutPerSecond, numBytesInPerSecond, numBytesOutPerSecond. */
  recordsInPerSecond?: number;
  recordsOutPerSecond?: number;
  bytesInPerSecond?: number;
  bytesOutPerSecond?: number;
  /**
   * Flink's busyTimeMsPerSecond, idleTimeMsPerSecond, backPressuredTimeMsPerSecond (each 0..1000).
   * A task waiting for input is idle, one waiting for output credit (or a sink at its in-flight
   * limit) back-pressured, from the end of its last step; the wait under way counts already.
   */
  busyTimeMsPerSecond?: number;
  idleTimeMsPerSecond?: number;
  backPressuredTimeMsPerSecond?: number;
  /** The task's input watermark: the minimum over its input channels (null: none yet). */
  currentInputWatermark?: number | null;
  /**
   * The watermark the task last emitted downstream (the lowest over its outputs); a chain that ends
   * in sinks shows its tail's, which is the sink's input watermark, as in Flink.
   */
  currentOutputWatermark?: number | null;
  /**
   * The watermark of each input channel (upstream subtask), in channel order, with the logical input
   * of the head it feeds (1: a two-input operator's second) and whether the channel is idle: the
   * slowest active channel is the one holding the task's watermark back.
   */
  inputChannelWatermarks?: Array<{ input: number; channel: number; watermark: number | null; idle: boolean }>;
  /**
   * Flink's numLateRecordsDropped over the window operators of this task: records dropped because
   * they came after their windows' allowed lateness; those sent to a late side output do not count.
   */
  lateRecordsDropped?: number;
  /**
   * Size in bytes of this subtask's state in its last completed checkpoint (0: none yet): what it
   * wrote to its state file, as the task learns when the checkpoint's completion reaches it.
   */
  stateSize?: number;
  /**
   * Keyed state entries (state, key) held now, over the chain's keyed operators: heap backends
   * count them cheaply; null when an operator keeps its state in LMDB (counting would flush it).
   */
  stateEntries?: number | null;
  /** The operators of the chain, head first. */
  operators?: OperatorMetrics[];
  /**
   * Source tasks whose reader tells (Kafka, SourceReader.readerMetrics): records between the next
   * one to emit and the partition's end, per partition ("topic-partition"), as Kafka's records-lag.
   */
  consumerLag?: Array<{ partition: string; lag: number }>;
  /**
   * Sink tasks: what their sinks started and did not complete (Sink.pendingCommits: transactions
   * pre-committed and not yet committed, writes not yet acknowledged), plus invocations in flight.
   */
  pendingCommits?: number;
}

/** Metrics of one operator in a task's chain. */
export interface OperatorMetrics {
  uid: string;
  name: string;
  /**
   * Counted where the task counts anyway (nothing per record between chained operators): records
   * in at the head, records out of an operator whose main output is an edge to another task.
   */
  recordsIn?: number;
  recordsOut?: number;
  /** The watermark the operator last received (null: none yet; a source head: null, it has no input). */
  currentInputWatermark?: number | null;
  /** The watermark it last emitted (a sink: its input watermark). */
  currentOutputWatermark?: number | null;
  /** Flink's numLateRecordsDropped (window operators). */
  lateRecordsDropped?: number;
  /** User metrics registered through getRuntimeContext().getMetricGroup(). */
  user?: MetricSnapshot[];
  /** Sinks, with latency tracking on: the latency of markers from the sources, in ms. */
  latency?: HistogramSnapshot;
}

/** The value of one user metric at snapshot time. */
export type MetricSnapshot =
  | { kind: 'counter'; name: string; scope: Record<string, string>; count: number }
  | { kind: 'gauge'; name: string; scope: Record<string, string>; value: number | string | null }
  | { kind: 'meter'; name: string; scope: Record<string, string>; count: number; rate: number }
  | { kind: 'histogram'; name: string; scope: Record<string, string>; statistics: HistogramSnapshot };

/** A histogram's statistics over its window, Flink's HistogramStatistics as data. */
export interface HistogramSnapshot {
  count: number;
  min: number;
  max: number;
  mean: number;
  stddev: number;
  p50: number;
  p75: number;
  p95: number;
  p98: number;
  p99: number;
  p999: number;
}
