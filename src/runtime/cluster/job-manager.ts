/**
 * The JobManager process of a standalone cluster (`weir jobmanager`): the REST API (src/server/),
 * the dispatcher of submitted jobs with one job master each, and the resource manager its
 * TaskManagers register with over RPC (rpc-protocol.ts).
 *
 * A submission arrives as one bundled ES module. The JobManager stores it in `web.upload.dir`,
 * evaluates it to plan the job (job-planner.ts), and starts a job master whose slots come from the
 * resource manager; each TaskManager fetches the same artifact, evaluates it on its slots and
 * checks that it builds the same graph. Checkpoints are coordinated here; their storage is a
 * directory every process shares.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Submission } from '../../api/executor.ts';
import { lineLogger, processLogger } from '../../core/logger.ts';
import type { SubmitRequest } from '../../server/dispatcher.ts';
import { createRestServer, type RestServer } from '../../server/rest-server.ts';
import { processLogFile } from '../logging/process-logging.ts';
import type { PrometheusServer } from '../metrics/prometheus-server.ts';
import { dispatcherView, startClusterMetrics } from '../metrics/prometheus-views.ts';
import { type FrameServer, listenFrames } from '../network/frame-socket.ts';
import { JobMaster } from '../scheduler/job-master.ts';
import { installArtifactResolution, removeArtifacts, storeArtifact } from './artifact-loader.ts';
import type { ClusterConfig } from './cluster-config.ts';
import { ClusterDispatcher, type JobLauncher } from './cluster-dispatcher.ts';
import { planJobModule } from './job-planner.ts';
import { ResourceManager } from './resource-manager.ts';
import { assertRpcBindAllowed, internalTls, JOB_MANAGER_ID } from './rpc-protocol.ts';

export interface JobManagerOptions {
  config: ClusterConfig;
  version: string;
  log?: (line: string) => void;
}

/** How long a TaskManager may take to send the end of its log file. */
const LOG_TAIL_TIMEOUT_MS = 10_000;

/** How long a submitted module may take to reach execute() in the JobManager. */
const PLANNING_TIMEOUT_MS = 60_000;

export class JobManager implements JobLauncher {
  private readonly config: ClusterConfig;
  private readonly log: (line: string) => void;
  readonly resources: ResourceManager;
  readonly dispatcher: ClusterDispatcher;
  private readonly artifacts = new Map<string, { name: string; code: string; sha256: string }>();
  private rpc: FrameServer | undefined;
  private rest: RestServer | undefined;
  /** The Prometheus endpoint (`metrics.reporter.prom.*`): the cluster and job scopes. */
  private metrics: PrometheusServer | undefined;

  private constructor(options: JobManagerOptions) {
    this.config = options.config;
    this.log = options.log ?? lineLogger(processLogger());
    this.resources = new ResourceManager({
      slotRequestTimeoutMs: this.config.slot.request.timeout,
      version: options.version,
      artifactOf: (jobId) => this.artifacts.get(jobId),
      log: this.log,
    });
    this.dispatcher = new ClusterDispatcher({
      launcher: this,
      resources: this.resources,
      config: () => this.config.toDisplay(),
      version: options.version,
    });
  }

  /**
   * Binds the RPC port, then the REST API. Refuses (TOKEN_REQUIRED) a non-loopback bind without the
   * secret or the token.
   */
  static async start(options: JobManagerOptions): Promise<JobManager> {
    const { config } = options;
    assertRpcBindAllowed(
      config.jobmanager.bindHost,
      config.security.rpc.secret,
      'the RPC port',
      'jobmanager.bind-host',
    );
    const jm = new JobManager(options);
    installArtifactResolution(config.web.upload.dir);
    try {
      jm.rpc = await listenFrames(
        {
          id: JOB_MANAGER_ID,
          host: config.jobmanager.bindHost,
          port: config.jobmanager.rpc.port,
          secret: config.security.rpc.secret,
          tls: internalTls(config),
          heartbeat: { intervalMs: config.heartbeat.interval, timeoutMs: config.heartbeat.timeout },
        },
        {
          connection: (socket) => jm.resources.accept(socket),
          refused: (error) => jm.log(`weir: refused a connection on the RPC port: ${error.message}`),
        },
      );
      const sslRest = config.security.ssl.rest;
      jm.rest = await createRestServer({
        dispatcher: jm.dispatcher,
        host: config.rest.bindAddress,
        port: config.rest.port,
        token: config.rest.auth.token,
        tls:
          sslRest.enabled && sslRest.key && sslRest.cert
            ? { key: readFileSync(sslRest.key), cert: readFileSync(sslRest.cert) }
            : undefined,
        uploadLimitBytes: config.rest.server.maxContentLength,
        roots: { savepoints: config.state.savepoints.dir, checkpoints: config.state.checkpoints.dir },
        logs: {
          file: processLogFile,
          taskManagerLog: (id, lines) => jm.resources.taskManagerLog(id, lines, LOG_TAIL_TIMEOUT_MS),
        },
        log: (level, message) => {
          if (level !== 'info') jm.log(`weir: REST ${level}: ${message}`);
        },
      });
      jm.metrics = await startClusterMetrics(
        config,
        [{ kind: 'jobmanager', view: dispatcherView(jm.dispatcher) }],
        jm.log,
      );
    } catch (error) {
      await jm.close();
      throw error;
    }
    return jm;
  }

  /** The REST API's URL and the RPC address, as bound. */
  get addresses(): { rest: string; rpc: { host: string; port: number } } {
    return { rest: this.rest!.url, rpc: this.rpc!.address() };
  }

  async launch(request: SubmitRequest, jobId: string): Promise<JobMaster> {
    const { artifact } = request;
    const sha256 = createHash('sha256').update(artifact.code, 'utf8').digest('hex');
    const url = storeArtifact(this.config.web.upload.dir, artifact, jobId);
    this.artifacts.set(jobId, { name: artifact.name, code: artifact.code, sha256 });
    try {
      const plan = await planJobModule(url, {
        parallelism: request.parallelism,
        env: request.env,
        args: request.args,
        timeoutMs: PLANNING_TIMEOUT_MS,
        name: artifact.name,
      });
      const submission: Submission = {
        jobModule: url,
        jobIndex: 0,
        parallelism: request.parallelism,
        env: request.env,
        args: request.args,
        restore:
          request.savepointPath === undefined
            ? undefined
            : {
                path: request.savepointPath,
                kind: 'savepoint',
                allowNonRestoredState: request.allowNonRestoredState,
              },
        cluster: {
          cancellationTimeoutMs: this.config.task.cancellation.timeout,
          latencyTrackingIntervalMs: this.config.metrics.latency.interval,
        },
      };
      const master = new JobMaster(plan, submission, this.resources, jobId);
      void master.start();
      return master;
    } catch (error) {
      this.ended(jobId);
      throw error;
    }
  }

  ended(jobId: string): void {
    this.artifacts.delete(jobId);
    removeArtifacts(this.config.web.upload.dir, jobId);
    this.resources.broadcast({ kind: 'job-ended', jobId });
  }

  /**
   * Suspends the running jobs (their checkpoints stay: resume them with --from-savepoint on a
   * retained checkpoint), then closes the REST API and the TaskManagers' connections.
   */
  async close(): Promise<void> {
    await Promise.all(this.dispatcher.running().map((job) => job.suspend().catch(() => undefined)));
    await this.rest?.close();
    await this.metrics?.close();
    this.resources.close('the JobManager is shutting down');
    await this.rpc?.close();
  }
}
