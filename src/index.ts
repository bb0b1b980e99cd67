/**
 * Weir: a stateful stream processing engine for TypeScript, with Apache Flink's concepts.
 * This module is the public API; importing it registers the local mini-cluster as the executor.
 */
import { setPipelineExecutor } from './api/executor.ts';
import { LocalExecutor } from './runtime/cluster/local-executor.ts';

setPipelineExecutor(new LocalExecutor());

export { type Accumulator, Counter, DoubleCounter, IntCounter, LongCounter } from './api/accumulators.ts';
export {
  AllWindowedStream,
  type ProcessAllWindowFunctionLike,
  type ProcessAllWindowFunctionObject,
} from './api/all-windowed-stream.ts';
// Async I/O.
export { AsyncDataStream, type AsyncOutputMode } from './api/async-data-stream.ts';
export {
  type AsyncFunction,
  type AsyncFunctionObject,
  type ResultFuture,
  RichAsyncFunction,
} from './api/async-function.ts';
export {
  type AsyncRetryPredicate,
  AsyncRetryPredicates,
  AsyncRetryStrategies,
  type AsyncRetryStrategy,
  type ExponentialBackoffDelayRetryStrategyBuilder,
  type FixedDelayRetryStrategyBuilder,
} from './api/async-retry-strategies.ts';
// Connected streams and the broadcast state pattern.
export { BroadcastConnectedStream, KeyedBroadcastConnectedStream } from './api/broadcast-connected-stream.ts';
export {
  type BroadcastBaseContext,
  type BroadcastProcessContext,
  BroadcastProcessFunction,
  type BroadcastProcessFunctionObject,
  type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastProcessContext,
  KeyedBroadcastProcessFunction,
  type KeyedBroadcastProcessFunctionObject,
  type KeyedReadOnlyBroadcastProcessContext,
  type ReadOnlyBroadcastProcessContext,
} from './api/broadcast-process-function.ts';
export { BroadcastStream } from './api/broadcast-stream.ts';
// Checkpoints, restarts and savepoints.
export { CheckpointConfig } from './api/checkpoint-config.ts';
export {
  type CoFlatMapFunction,
  type CoMapFunction,
  CoProcessFunction,
  type CoProcessFunctionObject,
  KeyedCoProcessFunction,
  type KeyedCoProcessFunctionObject,
  RichCoFlatMapFunction,
  RichCoMapFunction,
} from './api/co-functions.ts';
// Joins: window join, window coGroup, interval join.
export {
  CoGroupedStreams,
  CoGroupedStreamsEqualTo,
  CoGroupedStreamsWhere,
  CoGroupedStreamsWithWindow,
} from './api/co-grouped-streams.ts';
export { COLLECT_BACKLOG_HIGH, type CollectTarget } from './api/collect.ts';
export { ConnectedStreams, KeyedConnectedStreams } from './api/connected-streams.ts';
export { DataStream, DataStreamSink } from './api/data-stream.ts';
export { DiscardingSink } from './api/discarding-sink.ts';
// Plans as data: run a job graph without a job module.
export { type ExecuteJobGraphOptions, executeJobGraph } from './api/execute-job-graph.ts';
export { ExecutionConfig } from './api/execution-config.ts';
export type {
  CheckpointStatistics,
  ExecutionContext,
  JobClient,
  JobPlan,
  JobStatus,
  PipelineExecutor,
  RestoreSettings,
} from './api/executor.ts';
export {
  AbstractRichFunction,
  type FilterFunction,
  type FilterFunctionObject,
  type FlatMapFunction,
  type FlatMapFunctionObject,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type KeyedProcessFunctionLike,
  type KeyedProcessFunctionObject,
  type MapFunction,
  type MapFunctionObject,
  type OnTimerContext,
  type ProcessContext,
  ProcessFunction,
  type ProcessFunctionLike,
  type ProcessFunctionObject,
  type ReduceFunction,
  type ReduceFunctionObject,
  RichFilterFunction,
  RichFlatMapFunction,
  type RichFunction,
  RichMapFunction,
  RichReduceFunction,
  type TimeDomain,
} from './api/functions.ts';
export { IntervalJoin, IntervalJoined } from './api/interval-join.ts';
export { executeJobGraphModule } from './api/job-graph-module.ts';
export {
  type CoGroupFunction,
  type CoGroupFunctionObject,
  type FlatJoinFunction,
  type FlatJoinFunctionObject,
  type JoinFunction,
  type JoinFunctionLike,
  type JoinFunctionLikeObject,
  type JoinFunctionObject,
  type ProcessJoinContext,
  ProcessJoinFunction,
  type ProcessJoinFunctionLike,
  type ProcessJoinFunctionObject,
  RichCoGroupFunction,
  RichFlatJoinFunction,
  RichJoinFunction,
  type TaggedUnion,
} from './api/join-functions.ts';
export {
  JoinedStreams,
  JoinedStreamsEqualTo,
  JoinedStreamsWhere,
  JoinedStreamsWithWindow,
} from './api/joined-streams.ts';
export { KeyedStream, type NumericField } from './api/keyed-stream.ts';
// User metrics (getRuntimeContext().getMetricGroup()); `Counter` is the accumulator, hence `MetricCounter`.
export {
  type Counter as MetricCounter,
  DescriptiveStatisticsHistogram,
  type Gauge,
  type Histogram,
  type HistogramStatistics,
  type Meter,
  MeterView,
  type MeterViewOptions,
  type Metric,
  type MetricGroup,
  SimpleCounter,
} from './api/metrics.ts';
export { formatRecord, PrintSink } from './api/print-sink.ts';
export { RestartStrategies } from './api/restart-strategies.ts';
export { type RunJobOptions, type RunJobResult, runJob } from './api/run-job.ts';
export type { KeyContext, RuntimeContext } from './api/runtime-context.ts';
export { StreamExecutionEnvironment } from './api/stream-execution-environment.ts';
export {
  type ProcessWindowContext,
  ProcessWindowFunction,
  type ProcessWindowFunctionLike,
  type ProcessWindowFunctionObject,
} from './api/window-functions.ts';
export { WindowedStream } from './api/windowed-stream.ts';
// Apache Cassandra: sink and Async I/O lookup (docs/cassandra.md)
export * from './connectors/cassandra/index.ts';
export * from './connectors/collection/index.ts';
export * from './connectors/datagen/index.ts';
export * from './connectors/files/index.ts';
// Relational databases: PostgreSQL and MariaDB sinks, bounded source and Async I/O lookup (docs/jdbc.md)
export * from './connectors/jdbc/index.ts';
// Kafka connector (KafkaSource)
export * from './connectors/kafka/index.ts';
export * from './connectors/nexmark/index.ts';
export { type AggregateFunctionDefinition, aggregateFunction } from './core/aggregate-function.ts';
export { type TableFunctionDefinition, tableFunction } from './core/table-function.ts';
export { type ScalarFunctionDefinition, scalarFunction } from './core/user-function.ts';
export { SqlError } from './sql/sql-error.ts';
export {
  type ChangelogRecord,
  type DataStreamSchema,
  type RowOfColumns,
  type SqlValueOf,
  StreamTableEnvironment,
  Table,
} from './sql/stream-table-environment.ts';
export { TableEnvironment, type TableEnvironmentSettings, TableResult } from './sql/table-environment.ts';

