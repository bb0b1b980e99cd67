import type { Accumulator } from '../../api/accumulators.ts';
import type { StateHandle, TaskStateEntry } from '../../checkpoint/checkpoint-metadata.ts';
import { type CheckpointStorage, savepointStorage } from '../../checkpoint/checkpoint-storage.ts';
import { IncrementalSnapshots, sharedStateFile } from '../../checkpoint/incremental-snapshots.ts';
import { type RestoredJobState, subtaskRestore } from '../../checkpoint/restored-state.ts';
import { writeStreamedTaskState } from '../../checkpoint/streamed-task-state.ts';
import {
  encodeTaskStateReusing,
  type OperatorSubtaskState,
  type TaskStateSnapshot,
} from '../../checkpoint/task-state.ts';
import type { CheckpointingMode } from '../../core/checkpointing.ts';
import type { Cancellable, Clock } from '../../core/clock.ts';
import { isRecoverable, previewRecord, WeirError } from '../../core/errors.ts';
import { type Logger, processLogger } from '../../core/logger.ts';
import type { SourceSplit } from '../../core/source.ts';
import { MAX_WATERMARK, NO_TIMESTAMP, type StreamElement } from '../../core/stream-element.ts';
import {
  recordText as failedRecordText,
  type TaskFailureContext,
  taskFailureOf,
  withTaskFailure,
} from '../../core/task-failure.ts';
import type { OperatorMetrics, TaskMetrics } from '../../core/task-metrics.ts';
import type { JobConfig, JobFunctions, JobVertex, OperatorSpec } from '../../graph/job-graph.ts';
import {
  type IncrementalKeyedStateBackend,
  isIncrementalKeyedStateBackend,
} from '../../state/incremental-keyed-state-backend.ts';
import { keyGroupRangeForOperator } from '../../state/key-groups.ts';
import type { SnapshottableKeyedStateBackend } from '../../state/keyed-state-snapshot.ts';
import {
  isStreamingKeyedStateBackend,
  type KeyedStateSnapshotStream,
} from '../../state/keyed-state-snapshot-stream.ts';
import { OperatorStateStore } from '../../state/operator-state-store.ts';
import { createKeyedStateBackend } from '../../state/state-backend-factory.ts';
import { HeapInternalTimerService } from '../../time/internal-timer-service.ts';
import { WatermarkValve } from '../../time/watermark-valve.ts';
import { ChannelWatermarks } from '../metrics/channel-watermarks.ts';
import { MetricRegistry } from '../metrics/metric-registry.ts';
import { TaskMetricsCollector } from '../metrics/task-metrics-collector.ts';
import { WatermarkTrackingOutput } from '../metrics/watermark-tracking-output.ts';
import type { InputChannel } from '../network/channel.ts';
import type { RecordWriter } from '../network/record-writer.ts';
import type { Wakeup } from '../network/wakeup.ts';
import type { CollectOperator } from '../operators/collect-operator.ts';
import type { OperatorContext } from '../operators/operator-context.ts';
import { createOperator } from '../operators/operator-factory.ts';
import type { SourceOperator } from '../operators/source-operator.ts';
import type { StreamOperator } from '../operators/stream-operator.ts';
import { BarrierAligner } from './barrier-aligner.ts';
import {
  ChainingTarget,
  KeyedChainingTarget,
  type OperatorOutput,
  type OutputTarget,
  SecondInputTarget,
  WriterTarget,
} from './chain-outputs.ts';
import { functionInstance } from './function-instance.ts';
import { LatencyMarkerEmitter } from './latency-marker-emitter.ts';
import { LatencyStats } from './latency-stats.ts';
import { OperatorFailure } from './operator-failure.ts';

/** An input channel of a task with what it is connected to, for watermarks and error messages. */
export interface TaskInput {
  channel: InputChannel;
  /** Logical input of the head operator. */
  input: number;
  /** "Vertex name (subtask i/n)", for error messages. */
  origin: string;
}

export interface StreamTaskOptions {
  jobId: string;
  /** The job's name, for the scope of user metrics (the job id when unset). */
  jobName?: string;
  vertex: JobVertex;
  subtaskIndex: number;
  attemptNumber: number;
  config: JobConfig;
  functions: JobFunctions;
  clock: Clock;
  wakeup: Wakeup;
  inputs: TaskInput[];
  /** Record writers of this subtask, by edge id. */
  writers: Map<string, RecordWriter>;
  /** Splits of this subtask, for source tasks. */
  splits?: SourceSplit[];
  sendToClient(operatorUid: string, values: unknown[], subtaskIndex: number): void;
  /** A promise while the client cannot take more records from the collect operator `operatorUid`. */
  clientBlocked?(operatorUid: string): Promise<void> | undefined;
  /** Set when the job takes checkpoints. */
  checkpointing?: TaskCheckpointing;
  /** The state to start from (a checkpoint or savepoint). */
  restore?: RestoredJobState;
}

/** How a task takes part in checkpoints: where it writes its state and whom it tells. */
export interface TaskCheckpointing {
  mode: CheckpointingMode;
  storage: CheckpointStorage;
  /** `alignmentMs`: between the first and the last barrier of the checkpoint at this task (metrics). */
  acknowledge(task: string, id: number, entry: TaskStateEntry, alignmentMs?: number): void;
  /**
   * The task cannot take part in checkpoint `id`. `failure` is true for a real failure (the state
   * could not be written) and false when the task was just not ready (not running yet, finishing, a
   * newer barrier overtook the checkpoint): only failures count towards the tolerable number.
   */
  decline(task: string, id: number, reason: string, failure: boolean): void;
}

type Barrier = Extract<StreamElement, { kind: 'barrier' }>;

/** Aborted checkpoints a task remembers, in case a synchronous barrier of one comes after the abort. */
const MAX_REMEMBERED_ABORTS = 16;

/** What a task waits for between steps (numbers: read on every step). */
type TaskWait = 0 | 1 | 2;
const WAIT_INPUT: TaskWait = 0;
const WAIT_OUTPUT: TaskWait = 1;
const WAIT_OPERATOR: TaskWait = 2;

/** The state of one operator of the chain that goes into snapshots. */
interface SnapshotPart {
  uid: string;
  keyed: SnapshottableKeyedStateBackend | undefined;
  timers: HeapInternalTimerService | undefined;
  operatorState: OperatorStateStore;
}

