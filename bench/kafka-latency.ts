/**
 * End-to-end latency of a keyed Kafka → Kafka job against the local broker (scripts/kafka.sh start):
 *
 *   npm run bench:latency -- [--rate N] [--warmup 10] [--seconds 30] [--keys 1000] [--parallelism 1]
 *                            [--marker-interval 100] [--checkpoint 10000] [--fetch-wait 500]
 *                            [--backlog 300000] [--relay]
 *
 * The job (bench/jobs/kafka-latency-job.ts: source -> keyBy -> running count per key -> sink,
 * at-least-once) runs on the worker threads of the local mini-cluster, as `weir run` runs it. A
 * producer on a worker thread of its own (kafka-latency-producer.ts) writes `<key>,<stamp>` records
 * at a fixed rate, each stamped with its send time (ms, sub-ms precision); a consumer of the output
 * topic, on this thread, computes `consume time - stamp` for every record.
 *
 * 1. Capacity (skipped with --rate). First the job alone draining a backlog of --backlog records
 *    (the output's growth between 20 % and 80 % of it): what the job does with the machine to
 *    itself. Then the maximum sustainable rate with the producer and the consumer running (they
 *    share the 2 CPUs): one job, the rate raised by steps of 4 s (+25 %, from 5,000 records/s) while
 *    the output keeps up (at least 97 % of the rate over the step's last 3 s) and the median latency
 *    of the step stays under 250 ms; the last such rate.
 * 2. Latency at half the sustainable rate (or --rate), on a fresh job and topics: after --warmup s,
 *    --seconds s are measured: p50, p90, p99, p99.9 and max over every record sent in that window,
 *    where the time went (send -> broker append, append -> the count in the job, count ->
 *    consumed: the input topic uses LogAppendTime, and the job appends its wall time), and the
 *    latency markers' histogram of the sink (its last 128 markers) next to it.
 *
 * `--relay` measures the same count written directly against the Kafka client, without Weir
 * (kafka-latency-relay.ts), for reference. Ends with one line:
 *   kafka latency at <R> records/s: p50 <a> ms, p90 <b> ms, p99 <c> ms, max <d> ms
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import {
  Admin,
  Consumer,
  ListOffsetTimestamps,
  type MessageToProduce,
  Producer,
  stringDeserializers,
} from '@platformatic/kafka';
import type { JobClient } from 'weir';
import { setExecutionContext } from '../src/api/executor.ts';
import type { HistogramSnapshot } from '../src/core/task-metrics.ts';
import type { ProducerSettings } from './kafka-latency-producer.ts';
import type { RelaySettings } from './kafka-latency-relay.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rate: { type: 'string' },
    warmup: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '30' },
    backlog: { type: 'string', default: '300000' },
    keys: { type: 'string', default: '1000' },
    parallelism: { type: 'string', default: '1' },
    'marker-interval': { type: 'string', default: '100' },
    checkpoint: { type: 'string', default: '10000' },
    'fetch-wait': { type: 'string', default: '500' },
    relay: { type: 'boolean', default: false },
    servers: { type: 'string', default: '127.0.0.1:9092' },
  },
});
const servers = values.servers;
const keys = Number(values.keys);
const parallelism = Number(values.parallelism);
const tag = `${process.pid}-${Date.now().toString(36)}`;
const jobModule = new URL('./jobs/kafka-latency-job.ts', import.meta.url);
/** Wall-clock ms with sub-ms precision, as the producer's stamps (its thread's timeOrigin + now). */
const wallNow = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (v: number) => v.toFixed(1);
const perSecond = (n: number) => Math.round(n).toLocaleString('en-US');

/** `appendTime`: records get the broker's append time as their timestamp (LogAppendTime). */
async function createTopic(topic: string, appendTime = false): Promise<void> {
  const admin = new Admin({ clientId: 'weir-bench', bootstrapBrokers: [servers] });
  try {
    await admin.createTopics({
      topics: [topic],
      partitions: parallelism,
      replicas: 1,
      configs: appendTime ? [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] : [],
    });
  } finally {
    await admin.close();
  }
}

