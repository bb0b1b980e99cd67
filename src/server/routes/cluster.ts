import type { FastifyInstance } from 'fastify';
import { clusterOverviewSchema, configSchema, errorResponses, taskManagersSchema } from '../schemas.ts';
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

/** `GET /overview`, `GET /taskmanagers`, `GET /config`. */
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
  app.get(
    '/config',
    {
      schema: { response: { 200: configSchema, ...errorResponses } },
      config: { openapi: { summary: 'The effective configuration, secrets redacted', tags: ['cluster'] } },
    },
    async () => redactConfig(dispatcher.config()),
  );
}