export type TaskState = 'created' | 'running' | 'finishing' | 'finished' | 'failed' | 'cancelled';

/** Result of one scheduling step. */
export type StepResult = 'worked' | 'waiting' | 'done';

/**
 * A subtask: one chain of operators driven by one mailbox loop (docs/architecture.md). Each `step()`
 * first runs queued mails (timers, async completions), then, if every output has credit, processes
 * input batches (or polls the source) for about a millisecond, synchronously, record by record.
 * Control elements (watermarks, end of input) are handled in order between batches.
 */
export class StreamTask {
  readonly name: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  state: TaskState = 'created';
  failure: WeirError | undefined;

  private readonly options: StreamTaskOptions;
  private readonly operators: StreamOperator[] = [];
  private readonly head: OperatorSpec;
  private headTarget!: OutputTarget;
  /** Target of the second input's records when the head is a two-input operator. */
  private headTarget2: OutputTarget | undefined;
  /** Logical input of the head operator per input channel. */
  private readonly channelInput: Uint8Array;
  private source: SourceOperator | undefined;
  private readonly writers: RecordWriter[];
  private readonly collectors: CollectOperator[] = [];
  private readonly valve: WatermarkValve;
  private readonly endedInputs: boolean[];
  private nextInput = 0;
  private mails: Array<() => void> = [];
  private readonly timers = new Set<Cancellable>();
  private sourceWaiting = false;
  private blockedOn: Promise<void> | undefined;
  readonly accumulators: Array<Map<string, Accumulator<unknown>>> = [];
  /** User metrics of this task's operators (`getRuntimeContext().getMetricGroup()`). */
  readonly userMetrics: MetricRegistry;
  private readonly onStateChange: (task: StreamTask) => void;
  private readonly aligner: BarrierAligner;
  /** The barrier being aligned (its location and kind travel with it). */
  private alignedBarrier: Barrier | undefined;
  private readonly snapshotParts: SnapshotPart[] = [];
  /** The size of the last state file this subtask encoded (to pick a buffer for the next). */
  private lastStateBytes = 0;
  /** What incremental checkpoints write and reference (when enabled; created at the first). */
  private incremental: IncrementalSnapshots | undefined;
  /** Source tasks with latency tracking on (`latencyTrackingInterval` > 0). */
  private latencyMarkers: LatencyMarkerEmitter | undefined;
  /** The latency histograms of the chain's sinks (operators with no output). */
  private readonly latencyStats: Array<{ uid: string; name: string; stats: LatencyStats }> = [];
  /**
   * End of input with checkpointing (as Flink's final checkpoint): 'finishing' while operators
   * flush (inputs are not read), then 'awaiting-checkpoint' after end-of-data went downstream, until
   * a checkpoint taken after that point completes; only then the task ends its outputs and closes,
   * so that transactional sinks commit their last records exactly once.
   */
  private endOfData: 'none' | 'finishing' | 'awaiting-checkpoint' = 'none';
  private finalCheckpointId = Number.POSITIVE_INFINITY;
  private readonly endOfDataChannels: Uint8Array;
  private endOfDataCount = 0;
  /** "vertex#subtask": how the coordinator knows this task. */
  readonly taskKey: string;
  /** Lines with `job_id`, `task`, `subtask` and `attempt`; operators get a child of it. */
  readonly logger: Logger;
  /** True for source tasks: checkpoints start here. */
  readonly isSource: boolean;

  /** Metrics: records in, and where the time went (ms). */
  recordsIn = 0;
  busyMs = 0;
  idleMs = 0;
  backPressuredMs = 0;
  private lastStepEnd = 0;
  private lastWorked = false;
  /**
   * What the task waited for since its last step: input (idle), output credit (back-pressured), or
   * an operator's own asynchronous work, such as a sink's writes in flight or a full Async I/O queue
   * (busy: the operator is the slow part, not its downstream).
   */
  private lastWait: TaskWait = WAIT_INPUT;
  /** What `blockedOn` waits for: a reader downstream of the job, or the operator's own work. */
  private blockedWait: TaskWait = WAIT_OPERATOR;
  /** Metrics read on demand (metrics()): per-channel watermarks, operator outputs, state sizes. */
  private readonly channelWatermarks: ChannelWatermarks;
  private readonly outputsByUid = new Map<string, WatermarkTrackingOutput>();
  private readonly metricsCollector: TaskMetricsCollector;
  /** State bytes of the checkpoints taken and not completed yet, by id; then of the last completed. */
  private readonly checkpointSizes = new Map<number, number>();
  private lastCheckpointSize = 0;

  constructor(options: StreamTaskOptions, onStateChange: (task: StreamTask) => void) {
    this.options = options;
    this.logger = processLogger().child({
      job_id: options.jobId,
      task: options.vertex.name,
      subtask: options.subtaskIndex,
      attempt: options.attemptNumber,
    });
    // A task that has ended releases its keyed state (an LMDB backend deletes its environment).
    this.onStateChange = (task) => {
      this.logState();
      if (task.state === 'finished' || task.state === 'failed' || task.state === 'cancelled')
        this.disposeKeyedState();
      onStateChange(task);
    };
    this.name = options.vertex.name;
    this.subtaskIndex = options.subtaskIndex;
    this.parallelism = options.vertex.parallelism;
    this.head = options.vertex.operators[0];
    this.writers = [...options.writers.values()];
    this.valve = new WatermarkValve(options.inputs.length);
    this.channelWatermarks = new ChannelWatermarks(options.inputs.length);
    this.endedInputs = new Array<boolean>(options.inputs.length).fill(false);
    this.channelInput = Uint8Array.from(options.inputs, (i) => i.input);
    this.endOfDataChannels = new Uint8Array(options.inputs.length);
    this.aligner = new BarrierAligner(
      options.inputs.length,
      (options.checkpointing?.mode ?? 'EXACTLY_ONCE') === 'EXACTLY_ONCE',
    );
    this.taskKey = `${options.vertex.id}#${options.subtaskIndex}`;
    this.isSource = options.vertex.source;
    this.userMetrics = new MetricRegistry(
      {
        jobId: options.jobId,
        jobName: options.jobName,
        taskName: options.vertex.name,
        subtaskIndex: options.subtaskIndex,
        attemptNumber: options.attemptNumber,
      },
      options.clock,
    );
    try {
      this.buildChain();
    } catch (error) {
      this.disposeKeyedState();
      throw this.describeFailure(error);
    }
    this.metricsCollector = new TaskMetricsCollector({
      vertex: options.vertex,
      operators: this.operators,
      outputs: this.outputsByUid,
      writers: options.writers,
      inputs: options.inputs,
      channelInput: this.channelInput,
      channelWatermarks: this.channelWatermarks,
      inputWatermark: () => this.valve.watermark,
      registry: this.userMetrics,
      keyedBackends: () => this.snapshotParts.map((p) => p.keyed),
      readerMetrics: () => this.source?.reader.readerMetrics?.(),
      stateSize: () => this.lastCheckpointSize,
    });
  }

