import { fileURLToPath } from 'node:url';
import { type JobPlan, setExecutionContext } from '../../api/executor.ts';
import { WeirError } from '../../core/errors.ts';

export interface PlanOptions {
  parallelism?: number;
  /** The environment the module sees while it builds its job (its slots see the same). */
  env: Record<string, string | undefined>;
  args: string[];
  /** How long the module may take to reach `execute()`. */
  timeoutMs: number;
  /** For messages: the artifact's name. */
  name: string;
}

/** One evaluation at a time: the execution context, process.env and argv are the process's. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Plans a submitted job in the JobManager: evaluates its module as a slot would (worker-entry.ts),
 * with the job's parallelism, environment and arguments, and takes the plan of its first
 * `execute()`. That call never settles here, so nothing after it in the module runs in the
 * JobManager; the module's functions stay loaded, as the job master needs its sources (to plan
 * splits) and its collect targets.
 *
 * @throws WeirError NO_JOB_EXECUTED when the module ends without calling execute(); INVALID_ARGUMENT
 * when it throws or cannot be loaded, or does not reach execute() within `timeoutMs`.
 */
export function planJobModule(url: string, options: PlanOptions): Promise<JobPlan> {
  const next = queue.then(() => evaluate(url, options));
  queue = next.catch(() => {});
  return next;
}

async function evaluate(url: string, options: PlanOptions): Promise<JobPlan> {
  const savedEnv = { ...process.env };
  const savedArgv = process.argv;
  for (const key of Object.keys(process.env)) if (!(key in options.env)) delete process.env[key];
  Object.assign(process.env, options.env);
  process.argv = [process.argv[0], fileURLToPath(url), ...options.args];
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<JobPlan>((resolve, reject) => {
      setExecutionContext({
        parallelism: options.parallelism,
        jobModule: url,
        worker: { jobIndex: 0, deploy: resolve },
      });
      timer = setTimeout(
        () =>
          reject(
            new WeirError(
              'INVALID_ARGUMENT',
              `job ${options.name} did not call execute() within ${options.timeoutMs} ms of being loaded`,
            ),
          ),
        options.timeoutMs,
      );
      import(url).then(
        () =>
          reject(
            new WeirError(
              'NO_JOB_EXECUTED',
              `${options.name} ran no job: call execute() (or executeAsync()) on its StreamExecutionEnvironment`,
            ),
          ),
        (error: unknown) =>
          reject(
            error instanceof WeirError
              ? error
              : new WeirError(
                  'INVALID_ARGUMENT',
                  `cannot load job ${options.name}: ${(error as Error)?.message ?? String(error)}`,
                  { cause: error },
                ),
          ),
      );
    });
  } finally {
    clearTimeout(timer);
    setExecutionContext(undefined);
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    process.argv = savedArgv;
  }
}
