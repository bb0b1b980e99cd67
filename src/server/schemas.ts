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

const watermark: JsonSchema = { type: ['number', 'null'], description: 'Epoch milliseconds; null: none yet' };
const ratio: JsonSchema = { type: 'number', minimum: 0, maximum: 1 };

export const executionStateSchema: JsonSchema = {
  type: 'string',
  enum: ['CREATED', 'SCHEDULED', 'DEPLOYING', 'RUNNING', 'FINISHED', 'CANCELING', 'CANCELED', 'FAILED'],
};

const backPressureLevel: JsonSchema = {
  type: 'string',
  enum: ['ok', 'low', 'high'],
  description: "Flink's levels of the back-pressure ratio: up to 0.10 ok, up to 0.5 low, else high",
};

export const vertexMetricsSchema: JsonSchema = object(
  {
    'read-records': int,
    'write-records': int,
    'read-bytes': int,
    'write-bytes': int,
    'backpressured-ms': num,
    'busy-ms': num,
    'idle-ms': num,
    'read-records-per-second': { ...num, description: 'Summed over the subtasks' },
    'write-records-per-second': { ...num, description: 'Summed over the subtasks' },
    'busy-ratio': { ...ratio, description: 'The maximum over the subtasks' },
    'backpressure-ratio': { ...ratio, description: 'The maximum over the subtasks' },
    'idle-ratio': { ...ratio, description: 'The maximum over the subtasks' },
    'current-input-watermark': { ...watermark, description: 'The minimum over the subtasks' },
  },
  'Totals summed over the subtasks; rates summed; ratios the maximum over the subtasks',
);

const taskCounts: JsonSchema = {
  type: 'object',
  description: 'Subtasks per execution state',
  propertyNames: executionStateSchema,
  additionalProperties: int,
};

const jobVertexProperties: Record<string, JsonSchema> = {
  id: str,
  name: str,
  parallelism: int,
  status: executionStateSchema,
  tasks: taskCounts,
  metrics: vertexMetricsSchema,
  'backpressure-level': backPressureLevel,
};

export const jobDetailsSchema: JsonSchema = object({
  ...jobSummaryProperties,
  now: { type: 'integer', description: 'Epoch milliseconds when the JobManager answered' },
  vertices: array(object(jobVertexProperties)),
  restarts: int,
});

/** An object with some required properties and the others optional. */
function partial(properties: Record<string, JsonSchema>, required: string[]): JsonSchema {
  return { type: 'object', properties, required };
}

const histogramSchema: JsonSchema = object({
  count: num,
  min: num,
  max: num,
  mean: num,
  stddev: num,
  p50: num,
  p75: num,
  p95: num,
  p98: num,
  p99: num,
  p999: num,
});

const scope: JsonSchema = { type: 'object', additionalProperties: str };

const userMetricSchema: JsonSchema = {
  anyOf: [
    object({ kind: { type: 'string', enum: ['counter'] }, name: str, scope, count: num }),
    object({
      kind: { type: 'string', enum: ['gauge'] },
      name: str,
      scope,
      value: { type: ['number', 'string', 'null'] },
    }),
    object({ kind: { type: 'string', enum: ['meter'] }, name: str, scope, count: num, rate: num }),
    object({ kind: { type: 'string', enum: ['histogram'] }, name: str, scope, statistics: histogramSchema }),
  ],
};

const channelWatermarkSchema: JsonSchema = object({
  input: int,
  channel: int,
  watermark,
  idle: bool,
});

/** TaskMetrics (src/core/task-metrics.ts): the first fields always, the others when the task reports them. */
export const taskMetricsSchema: JsonSchema = partial(
  {
    vertex: str,
    vertexId: str,
    subtask: int,
    parallelism: int,
    state: str,
    recordsIn: num,
    recordsOut: num,
    busyMs: num,
    idleMs: num,
    backPressuredMs: num,
    inputQueue: num,
    recordsInErrors: num,
    timestamp: num,
    bytesIn: num,
    bytesOut: num,
    recordsInPerSecond: num,
    recordsOutPerSecond: num,
    bytesInPerSecond: num,
    bytesOutPerSecond: num,
    busyTimeMsPerSecond: num,
    idleTimeMsPerSecond: num,
    backPressuredTimeMsPerSecond: num,
    currentInputWatermark: watermark,
    currentOutputWatermark: watermark,
    inputChannelWatermarks: array(channelWatermarkSchema),
    lateRecordsDropped: num,
    stateSize: num,
    stateEntries: { type: ['number', 'null'] },
    operators: array(
      partial(
        {
          uid: str,
          name: str,
          recordsIn: num,
          recordsOut: num,
          currentInputWatermark: watermark,
          currentOutputWatermark: watermark,
          lateRecordsDropped: num,
          user: array(userMetricSchema),
          latency: histogramSchema,
        },
        ['uid', 'name'],
      ),
    ),
    consumerLag: array(object({ partition: str, lag: num })),
    pendingCommits: num,
  },
  [
    'vertex',
    'vertexId',
    'subtask',
    'parallelism',
    'state',
    'recordsIn',
    'recordsOut',
    'busyMs',
    'idleMs',
    'backPressuredMs',
    'inputQueue',
  ],
);