  /** Flink's "switched to" line, in the log file only (failures reach the user through the job). */
  private logState(): void {
    const what = `${this.name} (${this.subtaskIndex + 1}/${this.parallelism}) switched to ${this.state.toUpperCase()}`;
    if (this.state === 'failed') this.logger.warn(what, { err: this.failure, console: false });
    else this.logger.info(what);
  }

  private disposeKeyedState(): void {
    for (const part of this.snapshotParts) part.keyed?.dispose();
  }

  private buildChain(): void {
    const { vertex, writers } = this.options;
    const built = new Map<string, StreamOperator>();
    // Each operator's own output: latency markers skip the operator and continue from there.
    const outputs = new Map<string, OperatorOutput>();
    const targetFor = (uid: string): OutputTarget => {
      const op = built.get(uid)!;
      const spec = vertex.operators.find((s) => s.uid === uid)!;
      const target = spec.keyed && op.setKeyContext ? new KeyedChainingTarget(op) : new ChainingTarget(op);
      target.markerOutput = outputs.get(uid);
      return target;
    };
    // Build tail first: an operator's output needs the operators after it.
    for (let i = vertex.operators.length - 1; i >= 0; i--) {
      const spec = vertex.operators[i];
      const main: OutputTarget[] = [];
      const sides = new Map<string, OutputTarget[]>();
      for (const out of spec.outputs) {
        const target =
          out.kind === 'chained' ? targetFor(out.operator) : new WriterTarget(writers.get(out.edge)!);
        if (out.tag === null) main.push(target);
        else {
          const list = sides.get(out.tag) ?? [];
          list.push(target);
          sides.set(out.tag, list);
        }
      }
      const output = new WatermarkTrackingOutput(main, sides);
      this.outputsByUid.set(spec.uid, output);
      const op = createOperator(this.operatorContext(spec, output));
      output.setProducer(op);
      outputs.set(spec.uid, output);
      if (output.isTerminal() && (this.options.config.latencyTrackingInterval ?? 0) > 0) {
        output.latency = new LatencyStats(() => this.options.clock.now());
        this.latencyStats.push({ uid: spec.uid, name: spec.name, stats: output.latency });
      }
      built.set(spec.uid, op);
      this.operators.unshift(op);
      if (spec.kind === 'collect') this.collectors.push(op as CollectOperator);
    }
    if (this.head.kind === 'source') {
      this.source = this.operators[0] as SourceOperator;
      this.source.assignSplits(this.options.splits ?? []);
    }
    this.headTarget = targetFor(this.head.uid);
    if (this.options.inputs.some((i) => i.input === 1)) {
      const keyed2 = this.options.functions.operators.get(this.head.uid)?.keySelector2 !== undefined;
      const second = new SecondInputTarget(this.operators[0], keyed2);
      second.markerOutput = outputs.get(this.head.uid);
      this.headTarget2 = second;
    }
    const interval = this.options.config.latencyTrackingInterval ?? 0;
    const headOutput = outputs.get(this.head.uid);
    if (this.source && interval > 0 && headOutput) {
      this.latencyMarkers = new LatencyMarkerEmitter({
        interval,
        vertexId: vertex.id,
        subtask: this.subtaskIndex,
        now: () => this.options.clock.now(),
        schedule: (time, callback) => this.registerProcessingTimer(time, callback),
        emit: (marker) => {
          // A source that reached its end emits no more markers (Flink stops its emitter then).
          if (this.state !== 'running' || this.endOfData !== 'none') return false;
          headOutput.emitLatencyMarker(marker);
          return true;
        },
      });
    }
  }

  private operatorContext(spec: OperatorSpec, output: OperatorOutput): OperatorContext {
    const o = this.options;
    const maxParallelism = o.vertex.maxParallelism;
    const keyed = spec.keyed
      ? createKeyedStateBackend(
          o.config.stateBackend,
          {
            maxParallelism,
            keyGroupRange: keyGroupRangeForOperator(maxParallelism, o.vertex.parallelism, o.subtaskIndex),
            clock: o.clock,
          },
          {
            jobId: o.jobId,
            operatorUid: spec.uid,
            subtaskIndex: o.subtaskIndex,
            attemptNumber: o.attemptNumber,
          },
        )
      : undefined;
    const restore = o.restore
      ? subtaskRestore(o.restore, spec.uid, o.subtaskIndex, o.vertex.parallelism)
      : undefined;
    if (keyed && restore && restore.keyed.length > 0) keyed.restore(restore.keyed);
    const operatorStateStore = new OperatorStateStore();
    if (restore?.operator) operatorStateStore.restore([restore.operator]);
    const part: SnapshotPart = { uid: spec.uid, keyed, timers: undefined, operatorState: operatorStateStore };
    this.snapshotParts.push(part);
    const accumulators = new Map<string, Accumulator<unknown>>();
    this.accumulators.push(accumulators);
    const shared = o.functions.operators.get(spec.uid) ?? {};
    // Sources create a reader per subtask; collect targets must stay the client's object.
    const functions =
      spec.kind === 'source' || spec.kind === 'collect'
        ? shared
        : { ...shared, fn: functionInstance(shared.fn) };
    return {
      spec,
      functions,
      output,
      jobId: o.jobId,
      jobConfig: o.config,
      taskName: `${o.vertex.name} (${o.subtaskIndex + 1}/${o.vertex.parallelism})`,
      subtaskIndex: o.subtaskIndex,
      parallelism: o.vertex.parallelism,
      maxParallelism,
      attemptNumber: o.attemptNumber,
      clock: o.clock,
      registerProcessingTimer: (time, callback) => this.registerProcessingTimer(time, callback),
      keyedStateBackend: keyed,
      createTimerService: (triggerable) => {
        if (!keyed)
          throw new WeirError('TIMER_ERROR', `"${spec.name}" is not keyed and cannot have keyed timers`);
        let scheduled: Cancellable | undefined;
        let scheduledAt = Number.POSITIVE_INFINITY;
        const service: HeapInternalTimerService = new HeapInternalTimerService({
          backend: keyed,
          clock: o.clock,
          triggerable,
          onProcessingTimeTimerRegistered: (earliest) => {
            if (earliest >= scheduledAt) return;
            scheduled?.cancel();
            scheduledAt = earliest;
            const fire = () => {
              scheduled = undefined;
              scheduledAt = Number.POSITIVE_INFINITY;
              service.advanceProcessingTime(o.clock.now());
              const next = service.nextProcessingTime();
              if (next < Number.POSITIVE_INFINITY) {
                scheduledAt = next;
                scheduled = this.registerProcessingTimer(next, fire);
              }
            };
            scheduled = this.registerProcessingTimer(earliest, fire);
          },
        });
        part.timers = service;
        if (restore && restore.timers.length > 0) service.restore(restore.timers);
        return service;
      },
      operatorStateStore,
      isRestored: restore !== undefined,
      restoredCheckpointId: restore !== undefined ? o.restore?.checkpointId : undefined,
      accumulators,
      logger: this.logger.child({ operator: spec.name }),
      metricRegistry: this.userMetrics,
      sendToClient: (values) => o.sendToClient(spec.uid, values, o.subtaskIndex),
      clientBlocked: () => o.clientBlocked?.(spec.uid),
      enqueueMail: (fn) => this.enqueueMail(fn),
      deferWork: (work) => this.deferWork(work),
      fail: (error) =>
        this.enqueueMail(() => {
          throw error;
        }),
    };
  }

