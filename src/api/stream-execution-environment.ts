// The connector indexes: they register the factories that build these sources from plan data.
import { CollectionSource, NumberSequenceSource } from '../connectors/collection/index.ts';
import { TextLineSource } from '../connectors/files/index.ts';
import type { CheckpointingMode, RestartStrategySpec } from '../core/checkpointing.ts';
import type { Codec } from '../core/codec.ts';
import { describeSource } from '../core/connector-registry.ts';
import type { Duration } from '../core/duration.ts';
import { WeirError } from '../core/errors.ts';
import { JobExecutionResult } from '../core/job-execution-result.ts';
import type { Source } from '../core/source.ts';
import { registerRecordType } from '../core/type-registry.ts';
import { resolveGraphFunctions } from '../graph/graph-functions.ts';
import type { JobFunctions, JobGraph } from '../graph/job-graph.ts';
import { buildJobGraph } from '../graph/job-graph-builder.ts';
import type { OperatorKind } from '../graph/operator-spec.ts';
import type { PhysicalTransformation, PhysicalTransformationOf } from '../graph/transformation.ts';
import { DEFAULT_MAX_PARALLELISM } from '../state/key-groups.ts';
import { type StateBackendSpec, toStateBackendSpec } from '../state/state-backend-factory.ts';
import { WatermarkStrategy } from '../time/watermark-strategy.ts';
import { watermarkStrategyNeedsObject } from '../time/watermark-strategy-spec.ts';
import { CheckpointConfig } from './checkpoint-config.ts';
import { checkParallelism, DataStream } from './data-stream.ts';
import { ExecutionConfig } from './execution-config.ts';
import { getExecutionContext, getPipelineExecutor, type JobClient, type JobPlan } from './executor.ts';
import './keyed-stream.ts';

type NewPhysical<K extends OperatorKind> = Pick<
  PhysicalTransformationOf<K>,
  'operator' | 'name' | 'inputs' | 'config'
> &
  Partial<Pick<PhysicalTransformationOf<K>, 'fn' | 'extra' | 'parallelism' | 'parallelismLimit' | 'source'>>;

/**
 * The entry point of a job: sources come from it, and `execute()` runs what was built on it.
 *
 * @example
 * const env = StreamExecutionEnvironment.getExecutionEnvironment();
 * env.fromElements(1, 2, 3).map((n) => n * 2).print();
 * await env.execute('doubles');
 */
export class StreamExecutionEnvironment {
  private parallelism: number;
  private maxParallelism: number;
  private readonly config = new ExecutionConfig();
  private readonly checkpointConfig = new CheckpointConfig();
  private restartStrategy: RestartStrategySpec | undefined;
  private stateBackend: StateBackendSpec = { kind: 'heap' };
  private sinks: PhysicalTransformation[] = [];
  private nextId = 0;
  /** Registered types by name, in registration order. */
  private readonly types = new Map<string, unknown>();

  constructor(options: { parallelism?: number; maxParallelism?: number } = {}) {
    const context = getExecutionContext();
    this.parallelism = options.parallelism ?? context.parallelism ?? 1;
    this.maxParallelism = options.maxParallelism ?? context.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
  }

