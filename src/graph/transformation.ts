import type { PartitionerSpec } from './job-graph.ts';
import type { OperatorConfigs, OperatorKind } from './operator-spec.ts';

/**
 * A transformation is one step the API recorded: a source, an operator, a sink, or a virtual node
 * (partitioning, union, side output) that only shapes the edges. The job graph builder turns them
 * into vertices and edges.
 */
export type Transformation =
  | PhysicalTransformation
  | {
      kind: 'partition';
      id: number;
      input: Transformation;
      partitioner: PartitionerSpec;
      keySelector?: (v: any) => unknown;
      customPartitioner?: (key: any, n: number) => number;
    }
  | { kind: 'union'; id: number; inputs: Transformation[] }
  | { kind: 'side-output'; id: number; input: PhysicalTransformation; tag: string };

/** An operator step: its kind and its typed configuration (operator-spec.ts). */
export type PhysicalTransformation = { [K in OperatorKind]: PhysicalTransformationOf<K> }[OperatorKind];

export interface PhysicalTransformationOf<K extends OperatorKind> extends PhysicalTransformationBase {
  /** Operator kind for the runtime. */
  operator: K;
  config: OperatorConfigs[K];
}

export interface PhysicalTransformationBase {
  kind: 'physical';
  id: number;
  name: string;
  uid?: string;
  parallelism?: number;
  maxParallelism?: number;
  /** Inputs by logical input index. */
  inputs: Transformation[][];
  /** The user function, or the custom source or sink object. */
  fn?: unknown;
  /** Custom objects (assigners, triggers, watermark strategies...) and further user functions. */
  extra?: Record<string, unknown>;
  /** Key selector when the operator's input is keyed. */
  keySelector?: (v: any) => unknown;
  /** Key selector of the second input of a keyed two-input operator. */
  keySelector2?: (v: any) => unknown;
  /** False when `disableChaining()` was called. */
  chainable: boolean;
  /** Starts a new chain even after a forward edge. */
  startNewChain?: boolean;
  /** Largest parallelism the operator supports (1 for non-parallel sources). */
  parallelismLimit?: number;
  source: boolean;
}