  /** Runs `callback` in the mailbox once the clock reaches `time`. */
  registerProcessingTimer(time: number, callback: (time: number) => void): Cancellable {
    const handle: { inner?: Cancellable; cancelled: boolean } = { cancelled: false };
    const cancellable: Cancellable = {
      cancel: () => {
        handle.cancelled = true;
        handle.inner?.cancel();
        this.timers.delete(cancellable);
      },
    };
    this.timers.add(cancellable);
    handle.inner = this.options.clock.schedule(time, () => {
      this.timers.delete(cancellable);
      if (!handle.cancelled) this.enqueueMail(() => this.fireTimer(callback, time));
    });
    return cancellable;
  }

  /**
   * A processing-time timer that came due. While the task waits for its synchronous savepoint, it is
   * held back: it fires if the savepoint fails, and is left to the restored job if it completes (the
   * snapshot holds it), so that nothing is emitted after the savepoint.
   */
  private fireTimer(callback: (time: number) => void, time: number): void {
    if (this.synchronousSavepoint.id >= 0) this.synchronousSavepoint.heldTimers.push(() => callback(time));
    else callback(time);
  }

  /** Work an operator handed over (OperatorContext.deferWork), done before any more input is read. */
  private deferred: Array<() => boolean> = [];

  private deferWork(work: () => boolean): void {
    this.deferred.push(work);
  }

  /** One piece of the deferred work; false once there is none left. */
  private stepDeferred(): boolean {
    const deferred = this.deferred;
    if (deferred.length === 0) return false;
    if (!deferred[0]()) deferred.shift();
    return true;
  }

  /** Finishes the deferred work at once: before a snapshot and at the end of input. */
  private drainDeferred(): void {
    while (this.stepDeferred()) {
      // Each call does a piece.
    }
  }

  enqueueMail(mail: () => void): void {
    if (this.state === 'finished' || this.state === 'failed' || this.state === 'cancelled') return;
    this.mails.push(mail);
    this.options.wakeup.signal();
  }

  async open(): Promise<void> {
    try {
      // Tail first, so that an operator's downstream is ready when it starts emitting.
      for (let i = this.operators.length - 1; i >= 0; i--) {
        const operator = this.operators[i];
        try {
          await operator.open();
        } catch (error) {
          // Reported against the operator whose function failed, not the chain's head.
          throw error instanceof OperatorFailure || error instanceof WeirError || operator === this.source
            ? error
            : OperatorFailure.inOpen(operator, error);
        }
      }
      this.state = 'running';
      this.logState();
      this.latencyMarkers?.start();
    } catch (error) {
      this.fail(error);
    }
  }

  /** One unit of work; never throws (a failure moves the task to 'failed'). */
  step(): StepResult {
    if (this.state === 'finished' || this.state === 'failed' || this.state === 'cancelled') return 'done';
    if (this.state === 'finishing') return this.runPendingMails() ? 'worked' : 'waiting';
    if (this.state === 'created') return 'waiting';
    const started = performance.now();
    if (this.lastStepEnd > 0 && !this.lastWorked) {
      // The time since the last step was spent waiting: for input, output credit or an operator.
      const waited = started - this.lastStepEnd;
      if (this.lastWait === WAIT_OUTPUT) this.backPressuredMs += waited;
      else if (this.lastWait === WAIT_OPERATOR) this.busyMs += waited;
      else this.idleMs += waited;
    }
    try {
      this.lastWait = WAIT_INPUT;
      let worked = this.runMails();
      if (this.state === 'running') worked = this.processInput(started) || worked;
      this.flushOutputs();
      const ended = performance.now();
      if (worked) this.busyMs += ended - started;
      this.lastWorked = worked;
      this.lastStepEnd = ended;
      return worked ? 'worked' : 'waiting';
    } catch (error) {
      this.fail(error);
      return 'done';
    }
  }

  private runMails(): boolean {
    if (this.mails.length === 0) return false;
    const mails = this.mails;
    this.mails = [];
    for (const mail of mails) mail();
    return true;
  }

