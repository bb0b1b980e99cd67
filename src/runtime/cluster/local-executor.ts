import { availableParallelism } from 'node:os';
import type { JobPlan, PipelineExecutor, Submission } from '../../api/executor.ts';
import type { JobClient } from '../../core/job-client.ts';
import { JobMaster } from '../scheduler/job-master.ts';
import type { SlotProvider, TaskManagerGateway } from '../scheduler/task-manager-gateway.ts';
import { InThreadTaskManager } from './in-thread-task-manager.ts';
import { defaultSlotHeapMb } from './task-slot-pool.ts';
import { WorkerThreadTaskManager } from './worker-thread-task-manager.ts';

/**
 * The local mini-cluster: a job master and one TaskManager in this process. A job started from a
 * job module (`weir run`, `runJob`) runs its subtasks on task slots in worker threads, one per core
 * by default and at most one per parallel subtask, at every parallelism (1 included): this thread
 * only coordinates, so it stays free to answer signals and control requests and to end a slot whose
 * task ignores cancellation. A job built inline, in a test say, whose functions no other thread
 * could load, runs on one slot in this thread. A graph that is data all through (`executeJobGraph`)
 * needs no module: it runs on slot threads too, each building the job from the graph alone.
 */
export class LocalExecutor implements PipelineExecutor {
  async execute(plan: JobPlan, submission: Submission): Promise<JobClient> {
    let slots: SlotProvider;
    if (submission.jobModule || submission.dataOnly) {
      const gateway = new WorkerThreadTaskManager({
        heapMb: submission.cluster?.slotHeapMb ?? defaultSlotHeapMb(submission.taskSlots),
      });
      const count = submission.taskSlots ?? availableParallelism();
      slots = fixedSlots(gateway, count);
    } else {
      slots = fixedSlots(new InThreadTaskManager(plan), 1);
    }
    const job = new JobMaster(plan, submission, slots);
    await job.start();
    return job;
  }
}

/** `count` slots of one TaskManager, as many of them as a job can use. */
function fixedSlots(gateway: TaskManagerGateway, count: number): SlotProvider {
  return {
    allocate: async (wanted) => Array.from({ length: Math.max(1, Math.min(count, wanted)) }, () => gateway),
  };
}
