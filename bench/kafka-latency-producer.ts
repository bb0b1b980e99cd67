/**
 * The load generator of bench/kafka-latency.ts, on a worker thread of its own so that the consumer
 * measuring latencies never delays a send (nor the reverse): every millisecond, the records due by
 * then at a fixed rate, each `<key>,<stamp>` with the wall time of the send (ms, sub-ms precision),
 * as one produce request (acks from the leader). Messages from the parent: `{ kind: 'rate', rate }`
 * changes the rate from now on; `{ kind: 'count', from, to }` asks how many records it stamped in
 * [from, to) (the answer: `{ kind: 'count', records, maxInFlight }`); `{ kind: 'stop' }` ends it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type MessageToProduce, ProduceAcks, Producer } from '@platformatic/kafka';

export interface ProducerSettings {
  servers: string;
  topic: string;
  rate: number;
  keys: number;
  partitions: number;
}

const { servers, topic, keys, partitions } = workerData as ProducerSettings;
let rate = (workerData as ProducerSettings).rate;
const wallNow = () => performance.timeOrigin + performance.now();
const producer = new Producer({
  clientId: 'weir-bench-producer',
  bootstrapBrokers: [servers],
  acks: ProduceAcks.LEADER,
});

/** One entry per produce request: its stamp and its number of records. */
const stamps: number[] = [];
const counts: number[] = [];
let sent = 0;
let stopping = false;
let inFlight = 0;
let maxInFlight = 0;
/** The rate holds from `t0`, when `base` records had been sent. */
let t0 = performance.now();
let base = 0;
const timer = setInterval(() => {
  const due = base + Math.floor(((performance.now() - t0) * rate) / 1000) - sent;
  if (due <= 0) return;
  const stamp = wallNow();
  const messages: MessageToProduce[] = new Array(due);
  for (let i = 0; i < due; i++) {
    const n = sent + i;
    messages[i] = { topic, partition: n % partitions, value: Buffer.from(`k${n % keys},${stamp}`) };
  }
  sent += due;
  stamps.push(stamp);
  counts.push(due);
  if (++inFlight > maxInFlight) maxInFlight = inFlight;
  producer.send({ messages }).then(
    () => inFlight--,
    (error: Error) => {
      inFlight--;
      if (stopping) return;
      console.error(
        `produce failed: ${error.message}`,
        (error as Error & { errors?: unknown[] }).errors ?? error.cause ?? '',
      );
      process.exit(1);
    },
  );
}, 1);

type Message =
  | { kind: 'count'; from: number; to: number }
  | { kind: 'rate'; rate: number }
  | { kind: 'stop' };
parentPort!.on('message', async (m: Message) => {
  if (m.kind === 'rate') {
    rate = m.rate;
    t0 = performance.now();
    base = sent;
    return;
  }
  if (m.kind === 'count') {
    let records = 0;
    for (let i = 0; i < stamps.length; i++) if (stamps[i] >= m.from && stamps[i] < m.to) records += counts[i];
    parentPort!.postMessage({ kind: 'count', records, maxInFlight });
    return;
  }
  clearInterval(timer);
  stopping = true;
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  await producer.close();
  parentPort!.close();
});