  private outputsAvailable(): boolean {
    const writers = this.writers;
    for (let i = 0; i < writers.length; i++) {
      if (!writers[i].isAvailable()) {
        this.lastWait = WAIT_OUTPUT;
        return false;
      }
    }
    if (this.blockedOn) {
      this.lastWait = this.blockedWait;
      return false;
    }
    for (let i = 0; i < this.operators.length; i++) {
      const blocked = this.operators[i].blocked?.();
      if (blocked) {
        this.blockedOn = blocked;
        blocked.then(() => {
          this.blockedOn = undefined;
          this.options.wakeup.signal();
        });
        this.blockedWait = this.operators[i].blockedByDownstream ? WAIT_OUTPUT : WAIT_OPERATOR;
        this.lastWait = this.blockedWait;
        return false;
      }
    }
    return true;
  }

  private processInput(started: number): boolean {
    const batchSize = this.options.config.batchSize;
    let worked = false;
    // About a millisecond of work, then back to the scheduler (fairness, timers, I/O). The time is
    // checked after each unit of work, never before the first: a pause (GC) must not make a
    // runnable task report that it is waiting, or nothing would wake it up.
    if (this.inputSuspended()) return false;
    for (let first = true; this.state === 'running'; first = false) {
      if (!first && performance.now() - started >= 1) break;
      if (!this.outputsAvailable()) break;
      if (this.deferred.length > 0) {
        this.stepDeferred();
        worked = true;
        continue;
      }
      if (this.source) {
        if (this.sourceWaiting || this.endOfData !== 'none') break;
        const status = this.source.emitNext(batchSize);
        worked = true;
        if (status === 'end') {
          this.endOfInput();
          break;
        }
        if (status === 'nothing-available') {
          this.sourceWaiting = true;
          this.source.reader.isAvailable().then(
            () => {
              this.sourceWaiting = false;
              this.options.wakeup.signal();
            },
            (error) =>
              this.enqueueMail(() => {
                throw error;
              }),
          );
          break;
        }
      } else {
        const element = this.pollInput();
        if (element === undefined) break;
        worked = true;
        this.handleElement(element.element, element.index);
        // The last end-of-data starts the task's finish: nothing more is read until it is done, so
        // that a barrier behind it is taken after end-of-data went downstream (the final checkpoint).
        if (this.inputSuspended()) break;
      }
    }
    return worked;
  }

  private pollInput(): { element: StreamElement; index: number } | undefined {
    const inputs = this.options.inputs;
    const n = inputs.length;
    const aligning = this.aligner.anyBlocked;
    for (let k = 0; k < n; k++) {
      const i = (this.nextInput + k) % n;
      if (aligning && this.aligner.blocked[i] === 1) continue;
      const element = inputs[i].channel.poll();
      if (element !== undefined) {
        this.nextInput = (i + 1) % n;
        this.current.element = element;
        this.current.index = i;
        return this.current;
      }
    }
    return undefined;
  }
  private readonly current: { element: StreamElement; index: number } = {
    element: { kind: 'end' },
    index: 0,
  };

  private handleElement(element: StreamElement, channel: number): void {
    switch (element.kind) {
      case 'records': {
        const { values, timestamps } = element;
        const target = this.channelInput[channel] === 0 ? this.headTarget : this.headTarget2!;
        this.recordsIn += values.length;
        this.currentChannel = channel;
        if (timestamps === null) {
          for (let i = 0; i < values.length; i++) target.pushRecord(values[i], NO_TIMESTAMP);
        } else {
          for (let i = 0; i < values.length; i++) target.pushRecord(values[i], timestamps[i]);
        }
        return;
      }
      case 'watermark': {
        this.channelWatermarks.onWatermark(channel, element.time);
        const advanced = this.valve.inputWatermark(channel, element.time);
        if (this.outputIdle) this.updateIdleness();
        if (advanced !== undefined) this.headTarget.pushWatermark(advanced);
        return;
      }
      case 'idle': {
        this.channelWatermarks.onIdle(channel, element.idle);
        const advanced = this.valve.inputIdle(channel, element.idle);
        if (advanced !== undefined) this.headTarget.pushWatermark(advanced);
        this.updateIdleness();
        return;
      }
      case 'barrier': {
        const result = this.aligner.onBarrier(channel, element.checkpointId);
        if (this.aligner.abandonedId >= 0) {
          this.declineCheckpoint(this.aligner.abandonedId, 'the barrier of a newer checkpoint arrived first');
        }
        if (result === 'stale') return;
        if (this.alignedBarrier?.checkpointId !== element.checkpointId) this.alignedBarrier = element;
        if (result === 'aligned') this.performCheckpoint(element);
        return;
      }
      case 'latency-marker':
        // Not held by barrier alignment beyond its channel (a blocked channel is not read), as Flink.
        (this.channelInput[channel] === 0 ? this.headTarget : this.headTarget2!).pushLatencyMarker(element);
        return;
      case 'end-of-data':
        this.channelEndOfData(channel);
        return;
      case 'end': {
        if (this.endedInputs[channel]) return;
        this.endedInputs[channel] = true;
        this.channelEndOfData(channel);
        if (this.aligner.onChannelEnded(channel) === 'aligned' && this.alignedBarrier) {
          this.performCheckpoint(this.alignedBarrier);
        }
        const advanced = this.valve.inputEnded(channel);
        if (advanced !== undefined) this.headTarget.pushWatermark(advanced);
        return;
      }
    }
  }

  /**
   * No input is read while operators flush at the end of input, nor after the snapshot of a
   * synchronous savepoint (stop-with-savepoint). A method, not a field read: handleElement changes
   * the phase behind the compiler's back.
   */
  private inputSuspended(): boolean {
    return this.endOfData === 'finishing' || this.synchronousSavepoint.id >= 0;
  }

  /** A channel has no more records (end-of-data, or its end); after the last one, the input ends. */
  private channelEndOfData(channel: number): void {
    if (this.endOfDataChannels[channel] === 1) return;
    this.endOfDataChannels[channel] = 1;
    if (++this.endOfDataCount === this.endOfDataChannels.length) this.endOfInput();
  }
  private currentChannel = -1;
  private outputIdle = false;

  /** When every input is idle, this task is idle downstream too; active again when one is. */
  private updateIdleness(): void {
    const idle = this.valve.allIdle();
    if (idle === this.outputIdle) return;
    this.outputIdle = idle;
    this.headTarget.pushWatermarkStatus(idle);
  }

