/** What `execute()` resolves to once a job has finished. */
export class JobExecutionResult {
  readonly jobId: string;
  readonly jobName: string;
  /** Wall-clock run time of the job in milliseconds. */
  readonly netRuntime: number;
  private readonly accumulators: ReadonlyMap<string, unknown>;

  constructor(
    jobId: string,
    jobName: string,
    netRuntime: number,
    accumulators: ReadonlyMap<string, unknown>,
  ) {
    this.jobId = jobId;
    this.jobName = jobName;
    this.netRuntime = netRuntime;
    this.accumulators = accumulators;
  }

  getJobID(): string {
    return this.jobId;
  }
  getNetRuntime(): number {
    return this.netRuntime;
  }
  getAccumulatorResult<V = unknown>(name: string): V | undefined {
    return this.accumulators.get(name) as V | undefined;
  }
  getAllAccumulatorResults(): Record<string, unknown> {
    return Object.fromEntries(this.accumulators);
  }
}
