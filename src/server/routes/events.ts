import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { WeirError } from '../../core/errors.ts';
import type { Dispatcher, VertexWatermarks } from '../dispatcher.ts';
import { errorResponses, jobParams } from '../schemas.ts';
import { found, type RouteContext } from './route-context.ts';

/**
 * Live updates as server-sent events: `GET /events` sends an `overview` event at once and then every
 * second, `GET /jobs/:jobid/events` a `job` event; a comment line every heartbeat interval keeps
 * proxies from closing a quiet stream. The same `onRequest` rules as every route apply (a browser
 * with a token reads the stream with fetch and an Authorization header, EventSource cannot send one).
 *
 * Each event is a snapshot, not a delta, so a slow client loses nothing by missing one: while the
 * socket has not sent what was written, ticks are skipped instead of queued (at most one snapshot
 * waits per client), and a client that has taken nothing for {@link STUCK_HEARTBEATS} heartbeat
 * intervals is disconnected. Streams end when the client goes, and the server ends them all when it
 * closes.
 */

/** Timing and number of the streams; tests shorten and lower them. */
export interface EventStreamOptions {
  /** Between two snapshots; default 1000 ms. */
  intervalMs?: number;
  /** Between two heartbeat comments; default 15000 ms. */
  heartbeatMs?: number;
  /** Streams open at once; beyond, 503 `CLUSTER_UNAVAILABLE`. Default {@link MAX_STREAMS}. */
  maxStreams?: number;
}

/** Streams open at once by default: a dashboard opens one or two. */
export const MAX_STREAMS = 256;

/** Heartbeat intervals a stream may hold unsent data before its client is taken as gone. */
export const STUCK_HEARTBEATS = 2;

/** What `GET /jobs/:jobid/events` sends as its `job` event. */
export interface JobEvent {
  job: NonNullable<ReturnType<Dispatcher['job']>>;
  plan: ReturnType<Dispatcher['plan']> | null;
  checkpoints: ReturnType<Dispatcher['checkpoints']> | null;
  exceptions: ReturnType<Dispatcher['exceptions']> | null;
  watermarks: Record<string, VertexWatermarks>;
}

const TERMINAL = new Set(['FINISHED', 'FAILED', 'CANCELED', 'SUSPENDED']);

/** Routes `/events` and `/jobs/:jobid/events`; ends every open stream when the server closes. */
export function registerEventRoutes(
  app: FastifyInstance,
  { dispatcher }: RouteContext,
  options: EventStreamOptions = {},
): void {
  const intervalMs = options.intervalMs ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxStreams = options.maxStreams ?? MAX_STREAMS;
  const open = new Set<EventStream>();
  app.addHook('preClose', async () => {
    for (const stream of [...open]) stream.end();
  });
  const start = (reply: FastifyReply, snapshot: () => SnapshotResult) => {
    if (open.size >= maxStreams) {
      throw new WeirError(
        'CLUSTER_UNAVAILABLE',
        `${open.size} event streams are open, the most this server keeps: close a dashboard, or poll the resources`,
      );
    }
    const stream = new EventStream(reply, snapshot, intervalMs, heartbeatMs, () => open.delete(stream));
    open.add(stream);
    reply.raw.on('close', () => stream.end());
    stream.begin();
  };

  app.get(
    '/events',
    {
      schema: { response: { 200: eventStreamSchema('overview'), ...errorResponses } },
      config: {
        openapi: {
          summary: 'Server-sent events: the cluster overview, jobs and TaskManagers, every second',
          tags: ['events'],
          contentType: 'text/event-stream',
        },
      },
    },
    async (_request, reply) => {
      start(reply, () => ({
        event: 'overview',
        data: {
          overview: dispatcher.overview(),
          jobs: dispatcher.jobs(),
          taskmanagers: dispatcher.taskManagers(),
        },
        last: false,
      }));
      return reply;
    },
  );

  app.get<{ Params: { jobid: string } }>(
    '/jobs/:jobid/events',
    {
      schema: { params: jobParams, response: { 200: eventStreamSchema('job'), ...errorResponses } },
      config: {
        openapi: {
          summary:
            'Server-sent events: a job with its plan, checkpoints, exceptions and watermarks, every second ' +
            'until it ends',
          tags: ['events', 'jobs'],
          contentType: 'text/event-stream',
        },
      },
    },
    async (request, reply) => {
      const { jobid } = request.params;
      // An unknown job is a 404 like on every job route, before the stream starts.
      found(dispatcher.job(jobid), jobid);
      start(reply, () => {
        const job = dispatcher.job(jobid);
        if (job === undefined) return undefined; // dropped from the history: the stream ends
        const watermarks: Record<string, VertexWatermarks> = {};
        for (const v of job.vertices) {
          const w = dispatcher.watermarks(jobid, v.id);
          if (w !== undefined) watermarks[v.id] = w;
        }
        const data: JobEvent = {
          job,
          plan: dispatcher.plan(jobid) ?? null,
          checkpoints: dispatcher.checkpoints(jobid) ?? null,
          exceptions: dispatcher.exceptions(jobid) ?? null,
          watermarks,
        };
        return { event: 'job', data, last: TERMINAL.has(job.state) };
      });
      return reply;
    },
  );
}

