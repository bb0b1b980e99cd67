import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WeirError } from '../../src/core/errors.ts';
import { withFailedRecord, withTaskFailure } from '../../src/core/task-failure.ts';
import type { TaskMetrics } from '../../src/core/task-metrics.ts';
import type { JobGraph } from '../../src/graph/job-graph.ts';
import type {
  JobDetails,
  TaskManagerDetails,
  VertexDetails,
  VertexWatermarks,
} from '../../src/server/dispatcher.ts';
import { failureDetails } from '../../src/server/failure-details.ts';
import {
  aggregateState,
  backPressureLevel,
  executionStateOf,
  vertexMetricsOf,
} from '../../src/server/job-views.ts';
import { createRestApp } from '../../src/server/rest-server.ts';
import { FAKE_METRICS, FAKE_VERTICES, FakeDispatcher, FINISHED_JOB_ID, JOB_ID } from './fake-dispatcher.ts';

async function get(path: string, dispatcher = new FakeDispatcher()) {
  const app = createRestApp({ dispatcher, ui: false });
  try {
    const response = await app.inject({ method: 'GET', url: path, headers: { host: '127.0.0.1' } });
    return { status: response.statusCode, json: response.json() as any };
  } finally {
    await app.close();
  }
}

describe("Flink's back-pressure levels and a vertex's aggregates", () => {
  it('is ok up to 0.10, low up to 0.5, high above', () => {
    assert.equal(backPressureLevel(0), 'ok');
    assert.equal(backPressureLevel(0.1), 'ok');
    assert.equal(backPressureLevel(0.1001), 'low');
    assert.equal(backPressureLevel(0.5), 'low');
    assert.equal(backPressureLevel(0.5001), 'high');
    assert.equal(backPressureLevel(1), 'high');
  });

  it('sums counts and rates over the subtasks, takes the maximum ratio and the minimum watermark', () => {
    const detector = FAKE_METRICS.filter((t) => t.vertexId === 'v-detect');
    const m = vertexMetricsOf(detector);
    assert.equal(m['read-records'], 1000 + 1001 + 1002 + 1003);
    assert.equal(m['read-records-per-second'], 400);
    assert.equal(m['read-bytes'], 160_000);
    assert.equal(m['busy-ratio'], 0.95);
    assert.equal(m['backpressure-ratio'], 0);
    assert.equal(m['idle-ratio'], 0.3);
    assert.equal(m['current-input-watermark'], 1_764_700_005_000);
    // A subtask with no watermark yet holds the vertex's back.
    assert.equal(
      vertexMetricsOf([...detector, { ...detector[0], currentInputWatermark: null }])[
        'current-input-watermark'
      ],
      null,
    );
  });

  it('falls back to the shares since the start when a task reports no rates', () => {
    const t: TaskMetrics = {
      ...FAKE_METRICS[0],
      busyTimeMsPerSecond: undefined,
      idleTimeMsPerSecond: undefined,
      backPressuredTimeMsPerSecond: undefined,
      busyMs: 100,
      idleMs: 100,
      backPressuredMs: 800,
    };
    assert.equal(vertexMetricsOf([t])['backpressure-ratio'], 0.8);
  });

  it("follows Flink's aggregate state, and a terminal job ends its subtasks", () => {
    assert.equal(aggregateState(['RUNNING', 'FINISHED']), 'RUNNING');
    assert.equal(aggregateState(['FINISHED', 'FINISHED']), 'FINISHED');
    assert.equal(aggregateState(['RUNNING', 'FAILED']), 'FAILED');
    assert.equal(aggregateState(['DEPLOYING', 'CREATED']), 'DEPLOYING');
    assert.equal(executionStateOf(undefined, 'RUNNING'), 'DEPLOYING');
    assert.equal(executionStateOf(FAKE_METRICS[0], 'RUNNING'), 'RUNNING');
    assert.equal(executionStateOf(FAKE_METRICS[0], 'CANCELED'), 'CANCELED');
    assert.equal(executionStateOf({ ...FAKE_METRICS[0], state: 'finished' }, 'CANCELED'), 'FINISHED');
  });
});