  /** All input consumed: final watermark, endInput head to tail, then asynchronous finish. */
  private endOfInput(): void {
    if (this.options.inputs.length === 0 && !this.source) {
      this.headTarget.pushWatermark(MAX_WATERMARK);
    }
    this.drainDeferred();
    for (const op of this.operators) op.endInput();
    if (this.options.checkpointing) {
      this.endOfData = 'finishing';
      void this.finishData();
      return;
    }
    this.state = 'finishing';
    this.onStateChange(this);
    void this.finishAsync();
  }

  /** Checkpointed end of input, first part: flush, then tell downstream that no data follows. */
  private async finishData(): Promise<void> {
    try {
      for (const op of this.operators) {
        await op.finish();
        this.runMails();
      }
      if (this.state !== 'running') return;
      this.flushOutputs();
      for (const writer of this.writers) writer.broadcastControl({ kind: 'end-of-data' });
      this.endOfData = 'awaiting-checkpoint';
      this.options.wakeup.signal();
    } catch (error) {
      this.fail(error);
    }
  }

  /** Checkpointed end of input, last part: a checkpoint after end-of-data completed. */
  private async finishAfterFinalCheckpoint(): Promise<void> {
    this.state = 'finishing';
    this.onStateChange(this);
    try {
      await this.closeFinished();
    } catch (error) {
      this.fail(error);
    }
  }

  private async finishAsync(): Promise<void> {
    try {
      for (const op of this.operators) {
        await op.finish();
        // Completions of asynchronous sinks arrive as mails while we wait.
        this.runMails();
      }
      this.flushOutputs();
      await this.closeFinished();
    } catch (error) {
      this.fail(error);
    }
  }

  /** The end of a finished task: `end` downstream, timers off, operators closed (last first). */
  private async closeFinished(): Promise<void> {
    for (const writer of this.writers) writer.broadcastControl({ kind: 'end' });
    this.cancelTimers();
    for (let i = this.operators.length - 1; i >= 0; i--) await this.operators[i].close();
    this.state = 'finished';
    this.onStateChange(this);
    this.options.wakeup.signal();
  }

  private flushOutputs(): void {
    for (let i = 0; i < this.collectors.length; i++) this.collectors[i].flush();
    for (let i = 0; i < this.writers.length; i++) this.writers[i].flush();
  }

  /** Mails keep running while the task finishes (async sinks complete through them). */
  runPendingMails(): boolean {
    if (this.state !== 'finishing') return false;
    try {
      return this.runMails();
    } catch (error) {
      this.fail(error);
      return true;
    }
  }

  // ---- checkpoints --------------------------------------------------------------------------

  /**
   * Starts checkpoint `id` at this source task: snapshot, then inject the barrier. `synchronous`: the
   * savepoint of a stop-with-savepoint; the source emits nothing after its barrier.
   */
  triggerCheckpoint(checkpointId: number, savepoint: boolean, location: string, synchronous = false): void {
    // A finished task is no longer expected by the coordinator (it learns that from its state change).
    if (this.state === 'finished') return;
    if (this.state !== 'running') {
      this.declineCheckpoint(checkpointId, `the task is ${this.state}`);
      return;
    }
    const barrier: Barrier = synchronous
      ? { kind: 'barrier', checkpointId, savepoint, location, synchronous }
      : { kind: 'barrier', checkpointId, savepoint, location };
    this.enqueueMail(() => this.performCheckpoint(barrier));
  }

  /** Every subtask acknowledged checkpoint `id` and its metadata is written. */
  notifyCheckpointComplete(checkpointId: number): void {
    this.undeliveredCompletions.add(checkpointId);
    this.enqueueMail(() => {
      this.checkpointSizeCompleted(checkpointId);
      this.incremental?.completed(checkpointId);
      this.deliverCompletion(checkpointId);
      this.synchronousSavepoint.aborted.delete(checkpointId);
      if (checkpointId === this.synchronousSavepoint.id) {
        this.endOfData = 'none';
        void this.endAfterSynchronousSavepoint();
      } else if (this.endOfData === 'awaiting-checkpoint' && checkpointId >= this.finalCheckpointId) {
        this.endOfData = 'none';
        void this.finishAfterFinalCheckpoint();
      }
    });
  }

  /**
   * Checkpoints known complete whose notification has not reached the operators yet. A task stopped
   * right after a checkpoint completes (stop-with-savepoint) still delivers them, and waits for the
   * commits they start, so that what the savepoint pre-committed is committed, not left open.
   */
  private readonly undeliveredCompletions = new Set<number>();
  private commitsUnderWay: Promise<unknown> = Promise.resolve();

  private deliverCompletion(checkpointId: number): void {
    if (!this.undeliveredCompletions.delete(checkpointId)) return;
    const started: Promise<void>[] = [];
    for (const op of this.operators) {
      const commit = op.notifyCheckpointComplete?.(checkpointId);
      if (commit !== undefined) started.push(commit);
    }
    if (started.length > 0) this.commitsUnderWay = Promise.allSettled([this.commitsUnderWay, ...started]);
  }

  notifyCheckpointAborted(checkpointId: number): void {
    this.enqueueMail(() => {
      this.checkpointSizes.delete(checkpointId);
      this.incremental?.aborted(checkpointId);
      this.synchronousSavepointAborted(checkpointId);
      if (this.aligner.abort(checkpointId)) this.alignedBarrier = undefined;
      for (const op of this.operators) op.notifyCheckpointAborted?.(checkpointId);
    });
  }

