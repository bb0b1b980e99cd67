import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WeirError } from '../../core/errors.ts';
import { type ConfinedRoot, resolveConfinedPath } from '../confined-path.ts';
import { RestNotFoundError } from '../error-status.ts';
import {
  errorResponses,
  jobIdParam,
  jobParams,
  object,
  savepointOperationSchema,
  triggerResponseSchema,
} from '../schemas.ts';
import { found, type RouteContext } from './route-context.ts';

const targetDirectory = {
  type: 'string',
  minLength: 1,
  description:
    'Where to write the savepoint: inside the savepoint root (state.savepoints.dir); relative paths resolve against ' +
    'it; absent: the root itself',
};

/** `POST /jobs/:jobid/savepoints`, `POST /jobs/:jobid/stop`, `GET /jobs/:jobid/savepoints/:triggerid`. */
export function registerSavepointRoutes(app: FastifyInstance, { dispatcher, roots }: RouteContext): void {
  app.post<{ Params: { jobid: string }; Body: { 'target-directory'?: string; 'cancel-job'?: boolean } }>(
    '/jobs/:jobid/savepoints',
    {
      schema: {
        params: jobParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            'target-directory': targetDirectory,
            'cancel-job': { type: 'boolean', description: 'Cancel the job once the savepoint is complete' },
          },
        },
        response: { 202: triggerResponseSchema, ...errorResponses },
      },
      config: { openapi: { summary: 'Trigger a savepoint (poll its request-id)', tags: ['savepoints'] } },
      preValidation: emptyBodyIsEmptyObject,
    },
    async (request, reply) => {
      const { jobid } = request.params;
      found(dispatcher.job(jobid), jobid);
      const body = request.body;
      const target = await savepointTarget(body['target-directory'], roots.savepoints);
      const { triggerId } = dispatcher.savepoint(jobid, target, body['cancel-job'] ?? false);
      reply.code(202);
      return { 'request-id': triggerId };
    },
  );

  app.post<{ Params: { jobid: string }; Body: { targetDirectory?: string; drain?: boolean } }>(
    '/jobs/:jobid/stop',
    {
      schema: {
        params: jobParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            targetDirectory,
            drain: { type: 'boolean', description: 'Flush event time to the end first: not supported yet' },
          },
        },
        response: { 202: triggerResponseSchema, ...errorResponses },
      },
      config: {
        openapi: { summary: 'Stop a job with a savepoint (poll its request-id)', tags: ['savepoints'] },
      },
      preValidation: emptyBodyIsEmptyObject,
    },
    async (request, reply) => {
      const { jobid } = request.params;
      const body = request.body;
      if (body.drain === true) {
        throw new WeirError(
          'NOT_SUPPORTED',
          'stop with drain (advancing event time to the end) is not supported yet',
        );
      }
      found(dispatcher.job(jobid), jobid);
      const target = await savepointTarget(body.targetDirectory, roots.savepoints);
      const { triggerId } = dispatcher.savepoint(jobid, target, true);
      reply.code(202);
      return { 'request-id': triggerId };
    },
  );

  app.get<{ Params: { jobid: string; triggerid: string } }>(
    '/jobs/:jobid/savepoints/:triggerid',
    {
      schema: {
        params: object({ jobid: jobIdParam, triggerid: { ...jobIdParam, description: 'A request-id' } }),
        response: { 200: savepointOperationSchema, ...errorResponses },
      },
      config: { openapi: { summary: 'The state of a savepoint operation', tags: ['savepoints'] } },
    },
    async (request) => {
      const { jobid, triggerid } = request.params;
      found(dispatcher.job(jobid), jobid);
      const status = dispatcher.savepointStatus(jobid, triggerid);
      if (status === undefined) {
        throw new RestNotFoundError(`no savepoint operation ${triggerid} for job ${jobid}`);
      }
      return status;
    },
  );
}

/** A POST without a body asks for the defaults, as `{}` does. */
async function emptyBodyIsEmptyObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}

/** The absolute savepoint directory for a client's target: inside the savepoint root, or the root itself. */
async function savepointTarget(input: string | undefined, root: ConfinedRoot | undefined): Promise<string> {
  if (root === undefined) {
    if (input === undefined) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        'no target directory given and no default configured: set state.savepoints.dir on the JobManager',
      );
    }
    throw new WeirError(
      'PATH_OUTSIDE_ROOT',
      `target directory ${JSON.stringify(input).slice(0, 200)} refused: savepoints go inside the savepoint root, ` +
        'and none is configured (state.savepoints.dir)',
    );
  }
  return resolveConfinedPath(input ?? root.dir, [root], root);
}
