import { availableParallelism } from 'node:os';
import type { JobPlan, PipelineExecutor, Submission } from '../../api/executor.ts';
import type { JobClient } from '../../core/job-client.ts';
import { JobMaster } from '../scheduler/job-master.ts';
import { ThreadedJobMaster } from './threaded-job-master.ts';

/**
 * The local mini-cluster. A job started from a job module (`weir run`, `runJob`) runs its subtasks
 * on task slots in worker threads, one per core by default and at most one per parallel subtask,
 * at every parallelism (1 included): this thread only coordinates, so it stays free to answer
 * signals and control requests and to end a slot whose task ignores cancellation. A job built
 * inline, in a test say, whose functions no other thread could load, runs in this thread.
 */
export class LocalExecutor implements PipelineExecutor {
  async execute(plan: JobPlan, submission: Submission): Promise<JobClient> {
    if (submission.jobModule) {
      const parallelism = Math.max(...plan.graph.vertices.map((v) => v.parallelism));
      const slots = submission.taskSlots ?? availableParallelism();
      const job = new ThreadedJobMaster(plan, submission, Math.max(1, Math.min(slots, parallelism)));
      await job.start();
      return job;
    }
    const job = new JobMaster(plan, submission);
    await job.start();
    return job;
  }
}
