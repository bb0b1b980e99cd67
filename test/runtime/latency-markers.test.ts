/**
 * Latency tracking (Flink's latency markers): with an interval set, every source subtask emits a
 * marker on a processing-time timer; markers travel behind the records through every channel kind
 * (in this thread, across worker threads, over TCP), skip the operators and their user functions,
 * and each sink records `now - markedTime` into its latency histogram (TaskMetrics
 * `operators[].latency`). Off by default.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import {
  DataGeneratorSource,
  type JobClient,
  RichMapFunction,
  runJob,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from 'weir';
import { CollectSink, ManualClock } from 'weir/testing';
import { setExecutionContext } from '../../src/api/executor.ts';
import { bundleJob } from '../../src/cli/job-bundle.ts';
import type { LatencyMarker, StreamElement } from '../../src/core/stream-element.ts';
import type { HistogramSnapshot, TaskMetrics } from '../../src/core/task-metrics.ts';
import { loadClusterConfig } from '../../src/runtime/cluster/cluster-config.ts';
import { JobManager } from '../../src/runtime/cluster/job-manager.ts';
import { TaskManager } from '../../src/runtime/cluster/task-manager.ts';
import { BatchCodec } from '../../src/runtime/network/batch-codec.ts';
import type { OutputChannel } from '../../src/runtime/network/channel.ts';
import { createChannelSelector } from '../../src/runtime/network/channel-selector.ts';
import {
  decodePeerMessage,
  encodePeerMessage,
  encodeRoute,
} from '../../src/runtime/network/peer-message-codec.ts';
import { RecordWriter } from '../../src/runtime/network/record-writer.ts';
import {
  PeerLink,
  RemoteInputChannel,
  RemoteOutputChannel,
} from '../../src/runtime/network/remote-channel.ts';
import { Wakeup } from '../../src/runtime/network/wakeup.ts';
import { LatencyMarkerEmitter } from '../../src/runtime/task/latency-marker-emitter.ts';
import { LatencyStats } from '../../src/runtime/task/latency-stats.ts';

type LatencyJob = typeof import('../jobs/latency-markers.ts');
const latencyJob = new URL('../jobs/latency-markers.ts', import.meta.url);

/**
 * Generous on a loaded 2-core machine, where a slot thread may start seconds after another (markers
 * wait in the channel meanwhile); a wrong clock or field would be off by years, not seconds.
 */
const LATENCY_BOUND_MS = 10_000;

/** The latency histograms in a job's metrics, by "operator name#subtask". */
function latencies(metrics: TaskMetrics[]): Map<string, HistogramSnapshot> {
  const found = new Map<string, HistogramSnapshot>();
  for (const m of metrics) {
    for (const op of m.operators ?? []) if (op.latency) found.set(`${op.name}#${m.subtask}`, op.latency);
  }
  return found;
}

function assertPlausible(name: string, h: HistogramSnapshot): void {
  assert.ok(h.count > 0, `${name}: markers recorded`);
  assert.ok(h.min >= 0, `${name}: min ${h.min} >= 0`);
  assert.ok(h.max < LATENCY_BOUND_MS, `${name}: max ${h.max} < ${LATENCY_BOUND_MS} ms`);
  assert.ok(
    h.min <= h.p50 && h.p50 <= h.p99 && h.p99 <= h.max,
    `${name}: ordered quantiles ${JSON.stringify(h)}`,
  );
  assert.ok(Number.isFinite(h.mean) && Number.isFinite(h.stddev), `${name}: finite mean and stddev`);
}

class SeeingMap extends RichMapFunction<number, number> {
  static seen: unknown[] = [];
  map(n: number): number {
    SeeingMap.seen.push(n);
    return n;
  }
}

/** A job in this thread: generator -> map -> keyBy -> map -> collect, about 300 ms long. */
async function inThreadJob(interval: number | undefined, parallelism: number) {
  SeeingMap.seen = [];
  const env = StreamExecutionEnvironment.createLocalEnvironment(parallelism);
  if (interval !== undefined) env.getConfig().setLatencyTrackingInterval(interval);
  const sink = new CollectSink<number>();
  env
    .fromSource(
      new DataGeneratorSource((i) => i, 1_500, { rateLimit: 5_000 }),
      WatermarkStrategy.noWatermarks<number>(),
      'numbers',
    )
    .map(new SeeingMap())
    .keyBy((n) => n % 3)
    .map((n) => n + 1)
    .sinkTo(sink)
    .name('numbers sink');
  const client = await env.executeAsync('latency-in-thread');
  await client.getJobExecutionResult();
  return { sink, metrics: client.getMetrics() };
}

