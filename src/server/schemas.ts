/**
 * JSON Schemas of the REST resources, one per type in dispatcher.ts. Fastify validates requests and
 * serializes responses with them, and the OpenAPI document (openapi.ts) is built from the routes that
 * use them, so the document and the handlers cannot drift apart. The schemas keep to the subset that
 * reads the same in JSON Schema draft-07 (fastify's Ajv) and 2020-12 (OpenAPI 3.1): `type`,
 * `properties`, `required`, `items`, `enum`, `anyOf`, type arrays for `null`.
 */

export type JsonSchema = Record<string, unknown>;

const str: JsonSchema = { type: 'string' };
const int: JsonSchema = { type: 'integer' };
const num: JsonSchema = { type: 'number' };
const bool: JsonSchema = { type: 'boolean' };

/** An object whose every listed property is required. */
export function object(properties: Record<string, JsonSchema>, description?: string): JsonSchema {
  return {
    type: 'object',
    ...(description === undefined ? {} : { description }),
    properties,
    required: Object.keys(properties),
  };
}

function array(items: JsonSchema): JsonSchema {
  return { type: 'array', items };
}

function nullable(schema: JsonSchema): JsonSchema {
  return { anyOf: [schema, { type: 'null' }] };
}

/** The body of every error response. */
export const errorSchema: JsonSchema = object(
  { code: { type: 'string', description: 'The WeirError code, or NOT_FOUND' }, message: str },
  'An error: its WeirError code and a message that says what failed',
);

/** Error responses every route can give. */
export const errorResponses: Record<string, JsonSchema> = { '4xx': errorSchema, '5xx': errorSchema };

export const jobIdParam: JsonSchema = {
  type: 'string',
  description: 'A job id, as listed by GET /jobs',
  pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$',
};

export const jobParams: JsonSchema = object({ jobid: jobIdParam });

export const jobStateSchema: JsonSchema = {
  type: 'string',
  enum: ['CREATED', 'RUNNING', 'RESTARTING', 'FINISHED', 'FAILED', 'CANCELLING', 'CANCELED', 'SUSPENDED'],
};

const jobSummaryProperties: Record<string, JsonSchema> = {
  jid: str,
  name: str,
  state: jobStateSchema,
  'start-time': { type: 'integer', description: 'Epoch milliseconds' },
  'end-time': { type: 'integer', description: 'Epoch milliseconds, -1 while the job has not ended' },
  duration: { type: 'integer', description: 'Milliseconds' },
  parallelism: int,
};

export const jobSummarySchema: JsonSchema = object(jobSummaryProperties);

export const jobListSchema: JsonSchema = object({
  jobs: array(object({ id: str, status: jobStateSchema })),
});

export const jobsOverviewSchema: JsonSchema = object({ jobs: array(jobSummarySchema) });

export const jobDetailsSchema: JsonSchema = object({
  ...jobSummaryProperties,
  now: { type: 'integer', description: 'Epoch milliseconds when the JobManager answered' },
  vertices: array(
    object({
      id: str,
      name: str,
      parallelism: int,
      metrics: object({
        'read-records': int,
        'write-records': int,
        'read-bytes': int,
        'write-bytes': int,
        'backpressured-ms': num,
        'busy-ms': num,
      }),
    }),
  ),
  restarts: int,
});

export const jobPlanSchema: JsonSchema = object({
  plan: object({
    jid: str,
    name: str,
    nodes: array(
      object({
        id: str,
        parallelism: int,
        operator: str,
        description: str,
        inputs: array(object({ num: int, id: str, ship_strategy: str })),
      }),
    ),
  }),
});

export const jobExceptionsSchema: JsonSchema = object({
  'root-exception': { type: ['string', 'null'] },
  timestamp: { type: ['integer', 'null'] },
  'all-exceptions': array(object({ exception: str, timestamp: int, code: str })),
  truncated: bool,
});

export const checkpointingStatisticsSchema: JsonSchema = object({
  counts: object({ restored: int, total: int, in_progress: int, completed: int, failed: int }),
  latest: object({
    completed: nullable(object({ id: int, external_path: str, end_to_end_duration: num })),
    restored: nullable(object({ id: int, external_path: str })),
    failure: { type: ['string', 'null'] },
  }),
  history: array(
    object({
      id: int,
      status: { type: 'string', enum: ['COMPLETED', 'FAILED', 'IN_PROGRESS'] },
      is_savepoint: bool,
      end_to_end_duration: num,
      external_path: { type: ['string', 'null'] },
    }),
  ),
});

export const taskManagersSchema: JsonSchema = object({
  taskmanagers: array(
    object({
      id: str,
      address: str,
      dataPort: int,
      slotsNumber: int,
      freeSlots: int,
      timeSinceLastHeartbeat: { type: 'integer', description: 'Milliseconds' },
    }),
  ),
});

export const clusterOverviewSchema: JsonSchema = object({
  taskmanagers: int,
  'slots-total': int,
  'slots-available': int,
  'jobs-running': int,
  'jobs-finished': int,
  'jobs-cancelled': int,
  'jobs-failed': int,
  'weir-version': str,
});

export const configSchema: JsonSchema = {
  type: 'object',
  description: 'Configuration keys and values; secrets show as ******',
  additionalProperties: str,
};

export const savepointOperationSchema: JsonSchema = {
  anyOf: [
    object({ status: object({ id: { type: 'string', enum: ['IN_PROGRESS'] } }) }),
    object({
      status: object({ id: { type: 'string', enum: ['COMPLETED'] } }),
      operation: {
        anyOf: [
          object({ location: { type: 'string', description: 'The savepoint directory' } }),
          object({ 'failure-cause': object({ code: str, message: str }) }),
        ],
      },
    }),
  ],
};

export const triggerResponseSchema: JsonSchema = object({
  'request-id': {
    type: 'string',
    description: 'The trigger id to poll with GET /jobs/{jobid}/savepoints/{triggerid}',
  },
});
