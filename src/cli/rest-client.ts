/**
 * The CLI's client of the JobManager's REST API: one typed method per route, JSON in and out.
 *
 * Errors: the server answers a failure with JSON `{ code, message }` and a fitting status; the client
 * raises it as `WeirError(code, message)` so that the CLI reports it like any local failure (a 401
 * adds how to give the token). A JobManager that cannot be reached (refused, unknown host, timed
 * out, a TLS failure) is `CLUSTER_UNAVAILABLE`, naming the URL and how to start or name a cluster.
 *
 * Transport: `node:http` and `node:https`, one code path for both. (Global `fetch` takes a custom CA
 * only through an undici dispatcher, and undici is not importable unless installed as a package.)
 * With `ca`, that certificate (or bundle) is the only one trusted; without it, Node's default CAs
 * and `NODE_EXTRA_CA_CERTS` are.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { WeirError, type WeirErrorCode } from '../core/errors.ts';

import type {
  CheckpointingStatistics,
  ClusterOverview,
  JobDetails,
  JobExceptions,
  JobPlanResponse,
  JobState,
  JobSummary,
  SavepointOperation,
  TaskManagerInfo,
} from '../server/dispatcher.ts';

// The resource shapes of the REST API are the server's (src/server/dispatcher.ts).
export type {
  CheckpointingStatistics,
  ClusterOverview,
  JobDetails,
  JobExceptions,
  JobPlanResponse,
  JobState,
  JobSummary,
  SavepointOperation,
  TaskManagerInfo,
};

/**
 * The body of `POST /jobs` as a client sends it (the server's SubmitRequest is what it hands the
 * dispatcher after its checks; `savepointPath` here may be relative to the savepoint root).
 */
export interface SubmitRequest {
  artifact: { name: string; code: string };
  parallelism?: number;
  args: string[];
  env: Record<string, string>;
  savepointPath?: string;
  allowNonRestoredState: boolean;
}

/** Where the JobManager's REST API is and how to talk to it. */
export interface RestClientOptions {
  /** `http://host:port` or `https://host:port` (a path prefix is kept). */
  url: string;
  /** Bearer token (`rest.auth.token`, `WEIR_REST_TOKEN`). */
  token?: string;
  /** PEM certificate(s) to trust for an https URL instead of the default CAs. */
  ca?: string | Buffer;
  /** Per request; default 30 s. */
  timeoutMs?: number;
}

/** States in which a job has ended for good (Flink's globally terminal states). */
export const TERMINAL_STATES: ReadonlySet<JobState> = new Set<JobState>(['FINISHED', 'FAILED', 'CANCELED']);

/**
 * A client of one JobManager's REST API.
 *
 * @example
 * const client = new RestClient({ url: 'http://127.0.0.1:8081' });
 * const { jobs } = await client.jobsOverview();
 */
export class RestClient {
  readonly url: string;
  private readonly token: string | undefined;
  private readonly ca: string | Buffer | undefined;
  private readonly timeoutMs: number;

  constructor(options: RestClientOptions) {
    const url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new WeirError(
        'CLI_USAGE',
        `the JobManager URL must be http:// or https://, got "${options.url}"`,
      );
    }
    this.url = url.href.replace(/\/+$/, '');
    this.token = options.token || undefined;
    this.ca = options.ca;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** `GET /overview`: TaskManagers, slots and job counts. */
  overview(): Promise<ClusterOverview> {
    return this.request('GET', '/overview');
  }

  /** `GET /jobs`: ids and states of all jobs (Flink's shape). */
  jobs(): Promise<{ jobs: Array<{ id: string; status: JobState }> }> {
    return this.request('GET', '/jobs');
  }

  /** `GET /jobs/overview`: a summary of each job. */
  jobsOverview(): Promise<{ jobs: JobSummary[] }> {
    return this.request('GET', '/jobs/overview');
  }

  /** `GET /jobs/:jobid`: the job with its vertices and their metrics. */
  job(jobId: string): Promise<JobDetails> {
    return this.request('GET', `/jobs/${encodeURIComponent(jobId)}`);
  }

  /** `GET /jobs/:jobid/plan`. */
  plan(jobId: string): Promise<JobPlanResponse> {
    return this.request('GET', `/jobs/${encodeURIComponent(jobId)}/plan`);
  }

  /** `GET /jobs/:jobid/exceptions`: the root exception and the history of failures. */
  exceptions(jobId: string): Promise<JobExceptions> {
    return this.request('GET', `/jobs/${encodeURIComponent(jobId)}/exceptions`);
  }

  /** `GET /jobs/:jobid/checkpoints`. */
  checkpoints(jobId: string): Promise<CheckpointingStatistics> {
    return this.request('GET', `/jobs/${encodeURIComponent(jobId)}/checkpoints`);
  }

  /** `GET /taskmanagers`. */
  taskManagers(): Promise<{ taskmanagers: TaskManagerInfo[] }> {
    return this.request('GET', '/taskmanagers');
  }

  /** `GET /config`: the JobManager's configuration, secrets redacted. */
  config(): Promise<Record<string, unknown>> {
    return this.request('GET', '/config');
  }

  /** `POST /jobs`: uploads an artifact and starts the job. */
  submit(request: SubmitRequest): Promise<{ jobid: string }> {
    return this.request('POST', '/jobs', request, Math.max(this.timeoutMs, 120_000));
  }

