import { randomUUID } from 'node:crypto';
import type { Accumulator } from '../../api/accumulators.ts';
import type { CollectTarget } from '../../api/collect.ts';
import type { JobClient, JobPlan, JobStatus } from '../../api/executor.ts';
import { JobExecutionResult } from '../../api/job-execution-result.ts';
import { WeirError } from '../../core/errors.ts';
import type { Source, SourceSplit } from '../../core/source.ts';
import type { JobEdge, JobVertex } from '../../graph/job-graph.ts';
import { LocalChannel } from '../network/channel.ts';
import { createChannelSelector } from '../network/channel-selector.ts';
import { RecordWriter } from '../network/record-writer.ts';
import { StreamTask, type TaskInput } from '../task/stream-task.ts';
import { checkTransition, isTerminal } from './job-status.ts';
import { TaskExecutor } from './task-executor.ts';

/**
 * Runs one job: deploys its tasks, wires their channels, assigns source splits, and follows the
 * job status machine (created → running → finished | failed | cancelling → cancelled). A failing
 * task fails the job: every other task is cancelled and the result rejects with the task's error.
 */
export class JobMaster implements JobClient {
  readonly jobId = randomUUID();
  private status: JobStatus = 'created';
  private readonly plan: JobPlan;
  private readonly tasks: StreamTask[] = [];
  private readonly executor = new TaskExecutor();
  private readonly result: Promise<JobExecutionResult>;
  private resolveResult!: (r: JobExecutionResult) => void;
  private rejectResult!: (e: unknown) => void;
  private failure: WeirError | undefined;
  private startedAt = 0;