describe('GET /jobs/:jobid', () => {
  it('gives each vertex its status, task counts, rates, ratios and back-pressure level', async () => {
    const { status, json } = await get(`/jobs/${JOB_ID}`);
    assert.equal(status, 200);
    const [source, detect] = (json as JobDetails).vertices;
    assert.deepEqual(
      [source.status, source.tasks, source['backpressure-level'], source.metrics['backpressure-ratio']],
      ['RUNNING', { RUNNING: 4 }, 'high', 0.6],
    );
    assert.equal(source.metrics['write-records-per-second'], 200);
    assert.equal(source.metrics['write-bytes'], 48_000);
    assert.equal(detect['backpressure-level'], 'ok');
    // The finished job's vertices have no metrics, and are FINISHED.
    const finished = (await get(`/jobs/${FINISHED_JOB_ID}`)).json as JobDetails;
    assert.deepEqual(
      finished.vertices.map((v) => [v.status, v.tasks]),
      [
        ['FINISHED', { FINISHED: 4 }],
        ['FINISHED', { FINISHED: 4 }],
      ],
    );
  });
});

describe('GET /jobs/:jobid/vertices/:vertexid', () => {
  it('lists the operators and each subtask with its TaskManager, level and TaskMetrics', async () => {
    const { status, json } = await get(`/jobs/${JOB_ID}/vertices/v-source`);
    assert.equal(status, 200);
    const v = json as VertexDetails;
    assert.deepEqual(v.operators, [{ uid: 'v-source', name: 'Source: transactions', kind: 'source' }]);
    assert.deepEqual(
      v.subtasks.map((s) => [s.subtask, s.status, s['taskmanager-id'], s['backpressure-level']]),
      [
        [0, 'RUNNING', 'tm-1', 'high'],
        [1, 'RUNNING', 'tm-2', 'ok'],
        [2, 'RUNNING', 'tm-1', 'low'],
        [3, 'RUNNING', 'tm-2', 'ok'],
      ],
    );
    // The TaskMetrics pass through as the task reported them, optional fields included.
    assert.deepEqual(v.subtasks[1].metrics, FAKE_METRICS[1]);
  });

  it('answers 404 JOB_NOT_FOUND for an unknown job and NOT_FOUND for an unknown vertex', async () => {
    for (const suffix of ['', '/watermarks']) {
      const job = await get(`/jobs/no-such-job/vertices/v-source${suffix}`);
      assert.deepEqual([job.status, job.json.code], [404, 'JOB_NOT_FOUND']);
      const vertex = await get(`/jobs/${JOB_ID}/vertices/no-such-vertex${suffix}`);
      assert.deepEqual([vertex.status, vertex.json.code], [404, 'NOT_FOUND']);
      assert.match(vertex.json.message, /has no vertex "no-such-vertex"/);
    }
  });
});

describe('GET /jobs/:jobid/vertices/:vertexid/watermarks', () => {
  it('picks out the slowest non-idle channel of each subtask, and the slowest subtask', async () => {
    const { status, json } = await get(`/jobs/${JOB_ID}/vertices/v-detect/watermarks`);
    assert.equal(status, 200);
    const w = json as VertexWatermarks;
    assert.equal(w.slowestSubtask, 2);
    assert.equal(w.currentInputWatermark, 1_764_700_005_000);
    const s = w.subtasks[0];
    assert.equal(s.channels.length, 4);
    // Channel 2 is lower but idle: channel 1 holds the subtask back.
    assert.deepEqual(s.slowestInput, { input: 0, channel: 1, watermark: 1_764_700_010_000, idle: false });
  });

  it('treats a channel without a watermark as the slowest, and a source as having no input watermark', async () => {
    const dispatcher = new FakeDispatcher();
    const t = dispatcher.metrics.find((m) => m.vertexId === 'v-detect' && m.subtask === 3)!;
    t.inputChannelWatermarks![3].watermark = null;
    const w = (await get(`/jobs/${JOB_ID}/vertices/v-detect/watermarks`, dispatcher))
      .json as VertexWatermarks;
    assert.deepEqual(w.subtasks[3].slowestInput, { input: 0, channel: 3, watermark: null, idle: false });
    const source = (await get(`/jobs/${JOB_ID}/vertices/v-source/watermarks`)).json as VertexWatermarks;
    assert.deepEqual([source.slowestSubtask, source.currentInputWatermark], [null, null]);
    assert.equal(source.subtasks[0].currentOutputWatermark, 1_764_700_000_000);
  });
});

