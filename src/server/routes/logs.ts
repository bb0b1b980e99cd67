import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { WeirError } from '../../core/errors.ts';
import { flushProcessLog, readLogTail } from '../../runtime/logging/process-logging.ts';
import { RestNotFoundError } from '../error-status.ts';
import { errorResponses, type JsonSchema } from '../schemas.ts';

/**
 * The processes' logs over REST (Flink's `/jobmanager/log`, `/jobmanager/logs`,
 * `/taskmanagers/:id/log`): the end of a log file as text, never a whole file and never a file the
 * request names. The JobManager serves its own file; a TaskManager's tail is asked of that
 * TaskManager over its control connection.
 */

/** Where the logs come from: the serving process's own file, and its TaskManagers'. */
export interface LogSource {
  /** This process's log file, if it writes one (`weir run --web` without a log file: none). */
  file(): string | undefined;
  /**
   * The last `lines` lines of TaskManager `id`'s log file; undefined when no such TaskManager is
   * registered. Rejects with LOG_NOT_FOUND, TIMEOUT or TASKMANAGER_LOST.
   */
  taskManagerLog?(id: string, lines: number): Promise<string> | undefined;
}

/** Lines of a tail when `?lines` is not given, and the most it may ask. */
export const DEFAULT_TAIL_LINES = 1000;
export const MAX_TAIL_LINES_PARAM = 10_000;

const tailQuery: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    lines: {
      type: 'string',
      pattern: '^[1-9][0-9]{0,4}$',
      description: `How many lines from the end (default ${DEFAULT_TAIL_LINES}, at most ${MAX_TAIL_LINES_PARAM})`,
    },
  },
};

const logText: JsonSchema = {
  type: 'string',
  description: 'The last lines of the log file: one JSON object per line (docs/observability.md)',
};

const logList: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['logs'],
  properties: {
    logs: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'size', 'mtime'],
        properties: {
          name: { type: 'string' },
          size: { type: 'integer', description: 'Bytes' },
          mtime: { type: 'integer', description: 'Last modified, ms since the epoch' },
        },
      },
    },
  },
};

const taskManagerParams: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['tmid'],
  properties: {
    tmid: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$',
      description: 'A TaskManager id, as listed by GET /taskmanagers',
    },
  },
};

/** `GET /jobmanager/log`, `GET /jobmanager/logs`, `GET /taskmanagers/:tmid/log`. */
export function registerLogRoutes(app: FastifyInstance, source: LogSource | undefined): void {
  const ownFile = (): string => {
    const file = source?.file();
    if (file === undefined) {
      throw new WeirError(
        'LOG_NOT_FOUND',
        'this process writes no log file: start it with --log-file <file>, -D log.file=<file> or -D env.log.dir=<dir>',
      );
    }
    return file;
  };
  app.get<{ Querystring: { lines?: string } }>(
    '/jobmanager/log',
    {
      schema: { querystring: tailQuery, response: { 200: logText, ...errorResponses } },
      config: {
        openapi: {
          summary: "The end of the JobManager's log file",
          tags: ['logs'],
          contentType: 'text/plain',
        },
      },
    },
    async (request, reply) => {
      const file = ownFile();
      await flushProcessLog();
      const text = readTail(file, tailLines(request.query.lines));
      return reply.type('text/plain; charset=utf-8').send(text);
    },
  );
  app.get(
    '/jobmanager/logs',
    {
      schema: { response: { 200: logList, ...errorResponses } },
      config: { openapi: { summary: "The JobManager's log files", tags: ['logs'] } },
    },
    async () => {
      const file = source?.file();
      if (file === undefined) return { logs: [] };
      const stat = statSync(file, { throwIfNoEntry: false });
      return {
        logs: stat ? [{ name: basename(file), size: stat.size, mtime: Math.floor(stat.mtimeMs) }] : [],
      };
    },
  );
  app.get<{ Params: { tmid: string }; Querystring: { lines?: string } }>(
    '/taskmanagers/:tmid/log',
    {
      schema: {
        params: taskManagerParams,
        querystring: tailQuery,
        response: { 200: logText, ...errorResponses },
      },
      config: {
        openapi: {
          summary: "The end of a TaskManager's log file, asked of the TaskManager",
          tags: ['logs'],
          contentType: 'text/plain',
        },
      },
    },
    async (request, reply) => {
      const { tmid } = request.params;
      const tail = source?.taskManagerLog?.(tmid, tailLines(request.query.lines));
      if (tail === undefined) {
        throw new RestNotFoundError(`no TaskManager ${tmid} is registered (GET /taskmanagers lists them)`);
      }
      return reply.type('text/plain; charset=utf-8').send(await tail);
    },
  );
}

function tailLines(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TAIL_LINES;
  const n = Number(text);
  if (n > MAX_TAIL_LINES_PARAM) {
    throw new WeirError('INVALID_ARGUMENT', `lines must be at most ${MAX_TAIL_LINES_PARAM}, got ${text}`);
  }
  return n;
}

function readTail(file: string, lines: number): string {
  try {
    return readLogTail(file, lines);
  } catch (cause) {
    throw new WeirError('LOG_NOT_FOUND', `cannot read the log file: ${(cause as Error).message}`, { cause });
  }
}
