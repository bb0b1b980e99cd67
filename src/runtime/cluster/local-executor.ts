import type { JobClient, JobPlan, PipelineExecutor } from '../../api/executor.ts';
import { JobMaster } from '../scheduler/job-master.ts';

/** Runs jobs on the local mini-cluster, in this process. */
export class LocalExecutor implements PipelineExecutor {
  async execute(plan: JobPlan): Promise<JobClient> {
    const job = new JobMaster(plan);
    await job.start();
    return job;
  }
}
