/**
 * The Prometheus exporter renders the runtime's snapshots with Flink's reporter conventions: names
 * `weir_<scope>_<name>` made valid, scope variables as labels, unknown values absent (not 0),
 * counters and meters as gauges, histograms as summaries; and its endpoint serves them on a port of
 * its own, refusing a non-loopback bind without a token.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import type { CheckpointStatistics } from '../../core/job-client.ts';
import type { HistogramSnapshot, TaskMetrics } from '../../core/task-metrics.ts';
import { PrometheusExporter, type PrometheusScope } from './prometheus-exporter.ts';
import { labelName, metricName } from './prometheus-families.ts';
import { startPrometheusServer } from './prometheus-server.ts';
import type { JobTasksView } from './prometheus-task-collector.ts';

const STATS: HistogramSnapshot = {
  count: 10,
  min: 1,
  max: 9,
  mean: 5,
  stddev: 2,
  p50: 5,
  p75: 7,
  p95: 8,
  p98: 8.5,
  p99: 9,
  p999: 9,
};

const CHECKPOINTS: CheckpointStatistics = {
  triggered: 4,
  completed: 3,
  failed: 1,
  inProgress: 0,
  lastCompletedId: 3,
  lastDurationMs: 12,
  lastFailure: null,
  restarts: 2,
};

function task(overrides: Partial<TaskMetrics> = {}): TaskMetrics {
  return {
    vertex: 'Source: numbers -> Map',
    vertexId: 'v1',
    subtask: 1,
    parallelism: 2,
    state: 'running',
    recordsIn: 0,
    recordsOut: 42,
    busyMs: 10,
    idleMs: 20,
    backPressuredMs: 0,
    inputQueue: 0,
    ...overrides,
  };
}

/** Exposition lines (comments left out) of the exporter over these scopes. */
async function lines(scopes: PrometheusScope[], log?: (line: string) => void): Promise<string[]> {
  const exporter = new PrometheusExporter({ scopes, processMetrics: false, log });
  return (await exporter.metrics()).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

function taskScope(jobs: () => JobTasksView[]): PrometheusScope {
  return { kind: 'taskmanager', view: { host: 'h1', taskManagerId: 'tm-1', jobs } };
}

const TASK_LABELS =
  'host="h1",tm_id="tm-1",job_id="j1",job_name="orders",task_id="v1",task_name="Source: numbers -> Map",subtask_index="1",task_attempt_num="2"';

describe('Prometheus exporter', () => {
  it('exports the task scope with its labels, and leaves out what the runtime does not know', async () => {
    const out = await lines([
      taskScope(() => [
        {
          jobId: 'j1',
          jobName: 'orders',
          attempt: 2,
          tasks: [task({ recordsOutPerSecond: 7.5, currentInputWatermark: null, stateSize: undefined })],
        },
      ]),
    ]);
    assert.ok(out.includes(`weir_taskmanager_job_task_numRecordsOut{${TASK_LABELS}} 42`), out.join('\n'));
    assert.ok(out.includes(`weir_taskmanager_job_task_numRecordsOutPerSecond{${TASK_LABELS}} 7.5`));
    assert.ok(out.includes(`weir_taskmanager_job_task_accumulateBusyTimeMs{${TASK_LABELS}} 10`));
    for (const absent of [
      'numBytesIn',
      'currentInputWatermark',
      'watermarkLag',
      'stateSize',
      'numRecordsInErrors',
    ]) {
      assert.ok(
        !out.some((l) => l.startsWith(`weir_taskmanager_job_task_${absent}{`)),
        `${absent} is absent`,
      );
    }
  });

  it('computes the watermark lag from the input watermark at scrape time', async () => {
    const watermark = Date.now() - 5_000;
    const out = await lines([
      taskScope(() => [
        { jobId: 'j1', jobName: 'orders', attempt: 2, tasks: [task({ currentInputWatermark: watermark })] },
      ]),
    ]);
    const lag = Number(
      out
        .find((l) => l.startsWith('weir_taskmanager_job_task_watermarkLag{'))
        ?.split(' ')
        .at(-1),
    );
    assert.ok(lag >= 5_000 && lag < 60_000, `lag ${lag}`);
  });

  it('exports user metrics as Flink does: counters and meters as gauges, histograms as summaries, names made valid', async () => {
    const scope = { host: 'x', job_name: 'ignored', '<region name>': 'eu-1' };
    const out = await lines([
      taskScope(() => [
        {
          jobId: 'j1',
          jobName: 'orders',
          tasks: [
            task({
              operators: [
                {
                  uid: 'enrich',
                  name: 'Map',
                  recordsIn: 5,
                  user: [
                    { kind: 'counter', name: 'seen.total', scope, count: 3 },
                    { kind: 'meter', name: 'per-second', scope, count: 30, rate: 1.5 },
                    { kind: 'gauge', name: 'ready', scope, value: true as unknown as number },
                    { kind: 'gauge', name: 'label', scope, value: 'text' },
                    { kind: 'histogram', name: 'sizes', scope, statistics: STATS },
                  ],
                },
              ],
            }),
          ],
        },
      ]),
    ]);
    const labels =
      'host="h1",tm_id="tm-1",job_id="j1",job_name="orders",task_id="v1",task_name="Source: numbers -> Map",subtask_index="1",operator_id="enrich",operator_name="Map",region_name="eu-1"';
    assert.ok(out.includes(`weir_taskmanager_job_task_operator_seen_total{${labels}} 3`), out.join('\n'));
    assert.ok(out.includes(`weir_taskmanager_job_task_operator_per_second{${labels}} 1.5`));
    assert.ok(out.includes(`weir_taskmanager_job_task_operator_ready{${labels}} 1`));
    assert.ok(
      !out.some((l) => l.startsWith('weir_taskmanager_job_task_operator_label{')),
      'a string gauge is left out',
    );
    assert.ok(out.includes(`weir_taskmanager_job_task_operator_sizes{${labels},quantile="0.99"} 9`));
    assert.ok(out.includes(`weir_taskmanager_job_task_operator_sizes{${labels},quantile="0.999"} 9`));
    assert.ok(out.includes(`weir_taskmanager_job_task_operator_sizes_count{${labels}} 10`));
    assert.ok(
      out.includes(
        `weir_taskmanager_job_task_operator_numRecordsIn{${labels.replace(',region_name="eu-1"', '')}} 5`,
      ),
    );
  });

  it('leaves out a user metric named like a built-in one of another type, and says so once', async () => {
    const logged: string[] = [];
    const jobs = () => [
      {
        jobId: 'j1',
        jobName: 'orders',
        tasks: [
          task({
            operators: [
              {
                uid: 'sink',
                name: 'Sink',
                latency: STATS,
                user: [{ kind: 'gauge' as const, name: 'latency', scope: {}, value: 3 }],
              },
            ],
          }),
        ],
      },
    ];
    const exporter = new PrometheusExporter({
      scopes: [taskScope(jobs)],
      processMetrics: false,
      log: (l) => logged.push(l),
    });
    const text = await exporter.metrics();
    await exporter.metrics();
    assert.match(text, /^# TYPE weir_taskmanager_job_task_operator_latency summary$/m);
    assert.ok(!/operator_latency\{[^}]*\} 3$/m.test(text), 'the gauge is not exported');
    assert.equal(logged.length, 1, logged.join('\n'));
    assert.match(logged[0], /weir_taskmanager_job_task_operator_latency is both a summary and a gauge/);
  });

  it('exports the JobManager and job scopes; an ended job leaves the exposition', async () => {
    let jobs = [{ jobId: 'j1', jobName: 'orders', startTime: Date.now() - 1_000, statistics: CHECKPOINTS }];
    const exporter = new PrometheusExporter({
      processMetrics: false,
      scopes: [
        {
          kind: 'jobmanager',
          view: { overview: () => ({ taskManagers: 2, slotsTotal: 4, slotsAvailable: 1 }), jobs: () => jobs },
        },
      ],
    });
    const text = await exporter.metrics();
    const job = 'job_id="j1",job_name="orders"';
    for (const line of [
      'weir_jobmanager_numRegisteredTaskManagers 2',
      'weir_jobmanager_taskSlotsTotal 4',
      'weir_jobmanager_taskSlotsAvailable 1',
      'weir_jobmanager_numRunningJobs 1',
      `weir_jobmanager_job_numRestarts{${job}} 2`,
      `weir_jobmanager_job_lastCheckpointDuration{${job}} 12`,
      `weir_jobmanager_job_numberOfCompletedCheckpoints{${job}} 3`,
      `weir_jobmanager_job_numberOfFailedCheckpoints{${job}} 1`,
      `weir_jobmanager_job_numberOfInProgressCheckpoints{${job}} 0`,
    ]) {
      assert.ok(text.split('\n').includes(line), `${line} in\n${text}`);
    }
    assert.ok(!text.includes('lastCheckpointSize'), 'an unknown size is absent');
    assert.match(text, new RegExp(`^weir_jobmanager_job_uptime\\{${job}\\} \\d+$`, 'm'));
    jobs = [];
    const after = await exporter.metrics();
    assert.ok(!after.includes('weir_jobmanager_job_'), after);
    assert.ok(after.includes('weir_jobmanager_numRunningJobs 0'));
  });

  it('makes names and labels valid', () => {
    assert.equal(metricName('my.metric-x'), 'my_metric_x');
    assert.equal(metricName('9lives'), '_9lives');
    assert.equal(labelName('<key>'), 'key');
    assert.equal(labelName('__name'), 'x__name');
    assert.equal(labelName('quantile'), 'quantile_');
    assert.equal(labelName('a b'), 'a_b');
  });
});

describe('Prometheus endpoint', () => {
  const exporter = new PrometheusExporter({ scopes: [], processMetrics: false });
  const settings = { port: 'metrics.reporter.prom.port', host: 'metrics.reporter.prom.host' };

  it('serves /metrics on a free port and says where', async () => {
    const logged: string[] = [];
    const server = await startPrometheusServer({
      exporter,
      host: '127.0.0.1',
      port: 0,
      settings,
      log: (l) => logged.push(l),
    });
    assert.ok(server);
    try {
      assert.deepEqual(logged, [`weir: metrics at http://127.0.0.1:${server.port}/metrics`]);
      const response = await fetch(server.url);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      assert.equal((await fetch(server.url.replace('/metrics', '/'))).status, 404);
    } finally {
      await server.close();
    }
  });

  it('takes the next port of a range when the first is busy, and runs on without one when all are', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const logged: string[] = [];
      const none = await startPrometheusServer({
        exporter,
        host: '127.0.0.1',
        port: `${port}-${port}`,
        settings,
        log: (l) => logged.push(l),
      });
      assert.equal(none, undefined);
      assert.match(
        logged[0],
        new RegExp(
          `^weir: metrics not exposed: cannot listen on 127\\.0\\.0\\.1:${port} .*set metrics\\.reporter\\.prom\\.port`,
        ),
      );
      const next = await startPrometheusServer({
        exporter,
        host: '127.0.0.1',
        port: `${port}-${port + 20}`,
        settings,
        log: () => {},
      });
      // A port of the range other than the busy one (another process may hold some of them).
      if (next !== undefined) {
        assert.ok(next.port > port && next.port <= port + 20);
        await next.close();
      }
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('refuses an address other than loopback without a token, and asks for it when it has one', async () => {
    await assert.rejects(
      startPrometheusServer({ exporter, host: '0.0.0.0', port: 0, settings, log: () => {} }),
      (e: Error & { code?: string }) =>
        e.code === 'TOKEN_REQUIRED' && /metrics\.reporter\.prom\.host/.test(e.message),
    );
    const server = await startPrometheusServer({
      exporter,
      host: '127.0.0.1',
      port: 0,
      token: 's3cret',
      settings,
      log: () => {},
    });
    assert.ok(server);
    try {
      assert.equal((await fetch(server.url)).status, 401);
      assert.equal((await fetch(server.url, { headers: { authorization: 'Bearer wrong!' } })).status, 401);
      assert.equal((await fetch(server.url, { headers: { authorization: 'Bearer s3cret' } })).status, 200);
    } finally {
      await server.close();
    }
  });
});