async function endOffsets(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.listOffsets({
    topics: [
      {
        name: topic,
        partitions: Array.from({ length: parallelism }, (_, p) => ({
          partitionIndex: p,
          timestamp: ListOffsetTimestamps.LATEST,
        })),
      },
    ],
  });
  let sum = 0;
  for (const t of offsets) for (const p of t.partitions) sum += Number(p.offset);
  return sum;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, seconds = 120): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface Running {
  stop(): Promise<void>;
  /** The sinks' latency marker histograms (none for the relay). */
  markers(): Array<{ subtask: number; h: HistogramSnapshot }>;
}

let runs = 0;

/** Starts the job module on worker threads (the module awaits execute(): it settles on cancel). */
async function startJob(input: string, output: string): Promise<Running> {
  Object.assign(process.env, {
    BENCH_SERVERS: servers,
    BENCH_IN: input,
    BENCH_OUT: output,
    BENCH_LATENCY_INTERVAL: values['marker-interval'],
    BENCH_CHECKPOINT_MS: values.checkpoint,
    BENCH_FETCH_WAIT_MS: values['fetch-wait'],
  });
  const url = new URL(jobModule);
  url.searchParams.set('run', String(++runs));
  let submitted!: (client: JobClient) => void;
  const submission = new Promise<JobClient>((resolve) => (submitted = resolve));
  setExecutionContext({
    parallelism,
    taskSlots: parallelism,
    jobModule: url.href,
    onJobSubmitted: submitted,
  });
  const ended = import(url.href).catch((error) => error);
  const client = await submission;
  setExecutionContext(undefined);
  return {
    stop: async () => {
      await client.cancel();
      await ended;
    },
    markers: () => {
      const found: Array<{ subtask: number; h: HistogramSnapshot }> = [];
      for (const m of client.getMetrics()) {
        for (const op of m.operators ?? []) if (op.latency) found.push({ subtask: m.subtask, h: op.latency });
      }
      return found;
    },
  };
}

/** `--relay`: the same count without Weir (bench/kafka-latency-relay.ts), on a worker thread. */
function startRelay(input: string, output: string): Running {
  const settings: RelaySettings = { servers, input, output, fetchWaitMs: Number(values['fetch-wait']) };
  const relay = new Worker(new URL('./kafka-latency-relay.ts', import.meta.url), { workerData: settings });
  relay.on('error', (error) => {
    console.error(`the relay failed: ${error.message}`);
    process.exit(1);
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        relay.once('exit', () => resolve());
        relay.postMessage({ kind: 'stop' });
      }),
    markers: () => [],
  };
}

/** The load: bench/kafka-latency-producer.ts on a thread of its own. */
class Load {
  private readonly worker: Worker;

  constructor(topic: string, rate: number) {
    const settings: ProducerSettings = { servers, topic, rate, keys, partitions: parallelism };
    this.worker = new Worker(new URL('./kafka-latency-producer.ts', import.meta.url), {
      workerData: settings,
    });
    this.worker.on('error', (error) => {
      console.error(`the producer failed: ${error.message}`);
      process.exit(1);
    });
  }

  setRate(rate: number): void {
    this.worker.postMessage({ kind: 'rate', rate });
  }

  /** Records stamped in [from, to), and the most produce requests in flight so far. */
  count(from: number, to: number): Promise<{ records: number; maxInFlight: number }> {
    return new Promise((resolve) => {
      this.worker.once('message', resolve);
      this.worker.postMessage({ kind: 'count', from, to });
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.worker.once('exit', () => resolve());
      this.worker.postMessage({ kind: 'stop' });
    });
  }
}

/** Consumes the output topic: every record's latency and its parts, by stamp, in arrival order. */
class Latencies {
  readonly total = new Float64Array(4_000_000);
  /** send -> broker append (ms), append -> the count in the job, count -> consumed. */
  readonly toBroker = new Float64Array(this.total.length);
  readonly toCount = new Float64Array(this.total.length);
  readonly toConsumer = new Float64Array(this.total.length);
  /** send -> count (both Weir and the relay have it). */
  readonly sendToCount = new Float64Array(this.total.length);
  readonly stamps = new Float64Array(this.total.length);
  /** Consume times. */
  readonly arrivals = new Float64Array(this.total.length);
  count = 0;
  private readonly consumer: Consumer<string, string, string, string>;
  private stream: Awaited<ReturnType<Consumer<string, string, string, string>['consume']>> | undefined;

  readonly topic: string;

  constructor(topic: string) {
    this.topic = topic;
    this.consumer = new Consumer({
      clientId: 'weir-bench-consumer',
      groupId: `lat-${topic}`,
      bootstrapBrokers: [servers],
      deserializers: stringDeserializers,
      maxWaitTime: 500,
    });
  }

