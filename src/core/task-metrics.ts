/**
 * Metrics of one subtask, as plain data: they cross threads (structured clone) and processes (the
 * control plane), and the REST API sends them as JSON, so every value is a number, string, null,
 * array or plain object. Counts and times are totals since the subtask started (times in ms); the
 * `...PerSecond` values are rates over the task's recent past (see `RATE_WINDOW_MS`), with Flink's
 * names. A watermark is epoch ms, or null while none has arrived (Flink shows Long.MIN_VALUE).
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
  /** Serialized bytes read from and written to channels that cross threads or processes (0 in one thread). */
  bytesIn?: number;
  bytesOut?: number;
  /** Flink's rates: numRecordsInPerSecond, numRecordsOutPerSecond, numBytesInPerSecond, numBytesOutPerSecond. */
  recordsInPerSecond?: number;
  recordsOutPerSecond?: number;
  bytesInPerSecond?: number;
  bytesOutPerSecond?: number;
  /** Flink's busyTimeMsPerSecond, idleTimeMsPerSecond, backPressuredTimeMsPerSecond (each 0..1000). */
  busyTimeMsPerSecond?: number;
  idleTimeMsPerSecond?: number;
  backPressuredTimeMsPerSecond?: number;
  /** The task's input watermark: the minimum over its input channels (null: none yet). */
  currentInputWatermark?: number | null;
  /** The watermark the task last emitted downstream. */
  currentOutputWatermark?: number | null;
  /** The watermark of each input channel (upstream subtask), in channel order: the slowest is the minimum. */
  inputChannelWatermarks?: Array<{ input: number; channel: number; watermark: number | null; idle: boolean }>;
  /** Records dropped by window operators of this task because they came too late. */
  lateRecordsDropped?: number;
  /** Size in bytes of this subtask's state in its last completed checkpoint (0: none yet). */
  stateSize?: number;
  /** Keyed state entries held now (heap backend; null where the backend cannot tell cheaply). */
  stateEntries?: number | null;
  /** The operators of the chain, head first. */
  operators?: OperatorMetrics[];
  /** Source tasks reading Kafka: records behind the partition's end, per partition ("topic-partition"). */
  consumerLag?: Array<{ partition: string; lag: number }>;
  /** Sink tasks with transactions or acknowledged writes: commits or writes not yet completed. */
  pendingCommits?: number;
}

/** Metrics of one operator in a task's chain. */
export interface OperatorMetrics {
  uid: string;
  name: string;
  recordsIn?: number;
  recordsOut?: number;
  currentInputWatermark?: number | null;
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