  /** `PATCH /jobs/:jobid?mode=cancel`: asks the job to cancel (it ends as CANCELED later). */
  async cancel(jobId: string): Promise<void> {
    await this.request('PATCH', `/jobs/${encodeURIComponent(jobId)}?mode=cancel`);
  }

  /** `POST /jobs/:jobid/savepoints`: starts a savepoint; poll {@link savepointStatus} with the id. */
  async triggerSavepoint(jobId: string, targetDirectory?: string): Promise<string> {
    const body: Record<string, unknown> = { 'cancel-job': false };
    if (targetDirectory !== undefined) body['target-directory'] = targetDirectory;
    const reply = await this.request<{ 'request-id': string }>(
      'POST',
      `/jobs/${encodeURIComponent(jobId)}/savepoints`,
      body,
    );
    return reply['request-id'];
  }

  /** `POST /jobs/:jobid/stop`: starts a stop-with-savepoint; poll {@link savepointStatus} with the id. */
  async stopWithSavepoint(jobId: string, targetDirectory?: string): Promise<string> {
    const body: Record<string, unknown> = { drain: false };
    if (targetDirectory !== undefined) body.targetDirectory = targetDirectory;
    const reply = await this.request<{ 'request-id': string }>(
      'POST',
      `/jobs/${encodeURIComponent(jobId)}/stop`,
      body,
    );
    return reply['request-id'];
  }

  /** `GET /jobs/:jobid/savepoints/:triggerid`. */
  savepointStatus(jobId: string, triggerId: string): Promise<SavepointOperation> {
    return this.request(
      'GET',
      `/jobs/${encodeURIComponent(jobId)}/savepoints/${encodeURIComponent(triggerId)}`,
    );
  }

  /**
   * Polls a savepoint operation until it completes, and returns the savepoint's location; a failed
   * savepoint throws its failure cause as a WeirError.
   */
  async awaitSavepoint(
    jobId: string,
    triggerId: string,
    options: { timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<string> {
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    for (;;) {
      const operation = await this.savepointStatus(jobId, triggerId);
      if (operation.status.id === 'COMPLETED' && 'operation' in operation) {
        const result = operation.operation;
        if ('location' in result) return result.location;
        const cause = result['failure-cause'];
        throw new WeirError(
          (cause.code || 'CHECKPOINT_FAILED') as WeirErrorCode,
          `the savepoint of job ${jobId} failed: ${cause.message}`,
        );
      }
      if (Date.now() >= deadline) {
        throw new WeirError(
          'CHECKPOINT_FAILED',
          `the savepoint of job ${jobId} (trigger ${triggerId}) did not complete within ${options.timeoutMs ?? 600_000} ms`,
        );
      }
      await delay(options.intervalMs ?? 250);
    }
  }

  /** One request; resolves with the parsed JSON body of a 2xx answer (undefined when empty). */
  private request<T>(method: string, path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<T> {
    const url = new URL(this.url + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          headers,
          timeout: timeoutMs,
          ...(this.ca && url.protocol === 'https:' ? { ca: this.ca } : {}),
        },
        (res) => {
          readBody(res).then(
            (text) => {
              try {
                resolve(this.answer(method, path, res.statusCode ?? 0, text) as T);
              } catch (error) {
                reject(error);
              }
            },
            (error) => reject(this.unavailable(error)),
          );
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
      );
      req.on('error', (error) => reject(this.unavailable(error)));
      req.end(payload);
    });
  }

  /** The value of a 2xx answer, or the server's error as a WeirError. */
  private answer(method: string, path: string, status: number, text: string): unknown {
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status >= 200 && status < 300) {
      if (json === undefined && text !== '') {
        throw new WeirError('CLUSTER_UNAVAILABLE', `${this.url} answered ${method} ${path} with no JSON`);
      }
      return json;
    }
    const error = json as { code?: unknown; message?: unknown } | undefined;
    const code = typeof error?.code === 'string' ? (error.code as WeirErrorCode) : undefined;
    const message =
      typeof error?.message === 'string' ? error.message : text.slice(0, 200) || `HTTP ${status}`;
    if (status === 401 || code === 'UNAUTHORIZED') {
      // The server's own message speaks of its configuration; this one of the client's.
      throw new WeirError(
        'UNAUTHORIZED',
        this.token
          ? `the JobManager at ${this.url} refused the token: check rest.auth.token in the configuration or the WEIR_REST_TOKEN environment variable`
          : `the JobManager at ${this.url} requires a token: give it with rest.auth.token in the configuration or the WEIR_REST_TOKEN environment variable`,
      );
    }
    if (code) throw new WeirError(code, message);
    throw new WeirError(
      status === 404 ? 'NOT_SUPPORTED' : 'INTERNAL',
      `${this.url} answered ${method} ${path} with HTTP ${status}: ${message}`,
    );
  }

  /** A transport failure as CLUSTER_UNAVAILABLE. */
  private unavailable(error: unknown): WeirError {
    if (error instanceof WeirError) return error;
    const code = (error as NodeJS.ErrnoException)?.code;
    const reason = error instanceof Error ? error.message : String(error);
    const refused = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
    return new WeirError(
      'CLUSTER_UNAVAILABLE',
      refused
        ? `no JobManager at ${this.url}: start one with "weir cluster start" or name it with --jobmanager`
        : `the JobManager at ${this.url} cannot be reached: ${reason}`,
      { cause: error },
    );
  }
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
