import type { FastifyInstance } from 'fastify';
import { RestNotFoundError } from '../error-status.ts';
import {
  clusterOverviewSchema,
  configSchema,
  errorResponses,
  object,
  taskManagerDetailsSchema,
  taskManagersSchema,
} from '../schemas.ts';
import type { RouteContext } from './route-context.ts';

/** Keys whose values are never shown, whatever the dispatcher already left out. */
const SECRET_KEY = /token|secret|password|key/i;

/** The configuration with the values of secret-looking keys replaced by `******`. */
export function redactConfig(config: Record<string, string>): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [key, value] of Object.entries(config))
    shown[key] = SECRET_KEY.test(key) ? '******' : String(value);
  return shown;
}

/** `GET /overview`, `GET /taskmanagers`, `GET /taskmanagers/:tmid`, `GET /config`. */
export function registerClusterRoutes(app: FastifyInstance, { dispatcher }: RouteContext): void {
  app.get(
    '/overview',
    {
      schema: { response: { 200: clusterOverviewSchema, ...errorResponses } },
      config: {
        openapi: { summary: 'Cluster overview: TaskManagers, slots and job counts', tags: ['cluster'] },
      },
    },
    async () => dispatcher.overview(),
  );
  app.get(
    '/taskmanagers',
    {
      schema: { response: { 200: taskManagersSchema, ...errorResponses } },
      config: { openapi: { summary: 'The registered TaskManagers', tags: ['cluster'] } },
    },
    async () => ({ taskmanagers: dispatcher.taskManagers() }),
  );
  app.get<{ Params: { tmid: string } }>(
    '/taskmanagers/:tmid',
    {
      schema: {
        params: object({
          tmid: {
            type: 'string',
            minLength: 1,
            maxLength: 256,
            description: 'A TaskManager id, as listed by GET /taskmanagers',
          },
        }),
        response: { 200: taskManagerDetailsSchema, ...errorResponses },
      },
      config: { openapi: { summary: 'A TaskManager and what runs in each of its slots', tags: ['cluster'] } },
    },
    async (request) => {
      const details = dispatcher.taskManager(request.params.tmid);
      if (details === undefined) {
        throw new RestNotFoundError(
          `no TaskManager ${JSON.stringify(request.params.tmid).slice(0, 200)} (GET /taskmanagers lists them)`,
        );
      }
      return details;
    },
  );
  app.get(
    '/config',
    {
      schema: { response: { 200: configSchema, ...errorResponses } },
      config: { openapi: { summary: 'The effective configuration, secrets redacted', tags: ['cluster'] } },
    },
    async () => redactConfig(dispatcher.config()),
  );
}