import './connectors/blackhole/index.ts';
import './connectors/print/index.ts';
import './connectors/values/values-table-source.ts';

export type {
  CheckpointingMode,
  CheckpointRetention,
  CheckpointSettings,
  RestartStrategySpec,
} from './core/checkpointing.ts';
export { type Cancellable, type Clock, ManualClock, SystemClock, systemClock } from './core/clock.ts';
export type { Codec } from './core/codec.ts';
export { type Collector, OutputTag } from './core/collector.ts';
export {
  type ConnectorFactory,
  type ConnectorOptions,
  type ConnectorSpec,
  registerSinkFactory,
  registerSourceFactory,
  type SinkConnectorFactory,
  type SourceConnectorFactory,
} from './core/connector-registry.ts';
export { Duration, days, hours, milliseconds, minutes, seconds, Time } from './core/duration.ts';
export { isRecoverable, isWeirError, WeirError, type WeirErrorCode } from './core/errors.ts';
export { JobExecutionResult, type RecordsInErrors } from './core/job-execution-result.ts';
export type { CompositeKey, Key, KeyField, KeySelector, PrimitiveKey } from './core/key.ts';
export type { LogFields, Logger, LogLevel } from './core/logger.ts';
export {
  type ChangelogMode,
  changelogContains,
  formatRow,
  insertRow,
  isAccumulate,
  isRetract,
  isRow,
  type Row,
  RowKind,
  row,
} from './core/row.ts';
export type { InvokeContext, Sink, SinkContext } from './core/sink.ts';
export {
  type Boundedness,
  countRecordsInErrors,
  type InputStatus,
  RECORDS_IN_ERRORS,
  RECORDS_IN_ERRORS_BY_SOURCE,
  type ReaderOutput,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type SourceSplit,
} from './core/source.ts';
export { MAX_WATERMARK, NO_TIMESTAMP } from './core/stream-element.ts';
export type { TaskMetrics } from './core/task-metrics.ts';
export { type TransactionState, TwoPhaseCommitSink } from './core/two-phase-commit-sink.ts';
export { graphNeedsModule, moduleNeeds, resolveGraphFunctions } from './graph/graph-functions.ts';
export type { JobEdge, JobGraph, JobVertex, OperatorSpec, PartitionerSpec } from './graph/job-graph.ts';
export { type KeySelectorSpec, KeySelectors } from './graph/key-selector-spec.ts';
export type * from './graph/operator-spec.ts';
export type { BroadcastState, ReadOnlyBroadcastState } from './state/broadcast-state.ts';
// State backends: heap (default) and embedded LMDB; backend-independent keyed state snapshots.
export { HeapKeyedStateBackend } from './state/heap-keyed-state-backend.ts';
export type {
  KeyedStateSnapshot,
  KeyGroupSnapshot,
  SnapshottableKeyedStateBackend,
  StateSnapshot,
} from './state/keyed-state-snapshot.ts';
export type { KeyedStateStore } from './state/keyed-state-store.ts';
export {
  LmdbKeyedStateBackend,
  type LmdbKeyedStateBackendOptions,
} from './state/lmdb-keyed-state-backend.ts';
export type { OperatorStateStore } from './state/operator-state-store.ts';
export type {
  AggregateFunction,
  AggregatingState,
  ListState,
  MapState,
  ReducingState,
  State,
  ValueState,
} from './state/state.ts';
export type {
  HeapStateBackendSpec,
  LmdbStateBackendSpec,
  StateBackendSpec,
} from './state/state-backend-factory.ts';
export {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './state/state-descriptor.ts';
export { StateTtlConfig } from './state/state-ttl-config.ts';
export type { TimerService } from './time/timer-service.ts';
export type { WatermarkGenerator, WatermarkOutput } from './time/watermark-generator.ts';
export {
  AscendingTimestampsWatermarks,
  BoundedOutOfOrdernessWatermarks,
  NoWatermarksGenerator,
} from './time/watermark-generator.ts';
export { type TimestampAssigner, WatermarkStrategy } from './time/watermark-strategy.ts';
export type {
  TimestampAssignerSpec,
  WatermarkGeneratorSpec,
  WatermarkStrategySpec,
} from './time/watermark-strategy-spec.ts';
export * from './time/windows/index.ts';