  /**
   * The synchronous part: operators prepare (sources record split positions, transactional sinks
   * pre-commit), the state of the chain is serialized, and the barrier goes downstream after the
   * records before it. The state file is then written asynchronously and acknowledged.
   */
  private performCheckpoint(barrier: Barrier): void {
    this.alignedBarrier = undefined;
    const cp = this.options.checkpointing;
    if (!cp) return;
    const id = barrier.checkpointId;
    if (this.state !== 'running') {
      this.declineCheckpoint(id, `the task is ${this.state}`);
      return;
    }
    if (this.synchronousSavepoint.id >= 0) {
      this.declineCheckpoint(id, `the task is stopping with savepoint ${this.synchronousSavepoint.id}`);
      return;
    }
    if (this.endOfData === 'awaiting-checkpoint' && id < this.finalCheckpointId) this.finalCheckpointId = id;
    // The snapshot sees the operators after the work they deferred, as if it had run at once.
    this.drainDeferred();
    let preCommits: Promise<void>[] | undefined;
    for (const op of this.operators) {
      const pending = op.snapshotState?.(id);
      if (pending !== undefined) (preCommits ??= []).push(pending);
    }
    const operators: Record<string, OperatorSubtaskState> = {};
    let streams: Map<string, KeyedStateSnapshotStream> | undefined;
    // Savepoints are always full; incremental checkpoints write the changed key groups only.
    const incremental =
      !barrier.savepoint && this.options.config.checkpointing?.incremental === true
        ? (this.incremental ??= new IncrementalSnapshots())
        : undefined;
    for (const part of this.snapshotParts) {
      const s: OperatorSubtaskState = {};
      let only: Uint8Array | undefined;
      if (part.keyed !== undefined && incremental && isIncrementalKeyedStateBackend(part.keyed)) {
        only = incremental.prepare(id, part.uid, part.keyed);
      }
      if (part.keyed !== undefined && isStreamingKeyedStateBackend(part.keyed)) {
        // A view taken now, read and written while the task goes on (streamed-task-state.ts).
        let stream = part.keyed.snapshotStream(only);
        if (only !== undefined) stream = incremental!.watch(id, part.uid, stream);
        (streams ??= new Map()).set(part.uid, stream);
        s.keyed = stream.header;
      } else if (only !== undefined) {
        // Scratch numbers: the snapshot is encoded below, before the task goes on.
        s.keyed = (part.keyed as IncrementalKeyedStateBackend).snapshot(only, true);
      } else if (part.keyed) s.keyed = part.keyed.snapshot(undefined, true);
      if (part.timers) s.timers = part.timers.snapshot(only);
      if (only !== undefined) incremental!.holdsAll(id, part.uid, s.keyed, s.timers);
      const operatorState = part.operatorState.snapshot();
      if (operatorState.states.length > 0) s.operator = operatorState;
      operators[part.uid] = s;
    }
    const snapshot: TaskStateSnapshot = {
      vertex: this.options.vertex.id,
      subtask: this.subtaskIndex,
      parallelism: this.parallelism,
      operators,
    };
    const encoded = streams === undefined ? encodeTaskStateReusing(snapshot, this.lastStateBytes) : undefined;
    if (encoded !== undefined) this.lastStateBytes = encoded.bytes.byteLength;
    const bytes = encoded?.bytes;
    if (bytes !== undefined) this.checkpointSizes.set(id, bytes.byteLength);
    const alignmentMs = this.options.inputs.length > 0 ? this.aligner.lastAlignmentMs : 0;
    this.flushOutputs();
    for (const writer of this.writers) writer.broadcastControl(barrier);
    // A stop-with-savepoint: nothing more is processed here until the savepoint completes or fails
    // (unless it failed already, before its barrier came this far).
    if (barrier.synchronous === true && !this.synchronousSavepoint.aborted.delete(id)) {
      this.synchronousSavepoint.id = id;
    }
    const name = `${this.options.vertex.id.replace(/[^A-Za-z0-9._-]/g, '_')}-${this.subtaskIndex}.state`;
    const file = incremental === undefined ? name : sharedStateFile(id, name);
    const references = incremental?.references(id);
    const storage = barrier.savepoint ? savepointStorage(cp.storage) : cp.storage;
    const write = (): Promise<StateHandle> =>
      streams === undefined
        ? storage.writeState(barrier.location, file, bytes!)
        : writeStreamedTaskState(storage, barrier.location, file, snapshot, streams).then((handle) => {
            this.checkpointSizes.set(
              id,
              handle.kind === 'file' ? handle.bytes : handle.kind === 'inline' ? handle.data.byteLength : 0,
            );
            return handle;
          });
    // A failed pre-commit (a transaction that could not be flushed) fails the task: the records
    // before the barrier are then in no transaction, so this checkpoint must never complete.
    const written =
      preCommits === undefined
        ? write()
        : Promise.all(preCommits).then(write, (error) => {
            this.enqueueMail(() => {
              throw new WeirError(
                'CHECKPOINT_FAILED',
                `the pre-commit of checkpoint ${id} failed: ${error instanceof Error ? error.message : String(error)}`,
                { cause: error },
              );
            });
            throw error;
          });
    if (encoded !== undefined) written.then(encoded.release, encoded.release);
    written.then(
      (handle) => {
        incremental?.written(id, handle);
        const entry: TaskStateEntry = {
          vertex: this.options.vertex.id,
          subtask: this.subtaskIndex,
          parallelism: this.parallelism,
          operators: Object.keys(operators),
          handle,
        };
        if (references !== undefined) entry.references = references;
        cp.acknowledge(this.taskKey, id, entry, alignmentMs);
      },
      // A failure no restart can fix (a Kafka topic that does not exist) fails this task above: it
      // must not also count as a failed checkpoint, whose job failure would be restarted.
      (error) =>
        cp.decline(
          this.taskKey,
          id,
          error instanceof Error ? error.message : String(error),
          isRecoverable(error),
        ),
    );
  }

  /** Checkpoint `id` completed: its state size is now the subtask's; older pending ones are moot. */
  private checkpointSizeCompleted(id: number): void {
    const size = this.checkpointSizes.get(id);
    if (size !== undefined) this.lastCheckpointSize = size;
    for (const pending of [...this.checkpointSizes.keys()])
      if (pending <= id) this.checkpointSizes.delete(pending);
  }

  /**
   * The synchronous savepoint (stop-with-savepoint) this task snapshotted and waits for (-1: none),
   * the processing-time timers held back meanwhile, and checkpoints aborted before their barrier
   * reached this task (a synchronous barrier of one of them must not stop the task).
   */
  private readonly synchronousSavepoint = {
    id: -1,
    heldTimers: [] as Array<() => void>,
    aborted: new Set<number>(),
  };

  /** Checkpoint `id` was aborted: if the task waited for it as a synchronous savepoint, it resumes. */
  private synchronousSavepointAborted(id: number): void {
    const sync = this.synchronousSavepoint;
    if (id !== sync.id) {
      // Its barrier may still come: remember the abort (a few, the newest).
      if (id > sync.id) {
        sync.aborted.add(id);
        if (sync.aborted.size > MAX_REMEMBERED_ABORTS) sync.aborted.delete(Math.min(...sync.aborted));
      }
      return;
    }
    sync.id = -1;
    const held = sync.heldTimers;
    sync.heldTimers = [];
    for (const timer of held) this.enqueueMail(timer);
    this.options.wakeup.signal();
  }

