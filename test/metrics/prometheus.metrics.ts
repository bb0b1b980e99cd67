/**
 * Weir's Prometheus endpoints scraped by a real Prometheus server (Debian's `prometheus`): what a
 * user's PromQL and the Grafana dashboard (grafana/weir-dashboard.json) read is there, under Flink's
 * names, from `weir run --metrics-port`, a JobManager and a TaskManager. `npm run test:metrics`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../cluster/cluster-support.ts';
import { createTopic, KAFKA_BOOTSTRAP, kafkaBroker, produceMessages, uniqueTopic } from '../kafka/broker.ts';
import {
  Children,
  hasPrometheus,
  METRICS_JOB,
  metricsUrl,
  node,
  PROMETHEUS,
  repo,
  samples,
  scrape,
  startPrometheus,
  startWeir,
  until,
  untilSeries,
  WEIR,
  weirEnv,
} from './support.ts';

const DEADLINE = 240_000;
const JOB = 'metrics-test';
/**
 * Metric names of the dashboard that only a job reading Kafka exposes (the Kafka case checks them):
 * the lag, and the records a source could not read (only readers that skip bad records count them).
 */
const KAFKA_ONLY = new Set([
  'weir_taskmanager_job_task_operator_KafkaSourceReader_consumerLag',
  'weir_taskmanager_job_task_numRecordsInErrors',
]);

if (!hasPrometheus()) {
  throw new Error(`no Prometheus at ${PROMETHEUS}: apt-get install -y prometheus (or set WEIR_PROMETHEUS)`);
}

/** The names of every metric a dashboard's queries use (targets' `expr` and template queries). */
function dashboardMetricNames(): Map<string, string> {
  const dashboard = JSON.parse(readFileSync(join(repo, 'grafana/weir-dashboard.json'), 'utf8')) as {
    panels: Array<{ title: string; targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ name: string; query?: string | { query: string } }> };
  };
  const names = new Map<string, string>();
  const add = (expr: string, where: string) => {
    for (const m of expr.matchAll(/\bweir_[a-zA-Z0-9_:]+/g)) if (!names.has(m[0])) names.set(m[0], where);
  };
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) add(target.expr, `panel "${panel.title}"`);
  }
  for (const variable of dashboard.templating.list) {
    const q = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (q) add(q, `variable $${variable.name}`);
  }
  return names;
}

describe('metrics: weir run --metrics-port scraped by Prometheus', { timeout: DEADLINE * 2 }, () => {
  const children = new Children();
  const dir = mkdtempSync(join(tmpdir(), 'weir-metrics-run-'));
  let url = '';
  let run: ReturnType<typeof startWeir>;

  before(async () => {
    run = startWeir(children, dir, ['run', METRICS_JOB, '--slots', '1', '--metrics-port', '0']);
    url = await metricsUrl(run);
  });
  after(async () => {
    await children.killAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('PromQL returns the job record rate, a user metric and completed checkpoints', {
    timeout: DEADLINE,
  }, async () => {
    const prometheus = await startPrometheus(children, join(dir, 'prometheus'), [url]);
    await until(
      async () => (await prometheus.targets()).some((t) => t.scrapeUrl === url && t.health === 'up'),
      60_000,
      `Prometheus to scrape ${url}`,
    );
    const rate = await untilSeries(
      prometheus,
      `sum(weir_taskmanager_job_task_numRecordsOutPerSecond{job_name="${JOB}"}) > 0`,
    );
    assert.ok(Number(rate[0].value[1]) > 0);
    await untilSeries(
      prometheus,
      `sum(rate(weir_taskmanager_job_task_numRecordsOut{job_name="${JOB}"}[5s])) > 0`,
    );

    const [seen] = await untilSeries(
      prometheus,
      `weir_taskmanager_job_task_operator_eventsSeen{job_name="${JOB}"} > 0`,
    );
    assert.equal(seen.metric.operator_id, 'count-seen');
    assert.equal(seen.metric.subtask_index, '0');
    assert.equal(seen.metric.task_attempt_num, '0');
    for (const label of ['host', 'tm_id', 'job_id', 'task_id', 'task_name', 'operator_name']) {
      assert.ok(seen.metric[label], `the user metric has the label ${label}: ${JSON.stringify(seen.metric)}`);
    }

    const [completed] = await untilSeries(
      prometheus,
      `weir_jobmanager_job_numberOfCompletedCheckpoints{job_name="${JOB}"} > 0`,
    );
    assert.match(completed.metric.job_id, /^[0-9a-f-]{36}$/);
    const running = await prometheus.query('weir_jobmanager_numRunningJobs');
    assert.equal(running.length, 1);
    assert.equal(running[0].value[1], '1');
    assert.deepEqual(await prometheus.query(`weir_jobmanager_job_uptime{job_name="not-${JOB}"}`), []);
  });

  it('every metric the Grafana dashboard queries is in the exposition of a live job', {
    timeout: DEADLINE,
  }, async () => {
    const wanted = dashboardMetricNames();
    assert.ok(wanted.size >= 15, `the dashboard queries ${wanted.size} metrics`);
    let missing: string[] = [];
    // Some appear once the job has run a while (a completed checkpoint, a latency marker at the sink).
    await until(
      async () => {
        const exposed = new Set(samples(await scrape(url)).map((s) => s.name));
        missing = [...wanted.keys()].filter((name) => !KAFKA_ONLY.has(name) && !exposed.has(name));
        return missing.length === 0;
      },
      60_000,
      'the dashboard metrics',
    ).catch(() => {
      assert.fail(`not exposed: ${missing.map((n) => `${n} (${wanted.get(n)})`).join(', ')}`);
    });
  });

  it('the exposition is valid text format: one TYPE per family, no duplicate series, valid names', {
    timeout: DEADLINE,
  }, async () => {
    const text = await scrape(url);
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]);
    assert.equal(new Set(types).size, types.length, 'each family is declared once');
    const keys = samples(text).map((s) => `${s.name}${JSON.stringify(s.labels)}`);
    assert.equal(new Set(keys).size, keys.length, 'no series appears twice');
    assert.ok(types.includes('weir_process_cpu_seconds_total'), 'process metrics are exposed');
    const response = await fetch(url.replace('/metrics', '/other'));
    assert.equal(response.status, 404);
  });
});

