import { availableParallelism } from 'node:os';
import type { JobClient, JobPlan, PipelineExecutor, Submission } from '../../api/executor.ts';
import { JobMaster } from '../scheduler/job-master.ts';
import { ThreadedJobMaster } from './threaded-job-master.ts';

/**
 * The local mini-cluster. A job started from a job module (`weir run`, `runJob`) with parallelism
 * above 1 runs its task slots on worker threads, one per core by default; anything else — a job
 * built inline, in a test say, whose functions no other thread could load — runs in this thread.
 */
export class LocalExecutor implements PipelineExecutor {
  async execute(plan: JobPlan, submission: Submission): Promise<JobClient> {
    const parallelism = Math.max(...plan.graph.vertices.map((v) => v.parallelism));
    const slots = submission.taskSlots ?? availableParallelism();
    const workers = Math.min(slots, parallelism);
    if (submission.jobModule && workers > 1) {
      const job = new ThreadedJobMaster(plan, submission, workers);
      await job.start();
      return job;
    }
    const job = new JobMaster(plan, submission);
    await job.start();
    return job;
  }
}