describe('latency markers', () => {
  it('are off by default: no sink has a latency histogram', async () => {
    const { sink, metrics } = await inThreadJob(undefined, 1);
    assert.equal(sink.values.length, 1_500);
    assert.equal(latencies(metrics).size, 0);
  });

  it('at -p 1 reach the sink every 10 ms and never a user function', async () => {
    const { sink, metrics } = await inThreadJob(10, 1);
    assert.equal(sink.values.length, 1_500, 'the sink got exactly the records');
    assert.equal(SeeingMap.seen.length, 1_500, 'the map saw exactly the records');
    assert.ok(SeeingMap.seen.every((v) => typeof v === 'number'));
    const found = latencies(metrics);
    assert.deepEqual([...found.keys()], ['numbers sink#0']);
    const h = found.get('numbers sink#0')!;
    assertPlausible('numbers sink', h);
    // 300 ms of input at 10 ms: tens of markers (fewer only if the loop was starved).
    assert.ok(h.count >= 5, `${h.count} markers`);
  });

  it('at -p 2 in one thread reach both sink subtasks through the keyed exchange', async () => {
    const { sink, metrics } = await inThreadJob(10, 2);
    assert.equal(sink.values.length, 1_500);
    assert.equal(SeeingMap.seen.length, 1_500);
    const found = latencies(metrics);
    assert.deepEqual([...found.keys()].sort(), ['numbers sink#0', 'numbers sink#1']);
    for (const [name, h] of found) assertPlausible(name, h);
  });
});

describe('latency markers on worker threads', () => {
  const saved = process.env.WEIR_TEST_LATENCY_INTERVAL;
  after(() => {
    if (saved === undefined) delete process.env.WEIR_TEST_LATENCY_INTERVAL;
    else process.env.WEIR_TEST_LATENCY_INTERVAL = saved;
  });

  let clusterRuns = 0;

  /** Runs the job module; `cluster`: the local cluster's metrics.latency.interval (as `weir run -D`). */
  async function run(parallelism: number, jobInterval: string, clusterInterval?: number) {
    process.env.WEIR_TEST_LATENCY_INTERVAL = jobInterval;
    if (clusterInterval === undefined) {
      const { module, results, clients } = await runJob<LatencyJob>(latencyJob, {
        parallelism,
        taskSlots: 2,
      });
      return { module, result: results[0], client: clients[0] };
    }
    const clients: JobClient[] = [];
    const url = new URL(latencyJob);
    // A fresh module instance per run: ES modules are evaluated once per URL.
    url.searchParams.set('cluster-run', String(++clusterRuns));
    setExecutionContext({
      parallelism,
      taskSlots: 2,
      jobModule: url.href,
      cluster: { latencyTrackingIntervalMs: clusterInterval },
      onJobSubmitted: (client) => clients.push(client),
    });
    try {
      const module = (await import(url.href)) as LatencyJob;
      return { module, result: await clients[0].getJobExecutionResult(), client: clients[0] };
    } finally {
      setExecutionContext(undefined);
    }
  }

  function checkJob(
    { module, result, client }: Awaited<ReturnType<typeof run>>,
    parallelism: number,
  ): Map<string, HistogramSnapshot> {
    const { RECORDS, TICKS } = module;
    assert.equal(
      result.getAccumulatorResult<number>('map-records'),
      RECORDS,
      'the map saw exactly the records',
    );
    assert.equal(result.getAccumulatorResult<number>('co-records'), RECORDS + TICKS, 'so did the co-map');
    assert.equal(module.doubled.values.length, RECORDS);
    assert.equal(module.labelled.values.length, RECORDS + TICKS);
    assert.equal(
      module.windows.values.reduce((sum, w) => sum + w.n, 0),
      RECORDS,
      'the windows counted every record',
    );
    const found = latencies(client.getMetrics());
    for (const sink of ['windows sink', 'doubled sink', 'labelled sink']) {
      for (let s = 0; s < parallelism; s++) {
        const h = found.get(`${sink}#${s}`);
        assert.ok(h, `${sink} subtask ${s} has a latency histogram (found ${[...found.keys()]})`);
        assertPlausible(`${sink}#${s}`, h);
      }
    }
    return found;
  }

  it('at -p 2 cross threads, pass a keyed exchange, a window, an async wait and a connect', async () => {
    checkJob(await run(2, '10'), 2);
  });

  it('take the cluster setting (weir run -D metrics.latency.interval=10) when the job sets none', async () => {
    checkJob(await run(2, '', 10), 2);
  });

  it("the job's own interval 0 turns them off whatever the cluster says", async () => {
    const { client } = await run(1, '0', 10);
    assert.equal(latencies(client.getMetrics()).size, 0);
  });
});