describe('metrics: weir run --metrics-host', { timeout: DEADLINE }, () => {
  it('refuses an address other than loopback without WEIR_REST_TOKEN, before running the job', {
    timeout: DEADLINE,
  }, async (t) => {
    const children = new Children();
    const dir = mkdtempSync(join(tmpdir(), 'weir-metrics-host-'));
    t.after(async () => {
      await children.killAll();
      rmSync(dir, { recursive: true, force: true });
    });
    const run = children.spawn(
      node,
      [WEIR, 'run', METRICS_JOB, '--metrics-port', '0', '--metrics-host', '0.0.0.0'],
      { cwd: dir, env: { ...weirEnv(dir), WEIR_REST_TOKEN: '' } },
    );
    const done = await run.done;
    assert.equal(done.code, 1, done.stderr);
    assert.match(done.stderr, /TOKEN_REQUIRED: refusing to serve metrics on 0\.0\.0\.0.*--metrics-host/);
    assert.doesNotMatch(done.stderr, /running in process/, 'the job did not start');
  });
});

describe('metrics: a JobManager and a TaskManager expose their own scopes', { timeout: DEADLINE }, () => {
  it('the JobManager serves the cluster and job scopes, the TaskManager its subtasks and operators', {
    timeout: DEADLINE,
  }, async (t) => {
    const children = new Children();
    const dir = mkdtempSync(join(tmpdir(), 'weir-metrics-cluster-'));
    t.after(async () => {
      await children.killAll();
      rmSync(dir, { recursive: true, force: true });
    });
    const [restPort, rpcPort] = [await freePort(), await freePort()];
    const common = ['-D', 'metrics.reporter.prom.port=0', '-D', `web.upload.dir=${join(dir, 'uploads')}`];
    const jm = startWeir(children, dir, [
      'jobmanager',
      '--rest-port',
      String(restPort),
      '--rpc-port',
      String(rpcPort),
      ...common,
    ]);
    const jmUrl = await metricsUrl(jm);
    const tm = startWeir(children, dir, [
      'taskmanager',
      '--jobmanager',
      `127.0.0.1:${rpcPort}`,
      '--slots',
      '1',
      ...common,
      '-D',
      `web.upload.dir=${join(dir, 'uploads-tm')}`,
    ]);
    const tmUrl = await metricsUrl(tm);
    const tmId = await until(
      () => /TaskManager (\S+) registered at/.test(tm.stderr()),
      60_000,
      'registration',
    ).then(() => /TaskManager (\S+) registered at/.exec(tm.stderr())![1]);
    const submit = children.spawn(
      node,
      [
        WEIR,
        'submit',
        METRICS_JOB,
        '-d',
        '--jobmanager',
        `http://127.0.0.1:${restPort}`,
        '--env',
        'WEIR_METRICS_JOB_NAME=cluster-metrics',
      ],
      { cwd: dir, env: weirEnv(dir) },
    );
    const submitted = await submit.done;
    assert.equal(submitted.code, 0, submitted.stderr);

    let jmSamples = samples(await scrape(jmUrl));
    await until(
      async () => {
        jmSamples = samples(await scrape(jmUrl));
        return jmSamples.some(
          (s) =>
            s.name === 'weir_jobmanager_job_numberOfCompletedCheckpoints' &&
            s.labels.job_name === 'cluster-metrics' &&
            s.value > 0,
        );
      },
      120_000,
      'a completed checkpoint in the JobManager scope',
    );
    const value = (name: string) => jmSamples.find((s) => s.name === name)?.value;
    assert.equal(value('weir_jobmanager_numRegisteredTaskManagers'), 1);
    assert.equal(value('weir_jobmanager_taskSlotsTotal'), 1);
    assert.equal(value('weir_jobmanager_taskSlotsAvailable'), 0);
    assert.equal(value('weir_jobmanager_numRunningJobs'), 1);
    assert.ok(
      !jmSamples.some((s) => s.name.startsWith('weir_taskmanager_')),
      'no task scope at the JobManager',
    );

    let tmSamples = samples(await scrape(tmUrl));
    await until(
      async () => {
        tmSamples = samples(await scrape(tmUrl));
        return tmSamples.some(
          (s) =>
            s.name === 'weir_taskmanager_job_task_numRecordsOut' && s.value > 0 && s.labels.tm_id === tmId,
        );
      },
      120_000,
      "the TaskManager's subtasks to report records",
    );
    assert.ok(
      !tmSamples.some((s) => s.name.startsWith('weir_jobmanager_')),
      'no JobManager scope at a TaskManager',
    );
    const tasks = new Set(
      tmSamples
        .filter((s) => s.name === 'weir_taskmanager_job_task_numRecordsIn')
        .map(
          (s) =>
            `${s.labels.job_name}/${s.labels.task_id}/${s.labels.subtask_index}/${s.labels.task_attempt_num}`,
        ),
    );
    assert.equal(tasks.size, 2, `two subtasks: ${[...tasks].join(', ')}`);
    for (const task of tasks) assert.match(task, /^cluster-metrics\/.+\/0\/0$/);
    assert.ok(
      tmSamples.some(
        (s) =>
          s.name.startsWith('weir_taskmanager_job_task_operator_') && s.labels.operator_id === 'count-seen',
      ),
      'the operator scope',
    );
  });
});