  constructor(plan: JobPlan) {
    this.plan = plan;
    this.result = new Promise((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // A job nobody awaits must not crash the process with an unhandled rejection.
    this.result.catch(() => {});
  }

  getJobStatus(): JobStatus {
    return this.status;
  }

  getJobExecutionResult(): Promise<JobExecutionResult> {
    return this.result;
  }

  /** Deploys the tasks and starts running them; resolves once they run. */
  async start(): Promise<void> {
    this.startedAt = performance.now();
    try {
      await this.deploy();
    } catch (error) {
      this.finishWith(
        'failed',
        error instanceof WeirError
          ? error
          : new WeirError(
              'JOB_FAILED',
              `cannot deploy job "${this.plan.graph.jobName}": ${String((error as Error)?.message ?? error)}`,
              { cause: error },
            ),
      );
      return;
    }
    this.transition('running');
    await Promise.all(this.tasks.map((t) => t.open()));
    void this.executor.run().then(
      () => this.onExecutorDone(),
      (error) =>
        this.fail(new WeirError('INTERNAL', `task executor failed: ${String(error)}`, { cause: error })),
    );
  }

  async cancel(): Promise<void> {
    if (isTerminal(this.status) || this.status === 'cancelling') return;
    this.transition('cancelling');
    this.executor.stop();
    await Promise.all(this.tasks.map((t) => t.cancel()));
    this.finishWith(
      'cancelled',
      new WeirError('JOB_CANCELLED', `job "${this.plan.graph.jobName}" was cancelled`),
    );
  }

  private async deploy(): Promise<void> {
    const { graph, functions, clock } = this.plan;
    const wakeup = this.executor.wakeup;
    const byId = new Map(graph.vertices.map((v) => [v.id, v]));
    // channels[edge][producer][consumer]
    const channels = new Map<string, (LocalChannel | undefined)[][]>();
    for (const edge of graph.edges) {
      const from = byId.get(edge.source)!;
      const to = byId.get(edge.target)!;
      const grid: (LocalChannel | undefined)[][] = [];
      for (let i = 0; i < from.parallelism; i++) {
        const row: (LocalChannel | undefined)[] = [];
        for (let j = 0; j < to.parallelism; j++) {
          const connected = edge.partitioner.kind !== 'forward' || i === j;
          row.push(connected ? new LocalChannel(graph.config.channelCapacity, wakeup, wakeup) : undefined);
        }
        grid.push(row);
      }
      channels.set(edge.id, grid);
    }

    for (const vertex of graph.vertices) {
      const splits = vertex.source ? await this.planSplits(vertex) : undefined;
      for (let i = 0; i < vertex.parallelism; i++) {
        const writers = new Map<string, RecordWriter>();
        for (const edge of graph.edges.filter((e) => e.source === vertex.id)) {
          const to = byId.get(edge.target)!;
          const row = channels.get(edge.id)![i].filter((c): c is LocalChannel => c !== undefined);
          writers.set(edge.id, this.recordWriter(edge, vertex, to, i, row));
        }
        const inputs: TaskInput[] = [];
        for (const edge of graph.edges.filter((e) => e.target === vertex.id)) {
          const from = byId.get(edge.source)!;
          const grid = channels.get(edge.id)!;
          for (let p = 0; p < from.parallelism; p++) {
            const channel = grid[p][i];
            if (channel) {
              inputs.push({
                channel,
                input: edge.targetInput,
                origin: `"${from.name}" (subtask ${p + 1}/${from.parallelism})`,
              });
            }
          }
        }
        const task = new StreamTask(
          {
            jobId: this.jobId,
            vertex,
            subtaskIndex: i,
            attemptNumber: 0,
            config: graph.config,
            functions,
            clock,
            wakeup,
            inputs,
            writers,
            splits: splits?.[i],
            sendToClient: (uid, values, subtask) => {
              const target = functions.operators.get(uid)?.fn as CollectTarget | undefined;
              target?.receive(values, subtask);
            },
          },
          (t) => this.onTaskStateChange(t),
        );
        this.tasks.push(task);
        this.executor.add(task);
      }
    }
  }

  private recordWriter(
    edge: JobEdge,
    from: JobVertex,
    to: JobVertex,
    index: number,
    row: LocalChannel[],
  ): RecordWriter {
    const fns = this.plan.functions.edges.get(edge.id) ?? {};
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
    return new RecordWriter(row, selector, this.plan.graph.config.batchSize);
  }

  /** The split enumerator: plans the splits once and assigns them round-robin to the readers. */
  private async planSplits(vertex: JobVertex): Promise<SourceSplit[][]> {
    const source = this.plan.functions.operators.get(vertex.operators[0].uid)?.fn as Source<
      unknown,
      SourceSplit
    >;
    let splits: SourceSplit[];
    try {
      splits = await source.createSplits(vertex.parallelism);
    } catch (error) {
      throw new WeirError(
        'SOURCE_FAILED',
        `source "${vertex.operators[0].name}" cannot plan its splits: ${(error as Error)?.message ?? error}`,
        { cause: error },
      );
    }
    const assignment: SourceSplit[][] = Array.from({ length: vertex.parallelism }, () => []);
    splits.forEach((split, k) => assignment[k % vertex.parallelism].push(split));
    return assignment;
  }

  private onTaskStateChange(task: StreamTask): void {
    if (task.state === 'failed' && task.failure && !this.failure) this.fail(task.failure);
  }

  private fail(error: WeirError): void {
    if (isTerminal(this.status) || this.failure) return;
    this.failure = error;
    this.executor.stop();
    void Promise.all(this.tasks.map((t) => t.cancel())).finally(() => this.finishWith('failed', error));
  }

  private onExecutorDone(): void {
    if (this.failure || isTerminal(this.status) || this.status === 'cancelling') return;
    const failed = this.tasks.find((t) => t.state === 'failed');
    if (failed?.failure) {
      this.fail(failed.failure);
      return;
    }
    this.transition('finished');
    this.resolveResult(
      new JobExecutionResult(
        this.jobId,
        this.plan.graph.jobName,
        performance.now() - this.startedAt,
        this.mergeAccumulators(),
      ),
    );
  }

  private mergeAccumulators(): Map<string, unknown> {
    const merged = new Map<string, Accumulator<unknown>>();
    for (const task of this.tasks) {
      for (const map of task.accumulators) {
        for (const [name, acc] of map) {
          const into = merged.get(name);
          if (!into) {
            const fresh = acc.create();
            fresh.merge(acc.getLocalValue());
            merged.set(name, fresh);
          } else into.merge(acc.getLocalValue());
        }
      }
    }
    return new Map([...merged].map(([name, acc]) => [name, acc.getLocalValue()]));
  }

  private finishWith(status: 'failed' | 'cancelled', error: WeirError): void {
    if (isTerminal(this.status)) return;
    this.transition(status);
    this.rejectResult(error);
  }

  private transition(to: JobStatus): void {
    checkTransition(this.status, to);
    this.status = to;
  }
}