describe('latency markers between TaskManagers', { timeout: 120_000 }, () => {
  it("cross TCP at -p 2 on two TaskManagers, with the cluster's metrics.latency.interval", async () => {
    const root = mkdtempSync(join(tmpdir(), 'weir-latency-tcp-'));
    const config = (name: string, defines: string[]) =>
      loadClusterConfig({
        env: {},
        defines: [
          'rest.port=0',
          'jobmanager.rpc.port=0',
          'heartbeat.interval=200',
          'heartbeat.timeout=5000',
          `web.upload.dir=${join(root, name)}`,
          ...defines,
        ],
      });
    const quiet = () => {};
    const jm = await JobManager.start({
      config: config('jm', ['metrics.latency.interval=10']),
      version: '0.0.0-test',
      log: quiet,
    });
    const tms: TaskManager[] = [];
    try {
      for (const name of ['tm-a', 'tm-b']) {
        const tm = await TaskManager.start({
          config: config(name, ['taskmanager.numberOfTaskSlots=1']),
          jobManager: jm.addresses.rpc,
          version: '0.0.0-test',
          log: quiet,
        });
        tms.push(tm);
        await tm.registered;
      }
      const { name, code } = await bundleJob('test/jobs/latency-markers-tcp.ts');
      const { jobid } = await jm.dispatcher.submit({
        artifact: { name, code },
        args: [],
        env: {},
        parallelism: 2,
        allowNonRestoredState: false,
      });
      const master = jm.dispatcher.running().find((m) => m.jobId === jobid);
      assert.ok(master, 'the job runs');
      const result = await master.getJobExecutionResult();
      assert.equal(
        result.getAccumulatorResult<number>('map-records'),
        3_000,
        'the map saw exactly the records',
      );
      const found = latencies(master.getMetrics());
      assert.deepEqual([...found.keys()].sort(), ['discard sink#0', 'discard sink#1']);
      for (const [sink, h] of found) assertPlausible(sink, h);
    } finally {
      for (const tm of tms) await tm.close();
      await jm.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('latency marker parts', () => {
  const marker: LatencyMarker = {
    kind: 'latency-marker',
    markedTime: 1_733_212_800_123,
    vertexId: 'src-1',
    subtask: 3,
  };

  it('round-trip through the TCP frame codec', () => {
    const route = encodeRoute({ jobId: 'job-é', attempt: 2, from: 1, to: 4 });
    const m = { t: 'l', k: 77, time: marker.markedTime, vertex: 'numbers → ü', subtask: 65_535 } as const;
    const { header, payloads } = encodePeerMessage(route, m);
    const body = Buffer.concat([header, ...payloads]);
    const decoded = decodePeerMessage(body, false);
    assert.deepEqual(decoded.message, m);
    assert.deepEqual(decoded.route, { jobId: 'job-é', attempt: 2, from: 1, to: 4 });
    assert.throws(
      () => decodePeerMessage(body.subarray(0, body.length - 2), false),
      /vertex beyond the frame/,
    );
  });

  it('round-trip across threads through a remote channel, costing no credit', async () => {
    const { port1, port2 } = new MessageChannel();
    const wakeup = new Wakeup();
    const out = new RemoteOutputChannel(5, 1, new PeerLink(port1), new BatchCodec(), wakeup);
    const inLink = new PeerLink(port2);
    const input = new RemoteInputChannel(5, inLink, new BatchCodec(), wakeup);
    out.push({ kind: 'records', values: [1, 2], timestamps: null });
    assert.equal(out.hasCapacity(), false);
    out.push(marker);
    const got: StreamElement[] = [];
    await new Promise<void>((resolve) => {
      const poll = () => {
        for (let e = input.poll(); e !== undefined; e = input.poll()) got.push(e);
        if (got.length === 2) resolve();
        else setImmediate(poll);
      };
      poll();
    });
    assert.deepEqual(got[0], { kind: 'records', values: [1, 2], timestamps: null });
    assert.deepEqual(got[1], marker);
    inLink.close();
  });

  it('a record writer sends each marker to one channel, round robin, behind its buffered records', () => {
    const pushed: Array<Array<string>> = [[], []];
    const channels: OutputChannel[] = [0, 1].map((c) => ({
      push: (e: StreamElement) => pushed[c].push(e.kind === 'records' ? `records ${e.values}` : e.kind),
      hasCapacity: () => true,
      encodes: true,
    }));
    const selector = createChannelSelector({
      spec: { kind: 'rebalance' },
      producerIndex: 0,
      producerParallelism: 1,
      consumerParallelism: 2,
      maxParallelism: 128,
      edgeName: 'test',
    });
    const writer = new RecordWriter(channels, selector, 100);
    writer.emit(1, Number.NEGATIVE_INFINITY);
    writer.emit(2, Number.NEGATIVE_INFINITY);
    writer.emitLatencyMarker(marker);
    writer.emitLatencyMarker(marker);
    writer.emit(3, Number.NEGATIVE_INFINITY);
    writer.emitLatencyMarker(marker);
    writer.flush();
    const all = pushed.flat();
    assert.equal(all.filter((e) => e === 'latency-marker').length, 3, 'each marker once');
    // Every marker follows the records emitted to its channel before it.
    for (const list of pushed) {
      const last = list.lastIndexOf('latency-marker');
      assert.ok(last >= 0, `both channels got markers: ${JSON.stringify(pushed)}`);
    }
    assert.deepEqual(
      pushed.map((l) => l.filter((e) => e !== 'latency-marker').join('|')).sort(),
      ['records 1|records 3', 'records 2'].sort(),
      `records as batches: ${JSON.stringify(pushed)}`,
    );
    for (const list of pushed) {
      const firstMarker = list.indexOf('latency-marker');
      assert.ok(
        list.slice(0, firstMarker).length >= 1,
        `a marker never overtakes records: ${JSON.stringify(list)}`,
      );
    }
  });

  it('the emitter fires on the clock every interval, only while the source emits', () => {
    const clock = new ManualClock(1_000);
    const emitted: LatencyMarker[] = [];
    let open = true;
    const emitter = new LatencyMarkerEmitter({
      interval: 10,
      vertexId: 'v',
      subtask: 1,
      now: () => clock.now(),
      schedule: (time, callback) => clock.schedule(time, () => callback(time)),
      emit: (m) => {
        if (!open) return false;
        emitted.push(m);
        return true;
      },
    });
    emitter.start();
    clock.advanceTo(1_035);
    assert.deepEqual(
      emitted.map((m) => m.markedTime),
      [1_010, 1_020, 1_030],
    );
    assert.deepEqual(emitted[0], { kind: 'latency-marker', markedTime: 1_010, vertexId: 'v', subtask: 1 });
    open = false;
    clock.advanceTo(1_100);
    assert.equal(emitted.length, 3);
    assert.equal(clock.pending(), 0, 'no timer is left once the source stops');
  });

  it('the sink statistics record now - markedTime', () => {
    let now = 500;
    const stats = new LatencyStats(() => now);
    assert.equal(stats.snapshot(), undefined, 'nothing before the first marker');
    for (const [at, time] of [
      [500, 490],
      [600, 596],
      [700, 699],
    ]) {
      now = at;
      stats.report({ kind: 'latency-marker', markedTime: time, vertexId: 'v', subtask: 0 });
    }
    const h = stats.snapshot()!;
    assert.equal(h.count, 3);
    assert.equal(h.min, 1);
    assert.equal(h.max, 10);
    assert.equal(h.p50, 4);
    assert.equal(h.mean, 5);
  });
});
