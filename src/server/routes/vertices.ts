import type { FastifyInstance } from 'fastify';
import type { Dispatcher } from '../dispatcher.ts';
import { RestNotFoundError } from '../error-status.ts';
import { errorResponses, vertexDetailsSchema, vertexParams, vertexWatermarksSchema } from '../schemas.ts';
import { found, type RouteContext } from './route-context.ts';

type VertexRequest = { Params: { jobid: string; vertexid: string } };

/** `GET /jobs/:jobid/vertices/:vertexid` and its `/watermarks`. */
export function registerVertexRoutes(app: FastifyInstance, { dispatcher }: RouteContext): void {
  app.get<VertexRequest>(
    '/jobs/:jobid/vertices/:vertexid',
    {
      schema: { params: vertexParams, response: { 200: vertexDetailsSchema, ...errorResponses } },
      config: {
        openapi: {
          summary: 'A vertex with its operators, and its subtasks with their metrics',
          tags: ['jobs'],
        },
      },
    },
    async (request) => {
      const { jobid, vertexid } = request.params;
      return vertexFound(dispatcher.vertex(jobid, vertexid), dispatcher, jobid, vertexid);
    },
  );
  app.get<VertexRequest>(
    '/jobs/:jobid/vertices/:vertexid/watermarks',
    {
      schema: { params: vertexParams, response: { 200: vertexWatermarksSchema, ...errorResponses } },
      config: {
        openapi: {
          summary: "A vertex's watermarks per subtask and input channel, with the slowest picked out",
          tags: ['jobs'],
        },
      },
    },
    async (request) => {
      const { jobid, vertexid } = request.params;
      return vertexFound(dispatcher.watermarks(jobid, vertexid), dispatcher, jobid, vertexid);
    },
  );
}

/** `value`, else 404: `JOB_NOT_FOUND` for an unknown job, `NOT_FOUND` for an unknown vertex of a known one. */
function vertexFound<T>(value: T | undefined, dispatcher: Dispatcher, jobId: string, vertexId: string): T {
  if (value !== undefined) return value;
  found(dispatcher.job(jobId), jobId);
  throw new RestNotFoundError(
    `job ${jobId} has no vertex ${JSON.stringify(vertexId).slice(0, 200)} (GET /jobs/${jobId} lists its vertices)`,
  );
}