  async start(): Promise<void> {
    this.stream = await this.consumer.consume({ topics: [this.topic], mode: 'earliest', autocommit: false });
    this.stream.on('data', (message) => {
      const now = wallNow();
      const i = this.count;
      if (i === this.total.length) return;
      const [, s, , a, c] = (message.value as string).split(',');
      const stamp = Number(s);
      const counted = Number(c);
      this.stamps[i] = stamp;
      this.arrivals[i] = now;
      this.total[i] = now - stamp;
      this.toBroker[i] = Number(a) - stamp;
      this.toCount[i] = counted - Number(a);
      this.toConsumer[i] = now - counted;
      this.sendToCount[i] = counted - stamp;
      this.count = i + 1;
    });
  }

  /** The values of `of` for the records stamped in [from, to), sorted. */
  window(of: Float64Array, from: number, to: number): Float64Array {
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) if (this.stamps[i] >= from && this.stamps[i] < to) out.push(of[i]);
    return Float64Array.from(out).sort();
  }

  /** Records consumed in [from, to) of the consumer's clock. */
  arrived(from: number, to: number): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.arrivals[i] >= from && this.arrivals[i] < to) n++;
    return n;
  }

  async stop(): Promise<void> {
    await this.stream?.close();
    await this.consumer.close(true);
  }
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The job alone, draining a backlog: its throughput with the machine to itself. */
async function drainRate(): Promise<number> {
  const backlog = Number(values.backlog);
  const input = `lat-drain-in-${tag}`;
  const output = `lat-drain-out-${tag}`;
  await createTopic(input);
  await createTopic(output);
  const producer = new Producer({ clientId: 'weir-bench', bootstrapBrokers: [servers] });
  const stamp = wallNow();
  const pending: Promise<unknown>[] = [];
  for (let from = 0; from < backlog; from += 10_000) {
    const messages: MessageToProduce[] = [];
    for (let n = from; n < Math.min(backlog, from + 10_000); n++) {
      messages.push({
        topic: input,
        partition: n % parallelism,
        value: Buffer.from(`k${n % keys},${stamp}`),
      });
    }
    pending.push(producer.send({ messages }));
    if (pending.length >= 4) await pending.shift();
  }
  await Promise.all(pending);
  await producer.close();
  const admin = new Admin({ clientId: 'weir-bench', bootstrapBrokers: [servers] });
  const job = await startJob(input, output);
  try {
    let start: { t: number; n: number } | undefined;
    let end: { t: number; n: number } | undefined;
    await waitFor('the job to drain the backlog', async () => {
      const n = await endOffsets(admin, output);
      const t = performance.now();
      if (start === undefined && n >= backlog * 0.2) start = { t, n };
      if (end === undefined && n >= backlog * 0.8) end = { t, n };
      return end !== undefined;
    });
    return ((end!.n - start!.n) / (end!.t - start!.t)) * 1000;
  } finally {
    await job.stop();
    await admin.close();
  }
}

/** The highest rate the job keeps up with while the producer and the consumer run beside it. */
async function sustainableRate(): Promise<number> {
  const input = `lat-ramp-in-${tag}`;
  const output = `lat-ramp-out-${tag}`;
  await createTopic(input, true);
  await createTopic(output);
  const job = values.relay ? startRelay(input, output) : await startJob(input, output);
  const consumer = new Latencies(output);
  await consumer.start();
  let rate = 5_000;
  const load = new Load(input, rate);
  let good = 0;
  try {
    await waitFor('the first output record', () => consumer.count > 0);
    for (;;) {
      load.setRate(rate);
      const stepStart = wallNow();
      await sleep(1_000);
      const from = wallNow();
      await sleep(3_000);
      const to = wallNow();
      const outRate = (consumer.arrived(from, to) / (to - from)) * 1000;
      const p50 = quantile(consumer.window(consumer.total, stepStart, to), 0.5);
      const keepsUp = outRate >= rate * 0.97 && p50 < 250;
      console.log(
        `  ${perSecond(rate)} records/s: output ${perSecond(outRate)} records/s, median latency ${ms(p50)} ms${keepsUp ? '' : ': falls behind'}`,
      );
      if (!keepsUp) break;
      good = rate;
      rate = Math.round(rate * 1.25);
    }
  } finally {
    await load.stop();
    await consumer.stop();
    await job.stop();
  }
  return good;
}

