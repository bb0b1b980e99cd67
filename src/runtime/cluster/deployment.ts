import type { RestoredJobState } from '../../checkpoint/restored-state.ts';
import type { Clock } from '../../core/clock.ts';
import type { SourceSplit } from '../../core/source.ts';
import type { JobEdge, JobFunctions, JobGraph, JobVertex } from '../../graph/job-graph.ts';
import type { InputChannel, OutputChannel } from '../network/channel.ts';
import { createChannelSelector } from '../network/channel-selector.ts';
import { RecordWriter } from '../network/record-writer.ts';
import type { Wakeup } from '../network/wakeup.ts';
import { StreamTask, type TaskCheckpointing, type TaskInput } from '../task/stream-task.ts';

/**
 * Where the channel between producer subtask `p` and consumer subtask `c` of an edge comes from:
 * a LocalChannel when both run in this thread, a remote channel when only one of them does.
 */
export interface ChannelProvider {
  /** The producer side, for a producer running here. */
  output(edge: JobEdge, producer: number, consumer: number): OutputChannel;
  /** The consumer side, for a consumer running here. */
  input(edge: JobEdge, producer: number, consumer: number): InputChannel;
}

export interface DeploymentOptions {
  jobId: string;
  graph: JobGraph;
  functions: JobFunctions;
  clock: Clock;
  wakeup: Wakeup;
  /** True for the subtasks this thread runs. */
  runsHere(vertex: JobVertex, subtask: number): boolean;
  channels: ChannelProvider;
  /** Source splits by vertex id, then by subtask. */
  splits: ReadonlyMap<string, SourceSplit[][]>;
  sendToClient(operatorUid: string, values: unknown[], subtaskIndex: number): void;
  /** A promise while the client cannot take more records from collect operator `operatorUid`. */
  clientBlocked?(operatorUid: string): Promise<void> | undefined;
  onStateChange(task: StreamTask): void;
  /** Restarts of the job so far (0 for the first attempt). */
  attemptNumber?: number;
  checkpointing?: TaskCheckpointing;
  restore?: RestoredJobState;
}

/** True when producer `p` and consumer `c` of the edge are connected (forward edges are pointwise). */
export function connected(edge: JobEdge, p: number, c: number): boolean {
  return edge.partitioner.kind !== 'forward' || p === c;
}

/** Builds the tasks of the subtasks that run in this thread, wired to their channels. */
export function deployTasks(o: DeploymentOptions): StreamTask[] {
  const { graph } = o;
  const byId = new Map(graph.vertices.map((v) => [v.id, v]));
  const tasks: StreamTask[] = [];
  for (const vertex of graph.vertices) {
    for (let i = 0; i < vertex.parallelism; i++) {
      if (!o.runsHere(vertex, i)) continue;
      const writers = new Map<string, RecordWriter>();
      for (const edge of graph.edges) {
        if (edge.source !== vertex.id) continue;
        const to = byId.get(edge.target)!;
        const row: OutputChannel[] = [];
        for (let c = 0; c < to.parallelism; c++)
          if (connected(edge, i, c)) row.push(o.channels.output(edge, i, c));
        writers.set(edge.id, recordWriter(o, edge, vertex, to, i, row));
      }
      const inputs: TaskInput[] = [];
      for (const edge of graph.edges) {
        if (edge.target !== vertex.id) continue;
        const from = byId.get(edge.source)!;
        for (let p = 0; p < from.parallelism; p++) {
          if (!connected(edge, p, i)) continue;
          inputs.push({
            channel: o.channels.input(edge, p, i),
            input: edge.targetInput,
            origin: `"${from.name}" (subtask ${p + 1}/${from.parallelism})`,
          });
        }
      }
      tasks.push(
        new StreamTask(
          {
            jobId: o.jobId,
            jobName: graph.jobName,
            vertex,
            subtaskIndex: i,
            attemptNumber: o.attemptNumber ?? 0,
            config: graph.config,
            functions: o.functions,
            clock: o.clock,
            wakeup: o.wakeup,
            inputs,
            writers,
            splits: o.splits.get(vertex.id)?.[i],
            sendToClient: o.sendToClient,
            clientBlocked: o.clientBlocked,
            checkpointing: o.checkpointing,
            restore: o.restore,
          },
          o.onStateChange,
        ),
      );
    }
  }
  return tasks;
}

function recordWriter(
  o: DeploymentOptions,
  edge: JobEdge,
  from: JobVertex,
  to: JobVertex,
  index: number,
  row: OutputChannel[],
): RecordWriter {
  const fns = o.functions.edges.get(edge.id) ?? {};
  const selector = createChannelSelector({
    spec: edge.partitioner,
    producerIndex: index,
    producerParallelism: from.parallelism,
    consumerParallelism: to.parallelism,
    maxParallelism: to.maxParallelism,
    keySelector: fns.keySelector,
    customPartitioner: fns.partitioner,
    edgeName: `${from.name} -> ${to.name}`,
  });
  const producer = from.operators.find((op) =>
    op.outputs.some((out) => out.kind === 'edge' && out.edge === edge.id),
  );
  return new RecordWriter(row, selector, o.graph.config.batchSize, {
    producer: `operator "${producer?.name ?? from.name}" (uid ${producer?.uid ?? from.id}) in subtask ${index + 1}/${from.parallelism}`,
    consumer: to.name,
    check: o.graph.config.recordCheck !== false,
  });
}
