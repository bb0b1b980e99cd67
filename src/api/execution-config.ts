import { type Clock, systemClock } from '../core/clock.ts';
import { WeirError } from '../core/errors.ts';

/**
 * Job-wide settings. Everything but the clock is plain data and goes into the job graph.
 */
export class ExecutionConfig {
  private autoWatermarkInterval = 200;
  private batchSize = 1024;
  private channelCapacity = 8;
  private recordCheck = true;
  private latencyTrackingInterval: number | undefined;
  private clock: Clock = systemClock;

  /** How often (ms of processing time) sources and watermark assigners emit periodic watermarks. */
  setAutoWatermarkInterval(ms: number): this {
    if (!(ms >= 0)) throw new WeirError('INVALID_ARGUMENT', `autoWatermarkInterval must be >= 0, got ${ms}`);
    this.autoWatermarkInterval = ms;
    return this;
  }
  getAutoWatermarkInterval(): number {
    return this.autoWatermarkInterval;
  }

  /**
   * Latency tracking (Flink's): every source subtask emits a latency marker every `ms` of processing
   * time; markers travel behind the records, skip the operators and are recorded by the sinks into a
   * latency histogram (TaskMetrics `operators[].latency`). 0 turns it off. Unset, the cluster's
   * `metrics.latency.interval` applies (`weir run -D metrics.latency.interval=100`), by default 0.
   * See docs/observability.md.
   */
  setLatencyTrackingInterval(ms: number): this {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new WeirError('INVALID_ARGUMENT', `latencyTrackingInterval must be >= 0 ms, got ${ms}`);
    }
    this.latencyTrackingInterval = ms;
    return this;
  }
  /** The interval set on the job, or undefined when the cluster's setting applies. */
  getLatencyTrackingInterval(): number | undefined {
    return this.latencyTrackingInterval;
  }
  isLatencyTrackingConfigured(): boolean {
    return this.latencyTrackingInterval !== undefined;
  }

  /** Records per exchange batch (default 1024). */
  setBatchSize(records: number): this {
    if (!Number.isInteger(records) || records < 1) {
      throw new WeirError('INVALID_ARGUMENT', `batch size must be a positive integer, got ${records}`);
    }
    this.batchSize = records;
    return this;
  }
  getBatchSize(): number {
    return this.batchSize;
  }

  /** Batches a channel buffers before its producer is back-pressured (default 8). */
  setChannelCapacity(batches: number): this {
    if (!Number.isInteger(batches) || batches < 1) {
      throw new WeirError('INVALID_ARGUMENT', `channel capacity must be a positive integer, got ${batches}`);
    }
    this.channelCapacity = batches;
    return this;
  }
  getChannelCapacity(): number {
    return this.channelCapacity;
  }

  /**
   * Whether an exchange between two tasks in the same thread checks each record as an exchange
   * across threads encodes it (default: on). With the check, a record holding a function, a symbol,
   * a cycle or an instance of an unregistered class fails with `UNSERIALIZABLE_RECORD` at every
   * parallelism; without it, such a record passes by reference where both tasks share a thread and
   * fails only where it crosses threads. The check costs about 60 ns per object record (a Nexmark
   * bid) and nothing for numbers and strings; operators chained into one task are never checked.
   *
   * @example
   * env.getConfig().setRecordCheck(false); // measured hot path, records known to be plain data
   */
  setRecordCheck(enabled: boolean): this {
    this.recordCheck = enabled;
    return this;
  }
  isRecordCheckEnabled(): boolean {
    return this.recordCheck;
  }

  /** The clock processing time comes from; tests pass a ManualClock. */
  setClock(clock: Clock): this {
    this.clock = clock;
    return this;
  }
  getClock(): Clock {
    return this.clock;
  }
}