/** One snapshot to send; `last`: nothing changes after it (the job ended). Undefined ends the stream. */
type SnapshotResult = { event: string; data: unknown; last: boolean } | undefined;

/** One open stream: a snapshot per tick while the client keeps up, heartbeats, bounded buffering. */
class EventStream {
  private readonly res: ServerResponse;
  private readonly snapshot: () => SnapshotResult;
  private readonly intervalMs: number;
  private readonly heartbeatMs: number;
  private readonly onEnd: () => void;
  private readonly timers: NodeJS.Timeout[] = [];
  private ended = false;
  /** No more snapshots: the job ended (heartbeats go on until the client leaves). */
  private settled = false;
  /** Since when written data waits unsent (0: nothing waits). */
  private stuckSince = 0;

  constructor(
    reply: FastifyReply,
    snapshot: () => SnapshotResult,
    intervalMs: number,
    heartbeatMs: number,
    onEnd: () => void,
  ) {
    this.snapshot = snapshot;
    this.intervalMs = intervalMs;
    this.heartbeatMs = heartbeatMs;
    this.onEnd = onEnd;
    reply.hijack();
    this.res = reply.raw;
  }

  begin(): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    // Tells an EventSource how long to wait before reconnecting.
    this.res.write(`retry: ${Math.max(1000, this.intervalMs)}\n\n`);
    this.tick();
    this.timers.push(setInterval(() => this.tick(), this.intervalMs));
    this.timers.push(setInterval(() => this.heartbeat(), this.heartbeatMs));
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const t of this.timers) clearInterval(t);
    this.onEnd();
    if (!this.res.writableEnded) this.res.end();
  }

  private tick(): void {
    if (this.ended || this.settled || this.backlogged()) return;
    let next: SnapshotResult;
    try {
      next = this.snapshot();
    } catch (error) {
      // A read that failed: say so on the stream, and end it (the client may reconnect).
      this.res.write(
        `event: error\ndata: ${JSON.stringify({ code: 'INTERNAL', message: messageOf(error) })}\n\n`,
      );
      this.end();
      return;
    }
    if (next === undefined) {
      this.end();
      return;
    }
    // JSON.stringify never writes a raw newline, so the data is one `data:` line.
    this.res.write(`event: ${next.event}\ndata: ${JSON.stringify(next.data)}\n\n`);
    if (next.last) this.settled = true;
  }

  private heartbeat(): void {
    if (this.ended) return;
    if (this.backlogged()) {
      if (Date.now() - this.stuckSince >= STUCK_HEARTBEATS * this.heartbeatMs) {
        this.res.destroy(); // a client that reads nothing: 'close' ends the stream
      }
      return;
    }
    this.res.write(': heartbeat\n\n');
  }

  /** True while the socket holds unsent data; notes since when. */
  private backlogged(): boolean {
    if (this.res.writableLength === 0 && !this.res.writableNeedDrain) {
      this.stuckSince = 0;
      return false;
    }
    if (this.stuckSince === 0) this.stuckSince = Date.now();
    return true;
  }
}

function eventStreamSchema(event: string): Record<string, unknown> {
  return {
    type: 'string',
    description: `A text/event-stream of "${event}" events, each a JSON snapshot on one data line`,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
