/**
 * What flows between tasks: batches of records and in-band control elements, one closed union
 * tagged by `kind`. Records travel in batches (parallel arrays of values and timestamps) so that an
 * exchange costs one push per batch, never one per record.
 */

/** Timestamp of a record that has none (Flink's `Long.MIN_VALUE`). */
export const NO_TIMESTAMP = Number.NEGATIVE_INFINITY;
/** The watermark that says "no more records": emitted at the end of a bounded input. */
export const MAX_WATERMARK = Number.POSITIVE_INFINITY;
/** The watermark of a channel that has not reported one yet. */
export const MIN_WATERMARK = Number.NEGATIVE_INFINITY;

export interface RecordBatch {
  kind: 'records';
  values: unknown[];
  /**
   * Parallel to `values`, {@link NO_TIMESTAMP} where a record has none; null when no record of the
   * batch has one (then nothing is stored or shipped per record).
   */
  timestamps: number[] | null;
}

export type StreamElement =
  | RecordBatch
  | { kind: 'watermark'; time: number }
  | { kind: 'idle'; idle: boolean }
  | {
      kind: 'barrier';
      checkpointId: number;
      savepoint: boolean;
      location: string;
      /**
       * Set for the savepoint of a stop-with-savepoint (Flink's synchronous savepoint): a task that
       * snapshots at this barrier processes no further records and ends once the savepoint completes.
       */
      synchronous?: boolean;
    }
  | LatencyMarker
  /** No more records on this channel; barriers may still follow (checkpointed jobs end this way). */
  | { kind: 'end-of-data' }
  | { kind: 'end' };

/**
 * Flink's LatencyMarker: emitted by each source subtask every `latencyTrackingInterval` ms, carried
 * in band behind the records before it (it never overtakes them), passed along the chain around the
 * operators (never into user functions) and recorded by the sinks as `now - markedTime`.
 */
export interface LatencyMarker {
  kind: 'latency-marker';
  /** When the source emitted it (epoch ms of the task's clock). */
  markedTime: number;
  /** The source vertex's id. */
  vertexId: string;
  /** The source subtask. */
  subtask: number;
}
