import type { FastifyInstance } from 'fastify';
import { WeirError } from '../../core/errors.ts';
import { type ConfinedRoot, resolveConfinedPath } from '../confined-path.ts';
import type { SubmitRequest } from '../dispatcher.ts';
import {
  checkpointingStatisticsSchema,
  errorResponses,
  jobDetailsSchema,
  jobExceptionsSchema,
  jobListSchema,
  jobParams,
  jobPlanSchema,
  jobsOverviewSchema,
  object,
} from '../schemas.ts';
import { found, type RouteContext } from './route-context.ts';

/** A plain file name: no separator, no `%`, no NUL, never `.` or `..`. */
const ARTIFACT_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/** Refuses an artifact name that is not a plain file name (`PATH_OUTSIDE_ROOT`). */
export function checkArtifactName(name: string): void {
  if (!ARTIFACT_NAME.test(name) || name === '.' || name === '..') {
    throw new WeirError(
      'PATH_OUTSIDE_ROOT',
      `artifact name ${JSON.stringify(name).slice(0, 200)} is not a plain file name ` +
        '(1 to 128 letters, digits, ".", "_" or "-"; not "." or "..")',
    );
  }
}

interface SubmitBody {
  artifact: { name: string; code: string };
  parallelism?: number;
  args?: string[];
  env?: Record<string, string>;
  savepointPath?: string;
  allowNonRestoredState?: boolean;
}

const submitBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['artifact'],
  properties: {
    artifact: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'code'],
      description: 'The bundled job module (weir submit builds it with esbuild)',
      properties: {
        name: { type: 'string', description: 'A plain file name, such as fraud-detection.mjs' },
        code: { type: 'string', description: 'The module source' },
      },
    },
    parallelism: { type: 'integer', minimum: 1, maximum: 32768 },
    args: { type: 'array', items: { type: 'string' }, maxItems: 10_000, description: 'The job arguments' },
    env: {
      type: 'object',
      description: 'Environment variables the job sees',
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,255}$' },
      additionalProperties: { type: 'string' },
    },
    savepointPath: {
      type: 'string',
      minLength: 1,
      description:
        'A savepoint or retained checkpoint to restore from, inside the savepoint root (relative paths resolve ' +
        'against it) or the checkpoint root',
    },
    allowNonRestoredState: { type: 'boolean' },
  },
};

/** Reads of jobs, `POST /jobs` (submit) and `PATCH /jobs/:jobid` (cancel). */
export function registerJobRoutes(app: FastifyInstance, { dispatcher, roots }: RouteContext): void {
  app.get(
    '/jobs',
    {
      schema: { response: { 200: jobListSchema, ...errorResponses } },
      config: { openapi: { summary: 'Ids and states of all jobs (Flink: GET /jobs)', tags: ['jobs'] } },
    },
    async () => ({ jobs: dispatcher.jobs().map((j) => ({ id: j.jid, status: j.state })) }),
  );
  app.get(
    '/jobs/overview',
    {
      schema: { response: { 200: jobsOverviewSchema, ...errorResponses } },
      config: { openapi: { summary: 'A summary of every job', tags: ['jobs'] } },
    },
    async () => ({ jobs: dispatcher.jobs() }),
  );
  app.get<{ Params: { jobid: string } }>(
    '/jobs/:jobid',
    {
      schema: { params: jobParams, response: { 200: jobDetailsSchema, ...errorResponses } },
      config: { openapi: { summary: 'A job with its vertices and their metrics', tags: ['jobs'] } },
    },
    async (request) => found(dispatcher.job(request.params.jobid), request.params.jobid),
  );
  app.get<{ Params: { jobid: string } }>(
    '/jobs/:jobid/plan',
    {
      schema: { params: jobParams, response: { 200: jobPlanSchema, ...errorResponses } },
      config: { openapi: { summary: "A job's graph", tags: ['jobs'] } },
    },
    async (request) => found(dispatcher.plan(request.params.jobid), request.params.jobid),
  );
  app.get<{ Params: { jobid: string } }>(
    '/jobs/:jobid/exceptions',
    {
      schema: { params: jobParams, response: { 200: jobExceptionsSchema, ...errorResponses } },
      config: { openapi: { summary: 'The failures of a job', tags: ['jobs'] } },
    },
    async (request) => found(dispatcher.exceptions(request.params.jobid), request.params.jobid),
  );
  app.get<{ Params: { jobid: string } }>(
    '/jobs/:jobid/checkpoints',
    {
      schema: { params: jobParams, response: { 200: checkpointingStatisticsSchema, ...errorResponses } },
      config: { openapi: { summary: "A job's checkpoint statistics", tags: ['jobs', 'checkpoints'] } },
    },
    async (request) => found(dispatcher.checkpoints(request.params.jobid), request.params.jobid),
  );

  app.post<{ Body: SubmitBody }>(
    '/jobs',
    {
      schema: {
        body: submitBodySchema,
        response: { 202: object({ jobid: { type: 'string' } }, 'The job was accepted'), ...errorResponses },
      },
      config: {
        openapi: {
          summary: 'Submit a job: its bundled module, parallelism, arguments and environment',
          description:
            'The body size is limited (rest.server.max-content-length): 413 PAYLOAD_TOO_LARGE beyond it.',
          tags: ['jobs'],
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      checkArtifactName(body.artifact.name);
      const submit: SubmitRequest = {
        artifact: { name: body.artifact.name, code: body.artifact.code },
        args: body.args ?? [],
        env: body.env ?? {},
        allowNonRestoredState: body.allowNonRestoredState ?? false,
      };
      if (body.parallelism !== undefined) submit.parallelism = body.parallelism;
      if (body.savepointPath !== undefined)
        submit.savepointPath = await restorePath(body.savepointPath, roots);
      const { jobid } = await dispatcher.submit(submit);
      reply.code(202);
      return { jobid };
    },
  );

  app.patch<{ Params: { jobid: string }; Querystring: { mode?: 'cancel' | 'stop' } }>(
    '/jobs/:jobid',
    {
      schema: {
        params: jobParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            mode: {
              type: 'string',
              enum: ['cancel', 'stop'],
              description:
                'cancel (the default); stop is deprecated in Flink and refused: use POST /jobs/{jobid}/stop',
            },
          },
        },
        response: { 202: object({}, 'Cancellation started'), ...errorResponses },
      },
      config: { openapi: { summary: 'Cancel a job', tags: ['jobs'] } },
    },
    async (request, reply) => {
      const { jobid } = request.params;
      if (request.query.mode === 'stop') {
        throw new WeirError(
          'NOT_SUPPORTED',
          'PATCH /jobs/{jobid}?mode=stop is not supported (deprecated in Flink): use POST /jobs/{jobid}/stop',
        );
      }
      found(dispatcher.job(jobid), jobid);
      await dispatcher.cancel(jobid);
      reply.code(202);
      return {};
    },
  );
}

/** Where a submitted job restores from: inside the savepoint or the checkpoint root. */
async function restorePath(input: string, roots: RouteContext['roots']): Promise<string> {
  const allowed = [roots.savepoints, roots.checkpoints].filter((r): r is ConfinedRoot => r !== undefined);
  if (allowed.length === 0) {
    throw new WeirError(
      'PATH_OUTSIDE_ROOT',
      `cannot restore from ${JSON.stringify(input).slice(0, 200)}: no savepoint or checkpoint root is configured ` +
        '(state.savepoints.dir, state.checkpoints.dir)',
    );
  }
  return resolveConfinedPath(input, allowed, allowed[0]);
}