describe('metrics: Kafka consumer lag', { timeout: DEADLINE }, () => {
  it('a job reading Kafka exposes the lag per partition, as the dashboard reads it', {
    timeout: DEADLINE,
  }, async (t) => {
    if (!(await kafkaBroker(t))) return;
    const children = new Children();
    const dir = mkdtempSync(join(tmpdir(), 'weir-metrics-kafka-'));
    t.after(async () => {
      await children.killAll();
      rmSync(dir, { recursive: true, force: true });
    });
    const topic = uniqueTopic('metrics-lag');
    await createTopic(topic, 2);
    await produceMessages(topic, [
      ...Array.from({ length: 200 }, (_, i) => ({ partition: i % 2, value: String(i) })),
      { partition: 0, value: 'not JSON' },
    ]);
    const run = startWeir(
      children,
      dir,
      ['run', join(import.meta.dirname, 'jobs/kafka-lag-job.ts'), '--slots', '1', '--metrics-port', '0'],
      { WEIR_METRICS_TOPIC: topic, WEIR_METRICS_BOOTSTRAP: KAFKA_BOOTSTRAP },
    );
    const url = await metricsUrl(run);
    let lag: ReturnType<typeof samples> = [];
    let errors: ReturnType<typeof samples> = [];
    await until(
      async () => {
        const exposed = samples(await scrape(url));
        lag = exposed.filter(
          (s) => s.name === 'weir_taskmanager_job_task_operator_KafkaSourceReader_consumerLag',
        );
        errors = exposed.filter((s) => s.name === 'weir_taskmanager_job_task_numRecordsInErrors');
        return lag.length === 2 && errors.some((s) => s.value === 1);
      },
      120_000,
      'the lag of both partitions and the record that is not JSON',
    );
    assert.deepEqual(lag.map((s) => s.labels.partition).sort(), ['0', '1']);
    for (const s of lag) {
      assert.equal(s.labels.topic, topic);
      assert.equal(s.labels.operator_id, 'kafka');
    }
    for (const name of KAFKA_ONLY) assert.ok(dashboardMetricNames().has(name));
  });
});