describe('GET /taskmanagers and /taskmanagers/:tmid', () => {
  it('report hardware and memory, and the slots with the subtasks each runs', async () => {
    const list = await get('/taskmanagers');
    assert.deepEqual(list.json.taskmanagers[0].hardware, {
      cpuCores: 8,
      physicalMemory: 16 * 1024 ** 3,
      freeMemory: 9 * 1024 ** 3,
    });
    assert.ok(list.json.taskmanagers[0].memory.rss > 0);
    const { status, json } = await get('/taskmanagers/tm-2');
    assert.equal(status, 200);
    const tm = json as TaskManagerDetails;
    assert.equal(tm.hardware.cpuCores, 4);
    assert.deepEqual(
      tm.slots.map((s) => [s.index, s.jobId, s.tasks.map((t) => `${t.vertexId}#${t.subtask}`)]),
      [
        [0, JOB_ID, ['v-source#1', 'v-detect#1']],
        [1, JOB_ID, ['v-source#3', 'v-detect#3']],
      ],
    );
    const missing = await get('/taskmanagers/tm-9');
    assert.deepEqual([missing.status, missing.json.code], [404, 'NOT_FOUND']);
  });
});

describe('exception details', () => {
  const graph: JobGraph = {
    jobName: 'j',
    maxParallelism: 128,
    vertices: FAKE_VERTICES,
    edges: [],
  } as unknown as JobGraph;

  it('come from the context a task attached: task, location, record and source position', () => {
    const error = withTaskFailure(
      withFailedRecord(
        new WeirError('DESERIALIZATION_FAILED', 'bad'),
        Buffer.from('{"amount":'),
        'topic "t" partition 0 offset 7',
      ),
      { vertexId: 'v-source', taskName: 'Source: transactions', subtask: 2, source: 'transactions' },
    );
    assert.deepEqual(failureDetails(error, graph), {
      taskName: 'Source: transactions',
      location: 'v-source#2',
      record: '{"amount":',
      position: 'topic "t" partition 0 offset 7',
      source: 'transactions',
    });
  });

  it('cut the record text to 1 KiB', () => {
    const error = withTaskFailure(withFailedRecord(new Error('x'), 'y'.repeat(5000), 'line 1'), {
      vertexId: 'v-source',
      taskName: 't',
      subtask: 0,
    });
    assert.equal(failureDetails(error, graph).record?.length, 1024);
  });

  it("read the task and subtask from a task failure's words when no context travelled with it", () => {
    const error = new WeirError(
      'USER_FUNCTION_FAILED',
      'operator "fraud-detector" (uid v-detect) in subtask 3/4 failed on record 1: boom',
    );
    assert.deepEqual(failureDetails(error, graph), {
      taskName: 'KeyedProcess: fraud-detector',
      location: 'v-detect#2',
      record: null,
      position: null,
      source: null,
    });
    const lost = new WeirError('TASKMANAGER_LOST', 'TaskManager tm-2 lost');
    assert.equal(failureDetails(lost, graph).location, null);
  });

  it('are served with each exception', async () => {
    const { json } = await get(`/jobs/${JOB_ID}/exceptions`);
    assert.equal(json['all-exceptions'][0].location, 'v-detect#1');
    assert.equal(json['all-exceptions'][0].record, '{"amount":"x"}');
    assert.equal(json['all-exceptions'][1].taskName, null);
  });
});

describe('GET /jobs/:jobid/checkpoints', () => {
  it('has the timestamps, sizes, alignment and failure of each checkpoint in the history', async () => {
    const { json } = await get(`/jobs/${JOB_ID}/checkpoints`);
    const [inProgress, failed, completed] = json.history;
    assert.deepEqual(
      [inProgress.status, inProgress.num_acknowledged_subtasks, inProgress.num_subtasks],
      ['IN_PROGRESS', 3, 8],
    );
    assert.equal(failed.failure_message, 'CHECKPOINT_FAILED: checkpoint 8 expired');
    assert.deepEqual(
      [completed.state_size, completed.alignment_duration, completed.latest_ack_timestamp],
      [52_431, 4, 1_764_700_050_041],
    );
    assert.equal(json.latest.completed.state_size, 52_431);
  });
});
