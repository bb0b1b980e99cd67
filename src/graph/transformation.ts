import type { PartitionerSpec } from './job-graph.ts';

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

export interface PhysicalTransformation {
  kind: 'physical';
  id: number;
  /** Operator kind for the runtime: 'source', 'map', 'filter', 'sink'... */
  operator: string;
  name: string;
  uid?: string;
  parallelism?: number;
  maxParallelism?: number;
  /** Inputs by logical input index. */
  inputs: Transformation[][];
  config: Record<string, unknown>;
  fn?: unknown;
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
