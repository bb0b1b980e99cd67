import type { CheckpointSettings, RestartStrategySpec } from '../core/checkpointing.ts';
import type { StateBackendSpec } from '../state/state-backend-factory.ts';
import type { KeySelectorSpec } from './key-selector-spec.ts';
import type { OperatorSpec } from './operator-spec.ts';

/**
 * The job graph is plain data (docs/architecture.md): JSON-serializable vertices, edges, partitioners and
 * operator specs (operator-spec.ts), with no functions in it. User functions and custom objects stay
 * in the job module, which every worker evaluates; the runtime finds them by operator uid in
 * {@link JobFunctions}. A graph whose specs are all data runs without a module (graph-functions.ts).
 */

export type PartitionerSpec =
  | { kind: 'forward' }
  | { kind: 'rebalance' }
  | { kind: 'rescale' }
  | { kind: 'shuffle' }
  | { kind: 'broadcast' }
  | { kind: 'global' }
  /** By key group of the record's key; `key` is the key's data form (absent or custom: a function). */
  | { kind: 'hash'; key?: KeySelectorSpec }
  | { kind: 'custom' };

export type PartitionerKind = PartitionerSpec['kind'];

export type { OperatorSpec, OutputSpec } from './operator-spec.ts';

export interface JobVertex {
  /** The uid of the chain's head operator. */
  id: string;
  name: string;
  parallelism: number;
  maxParallelism: number;
  /** The chain, head first; a chain is a tree rooted at the head. */
  operators: OperatorSpec[];
  /** True when the head is a source. */
  source: boolean;
}

export interface JobEdge {
  id: string;
  source: string;
  target: string;
  /** Operator (in the source vertex) whose output feeds the edge. */
  sourceOperator: string;
  /** Side output tag, or null for the main output. */
  tag: string | null;
  /** Logical input of the target operator (0, or 1 for the second input of a two-input operator). */
  targetInput: number;
  partitioner: PartitionerSpec;
}

export interface JobGraph {
  jobName: string;
  maxParallelism: number;
  /** Vertices in topological order. */
  vertices: JobVertex[];
  edges: JobEdge[];
  config: JobConfig;
}

export interface JobConfig {
  autoWatermarkInterval: number;
  /** Records per exchange batch. */
  batchSize: number;
  /**
   * Latency markers from the sources every this many ms (`setLatencyTrackingInterval`); 0: off;
   * unset: the cluster's `metrics.latency.interval` (default 0).
   */
  latencyTrackingInterval?: number;
  /** Batches a channel may hold before its producer is back-pressured. */
  channelCapacity: number;
  /** Checkpointing, when enabled (`env.enableCheckpointing`). */
  checkpointing?: CheckpointSettings | null;
  /** Restart strategy; unset means exponential delay with checkpointing, none without. */
  restartStrategy?: RestartStrategySpec | null;
  /** Keyed state backend (`env.setStateBackend`); unset means the heap. */
  stateBackend?: StateBackendSpec | null;
  /** Whether exchanges in one thread check records as those across threads encode them (default true). */
  recordCheck?: boolean;
  /** Names of the types registered with `env.registerType`, in registration order. */
  types?: string[];
}

/** The functions of a job, by operator uid and edge id: what the plain graph cannot carry. */
export interface JobFunctions {
  operators: Map<string, OperatorFunctions>;
  /** Key selectors and custom partitioners of edges. */
  edges: Map<string, EdgeFunctions>;
}

export interface OperatorFunctions {
  /** The user function, source or sink object. */
  fn?: unknown;
  /** Key selector of a keyed operator's input (the first input of a two-input operator). */
  keySelector?: (value: any) => unknown;
  /** Key selector of the second input of a keyed two-input operator. */
  keySelector2?: (value: any) => unknown;
  /** Anything else the operator needs (watermark strategy, output tags...). */
  extra?: Record<string, unknown>;
}

export interface EdgeFunctions {
  keySelector?: (value: any) => unknown;
  partitioner?: (key: any, numPartitions: number) => number;
}