  /**
   * The synchronous savepoint completed (and its commits were started): the task closes its
   * operators, without endInput or a final watermark (no event-time timer fires), and ends.
   */
  private async endAfterSynchronousSavepoint(): Promise<void> {
    this.state = 'finishing';
    this.onStateChange(this);
    this.cancelTimers();
    this.synchronousSavepoint.heldTimers = [];
    try {
      await this.commitsUnderWay;
      for (let i = this.operators.length - 1; i >= 0; i--) await this.operators[i].close();
      if (this.state !== 'finishing') return;
      this.state = 'finished';
      this.onStateChange(this);
      this.options.wakeup.signal();
    } catch (error) {
      this.fail(error);
    }
  }

  private declineCheckpoint(checkpointId: number, reason: string): void {
    this.options.checkpointing?.decline(this.taskKey, checkpointId, reason, false);
  }

  /** A snapshot of this subtask's metrics. */
  metrics(): TaskMetrics {
    let recordsOut = 0;
    for (const w of this.writers) recordsOut += w.records;
    let inputQueue = 0;
    for (const input of this.options.inputs) inputQueue += input.channel.queued();
    const now = performance.now();
    // The wait under way since the last step counts already (a task waiting for input is idle now).
    let idleMs = this.idleMs;
    let backPressuredMs = this.backPressuredMs;
    let busyMs = this.busyMs;
    if (this.state === 'running' && this.lastStepEnd > 0 && !this.lastWorked) {
      const waited = now - this.lastStepEnd;
      if (this.lastWait === WAIT_OUTPUT) backPressuredMs += waited;
      else if (this.lastWait === WAIT_OPERATOR) busyMs += waited;
      else idleMs += waited;
    }
    const base: TaskMetrics = {
      vertex: this.name,
      vertexId: this.options.vertex.id,
      subtask: this.subtaskIndex,
      parallelism: this.parallelism,
      state: this.state,
      recordsIn: this.source ? this.source.records : this.recordsIn,
      recordsOut,
      busyMs,
      idleMs,
      backPressuredMs,
      inputQueue,
      recordsInErrors: this.source?.recordsInErrors(),
    };
    const metrics = this.metricsCollector.complete(base, now);
    metrics.operators = this.withLatency(metrics.operators);
    return metrics;
  }

  /**
   * Adds the sinks' latency histograms (latency tracking on, once a marker arrived) to the chain's
   * operator metrics, or lists those sinks alone when there are none.
   */
  private withLatency(operators: OperatorMetrics[] | undefined): OperatorMetrics[] | undefined {
    let result = operators;
    for (const { uid, name, stats } of this.latencyStats) {
      const latency = stats.snapshot();
      if (latency === undefined) continue;
      const entry = result?.find((o) => o.uid === uid);
      if (entry !== undefined) entry.latency = latency;
      else (result ??= []).push({ uid, name, latency });
    }
    return result;
  }

  fail(error: unknown): void {
    if (this.state === 'failed' || this.state === 'cancelled' || this.state === 'finished') return;
    this.failure = this.describeFailure(error);
    this.state = 'failed';
    this.cancelTimers();
    this.onStateChange(this);
    this.options.wakeup.signal();
  }

  /** Stops the task and closes its operators (best effort). */
  async cancel(): Promise<void> {
    const wasFailed = this.state === 'failed';
    if (this.state !== 'failed') this.state = 'cancelled';
    this.cancelTimers();
    // A complete checkpoint stays complete whatever happens next: commit what it covers.
    for (const id of [...this.undeliveredCompletions].sort((a, b) => a - b)) {
      try {
        this.deliverCompletion(id);
      } catch {
        // Best effort, as closing below.
      }
    }
    await this.commitsUnderWay;
    for (let i = this.operators.length - 1; i >= 0; i--) {
      try {
        await this.operators[i].close();
      } catch {
        // Closing after a failure or cancel is best effort.
      }
    }
    if (!wasFailed) this.onStateChange(this);
  }

  private cancelTimers(): void {
    for (const t of [...this.timers]) t.cancel();
    this.timers.clear();
  }

  /** A readable error: which operator, which subtask, which record and where it came from. */
  private describeFailure(error: unknown): WeirError {
    const subtask = `subtask ${this.subtaskIndex + 1}/${this.parallelism}`;
    let operatorText = `task "${this.name}"`;
    let cause = error;
    let recordText = '';
    // The same as data, for the REST API's exception history (a source may have attached its part).
    const context: TaskFailureContext = {
      ...taskFailureOf(error),
      vertexId: this.options.vertex.id,
      taskName: this.name,
      subtask: this.subtaskIndex,
    };
    if (error instanceof OperatorFailure) {
      operatorText = `operator "${error.operator.name}" (uid ${error.operator.uid})`;
      context.operatorUid = error.operator.uid;
      cause = error.cause;
      if (error.hasRecord) {
        recordText = ` on record ${previewRecord(error.record)}`;
        context.record ??= failedRecordText(error.record);
      }
      const position = error.phase === 'open' ? undefined : this.source?.currentPosition();
      if (error.phase === 'open') recordText = ' in open()';
      else if (position) {
        recordText += ` at ${position}`;
        context.position ??= position;
        context.source ??= this.source?.name;
      } else if (error.hasRecord && this.currentChannel >= 0) {
        recordText += ` from ${this.options.inputs[this.currentChannel].origin}`;
      }
    } else if (this.source) {
      const position = this.source.currentPosition();
      context.operatorUid ??= this.source.uid;
      context.source ??= this.source.name;
      if (position) context.position ??= position;
      if (!(error instanceof WeirError)) {
        // The reader itself failed (or its generator did): say where it was reading.
        operatorText = `source "${this.source.name}" (uid ${this.source.uid})`;
        if (position) recordText = ` at ${position}`;
      }
    }
    if (cause instanceof WeirError && !(error instanceof OperatorFailure))
      return withTaskFailure(cause, context);
    const message = cause instanceof Error ? cause.message : String(cause);
    const code = cause instanceof WeirError ? cause.code : 'USER_FUNCTION_FAILED';
    return withTaskFailure(
      new WeirError(code, `${operatorText} in ${subtask} failed${recordText}: ${message}`, { cause }),
      context,
    );
  }
}
