/**
 * A physical operator. The task calls it synchronously, record by record, inside a batch; it
 * emits through its Output. Lifecycle: open → (processElement | processWatermark)* → endInput
 * (bounded input only) → finish → close. `close` also runs after a failure or cancellation.
 */
export interface StreamOperator {
  readonly uid: string;
  readonly name: string;
  open(): void | Promise<void>;
  /** Sets the key of the next record (keyed operators only). */
  setKeyContext?(value: unknown): void;
  processElement(value: unknown, timestamp: number): void;
  /** Sets the key of the next record of the second input (keyed two-input operators only). */
  setKeyContext2?(value: unknown): void;
  /**
   * Handles a record of the second input (two-input operators: connect, joins, broadcast). The
   * first input goes to `processElement`. Watermarks are combined by the task over both inputs.
   */
  processElement2?(value: unknown, timestamp: number): void;
  /** Handles a watermark (fires event-time timers) and forwards it. */
  processWatermark(time: number): void;
  /** Handles an idle/active status change of the input and forwards it. */
  processWatermarkStatus?(idle: boolean): void;
  /** All input has been consumed: flush what is pending. */
  endInput(): void;
  /** Waits for pending asynchronous work (sinks) after endInput. */
  finish(): void | Promise<void>;
  close(): void | Promise<void>;
  /**
   * Checkpoint `checkpointId` is being taken: write what must survive a failure into operator or
   * keyed state (source positions, pending transactions), pre-commit transactions. The state is
   * taken synchronously; a returned promise is the asynchronous rest of the pre-commit (a flush):
   * the checkpoint is acknowledged only once it resolves, and a rejection fails the task.
   */
  snapshotState?(checkpointId: number): void | Promise<void>;
  /**
   * Checkpoint `checkpointId` is complete (its metadata written): commit what it covers. A returned
   * promise is the commit under way; a task that stops waits for it before closing its operators.
   */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  /** Checkpoint `checkpointId` was aborted. */
  notifyCheckpointAborted?(checkpointId: number): void;
  /** A promise while the operator cannot take more input (async sink at its in-flight limit). */
  blocked?(): Promise<void> | undefined;
  /**
   * True when `blocked()` waits for a reader downstream of the job (the collect client): that wait
   * is back pressure, as waiting for output credit is. Other waits (a sink's writes in flight, a full
   * Async I/O queue) are the operator's own work and count as busy time.
   */
  readonly blockedByDownstream?: boolean;
}