  /** The environment of the current context: the local mini-cluster, configured by `weir run` flags. */
  static getExecutionEnvironment(): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment();
  }

  static createLocalEnvironment(parallelism?: number): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment({ parallelism });
  }

  /**
   * Default parallelism of operators. A `--parallelism` given to `weir run` takes precedence, as
   * Flink's `-p` does over the job's default.
   */
  setParallelism(parallelism: number): this {
    checkParallelism(parallelism);
    if (getExecutionContext().parallelism === undefined) this.parallelism = parallelism;
    return this;
  }
  getParallelism(): number {
    return this.parallelism;
  }
  /** Number of key groups: the upper bound of parallelism for keyed state (default 128). */
  setMaxParallelism(maxParallelism: number): this {
    checkParallelism(maxParallelism);
    this.maxParallelism = maxParallelism;
    return this;
  }
  getMaxParallelism(): number {
    return this.maxParallelism;
  }
  getConfig(): ExecutionConfig {
    return this.config;
  }

  /**
   * Takes a checkpoint every `interval` ms: a consistent snapshot of every operator's state and
   * every source's position, from which the job restarts after a failure (exactly-once by default).
   *
   * @example
   * env.enableCheckpointing(1_000);
   * env.getCheckpointConfig().setCheckpointStorage('file:///tmp/weir-checkpoints');
   */
  enableCheckpointing(interval: Duration, mode: CheckpointingMode = 'EXACTLY_ONCE'): this {
    this.checkpointConfig.enable(interval, mode);
    return this;
  }

  getCheckpointConfig(): CheckpointConfig {
    return this.checkpointConfig;
  }

  /** What happens when a task fails (default: exponential delay with checkpointing, no restart without). */
  setRestartStrategy(strategy: RestartStrategySpec): this {
    this.restartStrategy = strategy;
    return this;
  }

  /**
   * Where keyed state lives. `'heap'` (the default) keeps it in Maps on the V8 heap: fastest, for
   * state that fits in memory. `'lmdb'` keeps it in an embedded LMDB environment per operator and
   * subtask, off the heap, for state larger than memory; `path` is the base directory of the
   * environments (a temporary directory when absent). Snapshots are the same for both, so a job
   * can change backend between a savepoint and its restore.
   *
   * @example
   * env.setStateBackend({ kind: 'lmdb', path: '/var/lib/weir/state' });
   */
  setStateBackend(backend: 'heap' | 'lmdb' | StateBackendSpec): this {
    this.stateBackend = toStateBackendSpec(backend);
    return this;
  }
  getStateBackend(): StateBackendSpec {
    return this.stateBackend;
  }

  /**
   * Lets instances of `type` travel in records and state: through exchanges between tasks (in the
   * same thread or not), LMDB values and checkpoints, each encoded by `codec` and decoded into an
   * instance of `type` again. Without a registration, a record holding an instance of a class fails
   * with `UNSERIALIZABLE_RECORD` at any parallelism instead of arriving as a plain object.
   *
   * The type travels under its class name (or `name`, for a class whose name is not stable, such
   * as in minified code): every thread that runs the job evaluates the job module and registers the
   * same names, and a checkpoint restores into a newer version of the job whatever the order of its
   * registrations. Register before building the pipeline, unconditionally.
   *
   * @example
   * class Money {
   *   cents: bigint;
   *   currency: string;
   *   constructor(cents: bigint, currency: string) {
   *     this.cents = cents;
   *     this.currency = currency;
   *   }
   * }
   * env.registerType(Money, {
   *   encode: (m) => new TextEncoder().encode(`${m.cents} ${m.currency}`),
   *   decode: (bytes) => {
   *     const [cents, currency] = new TextDecoder().decode(bytes).split(' ');
   *     return new Money(BigInt(cents), currency);
   *   },
   * });
   */
  registerType<T>(
    type: abstract new (...args: never[]) => T,
    codec: Codec<T>,
    name: string = type.name,
  ): this {
    const known = this.types.get(name);
    if (known !== undefined && known !== type) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `registerType: two classes are registered under the name "${name}"; give one another name: registerType(Class, codec, "OtherName")`,
      );
    }
    registerRecordType(type, codec, name);
    this.types.set(name, type);
    return this;
  }

  /** A stream of the given elements (non-parallel). */
  fromElements<T>(...elements: T[]): DataStream<T> {
    return this.fromCollection(elements).name('Elements Source');
  }

  /** A stream of a collection's elements (non-parallel). */
  fromCollection<T>(elements: Iterable<T>): DataStream<T> {
    return this.fromSource(
      new CollectionSource<T>([...elements]),
      WatermarkStrategy.noWatermarks(),
      'Collection Source',
    );
  }

  /** The numbers from `from` to `to`, inclusive, generated in parallel. */
  fromSequence(from: number, to: number): DataStream<number> {
    return this.fromSource(
      new NumberSequenceSource(from, to),
      WatermarkStrategy.noWatermarks(),
      'Sequence Source',
    );
  }

  /** Lines of a text file (or of the files of a directory). */
  readTextFile(path: string): DataStream<string> {
    return this.fromSource(new TextLineSource(path), WatermarkStrategy.noWatermarks(), `Text File ${path}`);
  }

  /** A stream from a source, with event time assigned by the watermark strategy. */
  fromSource<T>(
    source: Source<T, any>,
    watermarkStrategy: WatermarkStrategy<T>,
    sourceName: string,
  ): DataStream<T> {
    if (!source || typeof source.createReader !== 'function' || typeof source.createSplits !== 'function') {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `fromSource expects a Source (createSplits and createReader), got ${typeof source}`,
      );
    }
    // Plan data where the source and strategy have a data form; the job module's objects otherwise.
    const sourceSpec = describeSource(source);
    const strategySpec = watermarkStrategy.toSpec();
    const t = this.addPhysical({
      operator: 'source',
      name: sourceName,
      inputs: [],
      fn: sourceSpec.kind === 'custom' ? source : undefined,
      extra: watermarkStrategyNeedsObject(strategySpec) ? { watermarkStrategy } : undefined,
      config: { boundedness: source.boundedness, source: sourceSpec, watermarkStrategy: strategySpec },
      parallelismLimit: source.maxParallelism,
      source: true,
    });
    return new DataStream<T>(this, t);
  }

  /** Flink's older `addSource`: a source with no watermarks. */
  addSource<T>(source: Source<T, any>, sourceName = 'Custom Source'): DataStream<T> {
    return this.fromSource(source, WatermarkStrategy.noWatermarks(), sourceName);
  }

  /** Runs the job and resolves when it finishes (bounded sources) or rejects when it fails. */
  async execute(jobName = 'Weir Job'): Promise<JobExecutionResult> {
    const client = await this.executeAsync(jobName);
    return client.getJobExecutionResult();
  }

  /** Submits the job and resolves with a client to watch or cancel it. */
  async executeAsync(jobName = 'Weir Job'): Promise<JobClient> {
    const plan = this.createPlan(jobName);
    this.sinks = [];
    const context = getExecutionContext();
    const jobIndex = context.jobsSubmitted ?? 0;
    context.jobsSubmitted = jobIndex + 1;
    if (context.worker) {
      // In a worker thread: the coordinator runs the job; this thread only deploys its subtasks.
      if (jobIndex === context.worker.jobIndex) context.worker.deploy(plan);
      return jobIndex < context.worker.jobIndex ? plannedClient(jobName) : pendingClient();
    }
    if (context.planOnly) {
      process.stdout.write(`${JSON.stringify(plan.graph, null, 2)}\n`);
      if (context.onPlanned) {
        context.onPlanned();
        return new Promise<never>(() => {});
      }
      const client = plannedClient(jobName);
      context.onJobSubmitted?.(client, jobName);
      return client;
    }
    const client = await getPipelineExecutor().execute(plan, {
      jobModule: context.jobModule,
      jobIndex,
      parallelism: context.parallelism,
      taskSlots: context.taskSlots,
      restore: context.restore,
      cluster: context.cluster,
    });
    context.onJobSubmitted?.(client, jobName);
    return client;
  }

  /** The job graph as plain data, without running anything. */
  getJobGraph(jobName = 'Weir Job'): JobGraph {
    return this.createPlan(jobName).graph;
  }

  /** The job graph as JSON. */
  getExecutionPlan(): string {
    return JSON.stringify(this.getJobGraph(), null, 2);
  }

  /** @internal */
  createPlan(jobName: string): JobPlan & { functions: JobFunctions } {
    const { graph, functions } = buildJobGraph(this.sinks, {
      jobName,
      defaultParallelism: this.parallelism,
      maxParallelism: this.maxParallelism,
      config: {
        autoWatermarkInterval: this.config.getAutoWatermarkInterval(),
        batchSize: this.config.getBatchSize(),
        // Unset: the cluster's metrics.latency.interval applies (the graph says nothing).
        ...latencyTracking(this.config.getLatencyTrackingInterval()),
        channelCapacity: this.config.getChannelCapacity(),
        checkpointing: this.checkpointConfig.toSettings(),
        restartStrategy: this.restartStrategy ?? null,
        stateBackend: this.stateBackend,
        recordCheck: this.config.isRecordCheckEnabled(),
        types: [...this.types.keys()],
      },
    });
    return { graph, functions: resolveGraphFunctions(graph, functions), clock: this.config.getClock() };
  }

  /** @internal */
  nextTransformationId(): number {
    return this.nextId++;
  }

  /** @internal */
  addPhysical<K extends OperatorKind>(t: NewPhysical<K>): PhysicalTransformationOf<K> {
    return {
      kind: 'physical',
      id: this.nextTransformationId(),
      chainable: true,
      source: false,
      ...t,
    };
  }

  /** @internal */
  addSink(t: PhysicalTransformation): void {
    this.sinks.push(t);
  }
}

/** The client of a job that was only planned (`weir plan`): finished at once, nothing ran. */
function plannedClient(jobName: string): JobClient {
  const result = new JobExecutionResult('planned', jobName, 0, new Map());
  return {
    jobId: 'planned',
    getJobStatus: () => 'finished',
    getJobExecutionResult: () => Promise.resolve(result),
    cancel: () => Promise.resolve(),
    getMetrics: () => [],
  };
}

/** In a worker thread, the job's own client never resolves: the worker ends when the job does. */
function pendingClient(): JobClient {
  const never = new Promise<JobExecutionResult>(() => {});
  return {
    jobId: 'worker',
    getJobStatus: () => 'running',
    getJobExecutionResult: () => never,
    cancel: () => Promise.resolve(),
    getMetrics: () => [],
  };
}

function latencyTracking(interval: number | undefined): { latencyTrackingInterval?: number } {
  return interval === undefined ? {} : { latencyTrackingInterval: interval };
}