/** Latency at a fixed rate, on a fresh job and topics. */
async function latencyAt(rate: number): Promise<void> {
  const warmup = Number(values.warmup) * 1000;
  const measured = Number(values.seconds) * 1000;
  const input = `lat-in-${tag}`;
  const output = `lat-out-${tag}`;
  await createTopic(input, true);
  await createTopic(output);
  const job = values.relay ? startRelay(input, output) : await startJob(input, output);
  const consumer = new Latencies(output);
  await consumer.start();
  const load = new Load(input, rate);
  // Warm-up: the job starts, its consumer group and ours settle, the JIT warms.
  await waitFor('the first output record', () => consumer.count > 0);
  await sleep(warmup);
  const from = wallNow();
  await sleep(measured);
  const to = wallNow();
  const markers = job.markers();
  const { records: sent, maxInFlight } = await load.count(from, to);
  await load.stop();
  // Every record of the window arrives (at-least-once: a duplicate would be counted twice).
  await waitFor('the window to arrive', () => consumer.window(consumer.total, from, to).length >= sent, 60);

  const total = consumer.window(consumer.total, from, to);
  const part = (name: string, of: Float64Array) => {
    const s = consumer.window(of, from, to);
    return `${name} p50 ${ms(quantile(s, 0.5))} / p99 ${ms(quantile(s, 0.99))} ms`;
  };
  console.log(
    `${total.length.toLocaleString('en-US')} records in ${measured / 1000} s after ${warmup / 1000} s of warm-up (${perSecond((sent / measured) * 1000)} records/s sent; produce requests in flight at most ${maxInFlight})`,
  );
  console.log(
    `end to end (stamp at send, consumed from the output topic): p50 ${ms(quantile(total, 0.5))} ms, p90 ${ms(quantile(total, 0.9))} ms, p99 ${ms(quantile(total, 0.99))} ms, p99.9 ${ms(quantile(total, 0.999))} ms, max ${ms(total[total.length - 1])} ms`,
  );
  console.log(
    values.relay
      ? `  where: ${part('send -> count', consumer.sendToCount)}; ${part('count -> consumed', consumer.toConsumer)}`
      : `  where: ${part('send -> count', consumer.sendToCount)} (${part('send -> broker append', consumer.toBroker)}; ${part('append -> count in the job', consumer.toCount)}, append times in whole ms); ${part('count -> consumed', consumer.toConsumer)}`,
  );
  for (const { subtask, h } of markers) {
    console.log(
      `latency markers at the sink, subtask ${subtask} (last ${Math.min(h.count, 128)} of ${h.count}, every ${values['marker-interval']} ms): p50 ${ms(h.p50)} ms, p95 ${ms(h.p95)} ms, p99 ${ms(h.p99)} ms, max ${ms(h.max)} ms`,
    );
  }
  console.log(
    `kafka latency at ${perSecond(rate)} records/s: p50 ${ms(quantile(total, 0.5))} ms, p90 ${ms(quantile(total, 0.9))} ms, p99 ${ms(quantile(total, 0.99))} ms, max ${ms(total[total.length - 1])} ms`,
  );
  await consumer.stop();
  await job.stop();
}

console.log(
  values.relay
    ? `Kafka -> running count -> Kafka without Weir (the client alone, bench/kafka-latency-relay.ts), Node ${process.version}`
    : `Kafka -> keyBy -> running count -> Kafka, at-least-once (checkpoint every ${values.checkpoint} ms), -p ${parallelism}, Node ${process.version}`,
);
console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')} (${availableParallelism()} CPUs)`,
);
let rate: number;
if (values.rate !== undefined) rate = Number(values.rate);
else {
  if (!values.relay) {
    console.log(
      `the job alone, draining ${Number(values.backlog).toLocaleString('en-US')} records: ${perSecond(await drainRate())} records/s`,
    );
  }
  console.log('sustainable rate with the producer and the consumer beside it (steps of 4 s):');
  const sustainable = await sustainableRate();
  console.log(`maximum sustainable: ${perSecond(sustainable)} records/s; measuring at half`);
  rate = Math.round(sustainable / 2);
}
await latencyAt(rate);
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
);
process.exit(process.exitCode ?? 0);