export const vertexParams: JsonSchema = object({
  jobid: jobIdParam,
  vertexid: {
    type: 'string',
    minLength: 1,
    maxLength: 256,
    description: "A vertex id (its head operator's uid), as listed by GET /jobs/{jobid}",
  },
});

export const vertexDetailsSchema: JsonSchema = object({
  id: str,
  name: str,
  parallelism: int,
  maxParallelism: int,
  now: { type: 'integer', description: 'Epoch milliseconds when the JobManager answered' },
  status: executionStateSchema,
  operators: array(object({ uid: str, name: str, kind: str })),
  metrics: vertexMetricsSchema,
  'backpressure-level': backPressureLevel,
  subtasks: array(
    object({
      subtask: int,
      status: executionStateSchema,
      'taskmanager-id': { type: ['string', 'null'] },
      'backpressure-level': backPressureLevel,
      metrics: { anyOf: [taskMetricsSchema, { type: 'null' }] },
    }),
  ),
});

export const vertexWatermarksSchema: JsonSchema = object({
  id: str,
  name: str,
  currentInputWatermark: watermark,
  slowestSubtask: { type: ['integer', 'null'], description: 'The subtask with the lowest input watermark' },
  subtasks: array(
    object({
      subtask: int,
      currentInputWatermark: watermark,
      currentOutputWatermark: watermark,
      channels: array(channelWatermarkSchema),
      slowestInput: {
        anyOf: [channelWatermarkSchema, { type: 'null' }],
        description: 'The non-idle input channel with the lowest watermark',
      },
    }),
  ),
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
  'all-exceptions': array(
    object({
      exception: str,
      timestamp: int,
      code: str,
      taskName: { type: ['string', 'null'] },
      location: { type: ['string', 'null'], description: 'vertexId#subtask (from 0)' },
      record: { type: ['string', 'null'], description: 'The failing record as text, at most 1 KiB' },
      position: { type: ['string', 'null'], description: 'Where the record came from' },
      source: { type: ['string', 'null'], description: 'The source that read it' },
    }),
  ),
  truncated: bool,
});

export const checkpointingStatisticsSchema: JsonSchema = object({
  counts: object({ restored: int, total: int, in_progress: int, completed: int, failed: int }),
  latest: object({
    completed: nullable(
      object({
        id: int,
        external_path: str,
        end_to_end_duration: num,
        trigger_timestamp: int,
        latest_ack_timestamp: int,
        state_size: int,
      }),
    ),
    restored: nullable(object({ id: int, external_path: str })),
    failure: { type: ['string', 'null'] },
  }),
  history: array(
    object({
      id: int,
      status: { type: 'string', enum: ['COMPLETED', 'FAILED', 'IN_PROGRESS'] },
      is_savepoint: bool,
      trigger_timestamp: int,
      latest_ack_timestamp: int,
      end_to_end_duration: num,
      state_size: int,
      alignment_duration: num,
      num_subtasks: int,
      num_acknowledged_subtasks: int,
      external_path: { type: ['string', 'null'] },
      failure_message: { type: ['string', 'null'] },
    }),
  ),
});

const taskManagerProperties: Record<string, JsonSchema> = {
  id: str,
  address: str,
  dataPort: int,
  slotsNumber: int,
  freeSlots: int,
  timeSinceLastHeartbeat: { type: 'integer', description: 'Milliseconds' },
  hardware: object({ cpuCores: int, physicalMemory: int, freeMemory: int }, 'The machine; bytes'),
  memory: object({ heapUsed: int, heapTotal: int, rss: int }, 'The TaskManager process; bytes'),
};

export const taskManagerInfoSchema: JsonSchema = object(taskManagerProperties);

export const taskManagersSchema: JsonSchema = object({ taskmanagers: array(taskManagerInfoSchema) });

export const taskManagerDetailsSchema: JsonSchema = object({
  ...taskManagerProperties,
  slots: array(
    object({
      index: int,
      jobId: { type: ['string', 'null'] },
      jobName: { type: ['string', 'null'] },
      tasks: array(object({ vertexId: str, vertexName: str, subtask: int })),
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
